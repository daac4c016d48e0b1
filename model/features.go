package model

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
)

// FeatureWidth is D, the width of the policy's input row: every model SyntX
// loads has input features float32 [N, FeatureWidth].
const FeatureWidth = 512

// FeatureScheme names the feature layout below. It is stored in the metadata
// of the ONNX files SyntX writes (key "syntx.features"); LoadONNX refuses a
// file that names another scheme.
const FeatureScheme = "fnv1a-signed-v3"

// Dense slots at the start of a feature row.
const (
	SlotPrior    = 0 // logit of the rule's prior acceptance probability
	SlotBias     = 1 // constant 1
	SlotEditSize = 2 // log2(1+EditSize)/16, clamped to [0, 1]
	// Slots 3..7 are reserved and always 0.

	// HashBase is the first hashed slot; HashSlots slots follow.
	HashBase  = 8
	HashSlots = FeatureWidth - HashBase
)

// nuisanceWeight is the value of the features that describe a site rather
// than a rule (the edit-size bucket, the syntax context): half a rule
// feature's, so that under training's L2 they carry less of the evidence
// than the rule, its family and its category (see the package doc).
const nuisanceWeight = 0.5

// priorClamp keeps logit(Prior) finite: priors are clamped to
// [priorClamp, 1-priorClamp] before the logit is taken.
const priorClamp = 1e-6

// Candidate is one code action offered by a rule, described by what the
// policy may look at.
type Candidate struct {
	// RuleID identifies the rule, e.g. "go.sql-injection".
	RuleID string
	// Category is one of security, performance, correctness, style.
	Category string
	// Language is the document's language id, e.g. "go".
	Language string
	// Prior is the rule's prior acceptance probability, in (0, 1).
	Prior float64
	// Context holds pre-extracted tree-sitter strings, e.g.
	// "anc:for_statement", "sib:identifier", "tok:call_expression".
	Context []string
	// EditSize is the size of the edit (bytes or nodes; the producer picks
	// one and sticks to it).
	EditSize int
	// FileRole is "" (production), "test", "generated" or "vendored".
	FileRole string
	// Persona is the active persona, e.g. "developer"; "" for none.
	Persona string
}

// Featurize writes the feature row of c into dst, which must have length
// FeatureWidth (it panics otherwise: that is a programmer error). dst is
// overwritten, not accumulated into. The layout is described in the package
// documentation; it is deterministic and allocation-free.
func Featurize(c Candidate, dst []float32) {
	featurize(c, dst, false, nil, nil)
}

// FeatureGroupSlots calls fn with the group (the namespace: "rule",
// "stem", "family", "stem*role", "role", ...) and the slot of every hashed
// feature of c's row, in the order Featurize writes them. A slot may
// appear under more than one group (hash collisions); the layout is
// Featurize's, unchanged. The trainer reads it to regularise a group's
// input columns (package train, "Feature-group decay").
func FeatureGroupSlots(c Candidate, fn func(group string, slot int)) {
	var dst [FeatureWidth]float32
	featurize(c, dst[:], false, nil, fn)
}

// featurize is Featurize that, when record is set, also appends the slots it
// wrote to nz, sorted and without duplicates, and returns nz; tag, when
// set, is called with each hashed feature's group and slot.
func featurize(c Candidate, dst []float32, record bool, nz []int32, tag func(group string, slot int)) []int32 {
	if len(dst) != FeatureWidth {
		panic("model: Featurize: dst has length " + strconv.Itoa(len(dst)) + ", want " + strconv.Itoa(FeatureWidth))
	}
	start := len(nz)
	clear(dst)
	dst[SlotPrior] = float32(priorLogit(c.Prior))
	dst[SlotBias] = 1
	if c.EditSize > 0 {
		v := math.Log2(1+float64(c.EditSize)) / 16
		dst[SlotEditSize] = float32(min(v, 1))
	}

	if record {
		nz = append(nz, SlotPrior, SlotBias, SlotEditSize)
	}
	add := func(ns, a, b string, w float32) {
		slot, sign := FeatureSlot(ns, a, b)
		dst[slot] += sign * w
		if record {
			nz = append(nz, int32(slot))
		}
		if tag != nil {
			tag(ns, slot)
		}
	}

	role := c.FileRole
	if role == "" {
		role = "production"
	}
	add("rule", c.RuleID, "", 1)
	stem, family := RuleStem(c.RuleID), RuleFamily(c.RuleID)
	add("stem", stem, "", 1)
	if family != stem {
		add("family", family, "", 1)
	}
	add("stem*role", stem, role, 1)
	if family != stem {
		add("family*role", family, role, 1)
	}
	t, u := priorTiles(c.Prior)
	add("prior", t, "", 1)
	add("prior", u, "", 1)
	add("cat", c.Category, "", 1)
	add("lang", c.Language, "", 1)
	add("edit", editBucket(c.EditSize), "", nuisanceWeight)
	add("role", role, "", 1)
	add("role*cat", role, c.Category, 1)
	add("lang*cat", c.Language, c.Category, 1)
	if c.Persona != "" {
		add("persona", c.Persona, "", 1)
		add("persona*cat", c.Persona, c.Category, 1)
	}
	k := 0
	for _, s := range c.Context {
		if s != "" {
			k++
		}
	}
	if k > 0 {
		w := float32(nuisanceWeight / math.Sqrt(float64(k)))
		for _, s := range c.Context {
			if s != "" {
				add("ctx", s, "", w)
			}
		}
	}
	if !record {
		return nil
	}
	return sortUnique(nz, start)
}

