//go:build !unix

package train

import "runtime"

// LowerPriority makes the calling process a background citizen, for
// `syntx train --background`: one OS thread running Go code (process
// priorities are left alone on this platform).
func LowerPriority() error {
	runtime.GOMAXPROCS(1)
	return nil
}
