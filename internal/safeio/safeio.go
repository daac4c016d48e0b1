// Package safeio reads files that somebody else may have put on the disk: rule
// files and configuration in a cloned repository, a model or an adapter named
// by a setting. Reading such a file must not hang, exhaust memory or leave the
// directory it belongs to, so every read here
//
//   - opens regular files only: a device (/dev/zero), a FIFO or a socket is
//     refused from its metadata, before it is opened, and checked again on
//     the open descriptor (opened non-blocking, so a FIFO swapped in between
//     cannot block the open);
//   - reads at most the given limit plus one byte, and fails with ErrTooLarge
//     past it, before anything is parsed: the size check does not trust the
//     file's reported size, which a growing file or a special file can lie
//     about;
//   - inside a Dir, resolves names with os.Root, so no path and no symbolic
//     link (a link survives `git clone`) can reach outside the directory.
//
// ReadFile is for a path the user chose (a setting in their own
// configuration): symbolic links are followed wherever they lead, since the
// user put them there, but the file must still be regular and small enough.
// Dir is for a directory whose content is not the user's to vouch for, or
// whose links should stay inside it (workspace and user rule directories).
package safeio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// ErrNotRegular reports a path that is not a regular file (a directory, a
// device, a FIFO, a socket).
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge reports a file larger than the limit it was read with.
var ErrTooLarge = errors.New("file too large")

// openFlags open without blocking (a FIFO opened for reading waits for a
// writer otherwise) and without leaking the descriptor into children.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// ReadFile reads the regular file at name, at most limit bytes. Symbolic
// links are followed.
func ReadFile(name string, limit int64) ([]byte, error) {
	st, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(name, st.Mode())
	}
	f, err := os.OpenFile(name, openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpened(f, name, st, limit)
}

// readOpened checks that the open file is still the regular file st
// described and reads it through the limit.
func readOpened(f *os.File, name string, st fs.FileInfo, limit int64) ([]byte, error) {
	fst, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fst.Mode().IsRegular() {
		return nil, notRegular(name, fst.Mode())
	}
	if !os.SameFile(st, fst) {
		return nil, fmt.Errorf("%s: replaced while it was being opened", name)
	}
	if fst.Size() > limit {
		return nil, fmt.Errorf("%s: %w (%d bytes, the limit is %d)", name, ErrTooLarge, fst.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: %w (more than %d bytes)", name, ErrTooLarge, limit)
	}
	return b, nil
}

func notRegular(name string, m fs.FileMode) error {
	kind := "a special file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeDevice != 0:
		kind = "a device"
	case m&fs.ModeNamedPipe != 0:
		kind = "a FIFO"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	}
	return fmt.Errorf("%s: %w (it is %s)", name, ErrNotRegular, kind)
}

// Dir reads files inside one directory and never outside it.
type Dir struct {
	root *os.Root
	name string // for messages
}

// OpenDir opens the directory name. A missing directory gives an error
// satisfying errors.Is(err, fs.ErrNotExist).
func OpenDir(name string) (*Dir, error) {
	r, err := os.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r, name: name}, nil
}

// Sub opens the directory rel inside d as a Dir of its own: it may be a
// symbolic link, but only to a directory inside d.
func (d *Dir) Sub(rel string) (*Dir, error) {
	r, err := d.root.OpenRoot(rel)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r, name: filepath.Join(d.name, filepath.FromSlash(rel))}, nil
}

// Name returns the directory's path as it was opened.
func (d *Dir) Name() string { return d.name }

// Close releases the directory.
func (d *Dir) Close() error { return d.root.Close() }

// ReadFile reads the regular file rel (a slash path inside d), at most limit
// bytes.
func (d *Dir) ReadFile(rel string, limit int64) ([]byte, error) {
	full := filepath.Join(d.name, filepath.FromSlash(rel))
	st, err := d.root.Stat(rel)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(full, st.Mode())
	}
	f, err := d.root.OpenFile(rel, openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpened(f, full, st, limit)
}

// Limits bound a walk.
type Limits struct {
	FileBytes  int64 // each file
	TotalBytes int64 // all files together
	Files      int   // number of files read
	Depth      int   // directory levels below the walked one
}

// File is one file read by Walk.
type File struct {
	Name string // slash path relative to the walked directory
	Data []byte
}

// Problem is a file or directory Walk skipped, and why. Err names it with
// the walked directory's path.
type Problem struct {
	Name string // slash path relative to the walked directory
	Err  error
}

func (p Problem) Error() string { return p.Err.Error() }

// Walk reads every regular file under d whose name ends in ext, in lexical
// order, within limits. Symbolic links are followed only to regular files
// inside d; links to directories, special files and files past the limits
// are skipped and reported. A directory that cannot be listed is reported
// too. It returns no error for a missing d.
func (d *Dir) Walk(ext string, lim Limits) ([]File, []Problem) {
	w := walker{d: d, ext: ext, lim: lim}
	w.dir(".", 0)
	return w.files, w.problems
}

type walker struct {
	d        *Dir
	ext      string
	lim      Limits
	total    int64
	files    []File
	problems []Problem
}

func (w *walker) fail(rel string, format string, args ...any) {
	full := filepath.Join(w.d.name, filepath.FromSlash(rel))
	w.problems = append(w.problems, Problem{rel, fmt.Errorf("%s: "+format, append([]any{full}, args...)...)})
}

func (w *walker) dir(rel string, depth int) {
	f, err := w.d.root.Open(rel)
	if err != nil {
		if !(rel == "." && errors.Is(err, fs.ErrNotExist)) {
			w.fail(rel, "%w", err)
		}
		return
	}
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		w.fail(rel, "%w", err)
		return
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	for _, e := range ents {
		name := path.Join(rel, e.Name())
		typ := e.Type()
		switch {
		case typ.IsDir():
			if depth+1 > w.lim.Depth {
				w.fail(name, "nested deeper than %d directories: skipped", w.lim.Depth)
				continue
			}
			w.dir(name, depth+1)
			continue
		case !strings.HasSuffix(e.Name(), w.ext):
			continue
		}
		if typ&fs.ModeSymlink != 0 {
			st, err := w.d.root.Stat(name)
			if err != nil {
				w.fail(name, "a symbolic link that does not lead to a file inside %s: skipped (%w)", w.d.name, err)
				continue
			}
			if st.IsDir() {
				w.fail(name, "a symbolic link to a directory: skipped")
				continue
			}
		}
		if len(w.files) >= w.lim.Files {
			w.fail(name, "more than %d files: skipped", w.lim.Files)
			continue
		}
		left := w.lim.TotalBytes - w.total
		data, err := w.d.ReadFile(name, min(w.lim.FileBytes, left))
		if err != nil {
			if errors.Is(err, ErrTooLarge) && left < w.lim.FileBytes {
				w.fail(name, "skipped: the files before it already hold %d of the %d bytes allowed in all", w.total, w.lim.TotalBytes)
				continue
			}
			w.problems = append(w.problems, Problem{name, err})
			continue
		}
		w.total += int64(len(data))
		w.files = append(w.files, File{Name: name, Data: data})
	}
}
