// Package redact removes secrets from source code before SyntX stores it.
//
// SyntX keeps the code around a suggestion (the original text, the suggested
// rewrite, the developer's own version after an edit) so that it can build
// training prompts later. Source files routinely hold credentials: API keys
// pasted into a test, a connection string with a password, a PEM block in a
// fixture. Redact replaces each secret it recognises with a placeholder that
// names its kind, for example
//
//	key := "AKIA2E0A8F3B244C9986"   →   key := "<redacted:aws-access-key>"
//	dsn := "postgres://app:s3cr3t@db/prod"   →   dsn := "postgres://app:<redacted:url-password>@db/prod"
//
// and reports how many replacements it made. The surrounding code is left
// byte for byte as it was, so the text still parses and the placeholder still
// tells a reader (and a model) that a secret of that kind stood there.
//
// # What is recognised
//
// Three families of patterns are applied, most specific first:
//
//   - Blocks and tokens with a recognisable shape, wherever they appear:
//     PEM blocks of every type (private keys of every kind, also inside
//     JSON strings with escaped newlines as in GCP service-account files,
//     or cut off before their END line; and certificates, public keys,
//     requests, CRLs, parameters, PGP messages and signatures, which are
//     not secret but are opaque and name hosts, companies and people),
//     RFC 4716 (SSH2) and PuTTY private keys, AWS access key ids, GitHub
//     (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-), Slack
//     (xoxb-, xoxp-, ... and webhooks), Stripe (sk_live_, rk_live_, the
//     _test_ forms, whsec_), Google (AIza..., GOCSPX-, ya29., 1//0),
//     OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-), npm
//     (npm_), PyPI (pypi-), Twilio API keys (SK + 32 hex), SendGrid
//     (SG.x.y), Mailgun (key-...), JWTs, Discord, Telegram, Shopify,
//     Hugging Face (hf_), HashiCorp Vault (hvs.), DigitalOcean (dop_v1_),
//     age secret keys, Azure storage and Service Bus keys (AccountKey=,
//     SharedAccessKey=), shared access signatures and Entra client secrets.
//   - Secrets identified by their context: passwords in URLs
//     (postgres://user:pass@, mysql://, mongodb+srv://, redis://:pass@,
//     amqp://, jdbc:mysql://, ...), Go's MySQL DSNs (user:pass@tcp(...)),
//     Oracle's user/pass@ form, the password of a key=value connection
//     string (libpq "host=db password=...", ADO.NET and ODBC
//     "Server=...;Password=...;", JDBC ";password=..."), SQL that sets a
//     password (IDENTIFIED BY '...', PASSWORD '...'), Basic and Bearer
//     authorization values, user:password pairs encoded for a Basic header,
//     secret-looking query parameters (?access_token=..., &password=...),
//     command-line flags (--password=..., curl -u user:pass), .netrc and
//     .npmrc (_authToken=, _auth=, _password=) lines, AWS secret access
//     keys, Heroku and Datadog keys, and values given to a name that ends
//     in password, passwd, pwd, pass, passphrase, secret, token,
//     credential(s) or an api/access/secret/private key: quoted in Go,
//     Python, JavaScript, TypeScript, JSON and TOML (password = "...",
//     "api_key": "...", const secret = '...'), and unquoted in env files
//     (DB_PASSWORD=...), ini, .pypirc and Java properties (password =
//     ...) and YAML (password: ...).
//   - Literal arguments of the common APIs that take a credential by
//     position, where no name says so (calls.go lists them): Go's
//     SetBasicAuth, smtp.PlainAuth, credentials.NewStaticCredentials*,
//     url.UserPassword, ssh.Password, hmac.New, SignedString, ...; Python's
//     requests auth=(user, pw), HTTPBasicAuth, smtplib/ftplib login,
//     pymysql.connect, jwt.encode, hmac.new, Twilio's Client; Node's
//     jwt.sign/verify, crypto.createHmac, new Sequelize, twilio(sid, token).
//
// # What is left alone
//
// Context patterns only fire on literal values. Reads from the environment or
// a config (password = os.Getenv("PASSWORD")), variables passed to the APIs
// above, empty strings, null values (None, nil, null, undefined), type
// annotations (password: str), template, format and shell interpolations
// (${DB_PASSWORD}, {{ .Token }}, {password}, %s, $TOKEN), documentation
// placeholders made only of placeholder words (<your-key-here>, ****, xxxx,
// changeme, your_api_key, example, my-client-secret), values that read as
// names rather than secrets (RefreshToken = "refreshToken", the error code
// "invalid_secret", a dotted key "msal.cache.encryption", a colour, a
// header name) and values with spaces (error messages such as "token
// expired") are kept. A value that merely contains "example" or "my-"
// next to anything else ("my-Db-Pa55word", "Example2024!") is a secret.
// Shape patterns require the full length and alphabet of the real token,
// so prose that mentions a prefix ("keys start with sk-"), UUIDs used as
// ids, git SHAs and ordinary base64 survive.
//
// Redaction is best effort: it lowers the chance that a secret reaches the
// SyntX database, it does not prove there is none. A bare password with
// nothing around it that names it ("summer2024" as the only text of a
// region) cannot be told from any other string. Users who keep secrets in
// code should also turn code storage off (store_code = false).
//
// # Measured
//
// testdata/redact/corpus holds the forms above with look-alikes that must
// survive, ordinary code among them; go test ./internal/redact -run Corpus
// -v prints recall and survival per file. TestRealCode, given directories
// in SYNTX_REDACT_REAL, lists every replacement Redact makes in real,
// unmodified source trees for a person to judge.
//
// # Redacting part of a text
//
// Locate finds the secrets of a whole text and returns them as spans of
// the original. A caller that keeps only part of a text (a hunk of a file,
// line by line) uses KeepLines, which keeps every line break so that line
// numbers stay valid, and Offset to map positions into it; a secret that a
// part cuts in two is still replaced, because it was found in the whole.
//
// # Cost
//
// The pattern table is compiled once, when the package is initialised, and
// never changes afterwards; Redact is safe for concurrent use. One pass over
// the text finds which anchors (cheap substrings every match of a pattern
// holds) occur in it; a pattern whose anchors are absent does not run, and
// one whose anchors are present runs only on the lines that hold them. See
// BenchmarkRedact and BenchmarkRedactClean for numbers on 100 KB of source.
package redact

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Placeholder returns the text Redact puts in place of a secret of the given
// kind, e.g. Placeholder("aws-access-key") == "<redacted:aws-access-key>".
func Placeholder(kind string) string { return "<redacted:" + kind + ">" }

