package syntax

import (
	"path/filepath"
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

// Grammars lists every grammar in a fixed order.
var Grammars = []Grammar{Go, Python, JavaScript, TypeScript, TSX}

// Language returns the tree-sitter language of g, or nil for an unknown g.
func (g Grammar) Language() *sitter.Language {
	switch g {
	case Go:
		return golang.GetLanguage()
	case Python:
		return python.GetLanguage()
	case JavaScript:
		return javascript.GetLanguage()
	case TypeScript:
		return typescript.GetLanguage()
	case TSX:
		return tsx.GetLanguage()
	}
	return nil
}

// RuleLanguage is the language a rule file names for g: tsx documents use
// typescript rules.
func (g Grammar) RuleLanguage() string {
	if g == TSX {
		return string(TypeScript)
	}
	return string(g)
}

// GrammarsFor returns the grammars a rule written for language applies to.
func GrammarsFor(language string) []Grammar {
	switch language {
	case "go":
		return []Grammar{Go}
	case "python":
		return []Grammar{Python}
	case "javascript":
		return []Grammar{JavaScript}
	case "typescript":
		return []Grammar{TypeScript, TSX}
	}
	return nil
}

// Detect picks the grammar for a document from its LSP languageId, falling
// back to the file extension of path. It returns "" for languages SyntX does
// not parse; such documents are tracked as text only.
func Detect(languageID, path string) Grammar {
	switch strings.ToLower(languageID) {
	case "go":
		return Go
	case "python":
		return Python
	case "javascript", "javascriptreact", "js", "jsx":
		return JavaScript
	case "typescript", "ts":
		return TypeScript
	case "typescriptreact", "tsx":
		return TSX
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".go":
		return Go
	case ".py", ".pyi", ".pyw":
		return Python
	case ".js", ".mjs", ".cjs", ".jsx":
		return JavaScript
	case ".ts", ".mts", ".cts":
		return TypeScript
	case ".tsx":
		return TSX
	}
	return ""
}
