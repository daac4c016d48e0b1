package review

import (
	"encoding/hex"

	"github.com/syntx/syntx/internal/redact"
	"github.com/syntx/syntx/rules"
)

// What the review state keeps of a file is made from its redacted text:
// the file with every secret redact.Locate finds replaced by its
// placeholder, line breaks kept (redact.Redaction.KeepLines), so that line
// i of the redacted text is line i of the file. Its lines are compared by
// keyed hashes, and the hunk and texts kept of a suggestion (with code
// storage on) are cut from it, so a secret cut by the hunk's edge is still
// replaced: it was found in the whole file.

// redFile is a file's raw lines and its redacted text.
type redFile struct {
	raw *lines
	red redact.Redaction
	kl  *lines // the redacted text, line for line
}

func newRedFile(src []byte) *redFile {
	red := redact.Locate(string(src))
	return &redFile{raw: newLines(src), red: red, kl: newLines([]byte(red.KeepLines()))}
}

// off maps a byte offset of the file to its redacted text.
func (f *redFile) off(raw int, end bool) int { return f.red.Offset(raw, end) }

// text returns the redacted text of the file's bytes [a, b).
func (f *redFile) text(a, b int) string { return string(f.kl.src[f.off(a, false):f.off(b, true)]) }

// lineKeys returns the keyed hash of every redacted line, cut to 8 bytes:
// enough to tell lines apart in a diff, and useless without the key.
func (f *redFile) lineKeys(macer macerFunc) ([]string, error) {
	mac, err := macer()
	if err != nil {
		return nil, err
	}
	out := make([]string, f.kl.n())
	for i := range out {
		m := mac(f.kl.line(i))
		out[i] = string(m[:lineKeySize])
	}
	return out, nil
}

// fileHash is the keyed hash of the whole redacted text, in hex: the name
// of the file version in the review state.
func (f *redFile) fileHash(mac macFunc) (string, error) {
	m, err := mac(f.kl.src)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(m[:]), nil
}

// regionTexts returns the redacted texts of a region of the file and of
// the fix that replaces it: the original is cut from the redacted file;
// the fix is redacted in the context of the lines around the region.
func (f *redFile) regionTexts(region rules.Span, suggested string) (orig, sugg string) {
	orig = f.text(region.Start, region.End)
	rl := f.raw.spanLines(region.Start, region.End)
	prefix := string(f.raw.src[f.raw.start(rl.Start):region.Start])
	suffix := string(f.raw.src[region.End:f.raw.start(rl.End)])
	r := redact.Locate(prefix + suggested + suffix)
	kl := r.KeepLines()
	return orig, kl[r.Offset(len(prefix), false):r.Offset(len(prefix)+len(suggested), true)]
}

// lineKeySize is how many bytes of a line's keyed hash the state keeps.
const lineKeySize = 8

// macFunc is store.DB.MAC, macerFunc store.DB.MACer.
type (
	macFunc   func([]byte) ([32]byte, error)
	macerFunc func() (func([]byte) [32]byte, error)
)
