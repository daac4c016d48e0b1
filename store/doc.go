// Package store keeps SyntX's record of what it suggested and what the
// developer did with it, in one SQLite file under $SYNTX_HOME.
//
// # What is stored
//
// A suggestion is one candidate code action: where it applied (workspace,
// document, range), which rule produced it, the features the policy scored,
// its rank within the candidate set it was offered with, and the code before
// and after the rewrite. An event is something that happened to a
// suggestion: offered, accepted, kept, undone, edited, ignored or dismissed
// (with a reason). A preference is training data derived from events by
// package capture: a pair (chosen ≻ rejected) or a label (desirable or not),
// with its weight, persona and provenance (the event ids it came from).
// Training runs and adapter versions complete the picture, so that any
// adapter can be traced back to the feedback that made it.
//
//	db, err := store.Open(ctx, filepath.Join(home, "syntx.db"), store.Options{})
//	...
//	_, err = db.Offer(ctx, 1.0, candidates...) // suggestions + one offered event each
//	id, err := db.AddEvent(ctx, store.Event{SuggestionID: s.ID, Outcome: store.Accepted, At: now, Persona: "developer"})
//	// An outcome and the preferences derived from it, atomically; 0 in
//	// Provenance stands for the new event.
//	_, _, err = db.RecordOutcome(ctx, store.Event{SuggestionID: s.ID, Outcome: store.Kept, At: later, Persona: "developer"},
//		store.Preference{Kind: store.Label, SuggestionID: s.ID, Desirable: true, Weight: 1, Provenance: []int64{id, 0}, ...})
//
// Each write is one transaction of about a millisecond (see the
// benchmarks); callers on a latency budget, such as a code-action request,
// should write from a goroutine rather than inline.
//
// All times are passed in by the caller (the clock is injected); the store
// keeps them as unix nanoseconds and returns them in UTC. Options.Now, which
// defaults to time.Now, only stamps schema migrations.
//
// # Code, secrets and privacy
//
// Texts (original, suggested, the developer's version, literal preference
// sides) are passed through redact.Redact before they are written, and
// their SHA-256 (of the text as given) is kept beside them. With code
// storage off (Options.DiscardCode, or a handle from WithCodeStorage(false))
// no text is written at all, only the hashes, and the document path is
// replaced by "sha256:" and its hash.
//
// Forget deletes suggestions, events and preferences by workspace, by age or
// all of them, then VACUUMs and truncates the write-ahead log, so that the
// forgotten text is gone from the file's bytes. Deleted pages are also
// zeroed as they are freed (secure_delete) and temporary data stays in
// memory (temp_store).
//
// # The audit chain
//
// Every write of an event, preference, run, adapter change, persona switch
// or forget appends a row to the audit table in the same transaction. Rows
// form a hash chain: each row's hash is SHA-256 over the previous row's
// hash and the row's own seq, time, kind, ref and payload (see RowHash), and
// the newest link is also kept in audit_head. Verify walks the chain and
// names the first row that was altered, removed or moved. Payloads hold
// ids, outcomes, rule ids, counts and hashes only, never code, paths or
// workspace names, so forgetting never rewrites the chain and it still
// verifies afterwards. Triggers refuse UPDATE and DELETE on the audit
// table; the chain is what catches someone who drops them.
//
// # Files and processes
//
// The database runs in WAL mode with foreign keys on, a busy timeout (5 s by
// default) and synchronous=NORMAL, all set in the DSN so that every pooled
// connection has them. The directory is created 0700 and the database and
// its -wal and -shm files are 0600, whatever the umask. Several processes
// (two editor windows) may use one database at once: write transactions
// begin IMMEDIATE, so writers queue on the busy timeout instead of failing,
// and audit appends from all of them form one chain.
//
// Open never writes to a file it does not recognise. A file that is not
// SQLite, fails quick_check, or holds another application's tables gives an
// error wrapping ErrNotDatabase; one whose schema is newer than this build
// gives an error wrapping ErrNewerSchema. Schema changes are numbered
// migrations recorded in schema_version and applied in one transaction.
//
// # Schema (version 2)
//
//	schema_version(version, applied_at)
//	suggestions(id, created_at, workspace, document, language, rule_id, category, title,
//	            start_line, start_char, end_line, end_char, features JSON, candidate_set, rank,
//	            policy_version, score, trigger, persona, original_text, suggested_text,
//	            original_sha256, suggested_sha256, redactions, rule_source, rule_sha256)
//	events(id, suggestion_id → suggestions, outcome, at, persona, persona_weight, reason,
//	       final_text, final_sha256)
//	preferences(id, created_at, kind,
//	            chosen_suggestion_id → suggestions, chosen_text, chosen_sha256, chosen_role,
//	            rejected_suggestion_id → suggestions, rejected_text, rejected_sha256, rejected_role,
//	            suggestion_id → suggestions, desirable, context JSON, weight, persona, provenance JSON)
//	runs(id, started_at, finished_at, objective, hyperparams JSON, data_counts JSON, metrics JSON,
//	     decision, adapter_version, adapter_sha256)
//	adapters(version, created_at, sha256, run_id → runs, state, activated_at)
//	audit(seq, at, kind, ref, payload JSON, prev_hash, hash)
//	audit_head(id = 1, seq, hash)
//
// # Export
//
// ExportDPO and ExportKTO write JSON Lines in TRL's standard formats
// ({"prompt","chosen","rejected"} and {"prompt","completion","label"}) for
// training outside SyntX; the prompt names the language, the rule and its
// message, and holds the original code when it was stored.
package store
