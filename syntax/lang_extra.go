//go:build !syntx_java

package syntax

// extraLanguages are rows a build tag adds to the language table without
// touching lang.go: `-tags syntx_java` adds Java (lang_java.go), the
// demonstration that a language is a row, a grammar import, a rules folder
// and its corpus. A language that ships is a row in languages instead.
var extraLanguages []Language
