// Package realbench measures SyntX's language server on real, unmodified
// files of the real-code corpus (internal/realcorpus), side by side with
// ast-grep's language server (`ast-grep lsp`, @ast-grep/cli 0.51.1, with the
// rule set in testdata/astgrep) and, on Go files, gopls (v0.23.0). `make
// bench-real` runs it and writes the README's performance table.
//
// # What is measured
//
// Every server is a separate process started the way an editor starts it
// and driven over its stdio, with the same messages; the client sends
// pre-encoded JSON so that its own work stays out of the times. For each
// bench file (one per shape: a UMD bundle, a describe(...) suite, a Python
// module with a 3,000-line class, TypeScript with deep generics, a Go file
// with a 1,000-line function, a 300 KB minified line) the site of the edit
// is the rule site of SyntX nearest the middle of the file, and:
//
//   - edit → codeAction: one character typed at the start of the site's
//     line (then deleted, alternately), then a code action request for that
//     line (a bare cursor, automatic trigger, as a lightbulb asks), timed
//     from sending the change to receiving the answer. ast-grep's server
//     answers code actions from the diagnostics the client passes (it
//     re-scans the file on every change and publishes them), so for it the
//     time runs from the change to its diagnostics for that version, then
//     the request with the diagnostics on the line: until the fix is
//     available, as an editor sees it.
//   - typing: edit → codeAction at a person's pace, the next keystroke
//     30 ms after the last answer (33 a second, faster than a fast
//     typist's bursts). Back to back, a server never has a gap in which
//     to collect its garbage or finish background work, and its threads
//     never sleep; a person's keystrokes leave both. Beside it, a request
//     SyntX answers without work, back to back and at the same pace (the
//     round trip's floor: what waking the sleeping client and server
//     threads costs on the machine, not the server's analysis).
//   - line request after an edit: the same edit; once the server has taken
//     it in (ast-grep: its diagnostics for the new version; the others: the
//     answer to a request for a kind of action nobody offers, as requests
//     are answered in order), a request for a line 40 lines further down,
//     timed alone.
//   - whole-file codeAction: likewise, an explicit request over the whole
//     file (for ast-grep, with every diagnostic of the file), timed alone.
//   - peak RSS: the largest resident set (VmHWM) of the server process with
//     the four language files (Go, Python, TypeScript, JavaScript) open and
//     edited.
//   - the UMD size series (bench files of about 1k, 5k, 20k and 86k lines):
//     edit → codeAction for each server; for SyntX, Ctrl+. on the edited
//     line once the edit is taken in (an explicit request, which also gets
//     the file's source actions: a bundle's migration); and the indexes' own re-matching
//     work for one keystroke (after an incremental reparse, in process: the
//     per-site rules' index moved by the edit and refreshed, the migration
//     rules' moved and told what changed, as the server does), whose median
//     should not grow with the file.
//
// The servers are measured one after the other in the same run, each alone
// (the others are not running: gopls type-checks in the background after an
// edit, which on a 2-core machine would slow whoever is measured next).
// Times are medians and 99th percentiles of b.N rounds (make bench-real
// uses 200); the table gives the ratios of SyntX's medians to the others'.
// Each measure's rounds begin once the server is idle (Server.Settle: its
// CPU time grows by at most one 10 ms tick in 250 ms), so that they do not
// share the two cores with what the measure before them left running (an
// offer's record, a type-check); what the server did while the benchmark
// waited is reported as settle-ticks. Within a measure the rounds run back
// to back, and what each leaves behind runs beside the next.
//
// Set SYNTX_BIN to the syntx binary (make bench-real builds it). The corpus
// must be fetched (make realcorpus); without it the benchmark is skipped.
// BENCH_REAL_OUT names the file the Markdown table is written to.
package realbench
