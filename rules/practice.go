package rules

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/syntx/syntx/internal/safeio"
)

// ES5 by practice: a JavaScript package that declares no target (no
// engines, browserslist, test browsers or ESLint edition) but whose own
// code, thousands of lines of it, uses no syntax newer than ES5 keeps to
// ES5 on purpose: its code is shipped as written, to runtimes that need
// it. moment is one: its sources are ES modules without a let, an arrow or
// a template literal, rolled up untranspiled into the moment.js that old
// browsers load, and nothing in its package.json says so (it even carries
// its own indexOf for them). Rules whose fix writes ES2015 syntax (var to
// let/const, template literals, spread) or calls later built-ins
// (includes) are false positives there, and silent once the package is
// known to be ES5.
//
// The evidence is the package's code, not the edited file (a file without
// ES2015 syntax in a modern package is just a short file): every .js, .mjs
// and .cjs file under the package.json's directory, outside node_modules
// and hidden directories, read as data with a size limit; one construct of
// ES2015 or later anywhere (let, const, an arrow, a template literal, a
// class, a spread, async) and the package is not ES5. It can only make
// SyntX quieter, so a hostile repository gains nothing from it, and files
// the change under review modifies (Projects.Untrusted) do not count.
// import and export are allowed: a bundler removes them.
//
// The answer is kept per package for practiceTTL, so a package's first
// let is seen within that time without scanning a package per request.
// Only a package's first request waits for its scan: after practiceTTL
// the kept answer is given while the package is read again in the
// background (reading echarts' 112,000 lines takes about 80 ms, which a
// code action once a minute would otherwise wait).

// practiceMinLines is how much ES5-only code makes a package ES5 by
// practice: less is not a choice, only a small package.
const practiceMinLines = 2000

// Bounds on one scan: files and bytes read (beyond them the package is not
// judged ES5: too little of it was seen).
const (
	practiceMaxFiles   = 4000
	practiceMaxBytes   = 64 << 20
	practiceMaxEntries = 50000 // directory entries walked
)

// practiceTTL is how long a package's answer is kept.
const practiceTTL = time.Minute

type practiceEntry struct {
	at    time.Time
	es5   bool
	lines int
	files int
}

// es5ByPractice reports whether the package rooted at dir is ES5 by
// practice, with how many lines and files of its code say so.
func (p *Projects) es5ByPractice(dir string) (bool, int, int) {
	now := time.Now()
	if p.Now != nil {
		now = p.Now()
	}
	p.mu.Lock()
	e, ok := p.practice[dir]
	if ok && now.Sub(e.at) >= practiceTTL && !p.rescans[dir] {
		if p.rescans == nil {
			p.rescans = map[string]bool{}
		}
		p.rescans[dir] = true
		p.rescanning.Add(1)
		go p.rescanPractice(dir, now)
	}
	p.mu.Unlock()
	if !ok {
		e = p.scanAndKeep(dir, now)
	}
	return e.es5, e.lines, e.files
}

// rescanPractice reads the package at dir again, in the background.
func (p *Projects) rescanPractice(dir string, now time.Time) {
	defer p.rescanning.Done()
	p.scanAndKeep(dir, now)
	p.mu.Lock()
	delete(p.rescans, dir)
	p.mu.Unlock()
}

// scanAndKeep reads the package at dir and keeps the answer, as of now.
func (p *Projects) scanAndKeep(dir string, now time.Time) practiceEntry {
	e := practiceEntry{at: now}
	e.es5, e.lines, e.files = p.scanPractice(dir)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.practice == nil || len(p.practice) > 256 {
		p.practice = map[string]practiceEntry{}
	}
	p.practice[dir] = e
	return e
}

// scanPractice reads the package's JavaScript until it finds a construct
// newer than ES5.
func (p *Projects) scanPractice(dir string) (es5 bool, lines, files int) {
	var read int64
	complete, entries := true, 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable directory says nothing
		}
		if entries++; entries > practiceMaxEntries {
			complete = false
			return filepath.SkipAll
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (name == "node_modules" || strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !isJSFile(name) || p.Untrusted != nil && p.Untrusted(path) {
			return nil
		}
		if files >= practiceMaxFiles || read >= practiceMaxBytes {
			complete = false
			return filepath.SkipAll
		}
		data, err := safeio.ReadFile(path, MaxProjectFileBytes)
		if err != nil {
			return nil
		}
		files++
		read += int64(len(data))
		if es2015Syntax(data) {
			lines = -1
			return filepath.SkipAll
		}
		lines += bytes.Count(data, []byte("\n"))
		return nil
	})
	if err != nil || lines < 0 || !complete {
		return false, max(lines, 0), files
	}
	return lines >= practiceMinLines, lines, files
}

