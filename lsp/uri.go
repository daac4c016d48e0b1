package lsp

import (
	"net/url"
	"path/filepath"
	"runtime"
	"strings"

	"go.lsp.dev/uri"
)

// normURI is the one place where document URIs are normalised, so that the
// same file named two ways ("file:///a/%62.go", "file:///a/b.go") maps to one
// document. It returns the key and the file system path ("" for non-file
// URIs, which are still tracked by their text).
//
// A URI is first put in the canonical (vscode-uri) form that the protocol
// decoder gives URIs it decodes, so that a message decoded with plain
// encoding/json (didChange) finds the document a decoded didOpen opened:
// "git:/a.go?x=%2F" and "git:/a.go?x%3D%2F" are one document.
func normURI(raw string) (key, path string) {
	if v, err := uri.Parse(raw); err == nil {
		raw = string(v)
	}
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
