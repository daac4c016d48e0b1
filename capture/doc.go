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
//   - Derive turns an outcome into preferences, as DESIGN.md's table says:
//     kept: the accepted suggestion ≻ each other candidate shown with it,
//     and a desirable label; undone: original ≻ suggestion, an undesirable
//     label; edited: the developer's version ≻ suggestion and suggestion ≻
//     the unchosen candidates; ignored: weak undesirable labels; dismissed:
//     an undesirable label with the reason. Each carries the persona, its
//     weight and the ids of the events it came from.
//   - Recorder writes offers, events and preferences to the store from one
//     goroutine, in order, so the code-action path never waits on SQLite;
//     commands that the client waits for (accept, dismiss) are written
//     before they are answered.
package capture
