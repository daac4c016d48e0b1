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
// Two families of patterns are applied, most specific first:
//
//   - Tokens with a recognisable shape, wherever they appear: PEM private
//     keys (RSA, EC, DSA, OPENSSH, PKCS#8, encrypted, PGP; also inside JSON
//     strings with escaped newlines, as in GCP service-account files), AWS
//     access key ids, GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_),
//     GitLab (glpat-), Slack (xoxb-, xoxp-, ... and webhooks), Stripe
//     (sk_live_, rk_live_, and the _test_ forms), Google API keys (AIza...),
//     OpenAI (sk-, sk-proj-), Anthropic (sk-ant-), npm (npm_), PyPI (pypi-),
//     Twilio API keys (SK + 32 hex), SendGrid (SG.x.y), Mailgun (key-...),
//     JWTs, Discord bot tokens and webhooks, Telegram bot tokens, Shopify
//     (shpat_, shpss_, ...), Hugging Face (hf_), HashiCorp Vault (hvs.),
//     DigitalOcean (dop_v1_), age secret keys, Azure storage account keys
//     (AccountKey=...) and shared access signatures.
//   - Secrets identified by their context: passwords in URLs and connection
//     strings (postgres://user:pass@, mysql://, mongodb+srv://, redis://:pass@,
//     amqp://, ...), Basic and Bearer authorization values, secret-looking
//     query parameters (?access_token=...), command-line flags
//     (--password=...), AWS secret access keys, Heroku and Datadog keys, and
//     string values assigned to a name that ends in password, passwd, pwd,
//     passphrase, secret, token, credential(s) or an api/access/secret/private
//     key in Go, Python, JavaScript, TypeScript, JSON, YAML and env files
//     (password = "...", "api_key": "...", const secret = '...',
//     PASSWORD=... at the start of a line).
//
// # What is left alone
//
// Context patterns only fire on literal values. Reads from the environment or
// a config (password = os.Getenv("PASSWORD")), empty strings, null values
// (None, nil, null, undefined), type annotations (password: str), template
// and shell interpolations (${DB_PASSWORD}, {{ .Token }}, $TOKEN),
// placeholders (<your-key-here>, ****, xxxx, changeme, your_api_key) and
// values with spaces (error messages such as "token expired") are kept.
// Shape patterns require the full length and alphabet of the real token, so
// prose that mentions a prefix ("keys start with sk-"), UUIDs used as ids,
// git SHAs and ordinary base64 survive.
//
// Redaction is best effort: it lowers the chance that a secret reaches the
// SyntX database, it does not prove there is none. Users who keep secrets in
// code should also turn code storage off (store_code = false).
//
// # Cost
//
// The pattern table is compiled once, when the package is initialised, and
// never changes afterwards; Redact is safe for concurrent use. Each pattern is
// guarded by cheap substring checks, so a file without any candidate keyword
// is scanned only a few times; see BenchmarkRedact for numbers on a 100 KB
// source file.
package redact

import (
	"regexp"
	"slices"
	"strings"
)

// Placeholder returns the text Redact puts in place of a secret of the given
// kind, e.g. Placeholder("aws-access-key") == "<redacted:aws-access-key>".
func Placeholder(kind string) string { return "<redacted:" + kind + ">" }

// Redact returns s with every recognised secret replaced by a placeholder of
// the form <redacted:KIND>, and the number of replacements made.
func Redact(s string) (string, int) {
	if s == "" {
		return s, 0
	}
	lower := lowerASCII(s)
	total := 0
	for i := range table {
		r := &table[i]
		var n int
		s, lower, n = r.apply(s, lower)
		total += n
	}
	return s, total
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
	// group is the submatch that holds the secret; 0 replaces the whole
	// match and -1 the first submatch that took part in the match.
	group int
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
	// lower runs the pattern over the ASCII-lower-cased text: a pattern
	// written in lower case then matches names in any case without (?i),
	// which makes Go's regexp engine several times slower.
	lower bool
	// keep, when set, reports whether a matched value should survive (it is
	// a placeholder, a variable reference, ...). It sees the original text.
	keep func(string) bool
}

