// Package syntax is SyntX's tree-sitter layer: which languages it parses,
// positions, parsing, and the tokens of a snippet.
//
// # Languages
//
// The language table (lang.go) is the one place that says what SyntX knows
// about a language: its grammar, its name, the rule language its rules are
// written in (tsx documents use typescript rules), the LSP language ids
// editors send with their file extensions, the ids some clients send
// instead (aliases), its comments (the line-comment token and the node
// types that are comments), how its test files are named, where vendored
// code lives and what marks a generated file. Everything else reads it:
//
//   - Detect picks a document's grammar from its languageId, else its
//     extension; GrammarsFor and RuleLanguages serve the rules engine;
//     LanguageID and TestFileName serve clients and the benchmarks;
//   - capture.FileRole judges a file by every row's conventions; review's
//     git pathspecs list every row's extensions; rules.Languages are the
//     rule languages;
//   - the editor clients cannot import Go, so editors_test.go checks that
//     VS Code's activation events, the Neovim plugin's filetypes and the
//     JetBrains mappings agree with the table.
//
// Adding a language is a row, its grammar's import, a rules folder and a
// corpus. lang_java.go does exactly that under -tags syntx_java (make
// test-newlang), and the tests under that tag show the rules engine and the
// language server picking it up with no other change.
//
// # Positions
//
// Text holds a document with an index of its line starts and converts
// between LSP positions (UTF-16 or UTF-8 offsets within "\n", "\r\n" or
// "\r" lines), byte offsets and tree-sitter points (rows at "\n" only).
//
// # Parsing
//
// Parse parses a document; Tree.Edit and Tree.Reparse update it
// incrementally and report the byte ranges whose syntax changed, which the
// rules engine re-matches. A parse is bounded by ParseTimeout.
//
// # Tokens
//
// Tokens lists a snippet's leaves (node types and texts, with the text
// inside a node that no child covers, comments and white space left out):
// two snippets with the same tokens are the same code apart from layout and
// comments. capture uses it to tell an edit from a reformat, review to find
// a fix in a commit.
//
// # The binding
//
// SyntX uses github.com/smacker/go-tree-sitter, and works around what that
// binding lacks or gets wrong in shim.go alone, with the version it was
// checked at and tests that fail once the binding changes (shim_test.go).
package syntax
