//go:build !(linux && cgo)

package syntax

// ReleaseMemory does nothing where the C library is not glibc's.
func ReleaseMemory() {}

// CHeapInUse is unknown where the C library is not glibc's.
func CHeapInUse() int64 { return -1 }