// Redact returns s with every recognised secret replaced by a placeholder of
// the form <redacted:KIND>, and the number of replacements made.
func Redact(s string) (string, int) {
	r := Locate(s)
	return r.Text(), len(r.spans)
}

// Span is one secret found in a text: the bytes [Start, End) of the text as
// given, and the kind its placeholder names.
type Span struct {
	Start, End int
	Kind       string
}

// Redaction is a text with the secrets Redact would replace located in it,
// for callers that redact part of a text in the context of the whole (a
// region of a file, line by line) and need to map offsets.
type Redaction struct {
	src   string
	spans []Span // sorted, disjoint
}

// Locate finds the secrets in s, as Redact would replace them.
func Locate(s string) Redaction {
	if s == "" {
		return Redaction{src: s}
	}
	cur, lower := s, lowerASCII(s)
	present := anchors.present(lower)
	var spans []Span
	for i := range table {
		r := &table[i]
		if !r.anyPresent(present) {
			continue
		}
		found := r.find(cur, lower)
		if len(found) == 0 {
			continue
		}
		spans = merge(spans, found, r.kind)
		cur = substitute(s, spans, false)
		lower = lowerASCII(cur)
	}
	return Redaction{src: s, spans: spans}
}

// Spanned returns the Redaction of s whose secrets are spans (sorted,
// disjoint, within s): secrets Locate found in s, or in a text s is a part
// of that holds each of them whole. It lets a caller that keeps the
// secrets of a large text redact one part of it without copying the rest.
func Spanned(s string, spans []Span) Redaction { return Redaction{src: s, spans: spans} }

