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
// Ordering and the read loop. The read loop only decodes a message and hands
// its work on: the notifications and requests about one document (didOpen,
// didChange, didSave, didClose, codeAction, the syntx.accept that follows an
// applied edit) go to that document's queue, which one goroutine drains while
// it has work (see queues), so they apply in wire order and a request sees
// exactly the edits sent before it; other commands wait for the work queued
// before them (for at most limits.request_timeout). A document whose work is
// slow (a minified megabyte, a costly rule) delays only itself: the read
// loop never waits for it, and other documents' requests, $/cancelRequest,
// shutdown and exit are read and answered meanwhile.
//
// Requests and time. A code action is matched and its fixes rendered in its
// document's queue under the request's context: matching what an edit left
// pending may take half of limits.request_timeout and rendering up to three
// quarters, after which the answer holds what was rendered in time. Past the
// timeout the request is answered RequestFailed (-32803); RequestCancelled
// (-32800) means the client sent $/cancelRequest, nothing else. Candidates
// are capped at limits.max_candidates, the nearest to the requested range
// first, before any fix is rendered, so a line with thousands of matches
// costs that many renders, not thousands.
//
// Unread answers. The stream counts the requests whose answer has not been
// written. A client that writes requests without reading their answers
// (writes block once the pipe is full) gets ServerCancelled (-32802) past
// maxPendingRequests, and writing that answer blocks the read loop until it
// reads: what it can make the server hold is bounded.
//
// Trust. The workspace folder's .syntx/rules and .syntx/config.toml load
// only when the user trusts the folder: the editor's decision when it sends
// one (initializationOptions.workspaceTrust, and the notification
// syntx/workspaceTrust when trust is granted later), else the trust store
// of `syntx trust`. Untrusted, the server says once what it left out and how
// to trust it. A workspace rule's actions say where they come from (title,
// data.source, data.sourceSha256) and the stored offers record its file and
// hash.
//
// Robustness. A handler never panics the connection: panics are recovered,
// logged with their stack to stderr and answered with InternalError.
// Malformed parameters get InvalidParams; notifications cannot be answered,
// so their problems go to the log and, when a user should know,
// window/showMessage. Positions past the end of a line or document are
// clamped as the specification prescribes.
//
// Code actions. A request's candidates are the rule matches on its lines
// that no suppression comment silences and that the project's declared
// target allows (rules.Suppressed, rules.Projects). They are ranked: the
// requested place's fixes before whole-file migrations, safe fixes before
// unsafe ones, then by the policy's score. An unsafe fix is labelled
// "(unsafe)" with its check in data, is never preferred, and is not shown on
// automatic requests unless an adapter (the developer's own, or the team
// layer) is active and scores it above the threshold. An invoked menu ends
// with the dismiss entry, of kind syntx.dismiss (outside the quickfix,
// refactor and source groups editors sort by, so it comes last) and a title
// that sorts after the suggestions'. Migration rules are offered as one
// source.syntx.<category>
// action per file on explicit requests and on requests whose only admits
// source kinds (migrate.go), applying their safe sites; the tracker follows
// its parts and records one outcome. A site of a migration rule is offered
// alone only with suggestions.migration_sites.
//
// Diagnostics. What the policy would show on an automatic trigger is also
// published as diagnostics (diagnostics.go): the same candidates, filtered
// by eligible and automaticPolicy.shows, the functions codeAction uses. Pull
// clients (textDocument/diagnostic) are answered in the document's queue;
// push clients get versioned textDocument/publishDiagnostics after
// diagnostics.delay, superseded by later edits. An adapter swap, new
// settings or a change of trust make every document's diagnostics stale
// (an epoch), which a pull client learns from workspace/diagnostic/refresh.
// The whole-file match diagnostics need runs in slices of matchSlice, so a
// code action queued meanwhile does not wait for it. A diagnostic the
// developer saw (a code action request on its lines, an edit within
// seenLines) and left alone becomes capture's "shown, ignored" evidence
// through the tracker's menu window; its store row is written only then
// (offer.pending).
//
// Cost. A request reads the matches of its range from the document's
// index (rules.Index), which an edit updates in time that follows the edit,
// not the file. It keeps with each match what it derives from it — the
// rendered fix, the policy's features and score — until an edit touches the
// text those were derived from (rules.Index.SetMemo; candidates.go), so
// asking again (the lightbulb on every cursor move, a request over a whole
// file) costs a lookup per candidate; only the candidates shown are turned
// into LSP edits and positions. This runs in the document's queue under the
// request's deadlines: a fix not kept yet is rendered with rules.Render
// under the rendering share of the request's time and the template budget,
// and a request over a whole file renders at most limits.max_candidates
// fixes (the nearest to the range), kept ones costing nothing.
//
// Limits. A document over limits.max_document_bytes, or holding NUL bytes,
// or whose syntax tree nests deeper than maxTreeDepth, is tracked as text
// only. A document over syncAnalyseBytes is parsed and matched in the
// background, so that it cannot hold up the read loop (and with it every
// other document's requests); it gets suggestions once that finishes. Edits
// made meanwhile are replayed on the result (an incremental reparse and
// re-match), so typing into a large file does not start the analysis over;
// from then on every edit is incremental, whatever the document's size.
//
// Adapters and team mode. The policy serves base → team layer → own
// adapter (model.Runtime.SwapLayers); the server follows both pointer
// files (model.ActiveAdapter, model.ActiveTeamAdapter) every second and swaps either
// layer alone. Training runs as a child process (`syntx train`), and so
// does team mode's sync (`syntx team sync`: push to the team's hub, pull
// the team adapter), started after train.idle_delay of inactivity at most
// every team.sync_interval, or now by syntx.teamSync; the server never
// opens a network connection itself, and with team.db empty it starts no
// sync at all. When the team layer under an own adapter changes, and that
// adapter's run trained over another one (its hyper-parameters' team_layer),
// the next idle moment retrains it even without new outcomes; the same
// check runs on the layers loaded at start (flagTeamChange), for a layer
// pulled or rolled back while no server ran. syntx.status reports both under "training" and "team".
//
// Library workarounds. What the package does around defects of
// go.lsp.dev/jsonrpc2 lives in jsonrpc2_workarounds.go (frames screened
// before jsonrpc2 decodes them, empty frames, the detached request context
// and inflight), and around go.lsp.dev/protocol in protocol_workarounds.go
// (didChange decoded with encoding/json; the test client's copy before
// decoding union results). Each file names the version it was checked
// against, and its tests fail when that version changes or when upstream
// fixes a defect, so that a version bump says which workaround to delete.
package lsp
