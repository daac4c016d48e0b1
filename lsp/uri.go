package lsp

import (
	"net/url"
	"path/filepath"
	"runtime"
	"strings"
)

// normURI is the one place where document URIs are normalised, so that the
// same file named two ways ("file:///a/%62.go", "file:///a/b.go") maps to one
// document. It returns the key and the file system path ("" for non-file
// URIs, which are still tracked by their text).
func normURI(raw string) (key, path string) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return raw, ""
	}
	if u.Scheme != "file" {
		return raw, ""
	}
	p := u.Path
	if runtime.GOOS == "windows" {
		p = strings.TrimPrefix(p, "/")
	}
	p = filepath.Clean(filepath.FromSlash(p))
	return "file://" + filepath.ToSlash(p), p
}

// fileURI converts a path to a file URI.
func fileURI(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	return u.String()
}
