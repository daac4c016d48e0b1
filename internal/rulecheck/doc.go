// Package rulecheck verifies SyntX's fixes on real code with the languages'
// own checkers, and measures what the base policy shows there (issue 21,
// `make check-rules-real`).
//
// # What a run does
//
// Run takes the pool packages of the real-code corpus (internal/realcorpus:
// every fetched package, the CI subset, or named ones) and, per package, on
// one of Options.Workers workers (two by default, the largest packages
// first):
//
//  1. Offers. It starts the real server (`syntx serve`, Options.Binary) on a
//     fresh data directory with its default settings, with the package's
//     folder as the workspace (for npm, the checker project, whose
//     tsconfig.json holds the compiler options the package is built with),
//     opens each file as an editor does and asks for code actions on every
//     line where a rule of this build matches: once as the lightbulb does
//     (an automatic trigger) and once as a user opening the menu does
//     (invoked: every fix, unsafe ones included); and, invoked, for the
//     file's source actions (a migration such as "convert this file to
//     let/const"). A second server, with suggestions.migration_sites on,
//     offers the migration rules' sites one by one (invoked only: they are
//     off by default). Each distinct action is an Offer: its rule, site,
//     edits, score, and whether it was shown automatically. So
//     "automatic" is exactly what the lightbulb shows with the embedded
//     base policy and the default policy.threshold, after the server's own
//     filters (fix safety, suppression comments, declared targets). The
//     initialization options only keep a batch run complete and quiet (no
//     training, no candidate cap, a long request timeout); loadRules
//     refuses a binary whose rules differ from this build's.
//  2. Checks. Each offer's edits are applied alone to the unmodified file
//     and the language's checker runs on the result. A fix breaks a check
//     when the checker reports a diagnostic after it that it did not report
//     before: diagnostics are compared as multisets of (file, checker,
//     message), positions left out (newDiags), because real packages are
//     not clean under every checker.
//
// # The checkers
//
//   - Go: `go vet -overlay` on the file's package (tests included), in the
//     corpus's offline module copy or GOROOT (realcorpus.Checker). The
//     overlay replaces one file; nothing is copied or written into the
//     corpus. go vet type-checks first, so a fix that does not compile is
//     reported as its type errors. About half a second per fix.
//   - Python: compile() exactly as `python3 -m py_compile` does (warnings
//     included) and Debian's pyflakes (python3-pyflakes) on the file, in one
//     long-lived python3 process (pycheck.py). Milliseconds per fix.
//   - TypeScript and JavaScript: one long-lived node process per package
//     (tscheck.js) holding a TypeScript LanguageService over the package's
//     tsconfig.json (the pinned compiler options; checkJs for JavaScript)
//     with an in-memory host. A check swaps one file's text, reads the
//     program's syntactic and semantic diagnostics for that file — what
//     `tsc --noEmit -p tsconfig.json` reports for it — and swaps it back; the
//     checker is warm for everything else, so a check costs tens to hundreds
//     of milliseconds instead of a tsc process's seconds. When the file's own
//     diagnostics are unchanged but its declaration output changed (a fix
//     changed an exported signature), the files that can see it (its
//     importers, transitively, and global scripts) are checked too. For
//     JavaScript also: node's own parser (vm.compileFunction, or
//     vm.SourceTextModule for ES modules: `node --check` without a process
//     per fix), and a scope check: every identifier outside the edited spans
//     must resolve to the same declaration after the fix as before, and no
//     reference may come to precede, in the same function, the let, const or
//     class it binds to. The scope check catches `var` → `let` when the
//     binding is used after its block, even where the type checker is
//     silent because lib.dom declares a global of the same name (`name`,
//     `status`). It runs on TypeScript files as well.
//
// # The cache
//
// Each check's result is stored under Options.CacheDir, keyed by the
// checker and its version (the go version; python, pyflakes and
// pycheck.py's hash; typescript's version and tscheck.js's hash), the
// fetched state of the package's source, the file and both texts. A rerun
// after a rule change checks only the fixes that changed; results never go
// stale silently, because anything they depend on is in the key.
//
// # The report
//
// Result.Summarize gives, per rule: matches (per-site fixes offered),
// source actions, unsafe offers (their title says so), fixes that break a
// check (and how many of those are in held-out `check` packages), automatic
// suggestions, and both rates per 1,000 lines of the rule's language; per
// language: files, lines, automatic suggestions per 1,000 lines, the rule
// with the largest share of them, and the rules that offered nothing.
// Result.Save writes report.txt, report.json (every offer, for sampling),
// breaks.txt (the broken fixes in dev packages, with the rewrite and the
// new diagnostics) and breaks-check.txt (those in held-out packages: rule
// authors read their counts only, never their code, while they write
// rules).
//
// Targets evaluates issue 21's targets: no fix that breaks a check (also on
// the CI subset); on the full pool also at most MaxAutoPerKLOC automatic
// suggestions per 1,000 lines and no rule above MaxTopShare of a language's
// automatic suggestions, and every rule offering something or kept for a
// reason listed in testdata/rulecheck/silent.toml. SampleTargets holds the
// judged samples to theirs.
//
// # Judged samples
//
// Draw takes a seeded sample of a run's suggestions per language
// (`rulecheck sample`): the automatic ones first, then menu-only ones to
// make up the size asked for (all of them when there are fewer). A
// reviewer judges each with a verdict (Welcome, Nitpick, FalsePositive,
// Harmful) and a one-line reason in testdata/rulecheck/judged/
// <language>.toml; judged/round1/ keeps the first round, from which the
// priors were revised, judged/round2/ the second (before the rules of
// branch q2), and judged/round3/ the JavaScript and TypeScript samples of
// the third (before the ES5 project targets silenced jQuery and minimist and
// typescript.non-null-assertion and structured-clone were removed).
// Verdicts stay with their suggestion when it is drawn again (its rule,
// place and rewrite, and its line when one file has two identical
// rewrites); a verdict the new draw drops is looked up in the round files
// (Elsewhere), so that `rulecheck sample` can say which are kept nowhere
// else. Sample.Check holds a sample to its contract (at
// least SampleSize suggestions or all there were, every one judged with a
// reason, and among the automatic ones at most one harmful and at least as
// many welcome as nitpicks); the package's tests run it on the committed
// samples. SampleTargets adds issue 21's count: at least SampleSize judged
// automatic suggestions per language.
package rulecheck
