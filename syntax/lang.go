package syntax

import (
	"path/filepath"
	"slices"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
	"github.com/smacker/go-tree-sitter/golang"
	"github.com/smacker/go-tree-sitter/javascript"
	"github.com/smacker/go-tree-sitter/python"
	"github.com/smacker/go-tree-sitter/typescript/tsx"
	"github.com/smacker/go-tree-sitter/typescript/typescript"
)

// Grammar names a tree-sitter grammar SyntX parses with.
type Grammar string

// The grammars SyntX knows. Rules are written per rule language (go, python,
// javascript, typescript); a typescript rule is compiled for both the
// typescript and the tsx grammar.
const (
	Go         Grammar = "go"
	Python     Grammar = "python"
	JavaScript Grammar = "javascript"
	TypeScript Grammar = "typescript"
	TSX        Grammar = "tsx"
)

// Language is one row of the language table: everything SyntX knows about
// a language it parses. Every other place that needs a language fact —
// document detection, rule languages, git pathspecs, file roles, the
// editors' file-type lists (checked by a test) — reads it from here, so
// adding a language is a row in languages, the grammar's import, a rules
// folder and its corpus.
type Language struct {
	// Grammar is the row's key.
	Grammar Grammar
	// Name is the language's name for people.
	Name string
	// RuleLanguage is what rule files name in `language` for it: tsx
	// documents use typescript rules.
	RuleLanguage string
	// Files are the LSP language ids this grammar parses, each with the
	// file extensions (lower case, with the dot) an editor gives that id.
	Files []FileType
	// Aliases are other language ids some clients send ("js", "tsx").
	Aliases []string
	// LineComment starts a comment that runs to the end of the line, as
	// code written for the language spells it.
	LineComment string
	// BlockComment starts a comment that runs to its closing mark ("/*"),
	// "" when the language has none; its continuation lines start with
	// "*" by convention.
	BlockComment string
	// CommentNodes are the grammar's node types that are comments: token
	// comparisons leave them out.
	CommentNodes []string
	// Tests are the language's test-file conventions.
	Tests TestFiles
	// VendorDirs are directories holding other people's code (vendored
	// or installed dependencies).
	VendorDirs []string
	// GeneratedMarkers are texts whose presence near the top of a file,
	// on a comment line or opening the line (an annotation), says that a
	// tool wrote it.
	GeneratedMarkers []string
	// BindingWords are the words of the language that declare, scope,
	// bind or reach names (its keywords of that kind and the built-ins
	// scope analysis treats as such). An edit that writes or removes one
	// can move a scope, so the rule index re-checks every scope predicate
	// around it; an edit of any other word re-checks only the predicates
	// that looked that word up (rules/deps.go). A word that is a keyword
	// in another language (Python's match, Go's map, TypeScript's type)
	// is an ordinary name here unless listed.
	BindingWords []string
	// StatementWords are the binding words whose effect stays inside the
	// statement that holds them: they declare the names written in it (var
	// x, catch (e), for x in ...) or shape its own blocks and flow (if,
	// return). An edit of words only that writes or removes one re-checks
	// the predicates that looked up a word of that statement, not every
	// one around it (rules/deps.go, statementChange). The other binding
	// words reach further: eval and with make a whole function's names
	// dynamic, function, def, class and lambda open a scope over their
	// body, global and nonlocal rebind a name in a whole function, import
	// and export change the module's names, async and yield change what a
	// function is. Each is one of BindingWords.
	StatementWords []string
	// ScannerPrefixes start the words the grammar's external scanner reads
	// ahead over, so that a name's text can change how the text around it
	// parses (JavaScript's and TypeScript's automatic semicolons read an
	// "in…" after a line break: scanner.c, "case 'i'"). A keystroke in
	// such a word is always reparsed (wordedit.go).
	ScannerPrefixes []string

	grammar func() *sitter.Language
}

// FileType is an LSP language id and its file extensions.
type FileType struct {
	LanguageID string
	Extensions []string
}

