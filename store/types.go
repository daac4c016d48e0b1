package store

import (
	"encoding/json"
	"errors"
	"time"
)

// Outcome is what happened to a suggestion. The names are part of the
// `syntx status --json` contract.
type Outcome string

// The outcomes, in the order Status and the CLI list them.
const (
	Offered   Outcome = "offered"   // shown to the developer
	Accepted  Outcome = "accepted"  // applied (the syntx.accept command arrived)
	Kept      Outcome = "kept"      // applied and survived the checkpoints
	Undone    Outcome = "undone"    // applied, then the region returned to its old text
	Edited    Outcome = "edited"    // applied, then changed by the developer
	Ignored   Outcome = "ignored"   // menu opened, nothing picked
	Dismissed Outcome = "dismissed" // dismissed with a reason
)

// Outcomes lists every outcome name, in a stable order.
func Outcomes() []Outcome {
	return []Outcome{Offered, Accepted, Kept, Undone, Edited, Ignored, Dismissed}
}

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool {
	switch o {
	case Offered, Accepted, Kept, Undone, Edited, Ignored, Dismissed:
		return true
	}
	return false
}

// Reason is why a suggestion was dismissed.
type Reason string

// Dismiss reasons.
const (
	NotHelpful Reason = "not-helpful"
	Wrong      Reason = "wrong"
	Style      Reason = "style"
	Other      Reason = "other"
)

// Valid reports whether r is a known reason.
func (r Reason) Valid() bool {
	switch r {
	case NotHelpful, Wrong, Style, Other:
		return true
	}
	return false
}

// Trigger is how the code actions were requested.
type Trigger string

// Triggers.
const (
	Invoked   Trigger = "invoked"   // the developer opened the menu
	Automatic Trigger = "automatic" // the editor asked on its own (cursor move, save)
	Review    Trigger = "review"    // a batch review of a file or diff
)

// Valid reports whether t is a known trigger.
func (t Trigger) Valid() bool {
	switch t {
	case Invoked, Automatic, Review:
		return true
	}
	return false
}

// Categories of code actions, as in the code action kind
// <base>.syntx.<category>.
const (
	Security    = "security"
	Performance = "performance"
	Correctness = "correctness"
	StyleCat    = "style"
)

func validCategory(c string) bool {
	switch c {
	case Security, Performance, Correctness, StyleCat:
		return true
	}
	return false
}

// Position is a zero-based line and character offset, in the units the
// server negotiated with the client (UTF-16 unless utf-8 was agreed).
type Position struct {
	Line      int `json:"line"`
	Character int `json:"character"`
}

// Range is a half-open span of a document.
type Range struct {
	Start Position `json:"start"`
	End   Position `json:"end"`
}

// Suggestion is one candidate code action as it was offered (or scored and
// withheld). Suggestions offered together share a CandidateSet and are
// ordered by Rank, 0 being the policy's first choice.
type Suggestion struct {
	ID        string    // caller-generated, unique
	CreatedAt time.Time // when it was scored
	Workspace string    // workspace root (URI or path)
	// Document is the document's URI or path. When code storage is off the
	// store keeps only "hmac-sha256:" followed by its keyed hash (DB.Hash),
	// and that is what reads return.
	Document string
	Language string
	RuleID   string
	Category string // security, performance, correctness or style
	Title    string // the rule's message, the code action's title
	Range    Range
	// Features is whatever the caller needs to rebuild the model's feature
	// vector for this candidate (JSON object). nil is stored as {}.
	Features      json.RawMessage
	CandidateSet  string
	Rank          int
	PolicyVersion string
	Score         float64 // acceptance probability from the policy
	Trigger       Trigger
	Persona       string // active persona when offered
	// OriginalText and SuggestedText are the code before and after the
	// rewrite. They are stored redacted (see package redact) and are empty
	// on read when code storage is off or when the caller gave none; the
	// hashes are always kept.
	OriginalText  string
	SuggestedText string
	// OriginalSHA256 and SuggestedSHA256 are the keyed hashes of the texts
	// (DB.Hash: HMAC-SHA-256 under the install's key of the redacted
	// text), "" for an empty text. Computed on write.
	OriginalSHA256  string
	SuggestedSHA256 string
	// CodeStored reports, on read, whether the texts were kept.
	CodeStored bool
	// Redactions is how many secrets were replaced in the stored texts.
	Redactions int
	// RuleSource is the file the rule came from ("builtin:go/errors.toml",
	// or a path) and RuleSHA256 that file's hex SHA-256; empty when
	// unknown (suggestions recorded before they were kept).
	RuleSource string
	RuleSHA256 string
}

