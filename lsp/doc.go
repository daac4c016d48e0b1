// Package lsp is SyntX's protocol surface: the lifecycle, text
// synchronisation, code actions and commands of LSP 3.17, over
// go.lsp.dev/jsonrpc2.
//
// The Server keeps an explicit state (created, initialized, shut down) and
// refuses requests before initialize with ServerNotInitialized (-32002), a
// second initialize and anything after shutdown with InvalidRequest
// (-32600). Handlers are thin: each decodes its parameters, takes a snapshot
// of the document it needs and calls into the packages that do the work
// (syntax, rules, capture, model).
//
// Ordering. Notifications (didOpen, didChange, didSave, didClose) run on the
// connection's read loop, so they apply in wire order. A request reads what
// it needs under the document's lock on the read loop, then releases the loop
// (jsonrpc2.Async) for the rest of its work, so a $/cancelRequest that
// arrives meanwhile is seen and answered with RequestCancelled (-32800).
//
// Robustness. A handler never panics the connection: panics are recovered,
// logged with their stack to stderr and answered with InternalError.
// Malformed parameters get InvalidParams; notifications cannot be answered,
// so their problems go to the log and, when a user should know,
// window/showMessage. Positions past the end of a line or document are
// clamped as the specification prescribes.
//
// Cost. A request reads the matches of its range from the document's
// index (rules.Index), which an edit updates in time that follows the edit,
// not the file. It keeps with each match what it derives from it — the
// rendered fix, the policy's features and score — until an edit touches the
// text those were derived from (rules.Index.SetMemo; candidates.go), so
// asking again (the lightbulb on every cursor move, a request over a whole
// file) costs a lookup per candidate; only the candidates shown are turned
// into LSP edits and positions.
//
// Limits. A document over limits.max_document_bytes, or holding NUL bytes,
// or whose syntax tree nests deeper than maxTreeDepth, is tracked as text
// only. A document over syncAnalyseBytes is parsed and matched in the
// background, so that it cannot hold up the read loop (and with it every
// other document's requests); it gets suggestions once that finishes. Edits
// made meanwhile are replayed on the result (an incremental reparse and
// re-match), so typing into a large file does not start the analysis over;
// from then on every edit is incremental, whatever the document's size.
package lsp
