package realcorpus

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// hashFile returns the digest of a file's content.
func hashFile(file string, h hash.Hash) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// npmIntegrity is npm's integrity string (sha512-<base64>) of a file.
func npmIntegrity(file string) (string, error) {
	sum, err := hashFile(file, sha512.New())
	if err != nil {
		return "", err
	}
	return "sha512-" + base64.StdEncoding.EncodeToString(sum), nil
}

// debSum is the sha256:<hex> form of a .deb's checksum.
func debSum(file string) (string, error) {
	sum, err := hashFile(file, sha256.New())
	if err != nil {
		return "", err
	}
	return "sha256:" + sha256Hex(sum), nil
}

// goZipSum is the go.sum "h1:" hash of a module zip: SHA-256 over the
// lines "<sha256 hex>  <name>\n" of every file in the zip, sorted by name
// (the Hash1 algorithm of golang.org/x/mod/sumdb/dirhash), base64.
func goZipSum(file string) (string, error) {
	z, err := zip.OpenReader(file)
	if err != nil {
		return "", err
	}
	defer z.Close()
	files := make([]*zip.File, len(z.File))
	copy(files, z.File)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	h := sha256.New()
	for _, f := range files {
		if strings.Contains(f.Name, "\n") {
			return "", fmt.Errorf("zip entry %q contains a newline", f.Name)
		}
		r, err := f.Open()
		if err != nil {
			return "", err
		}
		fh := sha256.New()
		_, err = io.Copy(fh, r)
		r.Close()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%x  %s\n", fh.Sum(nil), f.Name)
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// A manifest lists every regular file of a tree with its SHA-256 and size,
// sorted by slash-separated relative path. Fetch writes one for each
// source root it builds; Verify compares the tree with it, so a checker
// that edited the corpus in place (instead of a copy or an overlay) is
// caught.
type manifest map[string]manifestEntry

type manifestEntry struct {
	sum  string
	size int64
}

// treeManifest hashes every regular file under root. Directories named in
// skip (relative, slash-separated) are left out.
func treeManifest(root string, skip ...string) (manifest, error) {
	m := manifest{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			for _, s := range skip {
				if rel == s {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		sum, err := hashFile(p, sha256.New())
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		m[rel] = manifestEntry{sum: sha256Hex(sum), size: fi.Size()}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("hash tree %s: %w", root, err)
	}
	return m, nil
}

func (m manifest) write(file string) error {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "%s %d %s\n", m[n].sum, m[n].size, n)
	}
	return writeFileAtomic(file, []byte(b.String()), 0o644)
}

func readManifest(file string) (manifest, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := manifest{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), " ", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("manifest %s: bad line %q", file, sc.Text())
		}
		size, err := strconv.ParseInt(parts[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("manifest %s: %w", file, err)
		}
		m[parts[2]] = manifestEntry{sum: parts[0], size: size}
	}
	return m, sc.Err()
}

// diff describes how have differs from want, naming at most a few files.
func (want manifest) diff(have manifest) error {
	var changed, missing, added []string
	for n, w := range want {
		h, ok := have[n]
		switch {
		case !ok:
			missing = append(missing, n)
		case h != w:
			changed = append(changed, n)
		}
	}
	for n := range have {
		if _, ok := want[n]; !ok {
			added = append(added, n)
		}
	}
	var errs []error
	for _, d := range []struct {
		what  string
		names []string
	}{{"changed", changed}, {"missing", missing}, {"added", added}} {
		if len(d.names) == 0 {
			continue
		}
		sort.Strings(d.names)
		total, shown, more := len(d.names), d.names, ""
		if total > 5 {
			shown, more = d.names[:5], fmt.Sprintf(" and %d more", total-5)
		}
		errs = append(errs, fmt.Errorf("%d files %s: %s%s", total, d.what, strings.Join(shown, ", "), more))
	}
	return errors.Join(errs...)
}

// writeFileAtomic writes a file through a temporary sibling, fsync and
// rename, so a reader never sees half of it.
func writeFileAtomic(file string, data []byte, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}