// apply runs the rule over s, whose ASCII-lower-cased copy is lower, and
// returns both with the secrets replaced. Placeholders are lower case, so the
// second result is still the lower-cased copy of the first.
func (r *rule) apply(s, lower string) (string, string, int) {
	hay := s
	if r.lower {
		hay = lower
	}
	if len(r.anchors) == 0 {
		return r.replace(s, lower, hay, [][2]int{{0, len(s)}})
	}
	var windows [][2]int
	for _, a := range r.anchors {
		for from := 0; ; {
			i := strings.Index(lower[from:], a)
			if i < 0 {
				break
			}
			i += from
			start := strings.LastIndexByte(s[:i], '\n') + 1
			if r.reach > 0 {
				start = max(start, i-r.reach)
			}
			end := strings.IndexByte(s[i:], '\n')
			if end < 0 {
				end = len(s)
			} else {
				end += i
			}
			windows = append(windows, [2]int{start, end})
			from = end
		}
	}
	if len(windows) == 0 {
		return s, lower, 0
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
	return r.replace(s, lower, hay, merged)
}

// replace substitutes the placeholder for every match found inside the
// given ascending, disjoint windows of hay, which is s or lower.
func (r *rule) replace(s, lower, hay string, windows [][2]int) (string, string, int) {
	var spans [][2]int
	for _, w := range windows {
		for _, loc := range r.re.FindAllStringSubmatchIndex(hay[w[0]:w[1]], -1) {
			start, end := r.span(loc)
			if start < 0 {
				continue
			}
			start, end = start+w[0], end+w[0]
			v := s[start:end]
			if (len(spans) > 0 && start < spans[len(spans)-1][1]) ||
				strings.HasPrefix(v, "<redacted:") || (r.keep != nil && r.keep(v)) {
				continue
			}
			spans = append(spans, [2]int{start, end})
		}
	}
	if len(spans) == 0 {
		return s, lower, 0
	}
	ph := Placeholder(r.kind)
	return substitute(s, spans, ph), substitute(lower, spans, ph), len(spans)
}

// substitute replaces the ascending, disjoint spans of s with ph.
func substitute(s string, spans [][2]int, ph string) string {
	var b strings.Builder
	b.Grow(len(s) + len(spans)*len(ph))
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp[0]])
		b.WriteString(ph)
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
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

// span returns the byte range of the secret within one match.
func (r *rule) span(loc []int) (int, int) {
	if r.group >= 0 {
		return loc[2*r.group], loc[2*r.group+1]
	}
	for g := 1; 2*g+1 < len(loc); g++ {
		if loc[2*g] >= 0 {
			return loc[2*g], loc[2*g+1]
		}
	}
	return -1, -1
}

// table is the immutable, ordered pattern table.
var table = buildTable()

// Building blocks shared by the context patterns.
const (
	// sep matches what separates a name from its value: an optional closing
	// quote, an optional type annotation, then = := : => or ?= with spaces.
	sep = `["'\x60]?\]?(?:\s*:\s*[A-Za-z_][\w.\[\]]*)?\s*(?::=|=>|\?=|=|:)\s*`
	// quoted captures a single-line quoted literal of 3+ characters; the
	// value is in whichever of the three groups took part.
	quoted = `(?:"([^"\r\n]{3,})"|'([^'\r\n]{3,})'|\x60([^\x60\r\n]{3,})\x60)`
)