func isJSFile(name string) bool {
	return strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".mjs") || strings.HasSuffix(name, ".cjs")
}

// es2015Syntax reports whether JavaScript source src uses syntax newer
// than ES5 outside its comments, strings and regular expressions: let or
// const declarations, arrows, template literals, classes, spread or rest,
// async functions. (import and export are not counted.) It is a lexical
// scan, not a parse: where it cannot tell, it errs towards "newer", which
// only keeps a package from being judged ES5.
func es2015Syntax(src []byte) bool {
	// prev is the last significant character outside comments and
	// strings: a '/' after one that ends an operand is a division,
	// otherwise it starts a regular expression.
	var prev byte = '\n'
	var prevWord []byte
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := bytes.Index(src[i+2:], []byte("*/"))
			if end < 0 {
				return false
			}
			i += end + 4
		case c == '\'' || c == '"':
			i = skipQuoted(src, i, c)
			prev, prevWord = c, nil
		case c == '`':
			return true
		case c == '/':
			if regexAfter(prev, prevWord) {
				i = skipRegex(src, i)
				prev, prevWord = 'r', nil
				continue
			}
			i++
			prev, prevWord = c, nil
		case c == '=' && i+1 < len(src) && src[i+1] == '>':
			return true
		case c == '.' && i+2 < len(src) && src[i+1] == '.' && src[i+2] == '.':
			return true
		case c >= '0' && c <= '9':
			// a number is an operand: a '/' after it divides
			for i < len(src) && (jsIdent(src[i]) || src[i] == '.') {
				i++
			}
			prev, prevWord = 'a', src[i-1:i]
		case jsIdent(c):
			j := i
			for j < len(src) && jsIdent(src[j]) {
				j++
			}
			word := src[i:j]
			if prev != '.' && newerKeyword(word, src[j:]) {
				return true
			}
			i, prev, prevWord = j, 'a', word
		default:
			i++
			prev, prevWord = c, nil
		}
	}
	return false
}

// newerKeyword reports whether word, followed by rest, starts a construct
// newer than ES5: a let or const declaration, a class, an async function.
func newerKeyword(word, rest []byte) bool {
	switch string(word) {
	case "let", "const", "class", "async":
	default:
		return false
	}
	k := 0
	for k < len(rest) && (rest[k] == ' ' || rest[k] == '\t') {
		k++
	}
	if k == len(rest) {
		return false
	}
	next := rest[k]
	switch string(word) {
	case "async":
		return bytes.HasPrefix(rest[k:], []byte("function")) || next == '('
	case "class":
		return jsIdent(next) && !(next >= '0' && next <= '9') || next == '{'
	}
	// let x, const {a} = ..., let [a] = ...
	return jsIdent(next) && !(next >= '0' && next <= '9') || next == '[' || next == '{'
}

// regexAfter reports whether a '/' after the character prev (and the word
// prevWord, when prev ends one) starts a regular expression.
func regexAfter(prev byte, prevWord []byte) bool {
	switch string(prevWord) {
	case "return", "typeof", "case", "do", "else", "in", "instanceof", "new", "delete", "void", "throw":
		return true
	case "":
	default:
		return false
	}
	switch prev {
	case ')', ']', '}', '\'', '"', 'r':
		return false
	}
	return true
}

// skipQuoted returns the index after the string literal starting at i.
func skipQuoted(src []byte, i int, q byte) int {
	for i++; i < len(src); i++ {
		switch src[i] {
		case '\\':
			i++
		case q, '\n':
			return i + 1
		}
	}
	return i
}

// skipRegex returns the index after the regular expression literal
// starting at i (its flags included).
func skipRegex(src []byte, i int) int {
	inClass := false
	for i++; i < len(src); i++ {
		switch c := src[i]; {
		case c == '\\':
			i++
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '/' && !inClass:
			i++
			for i < len(src) && jsIdent(src[i]) {
				i++
			}
			return i
		case c == '\n':
			return i
		}
	}
	return i
}
