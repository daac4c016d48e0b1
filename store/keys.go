package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/internal/redact"
)

// KeyFile is the name of the hash key, beside the database in $SYNTX_HOME.
const KeyFile = "hash.key"

// keySize is the length of the hash key: 256 random bits.
const keySize = 32

// keyring holds the install's hash key. The key is read from its file and
// read again when the file changes (another process rotated it), so that
// no write uses a key that a forget --all deleted. Handles made by
// WithCodeStorage share one keyring.
type keyring struct {
	path string

	mu    sync.Mutex
	key   []byte
	fi    os.FileInfo // of the file the key was read from
	stamp time.Time   // its modification time then
}

func newKeyring(path string) *keyring { return &keyring{path: path} }

// current returns the key, creating the file with a new random key when
// there is none. Two processes creating it at once agree on one key: the
// file is published with a link, which fails if the name exists.
func (k *keyring) current() ([]byte, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	fi, err := os.Stat(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := k.create(); err != nil {
			return nil, err
		}
		fi, err = os.Stat(k.path)
	}
	if err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	if k.key != nil && os.SameFile(fi, k.fi) && fi.ModTime().Equal(k.stamp) {
		return k.key, nil
	}
	b, err := os.ReadFile(k.path)
	if err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	key, err := hex.DecodeString(string(trimNL(b)))
	if err != nil || len(key) != keySize {
		return nil, fmt.Errorf("hash key %s is malformed (want %d hex-encoded bytes): remove it to start a new one", k.path, keySize)
	}
	if fi.Mode().Perm() != atomicfile.FileMode {
		if err := os.Chmod(k.path, atomicfile.FileMode); err != nil {
			return nil, fmt.Errorf("hash key: %w", err)
		}
	}
	k.key, k.fi, k.stamp = key, fi, fi.ModTime()
	return key, nil
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func newKey() ([]byte, error) {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	return key, nil
}

// create writes a new key file unless one appears meanwhile.
func (k *keyring) create() error {
	key, err := newKey()
	if err != nil {
		return err
	}
	dir := filepath.Dir(k.path)
	tmp, err := os.CreateTemp(dir, "."+KeyFile+".new-*")
	if err != nil {
		return fmt.Errorf("hash key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("hash key: %w", err)
	}
	if err := os.Link(tmp.Name(), k.path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("hash key: %w", err)
	}
	return atomicfile.SyncDir(dir)
}

// rotate replaces the key with a new random one (atomically: a reader sees
// the old key or the new one). Hashes made under the old key no longer
// match anything.
func (k *keyring) rotate() error {
	key, err := newKey()
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := atomicfile.WriteFile(k.path, []byte(hex.EncodeToString(key)+"\n")); err != nil {
		return fmt.Errorf("rotate hash key: %w", err)
	}
	k.key = nil // read it back, with its file identity, on next use
	return nil
}

// Hash returns the keyed hash SyntX stores for a text: the hex HMAC-SHA-256,
// under this install's key, of the text as redact.Redact leaves it. Equal
// texts hash equal on one machine; without the key the hash says nothing
// about the text, and no secret ever enters it. It returns "" when the key
// cannot be read (the error shows on the next write).
func (db *DB) Hash(text string) string {
	key, err := db.keys.current()
	if err != nil {
		return ""
	}
	return hashWith(key, text)
}

// MAC returns the HMAC-SHA-256 of b under this install's key, for callers
// that hash bytes that are not code, or code they have redacted already
// (the review state's line hashes).
func (db *DB) MAC(b []byte) ([32]byte, error) {
	key, err := db.keys.current()
	if err != nil {
		return [32]byte{}, err
	}
	m := hmac.New(sha256.New, key)
	m.Write(b)
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out, nil
}

// MACer returns a function that computes MAC under the key as it is now,
// for callers that hash many pieces at once (every line of a file): the
// key is read once, and one HMAC state is reused. The function is not safe
// for concurrent use.
func (db *DB) MACer() (func([]byte) [32]byte, error) {
	key, err := db.keys.current()
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, key)
	var out [32]byte
	return func(b []byte) [32]byte {
		m.Reset()
		m.Write(b)
		m.Sum(out[:0])
		return out
	}, nil
}

// hashWith is Hash under an explicit key; "" for the empty text.
func hashWith(key []byte, text string) string {
	if text == "" {
		return ""
	}
	red, _ := redact.Redact(text)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(red))
	return hex.EncodeToString(m.Sum(nil))
}
