package rules

import (
	"regexp"
	"runtime"
	"sync"
	"weak"
)

// Regular expressions of the rules' predicates (#match?, and the pattern
// arguments of the others), compiled once per pattern for all the rules
// that hold them: JavaScript's and TypeScript's rule files mirror each
// other, so 205 patterns of the built-in rules are 104 different ones, and
// each compiled expression is a few KB of pointers that every collection
// marks. The table holds no expression itself: a pattern's entry goes
// once nothing holds its expression (the compiled queries that hold it
// are gone: see queryCache).
var regexps struct {
	mu sync.Mutex
	m  map[string]weak.Pointer[regexp.Regexp]
}

// compileRegexp is regexp.Compile, sharing the expression of a pattern
// already compiled and still held (a *regexp.Regexp is safe for concurrent
// use).
func compileRegexp(pat string) (*regexp.Regexp, error) {
	regexps.mu.Lock()
	defer regexps.mu.Unlock()
	if re := regexps.m[pat].Value(); re != nil {
		return re, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	if regexps.m == nil {
		regexps.m = map[string]weak.Pointer[regexp.Regexp]{}
	}
	regexps.m[pat] = weak.Make(re)
	runtime.AddCleanup(re, forgetRegexp, pat)
	return re, nil
}

// forgetRegexp drops pat's entry once its expression has been collected
// (unless the pattern was compiled again since).
func forgetRegexp(pat string) {
	regexps.mu.Lock()
	defer regexps.mu.Unlock()
	if wp, ok := regexps.m[pat]; ok && wp.Value() == nil {
		delete(regexps.m, pat)
	}
}
