// Package termtext makes text that came from a repository safe to print on
// a terminal. A file name, a rule's message or a branch name is somebody
// else's: an escape sequence in it can move the cursor, recolour or erase
// what was printed before, a newline can forge a line of a report, and a
// bidirectional control can make the text read differently from what it is.
//
// Name quotes a name (Go syntax, as strconv.Quote) only when it holds such a
// character, so ordinary names print as they are and a quoted one is
// visibly different. Text keeps free text readable: each such character is
// replaced by its escape (\x1b, \n, \u202e) in place; Lines does the same
// but keeps newlines and tabs, for multi-line text such as code.
package termtext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// needsCare reports whether s holds a character a terminal could act on:
// control characters (C0, DEL, C1), invalid UTF-8, and format characters
// such as bidirectional overrides and zero-width joiners.
func needsCare(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size <= 1 {
				return true
			}
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// Name returns s as it is, or quoted when it holds anything a terminal
// could act on.
func Name(s string) string {
	if !needsCare(s) {
		return s
	}
	return strconv.Quote(s)
}

// Text returns s with every character a terminal could act on replaced by
// its escape.
func Text(s string) string { return escape(s, false) }

// Lines is Text for text of several lines (code, in a rule example's
// failure): newlines and tabs stay, the rest is escaped.
func Lines(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if !needsCare(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		chunk := s[i : i+size]
		if keepLines && (r == '\n' || r == '\t') {
			b.WriteString(chunk)
		} else if (r == utf8.RuneError && size <= 1) || r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || unicode.Is(unicode.Cf, r) {
			q := strconv.Quote(chunk)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteString(chunk)
		}
		i += size
	}
	return b.String()
}