// Spans returns the secrets found, in the original text's offsets, sorted.
func (r Redaction) Spans() []Span { return slices.Clone(r.spans) }

// Text returns the redacted text, as Redact does.
func (r Redaction) Text() string { return substitute(r.src, r.spans, false) }

// KeepLines returns the redacted text with every line break of the
// original kept: a secret that spans lines (a PEM block) becomes its
// placeholder followed by the line breaks it held, so that line i of the
// result is line i of the original with its secrets replaced.
func (r Redaction) KeepLines() string { return substitute(r.src, r.spans, true) }

// Offset maps a byte offset of the original text to the text KeepLines
// returns. An offset inside a secret maps to the start of its placeholder,
// or, with end set, to the end of the placeholder (before the line breaks
// KeepLines keeps), so that [Offset(a, false), Offset(b, true)) covers
// whatever is left of [a, b).
func (r Redaction) Offset(off int, end bool) int {
	delta := 0
	for _, sp := range r.spans {
		ph := len(Placeholder(sp.Kind))
		switch {
		case off <= sp.Start:
			return off + delta
		case off < sp.End:
			if end {
				return sp.Start + delta + ph
			}
			return sp.Start + delta
		}
		delta += ph + strings.Count(r.src[sp.Start:sp.End], "\n") - (sp.End - sp.Start)
	}
	return off + delta
}

// merge adds the spans found in the current (already partly redacted) text
// to spans, which are in the original text's offsets. A new span that
// covers earlier placeholders absorbs them.
func merge(spans, found []Span, kind string) []Span {
	type rep struct{ curStart, curEnd, origStart, origEnd int }
	reps := make([]rep, len(spans))
	delta := 0
	for i, sp := range spans {
		cs := sp.Start + delta
		ph := len(Placeholder(sp.Kind))
		reps[i] = rep{cs, cs + ph, sp.Start, sp.End}
		delta += ph - (sp.End - sp.Start)
	}
	// toOrig maps an offset of the current text to the original.
	toOrig := func(p int, end bool) int {
		d := 0
		for _, r := range reps {
			if p < r.curStart || (p == r.curStart && !end) {
				return p - d
			}
			if p < r.curEnd || (end && p == r.curEnd) {
				if end {
					return r.origEnd
				}
				return r.origStart
			}
			d += (r.curEnd - r.curStart) - (r.origEnd - r.origStart)
		}
		return p - d
	}
	out := make([]Span, 0, len(spans)+len(found))
	for _, f := range found {
		out = append(out, Span{Start: toOrig(f.Start, false), End: toOrig(f.End, true), Kind: kind})
	}
	for _, sp := range spans {
		covered := false
		for _, n := range out[:len(found)] {
			if n.Start <= sp.Start && sp.End <= n.End {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, sp)
		}
	}
	slices.SortFunc(out, func(a, b Span) int { return a.Start - b.Start })
	return out
}

// substitute replaces the ascending, disjoint spans of s with their
// placeholders, keeping the line breaks inside a span when keepLines is set.
func substitute(s string, spans []Span, keepLines bool) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 24*len(spans))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp.Start])
		b.WriteString(Placeholder(sp.Kind))
		if keepLines {
			b.WriteString(strings.Repeat("\n", strings.Count(s[sp.Start:sp.End], "\n")))
		}
		last = sp.End
	}
	b.WriteString(s[last:])
	return b.String()
}

// Kinds lists the placeholder kinds Redact can produce, in the order the
// patterns are applied. The result is a fresh slice on every call.
func Kinds() []string {
	seen := make(map[string]bool, len(table))
	out := make([]string, 0, len(table))
	for _, r := range table {
		if !seen[r.kind] {
			seen[r.kind] = true
			out = append(out, r.kind)
		}
	}
	return out
}