// TestFiles describes how a language names its tests.
type TestFiles struct {
	Prefixes []string // of the file's base name: "test_"
	Suffixes []string // of the base name: "_test.go"
	Infixes  []string // inside the base name: ".test."
	Names    []string // whole base names: "conftest.py"
	Dirs     []string // directories whose files are tests: "__tests__"
	// New is how the language names the test of a file: "{stem}" and
	// "{ext}" stand for the file's base name without its extension and
	// its extension.
	New string
	// LeftOutOfBuild is set when the language's own build leaves every
	// file named by Suffixes out of what it ships: the go tool compiles a
	// _test.go file only into its package's tests, and no other package
	// can import it. Elsewhere a test name is a convention: a file under
	// tests/ or named test_*.py can be imported by any module.
	LeftOutOfBuild bool
}

// languages is the table.
var languages = []Language{
	{
		Grammar: Go, Name: "Go", RuleLanguage: "go",
		Files:        []FileType{{"go", []string{".go"}}},
		LineComment:  "//",
		BlockComment: "/*",
		CommentNodes: []string{"comment"},
		Tests:        TestFiles{Suffixes: []string{"_test.go"}, New: "{stem}_test{ext}", LeftOutOfBuild: true},
		VendorDirs:   []string{"vendor"},
		// "// Code generated ... DO NOT EDIT." (go help generate).
		GeneratedMarkers: []string{"Code generated", "DO NOT EDIT"},
		BindingWords: []string{"var", "const", "func", "type", "import", "package", "for", "range", "if", "else",
			"switch", "case", "default", "select", "go", "defer", "return", "break", "continue", "goto",
			"fallthrough", "chan", "map", "struct", "interface", "new"},
		StatementWords: []string{"var", "const", "for", "range", "if", "else", "switch", "case", "default", "select",
			"go", "defer", "return", "break", "continue", "goto", "fallthrough", "new"},
		grammar: golang.GetLanguage,
	},
	{
		Grammar: Python, Name: "Python", RuleLanguage: "python",
		Files:        []FileType{{"python", []string{".py", ".pyi", ".pyw"}}},
		LineComment:  "#",
		CommentNodes: []string{"comment"},
		Tests: TestFiles{Prefixes: []string{"test_"}, Suffixes: []string{"_test.py"}, Names: []string{"conftest.py"},
			Dirs: []string{"tests"}, New: "test_{stem}{ext}"},
		GeneratedMarkers: []string{"@generated"},
		BindingWords: []string{"global", "nonlocal", "def", "lambda", "class", "if", "elif", "else", "for", "while",
			"try", "except", "finally", "with", "return", "yield", "import", "from", "as", "raise", "assert",
			"del", "pass", "break", "continue", "is", "not", "and", "or", "in", "async", "await",
			"match", "case", "type", // soft keywords
			"self", "cls", "super", "eval", "exec", "globals", "locals", "vars", "__import__"},
		StatementWords: []string{"if", "elif", "else", "for", "while", "try", "except", "finally", "return", "raise",
			"assert", "del", "pass", "break", "continue", "is", "not", "and", "or", "in", "case"},
		grammar: python.GetLanguage,
	},
	{
		Grammar: JavaScript, Name: "JavaScript", RuleLanguage: "javascript",
		Files: []FileType{
			{"javascript", []string{".js", ".mjs", ".cjs"}},
			{"javascriptreact", []string{".jsx"}},
		},
		Aliases:          []string{"js", "jsx"},
		LineComment:      "//",
		BlockComment:     "/*",
		CommentNodes:     []string{"comment", "html_comment"},
		Tests:            jsTests,
		VendorDirs:       []string{"node_modules"},
		GeneratedMarkers: []string{"@generated"},
		BindingWords:     jsBindingWords,
		StatementWords:   jsStatementWords,
		ScannerPrefixes:  []string{"in"},
		grammar:          javascript.GetLanguage,
	},
	{
		Grammar: TypeScript, Name: "TypeScript", RuleLanguage: "typescript",
		Files:            []FileType{{"typescript", []string{".ts", ".mts", ".cts"}}},
		Aliases:          []string{"ts"},
		LineComment:      "//",
		BlockComment:     "/*",
		CommentNodes:     []string{"comment", "html_comment"},
		Tests:            jsTests,
		VendorDirs:       []string{"node_modules"},
		GeneratedMarkers: []string{"@generated"},
		BindingWords:     tsBindingWords,
		StatementWords:   tsStatementWords,
		ScannerPrefixes:  []string{"in"},
		grammar:          typescript.GetLanguage,
	},
	{
		Grammar: TSX, Name: "TSX", RuleLanguage: "typescript",
		Files:            []FileType{{"typescriptreact", []string{".tsx"}}},
		Aliases:          []string{"tsx"},
		LineComment:      "//",
		BlockComment:     "/*",
		CommentNodes:     []string{"comment", "html_comment"},
		Tests:            jsTests,
		VendorDirs:       []string{"node_modules"},
		GeneratedMarkers: []string{"@generated"},
		BindingWords:     tsBindingWords,
		StatementWords:   tsStatementWords,
		ScannerPrefixes:  []string{"in"},
		grammar:          tsx.GetLanguage,
	},
}

