# SyntX: build, run the demo, test, benchmark.
GO      ?= go
BIN     ?= bin/syntx
VERSION ?= 0.1.0-dev
LDFLAGS := -X main.version=$(VERSION)
# node_modules under editors/ can hold stray .go files (npm packages ship them).
PKGS    := $(shell $(GO) list ./... 2>/dev/null | grep -v -e /spike -e /node_modules/)
FUZZTIME ?= 10000x
BENCHTIME ?= 1s
BENCHCOUNT ?= 5

.PHONY: build install run test test-newlang fuzz stress soak bench bench-real bench-learning lint fmt clean test-editors package-vscode e2e-vscode

build:
	CGO_ENABLED=1 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/syntx

install:
	CGO_ENABLED=1 $(GO) install -ldflags '$(LDFLAGS)' ./cmd/syntx

# The main job: build, then replay the demo session against the real server.
run: build
	./$(BIN) demo

# Everything CI runs: the reviewer's checks (make lint), the rules' own
# examples, the test suite (with the Neovim end-to-end test, which uses this
# build and skips without nvim), a short fuzzing pass over each fuzz target,
# and the editor clients' checks.
test: lint build
	./$(BIN) rules test
	SYNTX_BIN=$(abspath $(BIN)) $(GO) test -count=1 $(PKGS)
	$(MAKE) test-newlang
	$(MAKE) fuzz
	$(MAKE) test-editors

# Adding a language is a row of syntax's language table, a grammar import, a
# rules folder and its corpus: -tags syntx_java adds Java that way
# (syntax/lang_java.go, rules/testdata/java) and runs the rules' examples
# and an LSP round trip on it. (The editor file-type checks in syntax fail
# under the tag until the editors list Java too, as they should.)
test-newlang:
	$(GO) test -count=1 -tags syntx_java -run Java ./rules/ ./lsp/ ./capture/

# Every fuzz target, as package:Target; `make fuzz` runs each for FUZZTIME,
# a number of executions by default (10000x: a few minutes for all nine):
# a duration can fail with "context deadline exceeded" when the deadline
# falls while a worker is busy on a loaded machine, as CI once did. Use
# FUZZTIME=60s for a timed run. Their
# seed corpora, and every crash found, live in <package>/testdata/fuzz/ and
# run with the ordinary tests.
FUZZ_TARGETS := \
	./syntax/:FuzzIncrementalEdits \
	./rules/:FuzzRules \
	./rules/:FuzzTemplate \
	./rules/:FuzzRuleFile \
	./config/:FuzzConfigTOML \
	./config/:FuzzConfigJSON \
	./lsp/:FuzzServerFrames \
	./model/:FuzzSafetensors \
	./model/:FuzzLoadONNX

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# Crash consistency at length: servers and training runs killed with SIGKILL
# at random points, STRESS_ROUNDS times (the test suite runs 50).
STRESS_ROUNDS ?= 500
stress:
	SYNTX_STRESS_ROUNDS=$(STRESS_ROUNDS) $(GO) test -count=1 -run '^TestCrashConsistency$$' -v -timeout 120m ./cmd/syntx/

# The long soak (100,000 didChange and 10,000 codeAction in one session;
# memory and descriptors must stay flat) and the 5 MB pathological documents.
# The test suite runs 5,000 and 500.
SOAK_CHANGES ?= 100000
SOAK_ACTIONS ?= 10000
soak:
	SYNTX_SOAK=1 SYNTX_SOAK_CHANGES=$(SOAK_CHANGES) SYNTX_SOAK_ACTIONS=$(SOAK_ACTIONS) $(GO) test -count=1 -run '^(TestSoak|TestPathologicalInputsDoNotStall)$$' -v -timeout 60m ./cmd/syntx/ ./lsp/

bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(BENCHCOUNT) -benchmem ./lsp/ ./rules/ | tee bench.txt

# The real-code benchmark (internal/realbench): SyntX, ast-grep's language
# server and gopls on the real-code corpus's bench files, in the same run,
# each server measured alone; BENCH_REAL_ROUNDS rounds per measurement. Writes the README's performance table to bench-real.md and
# the benchmark output to bench-real.txt. Needs `make realcorpus` (the bench
# files, ast-grep and gopls); about 30 minutes on the 2-core machine (ast-grep
# takes seconds per edit on the 86,000-line bundle).
BENCH_REAL_ROUNDS ?= 200
bench-real: build
	SYNTX_BIN=$(abspath $(BIN)) BENCH_REAL_OUT=$(abspath bench-real.md) $(GO) test -run '^$$' -bench '^BenchmarkReal$$' -benchtime $(BENCH_REAL_ROUNDS)x -timeout 180m ./internal/realbench/ | tee bench-real.txt