func buildTable() []rule {
	var t []rule
	add := func(kind string, group int, anchors []string, keep func(string) bool, pattern string) {
		t = append(t, rule{kind: kind, re: regexp.MustCompile(pattern), group: group, anchors: anchors, keep: keep})
	}
	// addLower adds a case-insensitive pattern, written in lower case, that
	// runs over the lower-cased text.
	addLower := func(kind string, group int, anchors []string, keep func(string) bool, pattern string) {
		add(kind, group, anchors, keep, pattern)
		t[len(t)-1].lower = true
	}
	// PEM blocks first: they contain base64 that later patterns could nibble.
	// The body may hold real newlines or the two characters \n (JSON).
	add("private-key", 0, nil, nil,
		`-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-[^-])*?-----END[A-Z ]*PRIVATE KEY(?: BLOCK)?-----`)
	// A PEM block cut off before its END line (a truncated excerpt).
	add("private-key", 0, nil, nil,
		`-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----(?:\\[nr]|[\r\n]|[A-Za-z0-9+/=: ,.\-])*[A-Za-z0-9+/=]{16,}(?:\\[nr]|[\r\n]|[A-Za-z0-9+/=])*`)
	add("gcp-private-key-id", 1, []string{"private_key_id"}, nil,
		`"private_key_id"\s*:\s*"([0-9a-f]{40})"`)

	// Vendor tokens with a recognisable shape.
	add("aws-access-key", 1, []string{"akia", "asia", "abia", "acca", "a3t"}, nil,
		`\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b`)
	addLower("aws-secret-key", 1, []string{"secret"}, nil,
		`(?:aws_?secret_?(?:access_?)?key(?:_?id)?|secret_?access_?key)`+sep+`["'\x60]?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`)
	add("github-token", 1, []string{"gh"}, nil,
		`\b(gh[pousr]_[A-Za-z0-9]{36,251})\b`)
	add("github-token", 1, []string{"github_pat_"}, nil,
		`\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`)
	add("gitlab-token", 1, []string{"glpat-", "glptt-", "gldt-"}, nil,
		`\b((?:glpat|glptt|gldt)-[A-Za-z0-9_\-]{20,})`)
	add("slack-webhook", 0, []string{"hooks.slack.com"}, nil,
		`https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,}`)
	add("slack-token", 1, []string{"xox", "xapp-"}, nil,
		`\b((?:xox[baprse]|xapp)-[0-9A-Za-z][0-9A-Za-z\-]{8,})`)
	add("stripe-key", 1, []string{"_live_", "_test_"}, nil,
		`\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247})\b`)
	add("google-api-key", 1, []string{"aiza"}, nil,
		`\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)`)
	add("anthropic-key", 1, []string{"sk-ant-"}, nil,
		`\b(sk-ant-[A-Za-z0-9]+-[A-Za-z0-9_\-]{20,})`)
	add("openai-key", 1, []string{"sk-"}, nil,
		`\b(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,})`)
	add("openai-key", 1, []string{"sk-"}, nil,
		`\b(sk-[A-Za-z0-9]{32,})\b`)
	add("npm-token", 1, []string{"npm_"}, nil,
		`\b(npm_[A-Za-z0-9]{36})\b`)
	add("pypi-token", 1, []string{"pypi-"}, nil,
		`\b(pypi-AgE[A-Za-z0-9_\-]{50,})`)
	add("twilio-api-key", 1, []string{"sk"}, nil, // SK + 32 hex
		`\b(SK[0-9a-f]{32})\b`)
	add("sendgrid-key", 1, []string{"sg."}, nil,
		`\b(SG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{30,64})`)
	add("mailgun-key", 1, []string{"key-"}, nil,
		`\b(key-[0-9a-zA-Z]{32})\b`)
	add("jwt", 1, []string{"eyj"}, nil,
		`\b(eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)`)
	add("discord-webhook", 0, []string{"discord"}, nil,
		`https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{15,25}/[A-Za-z0-9_\-]{30,}`)
	add("discord-token", 1, []string{"discord", "bot", "token"}, nil,
		`\b([MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40})\b`)
	add("telegram-bot-token", 1, []string{":aa"}, nil,
		`\b([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|$)`)
	add("shopify-token", 1, []string{"shp"}, nil,
		`\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b`)
	add("huggingface-token", 1, []string{"hf_"}, nil,
		`\b(hf_[A-Za-z0-9]{34,40})\b`)
	add("vault-token", 1, []string{"hvs.", "hvb."}, nil,
		`\b(hv[sb]\.[A-Za-z0-9_\-]{24,})`)
	add("digitalocean-token", 1, []string{"do"}, nil,
		`\b(do[opr]_v1_[a-f0-9]{64})\b`)
	add("age-secret-key", 1, []string{"age-secret-key-"}, nil,
		`\b(AGE-SECRET-KEY-1[0-9A-Z]{58})\b`)
	addLower("azure-storage-key", 1, []string{"accountkey", "sharedaccesskey"}, nil,
		`(?:accountkey|sharedaccesskey)=([A-Za-z0-9+/]{20,}={0,2})`)
	add("azure-sas", 1, []string{"sig="}, nil,
		`[?&]sig=([A-Za-z0-9%+/]{20,}(?:%3[Dd]|=){0,2})`)

	// Context: credentials inside URLs and connection strings.
	add("url-password", 1, []string{"://"}, isPlaceholder,
		`\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:@/"'\x60<>]*:([^\s@/"'\x60<>]+)@[A-Za-z0-9\[.\-_]`)
	addLower("basic-auth", 1, []string{"basic"}, nil,
		`(?:authorization|auth)["'\x60]?\s*[:=,]?\s*["'\x60]?\s*basic\s+([A-Za-z0-9+/]{8,}={0,2})`)
	addLower("bearer-token", 1, []string{"bearer"}, notTokenLike,
		`\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)`)
	addLower("url-secret-param", 1, []string{"token=", "key=", "secret=", "password="}, notTokenLike,
		`[?&](?:access_token|refresh_token|id_token|token|api_?key|apikey|key|client_secret|secret|password)=([^&\s"'\x60#<>]{8,})`)
	addLower("cli-password", 1, []string{"--pass", "--token", "--secret", "--api-key"}, isPlaceholder,
		`--(?:password|passwd|token|secret|api-key|client-secret)[= ]["']?([^\s"'\x60-][^\s"'\x60]{3,})`)

	// Context: names that announce a vendor key whose value is otherwise a
	// plain UUID or hex string.
	addLower("heroku-api-key", 1, []string{"heroku"}, nil,
		`heroku[\w.\-]*`+sep+`["'\x60]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`)
	addLower("datadog-key", 1, []string{"dd", "datadog"}, nil,
		`(?:datadog|dd)[_\-]?(?:api|app|application)[_\-]?key`+sep+`["'\x60]?([a-f0-9]{40}|[a-f0-9]{32})\b`)

	// Context: string literals assigned to secret-sounding names.
	secretName := `(?:passwd|password|passphrase|pwd|secret|token|credentials?|` +
		`(?:api|access|auth|secret|private|signing|encryption|master|client)[_\-]?key|apikey)`
	nameWords := []string{"pass", "pwd", "secret", "token", "credential", "key"}
	addLower("secret", -1, nameWords, isPlaceholderOrPath, secretName+sep+quoted)
	t[len(t)-1].reach = len("encryption_")
	// env files and shell: an upper-case NAME=value alone on its line.
	add("secret", 1, nameWords, isPlaceholder,
		`(?m)^[ \t]*(?:export[ \t]+)?[A-Z0-9_]*(?:PASSWD|PASSWORD|PASSPHRASE|PWD|SECRET|TOKEN|CREDENTIALS|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|AUTH_?KEY)=`+
			`([^\s"'\x60#$()][^\s"'\x60#()]{2,})[ \t]*(?:#[^\n]*)?$`)
	// YAML and similar: an unquoted value after "name:" on its own line. Type
	// annotations (password: str) look the same, so the value must read as
	// a token, with a digit in it.
	addLower("secret", 1, nameWords, notTokenLike,
		`(?m)^[ \t]*-?[ \t]*[\w.\-]*?(?:passwd|password|passphrase|pwd|secret|token|credentials|api_?key|access_?key|private_?key|secret_?key|auth_?key):[ \t]+`+
			`([^\s"'\x60#{}\[\]&*!|>%@$][^\s#;,]{2,})[ \t]*(?:#[^\n]*)?$`)
	return t
}