// jsTests are the JavaScript and TypeScript test conventions (Jest,
// Mocha, Vitest).
var jsTests = TestFiles{Infixes: []string{".test.", ".spec."}, Dirs: []string{"__tests__"}, New: "{stem}.test{ext}"}

// jsBindingWords are JavaScript's binding words (see Language), and
// tsBindingWords TypeScript's: JavaScript's and its type-level ones.
var (
	jsBindingWords = []string{"var", "let", "const", "function", "class", "with", "eval", "for", "while", "do",
		"if", "else", "return", "import", "export", "require", "module", "exports", "async", "await", "yield",
		"try", "catch", "finally", "switch", "case", "break", "continue", "new", "this", "arguments", "typeof",
		"instanceof", "in", "of", "delete", "void", "static", "get", "set", "default", "extends", "super",
		"throw", "from", "as"}
	tsBindingWords = append(jsBindingWords[:len(jsBindingWords):len(jsBindingWords)], "interface", "type", "enum",
		"declare", "namespace", "abstract", "implements", "private", "public", "protected", "readonly", "keyof",
		"infer", "is", "asserts", "satisfies", "override", "global", "accessor", "unique")
	// jsStatementWords and tsStatementWords are their statement words
	// (see Language); TypeScript's is (a type predicate's) is one too.
	jsStatementWords = []string{"var", "let", "const", "for", "while", "do", "if", "else", "return", "try", "catch",
		"finally", "switch", "case", "break", "continue", "new", "in", "of", "default", "throw"}
	tsStatementWords = append(jsStatementWords[:len(jsStatementWords):len(jsStatementWords)], "is")
)

// SharedVendorDirs hold vendored code in any language.
var SharedVendorDirs = []string{"third_party"}

// table is languages and the rows a build adds (see lang_extra.go).
var table = append(languages[:len(languages):len(languages)], extraLanguages...)

// Languages returns the table, in a fixed order. It is shared: callers
// must not modify it.
func Languages() []Language { return table }

func allLanguages() []Language { return table }

// Grammars lists every grammar in the table's order. (A variable, not a
// function, because code outside this package ranges over it; it is
// derived from the table and never changed.)
var Grammars = func() []Grammar {
	var out []Grammar
	for _, l := range table {
		out = append(out, l.Grammar)
	}
	return out
}()

// LanguageOf returns g's row.
func LanguageOf(g Grammar) (Language, bool) {
	for _, l := range allLanguages() {
		if l.Grammar == g {
			return l, true
		}
	}
	return Language{}, false
}