// Event is one thing that happened to a suggestion.
type Event struct {
	ID            int64 // assigned by the store
	SuggestionID  string
	Outcome       Outcome
	At            time.Time
	Persona       string
	PersonaWeight float64 // zero means 1
	Reason        Reason  // only for Dismissed
	// FinalText is the developer's version for Edited (stored redacted,
	// dropped when code storage is off; FinalSHA256 is always kept).
	FinalText   string
	FinalSHA256 string // keyed hash (DB.Hash), computed on write
}

// PreferenceKind says whether a preference compares two texts or labels one.
type PreferenceKind string

// Preference kinds.
const (
	Pair  PreferenceKind = "pair"  // chosen ≻ rejected
	Label PreferenceKind = "label" // one suggestion, desirable or not
)

// Roles name where a side of a pair comes from.
const (
	RoleSuggestion = "suggestion" // a suggestion's rewrite
	RoleOriginal   = "original"   // the code before the rewrite
	RoleDeveloper  = "developer"  // the developer's own version
	RoleCandidate  = "candidate"  // another candidate shown in the same set
)

// Side is one side of a pair preference. It names a stored suggestion, a
// literal text, or both: Text, when given, is the side's content; otherwise
// the content is the suggestion's original text for RoleOriginal and its
// suggested text for any other role.
type Side struct {
	SuggestionID string
	Text         string // stored redacted; dropped when code storage is off
	Role         string
	SHA256       string // keyed hash of Text (DB.Hash), computed on write
}

// Preference is a unit of training data derived from events (by package
// capture). Every preference names at least one stored suggestion, so that
// forgetting the suggestion forgets the preference.
type Preference struct {
	ID        int64 // assigned by the store
	CreatedAt time.Time
	Kind      PreferenceKind
	// Pair: Chosen ≻ Rejected.
	Chosen, Rejected Side
	// Label: SuggestionID is Desirable or not.
	SuggestionID string
	Desirable    bool
	// Context is a JSON object with what a prompt or a feature vector needs
	// beyond the suggestions (e.g. {"message": "..."}). nil is stored as {}.
	Context    json.RawMessage
	Weight     float64 // > 0; already includes the persona weight
	Persona    string
	Provenance []int64 // event ids it was derived from
}

// Decision is the eval gate's verdict on a training run.
type Decision string

// Decisions.
const (
	RunAccepted Decision = "accepted"
	RunRejected Decision = "rejected"
	RunFailed   Decision = "failed"
)

// Run is one training run. The JSON fields hold whatever the trainer
// reports; nil is stored as {}.
type Run struct {
	ID             int64
	StartedAt      time.Time
	FinishedAt     time.Time
	Objective      string // kl, dpo, kto
	Hyperparams    json.RawMessage
	DataCounts     json.RawMessage
	Metrics        json.RawMessage
	Decision       Decision
	AdapterVersion string
	AdapterSHA256  string
	// LastPreferenceID is the newest preference the run trained on (it
	// read every preference up to it). Forget uses it to find the
	// adapters trained on what it deletes; 0 means unknown.
	LastPreferenceID int64
}

// Adapter is a trained LoRA adapter version.
type Adapter struct {
	Version     string
	CreatedAt   time.Time
	SHA256      string
	RunID       int64 // 0 if none
	State       string
	ActivatedAt time.Time // zero unless it was ever active
}

// Adapter states.
const (
	AdapterCandidate = "candidate"
	AdapterActive    = "active"
	AdapterRetired   = "retired"
	AdapterRejected  = "rejected"
)

// Errors callers may test for with errors.Is.
var (
	// ErrNotFound is returned when a named row does not exist.
	ErrNotFound = errors.New("not found")
	// ErrNotDatabase is returned by Open for a file that is not a SyntX
	// database (not SQLite, corrupt, or another application's database).
	ErrNotDatabase = errors.New("not a SyntX database")
	// ErrNewerSchema is returned by Open for a database written by a newer
	// SyntX than this one.
	ErrNewerSchema = errors.New("written by a newer SyntX")
	// ErrInvalid is returned for arguments that break the contract
	// (unknown outcome, zero time, ...).
	ErrInvalid = errors.New("invalid argument")
)
