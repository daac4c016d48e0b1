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
//     default), or when the file is saved or closed after the first one.
//     Edits elsewhere only shift the region. An invoked menu from which
//     nothing is picked within capture.ignore_after is recorded as ignored.
//     Time comes from the caller, so tests move a fake clock.
//   - Derive turns an outcome into preferences, as DESIGN.md's table says
//     (see Evidence below), each carrying the persona, its weight w and the
//     ids of the events it came from.
//   - Recorder writes offers, events and preferences to the store from one
//     goroutine, in order, so the code-action path never waits on SQLite;
//     commands that the client waits for (accept, dismiss) are written
//     before they are answered.
//
// # Evidence
//
// What the developer does with a suggestion, strongest evidence first:
//
//	what the developer did                         outcome     preferences (weight)
//	applied it, it survived the checkpoints        kept        suggestion ≻ each other candidate shown with it (w);
//	                                                           desirable label (w)
//	applied it, the region went back               undone      original ≻ suggestion (w); undesirable label (w)
//	applied it, then changed its syntax            edited      developer's version ≻ suggestion, suggestion ≻ the
//	                                                           unchosen candidates (w)
//	dismissed it with a reason                     dismissed   undesirable label, reason kept (w)
//	opened the menu (invoked), picked nothing      ignored     undesirable label (w·IgnoredWeight, 0.3)
//	  within capture.ignore_after
//	saw it shown unasked (a diagnostic: the        ignored,    undesirable label (w·ShownIgnoredWeight, 0.1)
//	  cursor on its line, or an edit within a few  trigger
//	  lines), did nothing with it within           automatic
//	  capture.ignore_after or before closing
//
// "Shown, ignored" is the weakest: a squiggle may be seen without being
// read. It is recorded on the suggestion's automatic trigger, which is how
// Derive tells it from an ignored menu; a diagnostic that goes away first
// (its code changed, the policy stopped showing it) yields nothing, and one
// acted on (applied, dismissed, a menu opened on it) yields that action's
// outcome instead. Package lsp decides what was seen and when.
package capture
