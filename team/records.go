package team

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/syntx/syntx/model"
	"github.com/syntx/syntx/train"
)

// Record is one shared preference, as the hub stores it (syntx.preferences).
// It holds no code and no path: the candidate set's feature rows (hashed
// features, as the model sees them), which side was preferred, what the
// developer did, and who (pseudonymously) did it. OriginalText and
// SuggestedText are set only when both the hub and the member share code,
// and are redacted.
type Record struct {
	ID         int64 // the hub's row id (0 before insertion)
	Member     string
	Install    string
	LocalID    int64
	PushID     int64
	CreatedAt  time.Time // microseconds
	Kind       string    // pair | label
	RuleID     string
	Category   string
	Language   string
	Outcome    string
	Evidence   float64 // the preference's weight without the persona's
	Persona    string
	Role       string // the member's role when the record arrived (set by the hub)
	AuthorRole string // for CI review outcomes: the change author's role ("" otherwise)
	Trigger    string
	SetKey     string
	Rows       []byte // EncodeRows
	Pos, Neg   int    // indices into the rows; -1 is "show nothing"
	// With code sharing only (redacted); nil otherwise.
	OriginalText, SuggestedText *string
}

// rowsVersion is the first byte of an encoded row set.
const rowsVersion = 1

// maxSetRows bounds the rows of one record.
const maxSetRows = 64

// EncodeRows encodes a candidate set's feature rows: a version byte (1),
// the number of rows (one byte), then per row the number of non-zero
// entries (uint16, little-endian) and each entry's slot (uint16) and value
// (IEEE float32 bits, uint32), little-endian.
func EncodeRows(rows []train.FeatureRow) ([]byte, error) {
	if len(rows) == 0 || len(rows) > maxSetRows {
		return nil, fmt.Errorf("a candidate set of %d rows (1 to %d)", len(rows), maxSetRows)
	}
	b := []byte{rowsVersion, byte(len(rows))}
	for _, r := range rows {
		if len(r.Idx) != len(r.Val) || len(r.Idx) > model.FeatureWidth {
			return nil, errors.New("malformed feature row")
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(r.Idx)))
		for i, ix := range r.Idx {
			b = binary.LittleEndian.AppendUint16(b, uint16(ix))
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(r.Val[i]))
		}
	}
	return b, nil
}

// DecodeRows decodes EncodeRows's output, checking every slot and value.
func DecodeRows(b []byte) ([]train.FeatureRow, error) {
	if len(b) < 2 || b[0] != rowsVersion {
		return nil, errors.New("feature rows: unknown encoding")
	}
	n := int(b[1])
	b = b[2:]
	out := make([]train.FeatureRow, 0, n)
	for i := 0; i < n; i++ {
		if len(b) < 2 {
			return nil, errors.New("feature rows: truncated")
		}
		k := int(binary.LittleEndian.Uint16(b))
		b = b[2:]
		if k > model.FeatureWidth || len(b) < 6*k {
			return nil, errors.New("feature rows: truncated or oversized row")
		}
		r := train.FeatureRow{Idx: make([]int32, k), Val: make([]float32, k)}
		for j := 0; j < k; j++ {
			ix := binary.LittleEndian.Uint16(b)
			v := math.Float32frombits(binary.LittleEndian.Uint32(b[2:]))
			if int(ix) >= model.FeatureWidth || math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, errors.New("feature rows: a slot out of range or a value not finite")
			}
			r.Idx[j], r.Val[j] = int32(ix), v
			b = b[6:]
		}
		out = append(out, r)
	}
	if len(b) != 0 {
		return nil, errors.New("feature rows: trailing bytes")
	}
	return out, nil
}

// featureRow is the sparse form of a candidate's model.Featurize row.
func featureRow(c model.Candidate, buf []float32) train.FeatureRow {
	model.Featurize(c, buf)
	var r train.FeatureRow
	for i, v := range buf {
		if v != 0 {
			r.Idx = append(r.Idx, int32(i))
			r.Val = append(r.Val, v)
		}
	}
	return r
}

// Digest is the SHA-256 of a record's canonical encoding: every column but
// the hub's row id, each length-prefixed, numbers in decimal, floats as
// their IEEE bits, times in microseconds, NULL distinct from "". A push's
// chain row commits to the digest of its records (PushDigest).
func (r *Record) Digest() [32]byte {
	h := sha256.New()
	var lb [4]byte
	put := func(s string) {
		binary.BigEndian.PutUint32(lb[:], uint32(len(s)))
		h.Write(lb[:])
		h.Write([]byte(s))
	}
	opt := func(s *string) {
		if s == nil {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
			return
		}
		put(*s)
	}
	i := func(n int64) { put(strconv.FormatInt(n, 10)) }
	put(r.Member)
	put(r.Install)
	i(r.LocalID)
	i(r.PushID)
	i(r.CreatedAt.UnixMicro())
	put(r.Kind)
	put(r.RuleID)
	put(r.Category)
	put(r.Language)
	put(r.Outcome)
	put(strconv.FormatUint(math.Float64bits(r.Evidence), 16))
	put(r.Persona)
	put(r.Role)
	if r.AuthorRole == "" {
		opt(nil)
	} else {
		put(r.AuthorRole)
	}
	put(r.Trigger)
	put(r.SetKey)
	put(string(r.Rows))
	i(int64(r.Pos))
	i(int64(r.Neg))
	opt(r.OriginalText)
	opt(r.SuggestedText)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// PushDigest is the hex SHA-256 over the digests of a push's records in
// local id order (the caller sorts them).
func PushDigest(recs []Record) string {
	h := sha256.New()
	for i := range recs {
		d := recs[i].Digest()
		h.Write(d[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}
