//go:build unix

package realcorpus

import (
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
)

// lockCache takes an exclusive lock on the cache directory, waiting for
// another fetch that holds it.
func lockCache(dir string, log *slog.Logger) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		log.Info("waiting for another fetch into the same cache", "dir", dir)
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			return nil, err
		}
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
