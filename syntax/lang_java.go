//go:build syntx_java

package syntax

import "github.com/smacker/go-tree-sitter/java"

// Java is the grammar `-tags syntx_java` adds: the demonstration that a
// language is a row of the table and its grammar's import (with a rules
// folder and a corpus; see rules/testdata/java). To ship it, move the row
// into languages in lang.go, the constant beside the others, and the
// rules into rules/builtin/java.
const Java Grammar = "java"

var extraLanguages = []Language{{
	Grammar: Java, Name: "Java", RuleLanguage: "java",
	Files:        []FileType{{"java", []string{".java"}}},
	LineComment:  "//",
	BlockComment: "/*",
	CommentNodes: []string{"line_comment", "block_comment"},
	Tests:        TestFiles{Suffixes: []string{"Test.java"}, New: "{stem}Test{ext}"},
	// javax.annotation.processing.Generated, and tools' "DO NOT EDIT".
	GeneratedMarkers: []string{"@Generated", "DO NOT EDIT"},
	BindingWords: []string{"class", "interface", "enum", "record", "var", "final", "static", "new", "this", "super",
		"for", "while", "do", "if", "else", "switch", "case", "default", "try", "catch", "finally", "return",
		"throw", "throws", "import", "package", "extends", "implements", "permits", "sealed", "public", "private",
		"protected", "abstract", "synchronized", "instanceof", "break", "continue", "yield", "void"},
	StatementWords: []string{"var", "new", "for", "while", "do", "if", "else", "switch", "case", "default", "try",
		"catch", "finally", "return", "throw", "break", "continue"},
	grammar: java.GetLanguage,
}}
