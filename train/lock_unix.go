//go:build unix

package train

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockAdapters takes an exclusive flock on adir/.lock, waiting (polling)
// until it is free or ctx ends. The kernel releases the lock when the
// process dies, so a killed trainer never leaves it held.
func lockAdapters(ctx context.Context, adir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(adir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock adapters: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("lock adapters: %w", err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("lock adapters: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