// Language returns the tree-sitter language of g, or nil for an unknown g.
func (g Grammar) Language() *sitter.Language {
	if l, ok := LanguageOf(g); ok {
		return l.grammar()
	}
	return nil
}

// RuleLanguage is the language a rule file names for g.
func (g Grammar) RuleLanguage() string {
	l, _ := LanguageOf(g)
	return l.RuleLanguage
}

// RuleLanguages lists the languages rules may be written for, in the
// table's order.
func RuleLanguages() []string {
	var out []string
	for _, l := range allLanguages() {
		if !slices.Contains(out, l.RuleLanguage) {
			out = append(out, l.RuleLanguage)
		}
	}
	return out
}

// GrammarsFor returns the grammars a rule written for language applies to.
func GrammarsFor(language string) []Grammar {
	var out []Grammar
	for _, l := range allLanguages() {
		if l.RuleLanguage == language {
			out = append(out, l.Grammar)
		}
	}
	return out
}

// LanguageIDs lists every LSP language id of the table (not the aliases):
// what an editor's client should send to the server.
func LanguageIDs() []string {
	var out []string
	for _, l := range allLanguages() {
		for _, f := range l.Files {
			out = append(out, f.LanguageID)
		}
	}
	return out
}

// Extensions returns the file extensions of g (lower case, with the dot).
func (l Language) Extensions() []string {
	var out []string
	for _, f := range l.Files {
		out = append(out, f.Extensions...)
	}
	return out
}

// LanguageID returns the LSP language id an editor gives a file of g named
// path: the id whose extensions hold path's, else the row's first.
func (g Grammar) LanguageID(path string) string {
	l, ok := LanguageOf(g)
	if !ok {
		return ""
	}
	ext := strings.ToLower(filepath.Ext(path))
	for _, f := range l.Files {
		if slices.Contains(f.Extensions, ext) {
			return f.LanguageID
		}
	}
	return l.Files[0].LanguageID
}

// Detect picks the grammar for a document from its LSP languageId, falling
// back to the file extension of path. It returns "" for languages SyntX does
// not parse; such documents are tracked as text only.
func Detect(languageID, path string) Grammar {
	id := strings.ToLower(languageID)
	ext := strings.ToLower(filepath.Ext(path))
	if id != "" {
		for _, l := range allLanguages() {
			for _, f := range l.Files {
				if f.LanguageID == id {
					return l.Grammar
				}
			}
			if slices.Contains(l.Aliases, id) {
				return l.Grammar
			}
		}
	}
	if ext == "" {
		return ""
	}
	for _, l := range allLanguages() {
		if slices.Contains(l.Extensions(), ext) {
			return l.Grammar
		}
	}
	return ""
}

// IsComment reports whether nodeType is one of g's comment node types.
func (g Grammar) IsComment(nodeType string) bool {
	l, _ := LanguageOf(g)
	return slices.Contains(l.CommentNodes, nodeType)
}

// LeftOutOfBuild reports whether path is a test file that its language's
// build leaves out of what it ships (see TestFiles.LeftOutOfBuild): a
// _test.go file, and no file of a language that only names its tests by
// convention.
func LeftOutOfBuild(path string) bool {
	l, ok := LanguageOf(Detect("", path))
	if !ok || !l.Tests.LeftOutOfBuild {
		return false
	}
	base := filepath.Base(filepath.ToSlash(path))
	return slices.ContainsFunc(l.Tests.Suffixes, func(s string) bool { return strings.HasSuffix(base, s) })
}

// TestFileName returns the path of the test file the language of path
// would name for it (foo.go → foo_test.go, foo.py → test_foo.py), or ""
// for a path of no known language.
func TestFileName(path string) string {
	l, ok := LanguageOf(Detect("", path))
	if !ok || l.Tests.New == "" {
		return ""
	}
	dir, base := filepath.Split(path)
	ext := filepath.Ext(base)
	return dir + strings.NewReplacer("{stem}", strings.TrimSuffix(base, ext), "{ext}", ext).Replace(l.Tests.New)
}
