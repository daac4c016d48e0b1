// Package atomicfile is the one way SyntX writes its data and state files:
// the review state, learn cursors, the adapter pointer, hash keys, exports
// and reports. A reader, or a process that starts after a crash, sees
// either the old file or the new one, never a half-written one.
//
// # How a file is written
//
// Write creates a temporary file in the destination's directory (so the
// rename stays on one file system), lets the caller fill it, then
//
//  1. fsyncs the file, so its bytes are on disk before its name is;
//  2. sets its mode (0600 unless the caller asks for another);
//  3. renames it over the destination, which replaces it atomically;
//  4. fsyncs the directory, so the rename itself survives a power cut.
//
// On any error the temporary file is removed and the destination is left
// as it was. Temporary files are named "." + the destination's base name +
// ".tmp-" + random characters, so a reader that lists a directory can skip
// them (and Clean removes those a crash left behind).
//
// # Directories
//
// MkdirAll creates missing directories with mode 0700 whatever the umask,
// leaving existing ones as they are. SyncDir fsyncs a directory after an
// entry in it was created, renamed or removed; Remove and RemoveAll remove
// and then fsync the parent, so that a deletion (a forget) is durable too.
//
// Personal data is 0600 in 0700 directories: FileMode and DirMode. Files a
// user asked for outside $SYNTX_HOME (an exported model) may use another
// mode through WriteMode.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The modes of SyntX's data: readable by its owner only.
const (
	FileMode fs.FileMode = 0o600
	DirMode  fs.FileMode = 0o700
)

// tmpInfix marks temporary files: "." + base + tmpInfix + random.
const tmpInfix = ".tmp-"

// WriteFile writes data to path atomically with mode 0600. The directory
// must exist (see MkdirAll).
func WriteFile(path string, data []byte) error {
	return WriteMode(path, FileMode, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes path atomically with mode 0600: fn writes the content.
func Write(path string, fn func(io.Writer) error) error {
	return WriteMode(path, FileMode, fn)
}

// WriteMode writes path atomically with the given permission bits: fn
// writes the content to a temporary file in path's directory, which is
// fsynced, given mode perm, renamed over path, and the directory fsynced.
// If fn or any step fails, path is left as it was and the error says which
// file it was.
func WriteMode(path string, perm fs.FileMode, fn func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+tmpInfix+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = fn(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, perm.Perm())
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// SyncDir fsyncs a directory, making the creation, rename or removal of
// its entries durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", dir, err)
	}
	return nil
}

// MkdirAll creates dir and its missing parents with mode 0700, whatever
// the umask. Existing directories are left as they are; a path that exists
// and is not a directory is an error.
func MkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, DirMode); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return os.Chmod(dir, DirMode)
}

// Remove removes path and fsyncs its directory. A path that does not exist
// is not an error.
func Remove(path string) error {
	err := os.Remove(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// RemoveAll removes path and everything under it, then fsyncs its parent.
// A path that does not exist is not an error.
func RemoveAll(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err := os.RemoveAll(path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// IsTemp reports whether name (a base name) is a temporary file of Write.
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tmpInfix)
}

// Clean removes the temporary files a crash left in dir. A missing
// directory is not an error.
func Clean(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	removed := false
	for _, e := range ents {
		if !e.IsDir() && IsTemp(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			removed = true
		}
	}
	if removed {
		return SyncDir(dir)
	}
	return nil
}
