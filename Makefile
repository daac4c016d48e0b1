# SyntX: build, run the demo, test, benchmark.
GO      ?= go
BIN     ?= bin/syntx
VERSION ?= 0.1.0-dev
LDFLAGS := -X main.version=$(VERSION)
PKGS    := $(shell $(GO) list ./... 2>/dev/null | grep -v /spike)
FUZZTIME ?= 10s
BENCHTIME ?= 1s
BENCHCOUNT ?= 5

.PHONY: build install run test fuzz bench lint fmt clean

build:
	CGO_ENABLED=1 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/syntx

install:
	CGO_ENABLED=1 $(GO) install -ldflags '$(LDFLAGS)' ./cmd/syntx

# The main job: build, then replay the demo session against the real server.
run: build
	./$(BIN) demo

# Everything CI runs: vet, the rules' own examples, the test suite, and a
# short fuzzing pass over each fuzz target.
test: build
	$(GO) vet $(PKGS)
	./$(BIN) rules test
	$(GO) test -count=1 $(PKGS)
	$(MAKE) fuzz

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzIncrementalEdits$$' -fuzztime $(FUZZTIME) ./syntax/

bench:
	$(GO) test -run '^$$' -bench . -benchtime $(BENCHTIME) -count $(BENCHCOUNT) -benchmem ./lsp/ ./rules/ | tee bench.txt

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet $(PKGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin bench.txt
