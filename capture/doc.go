// Package capture turns what a developer does with SyntX's suggestions into
// preference data.
//
// It has four parts:
//
//   - Features describes a suggestion's site for the policy
//     (model.Candidate): the tree-sitter context around it, the rule, the
//     file's role, the persona.
//   - Tracker follows each accepted suggestion through the stream of edits
//     and decides its outcome: undone when the rewritten region returns to
//     its original text (compared as text, so an undo that arrives in
//     several pieces, or as an editor's own minimal diff, still counts),
//     edited when the region's syntax differs from the suggestion beyond
//     whitespace and comments (the developer's version is kept), kept when
//     it survives every checkpoint (30 s, 2 min, 5 min, 10 min and 15 min by
//     default), or when the file is saved after the first one, or when the
//     document is closed or the editor quits (shutdown and exit, the end of
//     the server's input) after the fix was saved. A fix never saved when
//     its document closes or the editor quits did not reach the disk: it
//     records nothing. Edits elsewhere only shift the region. An invoked
//     menu from which nothing is picked within capture.ignore_after, or
//     before its document closes or the editor quits, is recorded as
//     ignored; the same menu opened again at the same place is the same
//     menu. Time comes from the caller, so tests move a fake clock.
//   - Derive turns an outcome into preferences, as DESIGN.md's table says,
//     each weighing the persona's weight times the outcome's evidence
//     weight (the second table).
//
// # Classification
//
// The region is the text the accepted fix wrote. A change is classified by
// where it falls (TestEdgeEditsClassified in package lsp, with
// typescript.any-to-unknown: any → unknown, checks each row through the
// server; TestUndoOfRemovingFix and TestAcceptThenEditVersusReformat the
// others):
//
//	change                                         example               outcome
//	---------------------------------------------  --------------------  -------
//	none, until the last checkpoint or a save      unknown               kept
//	  after the first, or a close/quit after a save
//	formatting inside, or white space at an edge   safe_load( fh )       kept
//	elsewhere in the file, or apart from the       unknown | null        kept
//	  region (white space, "," or ";" between)
//	appended to the last token                     unknown[], unknown_e  edited
//	prefixed to the first token                    Xunknown              edited
//	wrapping the fix (call, generic, brackets)     Array<unknown>        edited
//	deleting part of it                            unk                   edited
//	replacing it with other code                   string                edited
//	typing at the edge of a fix that removed       merged.items()        edited
//	  text (x.keys() → x) something else
//	  ... a whole line (console.log(x)), typing    _e}                   edited
//	  where it removed it: the start of the line
//	  that took its place
//	  ... typing on that line past its             ··_e}                 kept
//	  indentation: the next line's code, though a
//	  diff of the texts cannot tell the two places
//	  apart (TestEditAfterRemovedLine)
//	the original text back, in one change or       any; merged.keys()    undone
//	  in pieces (typed back, editor's own diff)
//	a fix of several parts back to its original:   import ast …          undone
//	  an import added far from the call it goes    ast.literal_eval(x)
//	  with, or a migration; in one change over     → … eval(x)
//	  all of them (the smallest diff, whole
//	  lines, the whole document) or one change
//	  per part in any order, a diff taking a
//	  character of its neighbour or not
//	  (TestMultiPartFixUndoShapes, TestTrackerParts)
//	  ... also changing code between the parts,    a comment retyped     undone
//	  not next to them
//	such a change writing one part otherwise       … json.loads(x)       edited
//	  (its version: the parts, never the text
//	  between them)
//	  ... or changing the code next to a part      yield eval(x)         edited
//	  (its version: the first and last lines the
//	  change covers)
//	the fix never saved when the document closes   -                     nothing
//	  or the editor quits
//
// An edit touching an edge belongs to the fix when nothing separates it from
// the region afterwards (no white space, "," or ";" at the boundary): the
// region grows to cover it and is judged as above. "Edited" compares syntax
// (SameSyntax), so reformatting is never an edit.
//
// A change that covers several places of one fix (its parts, and the
// imports it added, which are followed but never judged) is mapped onto
// each place rather than onto the span: the text between the places, left
// as it was, is found again in the new text (a long stretch changed in its
// middle, by its first and last 32 bytes), and what lies between is each
// place's new text, judged against its own original. Only when the code
// right next to the places changed too do they grow over the code between
// them as above; the developer's version is then the first and last lines
// each covers, never the code between them.
//
// # Evidence
//
// Each outcome's preferences (DESIGN.md, "Outcomes and preferences") weigh
// the persona's weight times an evidence weight, set by the user's
// capture.evidence keys (config.Evidence; like every capture key, a
// workspace may not set them):
//
//	outcome                         preferences                               evidence (key, default)
//	------------------------------  ----------------------------------------  ----------------------------------
//	kept                            suggestion ≻ each other candidate shown;  kept, 1
//	                                desirable label
//	edited                          developer's version ≻ suggestion;         edited, 1
//	                                suggestion ≻ unchosen candidates
//	undone                          original ≻ suggestion; undesirable label  undone, 1
//	dismissed, one suggestion       undesirable label with the reason         dismissed, 1
//	dismissed, the whole menu       undesirable label each                    dismissed_set, 1, shared by the set
//	ignored, menu at the cursor     undesirable label each                    ignored, 0.3, shared by the set
//	ignored, menu on a selection    undesirable label each                    ignored_selection, 0.5, shared
//	  or for SyntX's kinds only
//	diagnostic seen, nothing done   undesirable label                         shown, 0.1
//	  (cursor on its lines, an edit
//	  near it; Tracker.Shown)
//	automatic lightbulb not opened  nothing                                   none: no evidence
//
// "Shared by the set": a menu of n suggestions left unanswered is one weak
// signal about the set, not n rejections: each suggestion's label weighs
// the menu's weight divided by n, and the idle scheduler counts the menu
// once toward train.min_new_preferences. An evidence weight of 0 records the
// event but no preference.
//
// The parts, continued:
//
//   - Every text capture keeps (a suggestion's original and suggested code,
//     the developer's version) is cut from its document redacted as a whole
//     (RedactedSpans), so that a secret recognised by the call around it
//     is redacted even when the region holds only part of the call.
//   - Recorder writes offers, events and preferences to the store from one
//     goroutine, in order, so the code-action path never waits on SQLite;
//     commands that the client waits for (accept, dismiss) are written
//     before they are answered.
//
// "Shown, ignored" is the weakest evidence: a squiggle may be seen without
// being read. A diagnostic that goes away first (its code changed, the
// policy stopped showing it) yields nothing, and one acted on (applied,
// dismissed, a menu opened on it) yields that action's outcome instead.
// Package lsp decides what was seen and when.
//
// # The developer's record
//
// Record counts the labels above per rule and per category, each in a
// file role (production, test, generated, vendored), weighed by the
// training half-life from the newest label (train.DefaultHalfLife). An
// edited fix yields no label but counts for the suggestion, with its
// evidence weight: the developer applied it, and what they changed after
// says nothing against showing it (the learning benchmark does not count
// it as noise either). The server holds a
// suggestion back from automatic triggers (the lightbulb and the
// diagnostics; an invoked menu still lists it) when the record estimates
// that the developer accepts it less often than policy.threshold:
//
//	siblings, every role   (yes + 1) / (yes + no + 2)         the category's other rules
//	siblings, this role    (yes + k·above) / (yes + no + k)   the category's other rules in this file role
//	the rule, this role    (yes + k·above) / (yes + no + k)   the rule's own labels
//
// each level's rate the prior of the next with the strength of k labels
// (policy.record_strength, 2), once the category has at least
// policy.record_min (3) weighted labels in any role. A rule the developer
// never met is estimated by its siblings; after three rejected siblings
// (0.08) it takes three acceptances of its own to show unasked again
// (0.39, 0.54, 0.63 at the default threshold 0.55). The record can only
// silence: the policy's score decides the rest. It also guards promotion:
// a suggestion the base policy keeps silent (its prior is under the
// threshold, or its fix is unsafe) shows unasked only when a learnt
// adapter scores it over the threshold and the record estimates at least
// the threshold too, with enough evidence (Record.Supports): a policy
// learnt on other categories does not start showing one. A team layer may
// promote on the team's evidence alone.
//
// Why: the policy network learns the same evidence, but spreads it over
// features rules share and may move a rule the developer rejected, or
// never met, back over the threshold between one training run and the
// next: one slip (a fix accepted once among rejections of its category)
// or a retrain that splits the evidence otherwise showed a rule's
// suggestions again on every automatic trigger, and a persona that had
// said nothing about performance rules saw one the base keeps silent
// shown after 30 events on other categories (README, "Does it learn?").
// The record answers from the developer's own outcomes, at once, before
// any training, and changes only when they do; a forget reloads it from
// what is left.
package capture
