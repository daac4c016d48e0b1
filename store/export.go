package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/syntx/syntx/internal/redact"
)

// ExportStats says how many rows an export wrote and how many preferences
// it skipped because a text was not stored (code storage off) or both sides
// of a pair were the same.
type ExportStats struct {
	Written int
	Skipped int
}

// dpoRow and ktoRow are TRL's standard (not conversational) preference and
// unpaired-preference formats.
type dpoRow struct {
	Prompt   string `json:"prompt"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
}

type ktoRow struct {
	Prompt     string `json:"prompt"`
	Completion string `json:"completion"`
	Label      bool   `json:"label"`
}

// The side texts: a literal text when one was given (NULL if code storage
// dropped it), else the named suggestion's original or rewrite.
const exportQuery = `SELECT p.kind, p.context, p.desirable,
	CASE WHEN p.chosen_sha256 IS NOT NULL THEN p.chosen_text
	     WHEN p.chosen_role = 'original' THEN cs.original_text ELSE cs.suggested_text END,
	CASE WHEN p.rejected_sha256 IS NOT NULL THEN p.rejected_text
	     WHEN p.rejected_role = 'original' THEN rs.original_text ELSE rs.suggested_text END,
	ls.suggested_text,
	a.language, a.rule_id, a.category, a.title, a.original_text
FROM preferences p
LEFT JOIN suggestions cs ON cs.id = p.chosen_suggestion_id
LEFT JOIN suggestions rs ON rs.id = p.rejected_suggestion_id
LEFT JOIN suggestions ls ON ls.id = p.suggestion_id
LEFT JOIN suggestions a ON a.id = coalesce(p.suggestion_id, p.chosen_suggestion_id, p.rejected_suggestion_id)
WHERE p.kind = ? ORDER BY p.id`

type exportRec struct {
	ctxJSON                         string
	desirable                       sql.NullInt64
	chosen, rejected, completion    sql.NullString
	language, rule, category, title sql.NullString
	original                        sql.NullString
}

// ExportDPO writes the pair preferences as JSON Lines in TRL's standard
// preference format, one {"prompt", "chosen", "rejected"} object a line,
// for DPOTrainer (and RewardTrainer). Preference weights and personas are
// not part of that format and are left out.
func (db *DB) ExportDPO(ctx context.Context, w io.Writer) (ExportStats, error) {
	enc := newEncoder(w)
	st, err := db.export(ctx, Pair, func(r exportRec) (bool, error) {
		if !r.chosen.Valid || !r.rejected.Valid || r.chosen.String == r.rejected.String {
			return false, nil
		}
		return true, enc.Encode(dpoRow{Prompt: prompt(r), Chosen: r.chosen.String, Rejected: r.rejected.String})
	})
	if err != nil {
		return st, fmt.Errorf("store: export dpo: %w", err)
	}
	return st, nil
}

// ExportKTO writes the label preferences as JSON Lines in TRL's unpaired
// preference format, one {"prompt", "completion", "label"} object a line,
// for KTOTrainer. The completion is the suggestion's rewrite and label
// whether it was desirable.
func (db *DB) ExportKTO(ctx context.Context, w io.Writer) (ExportStats, error) {
	enc := newEncoder(w)
	st, err := db.export(ctx, Label, func(r exportRec) (bool, error) {
		if !r.completion.Valid {
			return false, nil
		}
		return true, enc.Encode(ktoRow{Prompt: prompt(r), Completion: r.completion.String, Label: r.desirable.Int64 == 1})
	})
	if err != nil {
		return st, fmt.Errorf("store: export kto: %w", err)
	}
	return st, nil
}

func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // keep code readable: <, > and & as they are
	return enc
}

func (db *DB) export(ctx context.Context, kind PreferenceKind, fn func(exportRec) (bool, error)) (ExportStats, error) {
	var st ExportStats
	rows, err := db.sql.QueryContext(ctx, exportQuery, string(kind))
	if err != nil {
		return st, err
	}
	defer rows.Close()
	for rows.Next() {
		var r exportRec
		var kind string
		if err := rows.Scan(&kind, &r.ctxJSON, &r.desirable, &r.chosen, &r.rejected, &r.completion,
			&r.language, &r.rule, &r.category, &r.title, &r.original); err != nil {
			return st, err
		}
		// Texts were redacted when stored; redact them again on the way
		// out, with today's patterns, for rows stored by an older build.
		for _, t := range []*sql.NullString{&r.chosen, &r.rejected, &r.completion, &r.title, &r.original} {
			if t.Valid {
				t.String, _ = redact.Redact(t.String)
			}
		}
		ok, err := fn(r)
		if err != nil {
			return st, err
		}
		if ok {
			st.Written++
		} else {
			st.Skipped++
		}
	}
	return st, rows.Err()
}

// prompt builds the prompt of an exported row from the suggestion the
// preference is about: language, rule, the rule's message (or the context's
// "message"), and the original code when it was stored.
func prompt(r exportRec) string {
	var c struct {
		Message     string `json:"message"`
		RuleMessage string `json:"rule_message"`
	}
	_ = json.Unmarshal([]byte(r.ctxJSON), &c) // the column is checked JSON
	msg := r.title.String
	if msg == "" {
		msg = c.Message
	}
	if msg == "" {
		msg = c.RuleMessage
	}
	var b strings.Builder
	lang := r.language.String
	if lang == "" {
		lang = "source"
	}
	fmt.Fprintf(&b, "Rewrite this %s code to address the review finding.\n", lang)
	fmt.Fprintf(&b, "Rule: %s (%s)\n", r.rule.String, r.category.String)
	if msg != "" {
		fmt.Fprintf(&b, "Finding: %s\n", msg)
	}
	if r.original.Valid && r.original.String != "" {
		fmt.Fprintf(&b, "Code:\n%s", r.original.String)
		if !strings.HasSuffix(r.original.String, "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
