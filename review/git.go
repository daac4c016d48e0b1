package review

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Git reads one repository through the git command line. Nothing here
// writes to the repository or talks to a remote.
//
// The repository is not trusted: its .git/config and its .gitattributes
// are whatever a clone, a tarball or a pull request made them, and git runs
// commands they name (filter drivers, textconv, external diff, fsmonitor,
// hooks). Every git command here runs with all of those off: hooks point to
// an empty path, fsmonitor is off, diffs are taken with --no-ext-diff and
// --no-textconv, blobs are read with cat-file --batch (never through the
// work tree's filters), and every filter driver configured anywhere has its
// clean, smudge and process commands emptied (GIT_CONFIG_COUNT overrides,
// which no name can break out of).
type Git struct {
	// Root is the top level of the working tree (absolute).
	Root string
	// noFilters are the GIT_CONFIG_* variables that switch off the
	// configured filter drivers.
	noFilters []string
}

// OpenGit finds the repository holding dir.
func OpenGit(ctx context.Context, dir string) (*Git, error) {
	if dir == "" {
		dir = "."
	}
	out, err := (&Git{Root: dir}).output(ctx, "rev-parse", "--show-toplevel")
	if err != nil {
		if strings.Contains(err.Error(), "not a git repository") {
			return nil, fmt.Errorf("review: %s is not in a git working tree", dir)
		}
		return nil, fmt.Errorf("review: %s: %w", dir, err)
	}
	if out == "" {
		return nil, fmt.Errorf("review: %s is not in a git working tree (a bare repository?)", dir)
	}
	g := &Git{Root: out}
	if err := g.disableFilters(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// disableFilters finds the filter drivers the configuration defines (in any
// scope, includes followed: reading configuration runs nothing) and
// prepares the overrides that empty their commands.
func (g *Git) disableFilters(ctx context.Context) error {
	cmd := g.command(ctx, "config", "-z", "--name-only", "--get-regexp", `^filter\.`)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		// Status 1 is "no such key"; anything else means the configuration
		// cannot be read, and the filters cannot be known to be off.
		return fmt.Errorf("review: reading the git configuration: %v %s", err, strings.TrimSpace(stderr.String()))
	}
	seen := map[string]bool{}
	var env []string
	for _, key := range bytes.Split(out, []byte{0}) {
		k := string(key)
		i := strings.LastIndexByte(k, '.')
		if !strings.HasPrefix(k, "filter.") || i <= len("filter.") {
			continue
		}
		name := k[len("filter."):i]
		if seen[name] {
			continue
		}
		seen[name] = true
		for _, sub := range []string{"clean", "smudge", "process"} {
			env = append(env, "filter."+name+"."+sub, "")
		}
		env = append(env, "filter."+name+".required", "false")
	}
	n := len(env) / 2
	g.noFilters = []string{"GIT_CONFIG_COUNT=" + strconv.Itoa(n)}
	for i := 0; i < n; i++ {
		g.noFilters = append(g.noFilters,
			fmt.Sprintf("GIT_CONFIG_KEY_%d=%s", i, env[2*i]),
			fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", i, env[2*i+1]))
	}
	return nil
}

// safeConfig are the settings every command runs with: output in the shape
// this package parses, whatever the user's configuration says, and nothing
// the repository's configuration names is run.
var safeConfig = []string{
	"-c", "core.quotePath=false", "-c", "diff.noprefix=false", "-c", "log.showSignature=false",
	"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
	"-c", "core.pager=cat", "-c", "core.untrackedCache=false",
}

// command builds a git command with safeConfig and the filter overrides.
func (g *Git) command(ctx context.Context, args ...string) *exec.Cmd {
	full := append(append([]string{"-C", g.Root}, safeConfig...), args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	env := os.Environ()
	kept := env[:0]
	for _, kv := range env {
		// The caller's own GIT_CONFIG_* overrides would be replaced, not
		// merged: drop them rather than let them be misread.
		if !strings.HasPrefix(kv, "GIT_CONFIG_COUNT=") && !strings.HasPrefix(kv, "GIT_CONFIG_KEY_") && !strings.HasPrefix(kv, "GIT_CONFIG_VALUE_") {
			kept = append(kept, kv)
		}
	}
	cmd.Env = append(append(kept, "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C", "GIT_PAGER=cat"), g.noFilters...)
	// A command the context ends gets SIGTERM first, and SIGKILL only if it
	// does not exit promptly.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// output runs git and returns its trimmed standard output.
func (g *Git) output(ctx context.Context, args ...string) (string, error) {
	b, err := g.outputBytes(ctx, args...)
	return strings.TrimSpace(string(b)), err
}

func (g *Git) outputBytes(ctx context.Context, args ...string) ([]byte, error) {
	cmd := g.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out, nil
}

// ok runs git and reports whether it exited with status 0.
func (g *Git) ok(ctx context.Context, args ...string) bool {
	cmd := g.command(ctx, args...)
	return cmd.Run() == nil
}

// Commit resolves rev to a commit id, or returns an error.
func (g *Git) Commit(ctx context.Context, rev string) (string, error) {
	out, err := g.output(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}")
	if err != nil || out == "" {
		return "", fmt.Errorf("review: %q is not a commit", rev)
	}
	return out, nil
}

// Head returns the commit HEAD points to, or "" on an unborn branch.
func (g *Git) Head(ctx context.Context) string {
	c, err := g.Commit(ctx, "HEAD")
	if err != nil {
		return ""
	}
	return c
}

// Branch returns the current branch's short name, or "" when HEAD is
// detached.
func (g *Git) Branch(ctx context.Context) string {
	out, err := g.output(ctx, "symbolic-ref", "-q", "--short", "HEAD")
	if err != nil {
		return ""
	}
	return out
}

// DefaultBranch finds the branch changes are reviewed against: the remote's
// HEAD (origin/HEAD), else main, else master.
func (g *Git) DefaultBranch(ctx context.Context) (string, error) {
	if out, err := g.output(ctx, "symbolic-ref", "-q", "--short", "refs/remotes/origin/HEAD"); err == nil && out != "" {
		if _, err := g.Commit(ctx, out); err == nil {
			return out, nil
		}
	}
	for _, name := range []string{"main", "master", "origin/main", "origin/master"} {
		if _, err := g.Commit(ctx, name); err == nil {
			return name, nil
		}
	}
	return "", errors.New("review: cannot find the default branch (no origin/HEAD, main or master); pass --base")
}

// MergeBase returns the best common ancestor of a and b, or "".
func (g *Git) MergeBase(ctx context.Context, a, b string) string {
	out, err := g.output(ctx, "merge-base", a, b)
	if err != nil {
		return ""
	}
	return strings.Fields(out + " ")[0]
}

// IsAncestor reports whether commit a is an ancestor of (or equal to) b.
func (g *Git) IsAncestor(ctx context.Context, a, b string) bool {
	return g.ok(ctx, "merge-base", "--is-ancestor", a, b)
}

// emptyTree returns the id of the empty tree in this repository's hash.
func (g *Git) emptyTree(ctx context.Context) (string, error) {
	cmd := g.command(ctx, "hash-object", "-t", "tree", "--stdin")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git hash-object: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Hunk is one changed block of a diff, as 0-based half-open line ranges.
// A pure insertion has an empty Old range at the line before which the new
// lines go; a pure deletion an empty New range.
type Hunk struct {
	Old, New LineRange
}

// LineRange is the 0-based half-open range of lines [Start, End).
type LineRange struct{ Start, End int }

// Len returns the number of lines.
func (r LineRange) Len() int { return r.End - r.Start }

// FileDiff is one file of a diff.
type FileDiff struct {
	OldPath, NewPath string // slash paths; "" for /dev/null
	OldBlob, NewBlob string // full object ids; "" when absent
	NewMode          string // "100644", "120000", ...; "" when unchanged
	Binary           bool
	Untracked        bool // not in the index: the whole file is new
	Hunks            []Hunk
}

// isZeroID reports whether id is git's all-zero object id.
func isZeroID(id string) bool { return strings.Trim(id, "0") == "" }

// diffParser reads `git diff -U0` / `git log -p -U0` output line by line.
// File diffs are delivered to onFile when complete; lines that start with
// the commit marker are delivered to onCommit (after the previous commit's
// last file).
type diffParser struct {
	onFile   func(*FileDiff) error
	onCommit func(line string) error
	cur      *FileDiff
	inHunk   bool
}

// commitMarker starts the per-commit header line of `git log --format`.
const commitMarker = "\x1e"

func (p *diffParser) flush() error {
	if p.cur == nil {
		return nil
	}
	f := p.cur
	p.cur, p.inHunk = nil, false
	if p.onFile != nil {
		return p.onFile(f)
	}
	return nil
}

func (p *diffParser) line(l []byte) error {
	if bytes.HasPrefix(l, []byte(commitMarker)) {
		if err := p.flush(); err != nil {
			return err
		}
		if p.onCommit != nil {
			return p.onCommit(string(bytes.TrimRight(l, "\r\n")))
		}
		return nil
	}
	if bytes.HasPrefix(l, []byte("diff --git ")) {
		if err := p.flush(); err != nil {
			return err
		}
		p.cur = &FileDiff{}
		return nil
	}
	if p.cur == nil {
		return nil
	}
	if p.inHunk {
		switch {
		case len(l) == 0, l[0] == '+', l[0] == '-', l[0] == ' ', l[0] == '\\':
			return nil
		}
		p.inHunk = false
	}
	s := string(bytes.TrimRight(l, "\r\n"))
	switch {
	case strings.HasPrefix(s, "@@ "):
		h, ok := parseHunkHeader(s)
		if ok {
			p.cur.Hunks = append(p.cur.Hunks, h)
		}
		p.inHunk = true
	case strings.HasPrefix(s, "index "):
		f := strings.Fields(s)
		if len(f) >= 2 {
			if o, n, ok := strings.Cut(f[1], ".."); ok {
				if !isZeroID(o) {
					p.cur.OldBlob = o
				}
				if !isZeroID(n) {
					p.cur.NewBlob = n
				}
			}
		}
		if len(f) >= 3 {
			p.cur.NewMode = f[2]
		}
	case strings.HasPrefix(s, "new file mode "):
		p.cur.NewMode = strings.TrimPrefix(s, "new file mode ")
	case strings.HasPrefix(s, "new mode "):
		p.cur.NewMode = strings.TrimPrefix(s, "new mode ")
	case strings.HasPrefix(s, "deleted file mode "):
		p.cur.NewPath = ""
	case strings.HasPrefix(s, "rename from "):
		p.cur.OldPath = unquotePath(strings.TrimPrefix(s, "rename from "), "")
	case strings.HasPrefix(s, "rename to "):
		p.cur.NewPath = unquotePath(strings.TrimPrefix(s, "rename to "), "")
	case strings.HasPrefix(s, "copy from "):
		p.cur.OldPath = unquotePath(strings.TrimPrefix(s, "copy from "), "")
	case strings.HasPrefix(s, "copy to "):
		p.cur.NewPath = unquotePath(strings.TrimPrefix(s, "copy to "), "")
	case strings.HasPrefix(s, "--- "):
		p.cur.OldPath = unquotePath(strings.TrimPrefix(s, "--- "), "a/")
	case strings.HasPrefix(s, "+++ "):
		p.cur.NewPath = unquotePath(strings.TrimPrefix(s, "+++ "), "b/")
	case strings.HasPrefix(s, "Binary files ") || s == "GIT binary patch":
		p.cur.Binary = true
	}
	return nil
}

// unquotePath decodes a path as git prints it in diff headers: C-quoted
// when it holds unusual characters, with a prefix, "/dev/null" for none, and
// a trailing tab when it contains a space.
func unquotePath(s, prefix string) string {
	s = strings.TrimSuffix(s, "\t")
	if s == "/dev/null" {
		return ""
	}
	if strings.HasPrefix(s, `"`) {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
	}
	return strings.TrimPrefix(s, prefix)
}

// parseHunkHeader reads "@@ -os[,oc] +ns[,nc] @@".
func parseHunkHeader(s string) (Hunk, bool) {
	f := strings.Fields(s)
	if len(f) < 3 || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return Hunk{}, false
	}
	os, oc, ok1 := parseRange(f[1][1:])
	ns, nc, ok2 := parseRange(f[2][1:])
	if !ok1 || !ok2 {
		return Hunk{}, false
	}
	return Hunk{Old: gitRange(os, oc), New: gitRange(ns, nc)}, true
}

// gitRange converts git's 1-based start and count to a 0-based range. With
// a zero count git gives the line after which the change happens.
func gitRange(start, count int) LineRange {
	if count == 0 {
		return LineRange{start, start}
	}
	return LineRange{start - 1, start - 1 + count}
}

func parseRange(s string) (start, count int, ok bool) {
	a, b, has := strings.Cut(s, ",")
	start, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, false
	}
	count = 1
	if has {
		if count, err = strconv.Atoi(b); err != nil {
			return 0, 0, false
		}
	}
	return start, count, true
}

// maxLine bounds one line of diff output kept in memory; the rest of a
// longer line is skipped (only headers are read, and they are short).
const maxLine = 64 << 10

// scanLines calls fn for each line of r (with its newline), truncating
// lines longer than maxLine.
func scanLines(r io.Reader, fn func([]byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			if len(long) < maxLine {
				long = append(long, chunk[:min(len(chunk), maxLine-len(long))]...)
			}
			continue
		}
		line := chunk
		if long != nil {
			if len(long) < maxLine {
				long = append(long, chunk[:min(len(chunk), maxLine-len(long))]...)
			}
			line, long = long, nil
		}
		if len(line) > 0 {
			if ferr := fn(line); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// diffArgs are the options every diff this package parses is produced with.
var diffArgs = []string{"-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-relative",
	"--full-index", "-M", "--src-prefix=a/", "--dst-prefix=b/", "--ignore-submodules=all"}

// DiffWorktree returns the changes of the working tree (staged or not)
// against base, then the untracked files (not ignored) as added files with
// no blob ids. pathspecs limit both.
func (g *Git) DiffWorktree(ctx context.Context, base string, pathspecs []string) ([]*FileDiff, error) {
	args := append([]string{"diff"}, diffArgs...)
	args = append(args, base, "--")
	args = append(args, pathspecs...)
	cmd := g.command(ctx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git diff: %w", err)
	}
	var files []*FileDiff
	p := &diffParser{onFile: func(f *FileDiff) error { files = append(files, f); return nil }}
	perr := scanLines(stdout, p.line)
	if perr == nil {
		perr = p.flush()
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("git diff %s: %s", base, strings.TrimSpace(stderr.String()))
	}
	if perr != nil {
		return nil, perr
	}
	largs := append([]string{"ls-files", "-z", "--others", "--exclude-standard", "--"}, pathspecs...)
	out, err := g.outputBytes(ctx, largs...)
	if err != nil {
		return nil, err
	}
	for _, p := range bytes.Split(out, []byte{0}) {
		if len(p) == 0 {
			continue
		}
		files = append(files, &FileDiff{NewPath: string(p), Untracked: true})
	}
	return files, nil
}

// blobReader fetches objects through one long-running `git cat-file
// --batch`, so that reading thousands of blobs costs no process each.
type blobReader struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func (g *Git) blobs(ctx context.Context) (*blobReader, error) {
	cmd := g.command(ctx, "cat-file", "--batch")
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("git cat-file: %w", err)
	}
	return &blobReader{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 64<<10)}, nil
}

// errTooLarge reports a blob over the size limit (it was skipped).
var errTooLarge = errors.New("too large")

// read returns the blob named by spec (an object id or "rev:path"). ok is
// false when there is no such blob; err is errTooLarge (with ok true) when
// it is larger than limit bytes.
func (b *blobReader) read(spec string, limit int) (data []byte, ok bool, err error) {
	if strings.ContainsAny(spec, "\n\r") {
		return nil, false, nil
	}
	if _, err := io.WriteString(b.in, spec+"\n"); err != nil {
		return nil, false, fmt.Errorf("git cat-file: %w", err)
	}
	header, err := b.out.ReadString('\n')
	if err != nil {
		return nil, false, fmt.Errorf("git cat-file: %w", err)
	}
	f := strings.Fields(header)
	if len(f) != 3 {
		return nil, false, nil // "<spec> missing" or "ambiguous"
	}
	size, err := strconv.Atoi(f[2])
	if err != nil {
		return nil, false, fmt.Errorf("git cat-file: bad header %q", header)
	}
	if f[1] != "blob" || size > limit {
		if _, err := io.CopyN(io.Discard, b.out, int64(size)+1); err != nil {
			return nil, false, fmt.Errorf("git cat-file: %w", err)
		}
		if f[1] != "blob" {
			return nil, false, nil
		}
		return nil, true, errTooLarge
	}
	data = make([]byte, size+1)
	if _, err := io.ReadFull(b.out, data); err != nil {
		return nil, false, fmt.Errorf("git cat-file: %w", err)
	}
	return data[:size], true, nil
}

func (b *blobReader) close() {
	b.in.Close()
	_ = b.cmd.Wait()
}
