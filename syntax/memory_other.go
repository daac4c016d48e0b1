//go:build !(linux && cgo)

package syntax

// ReleaseMemory does nothing where the C library is not glibc's.
func ReleaseMemory() {}