// sortUnique sorts nz[start:] (insertion sort: a few dozen entries), drops
// its duplicates and returns nz cut to the result.
func sortUnique(nz []int32, start int) []int32 {
	list := nz[start:]
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j] < list[j-1]; j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	out := start
	for i, v := range list {
		if i == 0 || v != list[i-1] {
			nz[out] = v
			out++
		}
	}
	return nz[:out]
}

// RuleStem is a rule id without its language: the part after the first
// '.' ("strict-equality" for "javascript.strict-equality" and
// "typescript.strict-equality"), or the whole id when it has no '.'. Rules
// that make the same rewrite in several languages share it.
func RuleStem(id string) string {
	if i := strings.IndexByte(id, '.'); i >= 0 && i+1 < len(id) {
		return id[i+1:]
	}
	return id
}

// RuleFamily is the first word of a rule's stem, up to its first '-'
// ("sql" for "go.sql-sprintf", "python.sql-fstring" and
// "python.sql-percent-format"; "subprocess" for the subprocess rules), or
// the whole stem when it has no '-'. Sibling rules — the same concern
// caught in different shapes — share it.
func RuleFamily(id string) string {
	s := RuleStem(id)
	if i := strings.IndexByte(s, '-'); i > 0 {
		return s[:i]
	}
	return s
}

// priorLogit returns log(p/(1-p)) with p clamped; NaN maps to 0.
func priorLogit(p float64) float64 {
	if math.IsNaN(p) {
		return 0
	}
	p = max(priorClamp, min(1-priorClamp, p))
	return math.Log(p / (1 - p))
}

// priorTiles returns the prior's tiles in two tilings of [0, 1] into
// 0.1-wide intervals, the second offset by 0.05: "t<k>" for
// [k/10, (k+1)/10) and "u<k>" for [(k−0.5)/10, (k+0.5)/10). They let the
// policy learn a correction that is not monotone in the prior (a developer
// who distrusts the confident rules) and share it between rules of similar
// priors, which logit(prior) alone, entering linearly, cannot express.
func priorTiles(p float64) (string, string) {
	if math.IsNaN(p) {
		p = 0.5
	}
	p = max(0, min(1, p))
	t := min(int(p*10), 9)
	u := min(int(p*10+0.5), 10)
	return priorTilesT[t], priorTilesU[u]
}

var (
	priorTilesT = [...]string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"}
	priorTilesU = [...]string{"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "u10"}
)

// editBucket returns "b<k>" with k = bits.Len(EditSize) capped at 16, or
// "b0" for EditSize <= 0. Bucket k > 0 holds sizes in [2^(k-1), 2^k - 1].
func editBucket(n int) string {
	if n <= 0 {
		return "b0"
	}
	k := min(bits.Len(uint(n)), 16)
	return editBuckets[k]
}

var editBuckets = [...]string{"b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10", "b11", "b12", "b13", "b14", "b15", "b16"}

// FNV-1a, 64 bit.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// FeatureHash returns the FNV-1a 64-bit hash of ns, a 0x00 byte, a, and,
// when b is not empty, a 0x1f byte and b. It is exported so that tools and
// tests can locate a feature's slot: the slot is HashBase + h%HashSlots and
// the sign is negative when the top bit of h is set.
func FeatureHash(ns, a, b string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(ns); i++ {
		h ^= uint64(ns[i])
		h *= fnvPrime64
	}
	h ^= 0
	h *= fnvPrime64
	for i := 0; i < len(a); i++ {
		h ^= uint64(a[i])
		h *= fnvPrime64
	}
	if b != "" {
		h ^= 0x1f
		h *= fnvPrime64
		for i := 0; i < len(b); i++ {
			h ^= uint64(b[i])
			h *= fnvPrime64
		}
	}
	return h
}

// FeatureSlot returns the slot and sign (+1 or -1) of the hashed feature
// (ns, a, b); see FeatureHash.
func FeatureSlot(ns, a, b string) (slot int, sign float32) {
	h := FeatureHash(ns, a, b)
	sign = 1
	if h>>63 != 0 {
		sign = -1
	}
	return HashBase + int(h%HashSlots), sign
}
