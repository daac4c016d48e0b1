package review

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/safeio"
)

// WorkspaceAt reads the workspace files (.syntx/config.toml and
// .syntx/rules/**/*.toml) as they are in the commit rev, through
// `git ls-tree` and `git cat-file --batch`: no work tree, no filters, the
// same limits as a folder. label names the revision in messages and in the
// rules' sources ("main (3f2a9c1d0b7e)"). The result is marked trusted:
// the caller reads from the base revision because what is merged there was
// reviewed, unlike the head of a pull request.
func (g *Git) WorkspaceAt(ctx context.Context, rev, label string) (*config.Workspace, error) {
	ws := &config.Workspace{Root: g.Root, From: label, Trusted: true, Note: "read from " + label}
	out, err := g.outputBytes(ctx, "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", rev, "--", config.WorkspaceDir)
	if err != nil {
		return nil, fmt.Errorf("review: listing %s in %s: %w", config.WorkspaceDir, label, err)
	}
	br, err := g.blobs(ctx)
	if err != nil {
		return nil, err
	}
	defer br.close()
	lim := config.RuleLimits
	var total int64
	rulesDir := config.WorkspaceDir + "/rules/"
	for _, entry := range bytes.Split(out, []byte{0}) {
		meta, path, ok := strings.Cut(string(entry), "\t")
		if !ok {
			continue
		}
		f := strings.Fields(meta)
		if len(f) != 3 {
			continue
		}
		mode, typ, oid := f[0], f[1], f[2]
		isConfig := path == config.WorkspaceDir+"/config.toml"
		rel, isRule := strings.CutPrefix(path, rulesDir)
		isRule = isRule && strings.HasSuffix(rel, ".toml")
		if !isConfig && !isRule {
			continue
		}
		problem := func(format string, args ...any) {
			ws.Problems = append(ws.Problems, fmt.Errorf("%s@%s: "+format, append([]any{path, label}, args...)...))
		}
		switch {
		case typ != "blob":
			continue
		case mode == "120000":
			problem("a symbolic link: not followed")
			continue
		case mode != "100644" && mode != "100755":
			problem("mode %s: skipped", mode)
			continue
		case isRule && strings.Count(rel, "/") > lim.Depth:
			problem("nested deeper than %d directories: skipped", lim.Depth)
			continue
		case isRule && len(ws.Rules) >= lim.Files:
			problem("more than %d files: skipped", lim.Files)
			continue
		}
		limit := config.MaxConfigBytes
		if isRule {
			limit = int(min(lim.FileBytes, lim.TotalBytes-total))
		}
		data, found, err := br.read(oid, limit)
		switch {
		case errors.Is(err, errTooLarge):
			problem("%v (more than %d bytes)", safeio.ErrTooLarge, limit)
			continue
		case err != nil:
			return nil, err
		case !found:
			problem("object %s missing", oid)
			continue
		}
		if isConfig {
			ws.Config = data
			continue
		}
		total += int64(len(data))
		ws.Rules = append(ws.Rules, safeio.File{Name: rel, Data: data})
	}
	return ws, nil
}
