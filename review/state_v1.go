package review

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/syntx/syntx/rules"
)

// stateV1 is a review state written before version 2, which kept whole
// files (gzipped snapshots, with code storage on), the unredacted texts of
// each region and plain SHA-256 hashes. Record converts it on first use
// and deletes the snapshots.
type stateV1 struct {
	Version int        `json:"version"`
	Repo    string     `json:"repo"`
	Branch  string     `json:"branch"`
	Entries []*entryV1 `json:"entries"`

	file string
}

type entryV1 struct {
	ID              string    `json:"id"`
	Set             string    `json:"set"`
	Rule            string    `json:"rule"`
	Path            string    `json:"path"`
	Line            int       `json:"line"`
	Head            string    `json:"head"`
	File            string    `json:"file_sha256"`
	Region          [2]int    `json:"region"`
	BaseBranch      string    `json:"base_branch,omitempty"`
	BaseHad         bool      `json:"base_had,omitempty"`
	OriginalSHA256  string    `json:"original_sha256"`
	SuggestedSHA256 string    `json:"suggested_sha256"`
	Original        string    `json:"original,omitempty"`
	Suggested       string    `json:"suggested,omitempty"`
	Offered         time.Time `json:"offered"`
}

// readSnapshotV1 reads a version 1 snapshot, nil unless it is whole.
func readSnapshotV1(dir, sum string) []byte {
	if sum == "" || filepath.Base(sum) != sum {
		return nil
	}
	f, err := os.Open(filepath.Join(dir, "snapshots", sum+".gz"))
	if err != nil {
		return nil
	}
	defer f.Close()
	zr, err := gzip.NewReader(io.LimitReader(f, defaultMaxFileBytes))
	if err != nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(zr, defaultMaxFileBytes+1))
	if err != nil || len(b) > defaultMaxFileBytes || sha(b) != sum {
		return nil
	}
	return b
}

// convertV1 turns a version 1 state into a version 2 one: each entry whose
// file version is still known (its snapshot, or the commit it was recorded
// at) is placed anew, with keyed line hashes and, with code storage on,
// its redacted hunk and texts; the others are dropped (their suggestions
// stay offered in the store, without an outcome). The note says so.
func (rv *resolver) convertV1(ctx context.Context, old *stateV1) (*state, string, error) {
	st := &state{Version: stateVersion, Repo: old.Repo, Branch: old.Branch, file: old.file, changed: true}
	kept, dropped := 0, 0
	for _, o := range old.Entries {
		content := readSnapshotV1(rv.dir, o.File)
		if content == nil && o.Head != "" {
			if b, ok, err := rv.br.read(o.Head+":"+o.Path, defaultMaxFileBytes); err == nil && ok && sha(b) == o.File {
				content = b
			}
		}
		region := rules.Span{Start: o.Region[0], End: o.Region[1]}
		if content == nil || region.End > len(content) || region.Start > region.End {
			dropped++
			continue
		}
		suggested, ok := rv.v1Suggested(ctx, o, content, region)
		if !ok {
			dropped++
			continue
		}
		f := newRedFile(content)
		sum, err := f.fileHash(rv.mac)
		if err != nil {
			return nil, "", err
		}
		e := &entry{ID: o.ID, Set: o.Set, Rule: o.Rule, Path: o.Path, Line: o.Line, Head: o.Head,
			BaseBranch: o.BaseBranch, BaseHad: o.BaseHad, Offered: o.Offered}
		if err := rv.place(e, f, sum, region); err != nil {
			return nil, "", err
		}
		orig, sugg := f.regionTexts(region, suggested)
		e.OriginalHash, e.SuggestedHash = rv.opts.DB.Hash(orig), rv.opts.DB.Hash(sugg)
		if rv.opts.StoreCode {
			e.Original, e.Suggested = orig, sugg
		}
		st.Entries = append(st.Entries, e)
		kept++
	}
	return st, fmt.Sprintf("converted the review state of %s (branch %s) written by an older SyntX: %d open suggestions kept, "+
		"with keyed hashes and redacted hunks only; %d dropped (their recorded file is gone); whole-file snapshots deleted",
		old.Repo, old.Branch, kept, dropped), nil
}

// v1Suggested returns the fix text of a version 1 entry: kept with code
// storage on, else found again by running its rule on the recorded file.
func (rv *resolver) v1Suggested(ctx context.Context, o *entryV1, content []byte, region rules.Span) (string, bool) {
	if !bytes.Equal(content[region.Start:region.End], []byte(o.Original)) && o.Original != "" {
		return "", false
	}
	if o.Original != "" || o.Suggested != "" {
		return o.Suggested, true
	}
	if rv.opts.Library == nil {
		return "", false
	}
	ls := newLines(content)
	an := &analyzer{lib: rv.opts.Library}
	found, err := an.analyze(ctx, grammarFor(o.Path), o.Path, content, ls, []LineRange{ls.spanLines(region.Start, region.End)})
	if err != nil {
		return "", false
	}
	for _, f := range found {
		if f.Rule.ID == o.Rule && f.Region == region && sha([]byte(f.Original)) == o.OriginalSHA256 && sha([]byte(f.Suggested)) == o.SuggestedSHA256 {
			return f.Suggested, true
		}
	}
	return "", false
}
