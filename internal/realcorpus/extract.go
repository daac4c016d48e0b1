package realcorpus

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Limits bound what one archive may unpack to; a package is untrusted input
// and a tar bomb must end in an error, not a full disk.
type Limits struct {
	MaxFileBytes  int64 // one regular file
	MaxTotalBytes int64 // all regular files together
	MaxEntries    int   // entries of any type
}

// DefaultLimits are far above the largest package of the corpus (the Go
// toolchain module unpacks to ~260 MB in ~16,000 files; the largest npm
// file is a 3 MB bundle).
var DefaultLimits = Limits{MaxFileBytes: 256 << 20, MaxTotalBytes: 2 << 30, MaxEntries: 200_000}

// Extracted says what an extraction wrote and what it refused to create.
type Extracted struct {
	Files   int
	Bytes   int64
	Skipped []string // links, devices and fifos: "name (symlink to target)"
}

// extractTar unpacks a tar stream into dir, which must not exist yet: it is
// written as dir's sibling and renamed into place only when the whole
// archive unpacked, so a failed extraction leaves nothing behind. With
// strip, the first path segment of every entry is dropped (npm tarballs
// hold "package/…").
//
// Untrusted archives are handled this way: an absolute name, a name with a
// ".." segment, a NUL byte or a line break, or one that (after strip) is empty is an
// error that aborts the extraction; symbolic and hard links, devices and
// fifos are never created, only reported in Extracted.Skipped; regular
// files are written 0644 (0755 when any execute bit was set), never
// through an existing link, and within Limits.
func extractTar(r io.Reader, dir string, strip bool, lim Limits) (Extracted, error) {
	var res Extracted
	if _, err := os.Lstat(dir); err == nil {
		return res, fmt.Errorf("extract: %s already exists", dir)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(tmp)
		}
	}()
	tr := tar.NewReader(r)
	entries := 0
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, fmt.Errorf("extract: read archive: %w", err)
		}
		entries++
		if entries > lim.MaxEntries {
			return res, fmt.Errorf("extract: more than %d entries", lim.MaxEntries)
		}
		name, err := entryName(h.Name, strip)
		if err != nil {
			return res, fmt.Errorf("extract: %w", err)
		}
		if name == "" { // the archive's top directory itself
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := mkdirNoLinks(tmp, name); err != nil {
				return res, fmt.Errorf("extract: %w", err)
			}
		case tar.TypeReg: // archive/tar reports old TypeRegA entries as TypeReg
			if err := res.writeFile(tr, h, tmp, name, lim); err != nil {
				return res, fmt.Errorf("extract: %w", err)
			}
		case tar.TypeSymlink:
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s (symlink to %s)", name, h.Linkname))
		case tar.TypeLink:
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s (hard link to %s)", name, h.Linkname))
		case tar.TypeXGlobalHeader, tar.TypeXHeader, tar.TypeGNULongName, tar.TypeGNULongLink:
			// metadata, consumed by archive/tar
		default:
			res.Skipped = append(res.Skipped, fmt.Sprintf("%s (type %q)", name, h.Typeflag))
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return res, fmt.Errorf("extract: %w", err)
	}
	ok = true
	return res, nil
}

// writeFile writes the regular file h that tr is at as name under tmp,
// within lim, and counts it in res.
func (res *Extracted) writeFile(tr *tar.Reader, h *tar.Header, tmp, name string, lim Limits) error {
	if h.Size > lim.MaxFileBytes {
		return fmt.Errorf("%s is %d bytes, over the limit of %d", name, h.Size, lim.MaxFileBytes)
	}
	if res.Bytes+h.Size > lim.MaxTotalBytes {
		return fmt.Errorf("archive unpacks to more than %d bytes", lim.MaxTotalBytes)
	}
	if parent := path.Dir(name); parent != "." {
		if err := mkdirNoLinks(tmp, parent); err != nil {
			return err
		}
	}
	mode := os.FileMode(0o644)
	if h.Mode&0o111 != 0 {
		mode = 0o755
	}
	if err := writeEntry(filepath.Join(tmp, filepath.FromSlash(name)), tr, h.Size, mode); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	res.Files++
	res.Bytes += h.Size
	return nil
}

// extractTarGz is extractTar of a gzip-compressed file.
func extractTarGz(file, dir string, strip bool, lim Limits) (Extracted, error) {
	f, err := os.Open(file)
	if err != nil {
		return Extracted{}, fmt.Errorf("extract: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return Extracted{}, fmt.Errorf("extract %s: %w", filepath.Base(file), err)
	}
	defer zr.Close()
	return extractTar(zr, dir, strip, lim)
}

// entryName validates a tar entry name and returns it clean and relative.
func entryName(raw string, strip bool) (string, error) {
	if raw == "" || strings.ContainsAny(raw, "\x00\n\r") {
		return "", fmt.Errorf("entry %q: empty name, or a NUL or line break in it", raw)
	}
	if strings.HasPrefix(raw, "/") {
		return "", fmt.Errorf("entry %q: absolute path", raw)
	}
	var segs []string
	for _, s := range strings.Split(raw, "/") {
		switch s {
		case "", ".":
			continue
		case "..":
			return "", fmt.Errorf("entry %q: path leaves the archive", raw)
		}
		segs = append(segs, s)
	}
	if strip {
		if len(segs) == 0 {
			return "", nil
		}
		segs = segs[1:]
	}
	return strings.Join(segs, "/"), nil
}

// mkdirNoLinks creates root/rel's directories one by one, refusing to
// follow anything that is not a directory we made (the tree only ever
// holds what this extraction wrote, but check anyway).
func mkdirNoLinks(root, rel string) error {
	cur := root
	for _, s := range strings.Split(rel, "/") {
		cur = filepath.Join(cur, s)
		fi, err := os.Lstat(cur)
		switch {
		case err == nil && fi.IsDir():
			continue
		case err == nil:
			return fmt.Errorf("%s: a file is in the way of a directory", rel)
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(cur, 0o755); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

func writeEntry(target string, r io.Reader, size int64, mode os.FileMode) error {
	if fi, err := os.Lstat(target); err == nil {
		if !fi.Mode().IsRegular() {
			return errors.New("a non-regular file is in the way")
		}
		// A later entry of the same name replaces the earlier one, as tar does.
		if err := os.Remove(target); err != nil {
			return err
		}
	}
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, io.LimitReader(r, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("truncated: %d of %d bytes", n, size)
	}
	return err
}