// isPlaceholder reports whether v is obviously not a real secret: a
// reference to a variable, a template, a null value, or a documentation
// placeholder.
func isPlaceholder(v string) bool {
	if strings.ContainsAny(v, " \t") {
		return true
	}
	l := strings.ToLower(v)
	switch l {
	case "none", "nil", "null", "undefined", "true", "false", "password", "passwd",
		"secret", "token", "changeme", "change-me", "change_me", "redacted", "example",
		"placeholder", "required", "optional", "string", "str", "todo", "fixme", "tbd",
		"****", "...", "dummy", "test", "empty":
		return true
	}
	if strings.HasPrefix(v, "$") || strings.HasPrefix(v, "%") || strings.HasPrefix(v, "<") ||
		strings.Contains(v, "{{") || strings.Contains(v, "${") || strings.Contains(v, "#{") ||
		strings.HasPrefix(v, "os.") || strings.HasPrefix(v, "process.env") {
		return true
	}
	if allSame(l) {
		return true // ****, xxxxxxxx, 00000000
	}
	for _, p := range []string{"your", "my-", "my_", "replace", "insert", "example", "placeholder", "xxxx", "...", "<", "env("} {
		if strings.Contains(l, p) {
			return true
		}
	}
	return false
}

// isPlaceholderOrPath is isPlaceholder that also keeps file system paths
// (pwd = "/home/me", secret_dir = "./keys").
func isPlaceholderOrPath(v string) bool {
	return isPlaceholder(v) || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") ||
		strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "../")
}

// notTokenLike rejects values that read as words rather than random tokens:
// real tokens practically always mix in digits or symbols.
func notTokenLike(v string) bool {
	if isPlaceholder(v) {
		return true
	}
	return !strings.ContainsAny(v, "0123456789")
}

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}