// rule is one entry of the pattern table. It is never modified after init.
type rule struct {
	kind string
	re   *regexp.Regexp
	// grp is the submatch that holds the secret; 0 replaces the whole
	// match and -1 the first submatch that took part in the match.
	grp int
	// anchors lists lower-case substrings of which at least one occurs in
	// every match, on the same line. The pattern only runs on the lines that
	// hold an anchor, which keeps the cost proportional to the candidates
	// rather than to the file. Empty means the pattern runs over the whole
	// text (it spans lines, and starts with a literal Go's regexp package
	// can scan for quickly).
	anchors []string
	// reach, when positive, starts a window at most reach bytes before the
	// anchor instead of at the start of its line; for patterns that begin
	// at most that far before their anchor (and use no ^).
	reach int
	// span, when positive, makes the window span bytes either side of the
	// anchor, across lines (a call whose arguments are on several lines).
	span int
	// lineStart says that every match begins at the start of its line
	// ((?m)^ without an alternative): on a long line, scanNear tries the
	// pattern there only.
	lineStart bool
	// lower runs the pattern over the ASCII-lower-cased text: a pattern
	// written in lower case then matches names in any case without (?i),
	// which makes Go's regexp engine several times slower.
	lower bool
	// keep, when set, reports whether a matched value should survive (it is
	// a placeholder, a variable reference, ...). It sees the original text.
	keep func(string) bool
	// calls, when set, replaces re: it returns the secret spans in a
	// window (s and its lower-cased copy), for the positional arguments.
	calls func(s, lower string) [][2]int
	// anchorIDs index anchors in the anchorSet, filled in at init.
	anchorIDs []int32
	// near and nearStart are re anchored at a place and reading the one
	// character before it (near), or at the start of the text (nearStart),
	// for scanNear; set for the rules with a reach or lineStart.
	near, nearStart *regexp.Regexp
}

// anyPresent reports whether one of the rule's anchors is in the text (a
// rule without anchors always runs).
func (r *rule) anyPresent(present []bool) bool {
	if len(r.anchors) == 0 {
		return true
	}
	for _, id := range r.anchorIDs {
		if present[id] {
			return true
		}
	}
	return false
}

// anchorSet finds which of all the rules' anchors occur in a text in one
// pass: a position is compared with the anchors that start with its two
// bytes only, found through a bit set, so a text without candidates costs
// about one table lookup per byte rather than one scan per anchor.
type anchorSet struct {
	list  []string
	first [256][]int32   // anchors by first byte
	pair  [256][4]uint64 // bit c2 of pair[c1]: some anchor starts c1 c2
}

// anchors indexes the anchors of table; it never changes after init.
var anchors = newAnchorSet(table)

