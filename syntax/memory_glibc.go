//go:build linux && cgo

package syntax

/*
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
static void syntx_release_memory(void) { malloc_trim(0); }
static long long syntx_c_heap_in_use(void) { return (long long)mallinfo2().uordblks; }
#else
static void syntx_release_memory(void) {}
static long long syntx_c_heap_in_use(void) { return -1; }
#endif
*/
import "C"

// ReleaseMemory hands the memory tree-sitter freed back to the operating
// system. Trees are allocated with the C library's malloc, and glibc keeps
// what a closed tree freed in its arenas: without this, a server that
// closed thousands of documents keeps their trees' resident memory (3.5 GB
// for 8,000 files in the issue 14 benchmark). malloc_trim(0) returns the
// free pages of every arena (a few milliseconds). Elsewhere it does nothing.
func ReleaseMemory() { C.syntx_release_memory() }

// CHeapInUse is the C library's bytes in use (glibc's mallinfo2), or -1
// elsewhere: what the runtime's trees and queries hold, for the tests that
// show the binding's leaks and that nothing leaks them.
func CHeapInUse() int64 { return int64(C.syntx_c_heap_in_use()) }
