//go:build !linux

package lsp

// dropExecutablePages does nothing outside Linux.
func dropExecutablePages() (int, error) { return 0, nil }