# The learning benchmark: simulated reviewers drive the real server; curves
# of precision@1, noise, silence recall and automatic recall against an
# oracle and the base. Writes bench-learning/kl (every persona, three seeds,
# summary.txt with the means and the target's verdicts), objectives (kl,
# dpo, kto) and noise (p = 0 and 0.2), each with table.txt, report.json and
# curves.svg. About 20 minutes on the 2-core development machine.
LEARN_SEEDS ?= 1,2,3
bench-learning: build
	$(GO) run ./cmd/bench-learning -bin $(BIN) -out bench-learning/kl -objectives kl -noise 0.1 -seeds $(LEARN_SEEDS)
	$(GO) run ./cmd/bench-learning -bin $(BIN) -out bench-learning/objectives -objectives kl,dpo,kto -noise 0.1
	$(GO) run ./cmd/bench-learning -bin $(BIN) -out bench-learning/noise -objectives kl -noise 0,0.2

# The learning benchmark on the real-code corpus (issue 17): every persona
# on real, unmodified packages, kl, 10% mistakes, checkpoints up to 100
# events, three seeds; bench-learning/real/summary.txt has the means and
# each seed's verdicts. Needs `make realcorpus`.
LEARN_REAL_SEEDS ?= 1,2,3
.PHONY: bench-learning-real
bench-learning-real: build
	$(GO) run ./cmd/bench-learning -bin $(BIN) -realcorpus all -objectives kl -noise 0.1 -seeds $(LEARN_REAL_SEEDS) -checkpoints 0,10,20,30,50,100 -out bench-learning/real

# The team benchmark: 11 simulated members (security specialists, senior
# reviewers, developers) drive real servers over LSP and sync with a hub on
# a throw-away PostgreSQL (internal/pgtest), a team train after each round;
# then a new member at 0 events, a dissenting member's curve, and role
# weights on and off. Writes bench-team/table.txt and report.json. The
# scale figures are Go benchmarks: make bench-team-scale.
.PHONY: bench-team bench-team-scale
bench-team: build
	$(GO) run ./cmd/bench-team -bin $(BIN) -out bench-team

bench-team-scale: build
	SYNTX_BIN=$(abspath $(BIN)) $(GO) test -run '^$$' -bench 'BenchmarkTeam' -benchtime 1x -count 1 -timeout 60m ./cmd/syntx/ | tee bench-team-scale.txt

# The real-code corpus (internal/realcorpus): real, unmodified packages pinned
# in testdata/realcorpus/pins.toml, fetched into $SYNTX_REALCORPUS (default
# ~/.cache/syntx/realcorpus), never into the repository. realcorpus fetches
# everything (about 4 minutes and 1 GB: gopls is built from source),
# realcorpus-ci the CI subset (well under a minute). Both are idempotent.
.PHONY: realcorpus realcorpus-ci
realcorpus:
	$(GO) run ./cmd/realcorpus fetch

realcorpus-ci:
	$(GO) run ./cmd/realcorpus fetch -ci

# Issue 21: every fix the real server offers on the real-code corpus,
# applied alone and checked with the language's own checker (go vet
# -overlay; tsc through a warm LanguageService, node's parser and a scope
# check for JavaScript; py_compile and Debian's pyflakes), and what the base
# policy shows on automatic triggers. Prints per rule matches, fixes that
# break a check and automatic suggestions per 1,000 lines; writes
# check-rules-real/{report.txt,report.json,breaks.txt,breaks-check.txt}.
# check-rules-real runs the whole pool and fails on any of issue 21's
# targets (see README, "Rules on real code"); check-rules-real-ci, which
# .ci/run calls, the CI subset (well under 3 minutes), failing on a fix that
# breaks a check. Results are cached (~/.cache/syntx/rulecheck): a rerun
# checks only the fixes that changed.
RULECHECK_J ?= 2
.PHONY: check-rules-real check-rules-real-ci check-edits-real check-edits-real-ci
check-rules-real: build
	$(GO) run ./cmd/rulecheck run -bin $(BIN) -j $(RULECHECK_J) -targets all -out check-rules-real

