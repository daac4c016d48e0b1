package rules

import "regexp"

// Regular expressions of the rules' predicates (#match?, and the pattern
// arguments of the others), compiled once per pattern for all the rules
// that hold them: JavaScript's and TypeScript's rule files mirror each
// other, so 205 patterns of the built-in rules are 104 different ones, and
// each compiled expression is a few KB of pointers that every collection
// marks. The table holds no expression itself: a pattern's entry goes
// once nothing holds its expression (the compiled queries that hold it
// are gone: see queryCache).
var regexps weakTable[string, regexp.Regexp]

// compileRegexp is regexp.Compile, sharing the expression of a pattern
// already compiled and still held (a *regexp.Regexp is safe for concurrent
// use).
func compileRegexp(pat string) (*regexp.Regexp, error) {
	if re := regexps.get(pat); re != nil {
		return re, nil
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, err
	}
	return regexps.put(pat, re), nil
}
