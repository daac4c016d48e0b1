// Package realcorpus is the real-code corpus: real, unmodified packages that
// nobody on the team wrote — Go modules (and the Go standard library) from the
// Go module proxy, npm packages from the npm registry, Debian's python3-*
// packages (and the Python standard library) from Debian's archive — pinned by
// version and checksum, fetched into a cache outside the repository, and never
// committed. The speed benchmarks (issue 16), the rule checks against the
// languages' own checkers (issue 21) and the learning benchmark on real code
// (issue 17) all read it through this package.
//
// # Pins
//
// testdata/realcorpus/pins.toml (PinsFile; LoadPins, DefaultPinsPath) says
// what the corpus is:
//
//   - [[source]]: one download — manager ("go", "npm" or "deb"), name,
//     version and sum, the checksum in the manager's own form: Go's h1: hash
//     of the module zip (as in go.sum), npm's sha512 integrity, sha256:<hex>
//     of the .deb.
//   - [[package]]: a unit of the pool: the files of one source chosen by
//     paths (a directory names its whole tree; "*" matches within a path
//     segment, "**" any number of them), minus exclude, with a purpose —
//     dev (rule authors may read it while writing rules) or check (held
//     out: only the verification run reads it) — and ci.
//   - [[bench]]: a benchmark file of one shape (ShapeUMD, ShapeDescribe,
//     ShapeLargeClass, ShapeDeepGenerics, ShapeLongFunc, ShapeMinified),
//     pinned by its own SHA-256 and line count, with a note saying what it is.
//   - [[tool]]: tsc (npm typescript), ast-grep (npm @ast-grep/cli) and gopls
//     (go install), fetched the same way into the cache; bin is the
//     executable inside the tool's directory.
//
// ParsePins refuses unknown keys, duplicate ids or downloads, unknown
// managers, purposes and shapes, missing or malformed checksums, names and
// versions that could be read as command-line options, and paths that are
// absolute, unclean or leave their source. Entries marked ci = true form the
// CI subset: one or two small packages per language and the bench files that
// are small enough, fetched in well under a minute.
//
// # Fetching
//
// Fetch(ctx, pins, cacheDir, FetchOptions) brings a Selection (everything, the
// CI subset, or some ids) into the cache and logs what it does (log/slog, to
// stderr by default). Per manager:
//
//   - go: `go mod download -json` into the cache's own GOMODCACHE; the go
//     command checks the checksum database, and Fetch hashes the zip itself
//     against the pin. The module is copied out of the read-only module cache
//     into a writable root (src/<id>), a module that predates modules gets the
//     go.mod the go command uses for it, and the dependencies of every package
//     and test are downloaded (`go list -mod=mod -deps -test ./...`) and then
//     loaded again with GOPROXY=off, so that go vet runs offline in the copy.
//     The toolchain module golang.org/toolchain@v0.0.1-go1.26.8.linux-amd64
//     becomes a GOROOT: its commands get back the execute bits module zips do
//     not carry, and its go lists std and cmd offline.
//   - npm: `npm pack NAME@VERSION` downloads the tarball, Fetch checks its
//     sha512 against the pin and keeps it (downloads/<id>.tgz). A package used
//     by pool packages becomes a checker project (src/<id>): a package.json
//     generated from the pin (the package and its check_deps, exact versions),
//     the committed lockfile testdata/realcorpus/npm/<id>/package-lock.json
//     (which must install exactly the pinned tarball), `npm ci
//     --ignore-scripts` (npm checks every tarball against the lockfile and runs
//     no install script), a tsconfig.json generated from the pin's
//     compiler_options, and the verified tarball extracted by this package as
//     package/ — the files the pool reads. Lock (`realcorpus lock ID`)
//     rewrites a lockfile after a pin changes.
//   - deb: `apt-get download NAME=VERSION`, SHA-256 against the pin (kept as
//     downloads/<id>.deb), and the data archive read with `dpkg-deb
//     --fsys-tarfile` and unpacked by this package into src/<id>.
//
// Packages are untrusted input: archives are unpacked by extractTar, which
// refuses absolute names and names with a ".." segment, a NUL byte or a line
// break (the whole extraction fails and leaves nothing behind), never creates
// symbolic or hard links, devices or fifos (it reports them: Debian packages
// hold a few links to documentation), writes regular files 0644 or 0755 and
// never through a link, and stops at Limits (a file, the total, the number of
// entries). Every root is built beside its final place and renamed into it.
//
// A mismatch between a download and its pin is an error wrapping ErrChecksum
// that names the pin, and the download is removed; the other pins are still
// fetched and every error is returned. Fetch is idempotent: each root's state
// marker (state/<id>.json, written last) records the pin and the recipe it was
// built from, and a root whose marker matches is not fetched again; a changed
// pin, lockfile, check_deps or compiler_options rebuilds just that root. Two
// fetches into one cache take turns (a lock file). Fetch refuses a cache
// directory inside the repository.
//
// Verify hashes everything fetched again: the kept downloads against the pins,
// every root against the manifest (SHA-256 and size of each file) written when
// it was built — so a checker that edited the corpus in place instead of a
// copy or an overlay is caught, naming the files — and the bench files
// against their SHA-256 and line counts.
//
// # The cache
//
// DefaultCacheDir is $SYNTX_REALCORPUS, else $XDG_CACHE_HOME/syntx/realcorpus
// (~/.cache/syntx/realcorpus):
//
//	downloads/     verified .tgz and .deb files
//	gomod/         GOMODCACHE of every Go module and dependency (zips included)
//	npm-cache/     npm's cache
//	src/<id>/      source roots: a module copy, GOROOT, an npm checker project
//	               (package/ is the package), an extracted Debian tree
//	tools/<id>/    tsc and ast-grep (npm projects), gopls (bin/gopls)
//	state/         <id>.json markers and <id>.manifest file lists
//
// # Reading the corpus
//
// Open(cacheDir, pins) (or OpenDefault, with the repository's pins and
// DefaultCacheDir) returns a *Corpus of every source and tool whose marker
// matches its pin (Missing lists the others; with nothing fetched the error
// wraps ErrNotFetched). It enumerates the pool packages of the present sources
// and checks each present bench file's SHA-256 and line count.
//
// Files(Filter) lists the pool: each File has its absolute Path, Rel (to the
// source's root), Package, Source, Language (the syntax.Grammar SyntX parses it
// with: go, python, javascript, typescript, tsx; TypeScript declaration files
// and Python stubs are left out), Role, Purpose, Flags, Lines, Bytes and, for
// Go, GoImport (the package's import path). A Filter selects by language,
// purpose, role and package, and leaves out files with given Flags.
//
// The role follows each language's conventions: Go's _test.go; Python's
// test_*.py, *_test.py, conftest.py and test/ or tests/ directories;
// JavaScript's and TypeScript's *.test.*, *.spec.*, *.test-d.* and
// __tests__/, test/, tests/ and spec/ directories. Flags: Generated (Go's
// "// Code generated … DO NOT EDIT." line; elsewhere "@generated", "do not
// edit", "autogenerated" or "automatically generated" in the first KiB),
// Minified (".min." in the name, or lines averaging over 200 bytes in a file
// over 2 KiB), Vendored (a vendor, vendored, _vendor, third_party,
// node_modules or bower_components directory on the path).
//
// Bench(shape) returns the bench files of a shape, smallest first (for the
// UMD shape: the size series of ~1k, 5k, 20k and 86k lines); Primary(shape)
// the one closest to PrimaryLines (5,000), which a per-shape benchmark uses.
//
// Checker(id) — of a package, a bench file or a source — says where and how
// to run the language's own checker:
//
//   - Go modules: Dir is the writable module copy, Env makes the go command
//     offline (GOPROXY=off, GOFLAGS=-mod=mod, the cache's GOMODCACHE,
//     GOTOOLCHAIN=local, GOWORK=off); run `Checker.Go vet [-overlay
//     FILE.json] File.GoImport` in Dir. -overlay replaces one file's content
//     without copying the tree.
//   - The standard library: Dir is GOROOT/src of the copied toolchain, Env
//     sets GOROOT to it and puts its bin first on PATH, and Checker.Go is
//     that toolchain's own go; the same command works for std and cmd
//     packages (cmd/internal/obj/x86). gopls runs with the same Env, in
//     GOROOT/src (or GOROOT/src/cmd for cmd's files: `gopls check
//     internal/obj/x86/asm6.go` there is clean).
//   - npm: Dir is the checker project; TSConfig is its tsconfig.json (the
//     pin's compiler options, noEmit, the pool paths); run `tsc --noEmit -p
//     TSConfig`. JavaScript sources have allowJs and checkJs. Real packages do
//     not type-check cleanly under options that are not their own build's
//     (tests use globals and matchers set up elsewhere, JavaScript has no
//     types), so a checker compares the diagnostics before and after a change,
//     never their absence; testdata/realcorpus/README.md has each project's
//     baseline.
//   - deb: Dir is the extracted tree; run Debian's python3 (-m py_compile)
//     and pyflakes3 on the files.
//
// Tools() has the paths of go and node (from PATH), the pinned tsc, ast-grep
// and gopls, and Debian's /usr/bin/python3 and pyflakes3 (python3-pyflakes is
// a Debian package the machine installs; the corpus does not fetch it).
//
// Checkers never write into the corpus: they check a changed copy, or pass an
// overlay.
//
// # Tests and benchmarks
//
// Require(t, ids...) opens the default corpus for a test or benchmark and
// skips it, saying what to fetch, when the corpus or one of the ids (packages,
// bench files, sources, tools) is not fetched — so `make test` passes on a
// machine without it — and fails instead when SYNTX_REALCORPUS_REQUIRED=1.
// Nothing is downloaded when the product runs: only Fetch, the developer
// command (cmd/realcorpus) and the Makefile targets realcorpus and
// realcorpus-ci download.
package realcorpus