check-rules-real-ci: build realcorpus-ci
	$(GO) run ./cmd/rulecheck run -ci -bin $(BIN) -j $(RULECHECK_J) -targets breaks -out check-rules-real-ci

# What the languages' own linters find that the rules miss, and the other
# way round (README, "Rules on real code", round 9), against the last
# check-rules-real run: gopls (the corpus's pinned one) and pylint
# (Debian's) always, ESLint with eslint-plugin-unicorn when ESLINT_DIR
# names a directory where `npm install eslint@9 eslint-plugin-unicorn
# typescript-eslint` was run (the command writes its ESLint config,
# syntx-recall.config.mjs, there). 2 to 7 minutes; not in CI.
.PHONY: check-rules-recall
check-rules-recall:
	$(GO) run ./cmd/rulecheck recall -report check-rules-real/report.json $(if $(ESLINT_DIR),-eslint $(ESLINT_DIR))

# Issue 16's incremental matching on real code: real files edited as a
# person edits (internal/corpus.Typist), the rule index after every
# notification against a full rescan, and a server's code actions against a
# fresh server's. check-edits-real-ci (.ci/run) edits a few files per
# language of the CI subset (under a minute); check-edits-real 300 files per
# language and 40 per language through the server (7 min 15 s on a 2-core
# machine).
EDITS_REAL_RUN = 'TestIndexIncrementalEqualsFullOnRealCode|TestCodeActionsOnRealCodeMatchFresh'
check-edits-real-ci: realcorpus-ci
	SYNTX_REALCORPUS_REQUIRED=1 $(GO) test -count=1 -run $(EDITS_REAL_RUN) ./rules ./lsp

check-edits-real:
	SYNTX_REALCORPUS_REQUIRED=1 SYNTX_REAL_INDEX_FILES=300 SYNTX_REAL_INDEX_STEPS=80 \
	SYNTX_REAL_MEMO_FILES=40 SYNTX_REAL_MEMO_STEPS=40 $(GO) test -count=1 -timeout 60m -run $(EDITS_REAL_RUN) ./rules ./lsp

# What a reviewer checks before reading the code: gofmt, go vet, staticcheck
# (pinned; findings in code that another branch owns wait in
# .ci/staticcheck-pending until it lands, see .ci/staticcheck), no new
# function of 80+ lines (internal/tools/longfuncs and its allow.txt) and
# luacheck on the Neovim client (Debian's lua-check; .ci/run installs it). The VS Code
# client's eslint runs in test-editors, with its npm dependencies.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)
	GO=$(GO) STATICCHECK=$(STATICCHECK) .ci/staticcheck $(PKGS)
	$(GO) run ./internal/tools/longfuncs
	@command -v luacheck >/dev/null || { echo "lint: luacheck not found (apt-get install lua-check)"; exit 1; }
	cd editors/neovim && luacheck --no-color --quiet .

fmt:
	gofmt -w $$(git ls-files '*.go')

# The VS Code extension: lint (eslint) and unit tests (node's test runner,
# no VS Code needed). Needs Node.js 20+ and npm; `npm ci` runs only when
# package-lock.json is newer than the installed node_modules, so later runs
# work offline.
VSCODE_DIR := editors/vscode
$(VSCODE_DIR)/node_modules/.package-lock.json: $(VSCODE_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "test-editors: npm not found (install Node.js 20 and npm)"; exit 1; }
	cd $(VSCODE_DIR) && npm ci --no-audit --no-fund
	@touch $@

test-editors: $(VSCODE_DIR)/node_modules/.package-lock.json
	cd $(VSCODE_DIR) && npm run --silent lint && npm test

# editors/vscode/syntx.vsix
package-vscode: $(VSCODE_DIR)/node_modules/.package-lock.json
	cd $(VSCODE_DIR) && npm run package

# Not part of CI: the extension in real VS Code (code-server from npm) driven
# by headless Chromium. Heavy (installs code-server and Debian packages) and
# slow; see editors/vscode/e2e/README.md.
e2e-vscode: build package-vscode
	SYNTX_BIN=$(abspath $(BIN)) editors/vscode/e2e/run.sh

clean:
	rm -rf bin bench.txt bench-real.txt bench-real.md $(VSCODE_DIR)/out $(VSCODE_DIR)/dist $(VSCODE_DIR)/syntx.vsix