func newAnchorSet(t []rule) *anchorSet {
	a := &anchorSet{}
	ids := map[string]int32{}
	for i := range t {
		for _, s := range t[i].anchors {
			id, ok := ids[s]
			if !ok {
				id = int32(len(a.list))
				ids[s] = id
				a.list = append(a.list, s)
				a.first[s[0]] = append(a.first[s[0]], id)
				if len(s) > 1 {
					a.pair[s[0]][s[1]>>6] |= 1 << (s[1] & 63)
				} else {
					a.pair[s[0]] = [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
				}
			}
			t[i].anchorIDs = append(t[i].anchorIDs, id)
		}
	}
	return a
}

// present returns, by anchor id, whether the anchor occurs in lower.
func (a *anchorSet) present(lower string) []bool {
	out := make([]bool, len(a.list))
	for i := 0; i+1 < len(lower); i++ {
		c1, c2 := lower[i], lower[i+1]
		if a.pair[c1][c2>>6]&(1<<(c2&63)) == 0 {
			continue
		}
		for _, id := range a.first[c1] {
			if !out[id] && strings.HasPrefix(lower[i:], a.list[id]) {
				out[id] = true
			}
		}
	}
	return out
}

// find runs the rule over s, whose ASCII-lower-cased copy is lower, and
// returns the secrets it finds, ascending and disjoint, in s's offsets.
func (r *rule) find(s, lower string) []Span {
	hay := s
	if r.lower {
		hay = lower
	}
	if len(r.anchors) == 0 {
		return r.scan(s, hay, [][2]int{{0, len(s)}})
	}
	windows, near := r.places(s, lower)
	var spans []Span
	if len(near) > 0 {
		spans = r.scanNear(s, hay, near)
	}
	if len(windows) == 0 {
		return spans
	}
	slices.SortFunc(windows, func(a, b [2]int) int { return a[0] - b[0] })
	merged := windows[:1]
	for _, w := range windows[1:] {
		last := &merged[len(merged)-1]
		if w[0] <= last[1] {
			last[1] = max(last[1], w[1])
			continue
		}
		merged = append(merged, w)
	}
	found := r.scan(s, hay, merged)
	if len(spans) == 0 {
		return found
	}
	// Long lines and short ones never share a window: their matches are
	// disjoint, and only their order is to restore.
	spans = append(spans, found...)
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	return spans
}

// places returns where the rule's pattern is to run, from its anchors in
// lower: windows for scan (an anchor's line from its start or reach bytes
// before the anchor, or span bytes either side of it), and the anchors of
// long lines for scanNear, unless they are so many that scanning their
// lines costs less.
func (r *rule) places(s, lower string) (windows [][2]int, near []nearAnchor) {
	crowded := false
	for _, a := range r.anchors {
		// The line of the last anchor found [line, end), which the next
		// one shares if it comes before end: every anchor of a long line
		// is visited, and finding its line's ends each time would read the
		// line once per anchor.
		line, end := 0, -1
		for from := 0; ; {
			i := strings.Index(lower[from:], a)
			if i < 0 {
				break
			}
			i += from
			if r.span > 0 {
				// A window either side of the anchor, across lines.
				wend := min(len(s), i+r.span)
				windows = append(windows, [2]int{max(0, i-r.span), wend})
				from = max(wend, i+1)
				continue
			}
			if i > end {
				line = strings.LastIndexByte(s[:i], '\n') + 1
				if end = strings.IndexByte(s[i:], '\n'); end < 0 {
					end = len(s)
				} else {
					end += i
				}
			}
			start := line
			if r.reach > 0 {
				start = max(start, i-r.reach)
			}
			if r.near != nil && end-line > longLine && !crowded {
				// Every anchor of a long line, each tried where a
				// match may begin (see nearAnchor).
				to := i
				if r.lineStart {
					to = line
				}
				near = append(near, nearAnchor{line: line, from: start, to: to, end: end})
				from = i + 1
				if len(near) > len(s)/denseLine {
					// More anchors than scanNear would try one by
					// one on any line: every line is scanned.
					crowded = true
					for _, na := range near {
						windows = append(windows, [2]int{na.from, na.end})
					}
					near, from = nil, max(end, i+1)
				}
				continue
			}
			windows = append(windows, [2]int{start, end})
			from = max(end, i+1)
		}
	}
	return windows, near
}

// longLine (a variable for the tests) is the length past which the
// anchors of a rule with a reach, or whose matches begin their line, are
// tried one by one (scanNear) rather than by a scan of their line.
var longLine = 1 << 10

// nearAnchor is where a rule with a reach may match around one anchor of
// a long line [line, end): beginning in [from, to] (the anchor at to),
// ending by end.
type nearAnchor struct{ line, from, to, end int }

// denseLine (a variable for the tests): a long line with more than one
// place to try per denseLine bytes is scanned whole instead, which then
// costs less (a line of nothing but "key" or "ghp_" repeated).
var denseLine = 8

// scanNear finds the matches of a rule with a reach (or lineStart) around
// anchors of long lines: what scan finds over each whole line, since
// every match of such a rule begins at most reach bytes before an anchor
// it holds (or at the start of the line). A line of minified code holds
// an anchor every few hundred bytes ("key", "token"), and a scan of the
// line ran the pattern from every byte of it (170 ms over a minified
// library of 280 KB); here it runs from the few places a match can begin
// (tryPlaces), each run ending where its match does or fails, a few bytes
// on. A line with places nearly everywhere is scanned whole.
func (r *rule) scanNear(s, hay string, near []nearAnchor) []Span {
	// The places of anchors close together overlap: merge them, so that
	// each is tried once and in order.
	slices.SortFunc(near, func(a, b nearAnchor) int { return a.from - b.from })
	merged := near[:1]
	for _, na := range near[1:] {
		last := &merged[len(merged)-1]
		if na.from <= last.to+1 && na.end == last.end {
			last.to = max(last.to, na.to)
			continue
		}
		merged = append(merged, na)
	}
	var spans []Span
	for len(merged) > 0 {
		// The places of one line.
		n, places := 0, 0
		for n < len(merged) && merged[n].end == merged[0].end {
			places += merged[n].to - merged[n].from + 1
			n++
		}
		if ln := merged[0]; places > (ln.end-ln.line)/denseLine {
			// From the first place on, as scan's window for the
			// line's anchors would be.
			spans = append(spans, r.scan(s, hay, [][2]int{{ln.from, ln.end}})...)
		} else {
			spans = r.tryPlaces(s, hay, merged[:n], spans)
		}
		merged = merged[n:]
	}
	return spans
}

// tryPlaces appends to spans the matches beginning at the places of one
// line, ascending and disjoint. Each place p is tried with the pattern
// anchored there and the byte before p as context (r.near), so that \b
// and the like read what a scan would; the first match from p on wins, as
// in a scan, and the next place tried is past it.
func (r *rule) tryPlaces(s, hay string, line []nearAnchor, spans []Span) []Span {
	next := 0 // a match may begin here or after
	for _, na := range line {
		for p := max(na.from, next); p <= na.to; p++ {
			if !utf8.RuneStart(hay[p]) {
				continue
			}
			re, at := r.near, p-1
			if p == 0 {
				re, at = r.nearStart, 0
			}
			loc := re.FindStringSubmatchIndex(hay[at:na.end])
			if loc == nil {
				continue
			}
			for j := range loc {
				if loc[j] >= 0 {
					loc[j] += at
				}
			}
			if start, end := r.group(loc); start >= 0 {
				if v := s[start:end]; start < end && !strings.HasPrefix(v, "<redacted:") && (r.keep == nil || !r.keep(v)) {
					spans = append(spans, Span{Start: start, End: end, Kind: r.kind})
				}
			}
			// The next match begins after this one, as in a scan.
			next = max(loc[1], p+1)
			p = next - 1
		}
	}
	return spans
}

// scan collects the matches inside the given ascending, disjoint windows of
// hay, which is s or its lower-cased copy.
func (r *rule) scan(s, hay string, windows [][2]int) []Span {
	var spans []Span
	add := func(start, end int) {
		v := s[start:end]
		if start >= end || (len(spans) > 0 && start < spans[len(spans)-1].End) ||
			strings.HasPrefix(v, "<redacted:") || (r.keep != nil && r.keep(v)) {
			return
		}
		spans = append(spans, Span{Start: start, End: end, Kind: r.kind})
	}
	for _, w := range windows {
		if r.calls != nil {
			for _, sp := range r.calls(s[w[0]:w[1]], hay[w[0]:w[1]]) {
				add(sp[0]+w[0], sp[1]+w[0])
			}
			continue
		}
		for _, loc := range r.re.FindAllStringSubmatchIndex(hay[w[0]:w[1]], -1) {
			start, end := r.group(loc)
			if start < 0 {
				continue
			}
			add(start+w[0], end+w[0])
		}
	}
	return spans
}

// lowerASCII lower-cases ASCII letters only, so that byte offsets in the
// result are offsets in s.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// group returns the byte range of the secret within one match.
func (r *rule) group(loc []int) (int, int) {
	if r.grp >= 0 {
		return loc[2*r.grp], loc[2*r.grp+1]
	}
	for g := 1; 2*g+1 < len(loc); g++ {
		if loc[2*g] >= 0 {
			return loc[2*g], loc[2*g+1]
		}
	}
	return -1, -1
}
