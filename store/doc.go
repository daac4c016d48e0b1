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
// sides) are passed through redact.Redact before they are written. With
// code storage off (Options.DiscardCode, or a handle from
// WithCodeStorage(false)) no text is written at all.
//
// Every hash of code or of a path the store keeps is keyed: HMAC-SHA-256
// under a random 256-bit key kept in hash.key beside the database (mode
// 0600, created on first use), over the text as redact.Redact leaves it
// (DB.Hash). The choice, column by column:
//
//	suggestions.original_sha256,   keyed hash of the redacted text: the hashes only serve
//	suggestions.suggested_sha256,  equality on this machine; with the key, no one can test a
//	events.final_sha256,           guess of code against them (a plain SHA-256 let a few
//	preferences.chosen_sha256,     guesses recover "summer2024" from the redacted text), and
//	preferences.rejected_sha256    since the secret was redacted first, no secret enters them
//	                               even for whoever holds the key. "" for no text.
//	suggestions.document           the path with code storage on; "hmac-sha256:" and the
//	                               keyed hash of the path with it off (paths are easy to guess)
//	audit forget rows              the keyed hash of a forgotten workspace, never its path
//	review state (package review)  keyed hashes of files and of each (redacted) line (DB.MAC)
//	adapters.sha256, runs.*_sha256 plain SHA-256 of adapter files: not code, and meant to be
//	                               checked by anyone against the file
//	audit digests                  plain SHA-256 of whole rows including a random salt that
//	                               forget deletes with the row (see The audit chain)
//
// Deleting the key makes every keyed hash meaningless: forget --all
// replaces it (while it holds the write lock, so no process writes under
// the old key afterwards; each handle rereads the key when its file
// changes). A copy of syntx.db without hash.key holds no hash anyone can
// test a guess against.
//
// Forget deletes suggestions, events and preferences by workspace, by age or
// all of them, and the adapters trained on any preference it deletes (a
// run records the newest preference id it read; the store assigns ids in
// order and never reuses one, so a run that read up to id N read every
// preference at or below N that existed then). Then it VACUUMs and
// truncates the write-ahead log, so that the forgotten text is gone from
// the file's bytes. Deleted pages are also zeroed as they are freed
// (secure_delete) and temporary data stays in memory (temp_store). The
// adapter directories, the review state and the learn cursors are not the
// store's: train.Forget and review.Forget remove them.
//
// # The audit chain
//
// Every write of a suggestion, event, preference, run, adapter change,
// persona switch or forget appends a row to the audit table in the same
// transaction. Rows form a hash chain: each row's hash is SHA-256 over the
// previous row's hash and the row's own seq, time, kind, ref and payload
// (see RowHash), and the newest link is also kept in audit_head.
//
// A row that records a data row commits to its content: its payload holds
// the digest of the row as stored (SHA-256 over every column, typed and
// length-prefixed; for an adapter, its row holds the hash of its weights
// file). Suggestions, events and preferences carry a random salt that is
// part of the digest, so once forget deletes a row the digest left in the
// chain cannot be used to test guesses of its content. A forget row lists
// the audit rows whose data it deleted (ranges of seqs, and the adapter
// versions), never the data.
//
// After every commit the new rows are appended, "SEQ HASH" a line, to an
// anchor log outside the database (audit-head.log beside it, or
// Options.AnchorPath), which the user can back up or commit to a team
// repository; Head returns the current head ("SEQ:HASH").
//
// VerifyWith walks the chain and names the first row that was altered,
// removed or moved; recomputes the digest of every data row and names the
// first one changed, deleted other than by a forget, or present without an
// audit row; checks each anchored row and a head noted earlier
// (VerifyOptions.Head) against the chain, which catches a cut tail and a
// rewrite from some row on; and checks adapter files against their
// hashes. Payloads hold ids, outcomes, rule ids, counts, digests and keyed
// hashes only, never code, paths or workspace names, so forgetting never
// rewrites the chain and it still verifies afterwards. Triggers refuse
// UPDATE and DELETE on the audit table; the chain is what catches someone
// who drops them.
//
// What the chain proves: that the data rows, adapter files and audit rows
// are those SyntX wrote, in that order, minus what a recorded forget
// removed; that no preference an adapter was trained on was changed,
// removed or slipped in afterwards; and, with the anchor log or a noted
// head, that the chain was not cut or rewritten since. What it cannot
// prove: anything against an attacker who can write both the database and
// every anchor (the anchor log beside it included) — they can rebuild a
// consistent chain; keep a copy of the log or of `syntx audit head`
// elsewhere. Nor that what SyntX recorded was true (a compromised build,
// or a person writing through SyntX's own API), nor anything about rows
// written before the chain covered data beyond their state when the
// migration sealed them, nor that the anchor log is complete after a
// power cut (its appends are not fsynced: it may lack the last rows, it
// never holds wrong ones).
//
// Verify reads the whole chain, the anchor log and every data row in one
// read transaction, and keeps the anchor log and the newest digest of each
// data row in memory (some 150 bytes a row): about 15 µs a row on this
// project's 2-core machine (BenchmarkVerify), so a chain of 100,000 rows
// takes a couple of seconds.
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
// # Schema (version 3)
//
//	schema_version(version, applied_at)
//	suggestions(id, created_at, workspace, document, language, rule_id, category, title,
//	            start_line, start_char, end_line, end_char, features JSON, candidate_set, rank,
//	            policy_version, score, trigger, persona, original_text, suggested_text,
//	            original_sha256, suggested_sha256, redactions, rule_source, rule_sha256, salt)
//	events(id, suggestion_id → suggestions, outcome, at, persona, persona_weight, reason,
//	       final_text, final_sha256, salt)
//	preferences(id, created_at, kind,
//	            chosen_suggestion_id → suggestions, chosen_text, chosen_sha256, chosen_role,
//	            rejected_suggestion_id → suggestions, rejected_text, rejected_sha256, rejected_role,
//	            suggestion_id → suggestions, desirable, context JSON, weight, persona, provenance JSON,
//	            salt)
//	runs(id, started_at, finished_at, objective, hyperparams JSON, data_counts JSON, metrics JSON,
//	     decision, adapter_version, adapter_sha256, last_preference_id)
//	adapters(version, created_at, sha256, run_id → runs, state, activated_at)
//	audit(seq, at, kind, ref, payload JSON, prev_hash, hash)
//	audit_head(id = 1, seq, hash)
//	migration_tasks(task)
//
// The columns named *_sha256 hold keyed hashes since version 3 (see Code,
// secrets and privacy); the names stay for compatibility. Version 2's
// migration drops the plain hashes a version 1 database holds (they cannot
// be converted: the text they were made of is not stored, or only
// redacted), redacts the stored texts again with the current patterns and
// hashes them under the key, salts every data row and seals each into the
// chain (a "seal" row with its digest), appends a "migration" row with the
// counts, and logs what it did. Audit rows written before keep what they
// hold: a forget row of version 1 keeps the plain SHA-256 of the workspace
// it forgot, since the chain cannot be rewritten.
//
// # Export
//
// ExportDPO and ExportKTO write JSON Lines in TRL's standard formats
// ({"prompt","chosen","rejected"} and {"prompt","completion","label"}) for
// training outside SyntX; the prompt names the language, the rule and its
// message, and holds the original code when it was stored. Every text is
// redacted again on the way out, with the current patterns.
package store
