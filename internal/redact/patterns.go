package redact

import (
	"regexp"
	"strings"
)

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
	// connKeys are the keys that, before a password key, tell a string of
	// key=value pairs (libpq, ADO.NET, ODBC, JDBC) from code.
	connKeys = `(?:host|hostaddr|server|data source|address|addr|user|user id|userid|uid|username|dbname|database|databasename|initial catalog|driver|port|sslmode|account)`
	// between is what may separate them: anything on the line but a quote,
	// a parenthesis or a comma followed by a space (keyword arguments in
	// code are written f(host=h, password=p)).
	between = `(?:[^,\n"\x60(]|,[^\s])*?`
	// secretName matches the names that announce a secret.
	secretName = `(?:passwd|password|passphrase|pwd|secret|token|credentials?|` +
		`(?:api|access|auth|secret|private|signing|encryption|master|client)[_\-]?key|apikey)`
)

// nameWords are the anchors of the patterns on secret-sounding names.
var nameWords = []string{"pass", "pwd", "secret", "token", "credential", "key"}

// buildTable compiles the pattern table, in its order.
func buildTable() []rule {
	t := make([]rule, 0, len(patterns))
	for _, p := range patterns {
		if p.positional {
			t = append(t, positionalRule())
			continue
		}
		r := rule{kind: p.kind, re: regexp.MustCompile(p.re), grp: p.grp, anchors: p.anchors,
			reach: p.reach, span: p.span, lineStart: p.lineStart, lower: p.lower, keep: p.keep}
		if (p.reach > 0 || p.lineStart) && p.span == 0 {
			r.near = regexp.MustCompile(`^(?s:.)(?:` + p.re + `)`)
			r.nearStart = regexp.MustCompile(`^(?:` + p.re + `)`)
		}
		t = append(t, r)
	}
	return t
}

// pattern is a row of the pattern table: a rule before its regular
// expression is compiled (see rule for what each field means).
type pattern struct {
	kind    string
	grp     int
	anchors []string
	keep    func(string) bool
	// lower: re is written in lower case and runs over the lower-cased text.
	lower       bool
	reach, span int
	lineStart   bool
	re          string
	// positional stands for the positional-argument rule of calls.go
	// (positionalRule), which finds calls rather than running a pattern.
	positional bool
}

// patterns is the pattern table, in the order the rules run.
var patterns = []pattern{
	// PEM blocks first: they contain base64 that later patterns could
	// nibble. The body may hold real newlines or the two characters \n
	// (JSON). Private keys of every kind, then every other block type
	// (certificates, public keys, requests, CRLs, parameters, PGP messages
	// and signatures), which are not secret but are opaque and name hosts,
	// companies and people.
	{kind: "private-key",
		re: `-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-[^-])*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----`},
	// A PEM block cut off before its END line (a truncated excerpt).
	{kind: "private-key",
		re: `-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:\\[nr]|[\r\n]|[A-Za-z0-9+/=: ,.\-])*[A-Za-z0-9+/=]{16,}(?:(?:\\[nr]|[\r\n])+[A-Za-z0-9+/=]+)*`},
	// RFC 4716 (SSH2) keys use four dashes and spaces.
	{kind: "private-key",
		re: `---- BEGIN SSH2 [A-Z ]*PRIVATE KEY ----(?:[^-]|-[^-])*?---- END SSH2 [A-Z ]*PRIVATE KEY ----`},
	// PuTTY key files: the private lines after their count.
	{kind: "private-key", grp: 1, anchors: []string{"private-lines:"}, span: 8 << 10,
		re: `Private-Lines: \d+\r?\n((?:[A-Za-z0-9+/=]+\r?\n)*[A-Za-z0-9+/=]+)\r?\n`},
	{kind: "pem-block",
		re: `-----BEGIN [A-Z0-9 ]{3,40}-----(?:[^-]|-[^-])*?-----END [A-Z0-9 ]{3,40}-----`},
	{kind: "pem-block",
		re: `-----BEGIN [A-Z0-9 ]{3,40}-----(?:\\[nr]|[\r\n]|[A-Za-z0-9+/=: ,.\-])*[A-Za-z0-9+/=]{16,}(?:(?:\\[nr]|[\r\n])+[A-Za-z0-9+/=]+)*`},
	{kind: "gcp-private-key-id", grp: 1, anchors: []string{"private_key_id"},
		re: `"private_key_id"\s*:\s*"([0-9a-f]{40})"`},

	// Vendor tokens with a recognisable shape.
	{kind: "aws-access-key", grp: 1, anchors: []string{"akia", "asia", "abia", "acca", "a3t"},
		re: `\b((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})\b`},
	{kind: "aws-secret-key", grp: 1, anchors: []string{"secret"}, lower: true,
		re: `(?:aws_?secret_?(?:access_?)?key(?:_?id)?|secret_?access_?key)` + sep + `["'\x60]?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)`},
	{kind: "github-token", grp: 1, anchors: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, reach: 1,
		re: `\b(gh[pousr]_[A-Za-z0-9]{36,251})\b`},
	{kind: "github-token", grp: 1, anchors: []string{"github_pat_"},
		re: `\b(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})\b`},
	{kind: "gitlab-token", grp: 1, anchors: []string{"glpat-", "glptt-", "gldt-"},
		re: `\b((?:glpat|glptt|gldt)-[A-Za-z0-9_\-]{20,})`},
	{kind: "slack-webhook", anchors: []string{"hooks.slack.com"},
		re: `https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/]{20,}`},
	{kind: "slack-token", grp: 1, anchors: []string{"xox", "xapp-"},
		re: `\b((?:xox[baprse]|xapp)-[0-9A-Za-z][0-9A-Za-z\-]{8,})`},
	{kind: "stripe-key", grp: 1, anchors: []string{"_live_", "_test_"},
		re: `\b((?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247})\b`},
	{kind: "stripe-webhook-secret", grp: 1, anchors: []string{"whsec_"},
		re: `\b(whsec_[0-9A-Za-z]{24,})\b`},
	{kind: "google-api-key", grp: 1, anchors: []string{"aiza"},
		re: `\b(AIza[0-9A-Za-z_\-]{35})(?:[^0-9A-Za-z_\-]|$)`},
	{kind: "google-oauth-secret", grp: 1, anchors: []string{"gocspx-"},
		re: `\b(GOCSPX-[0-9A-Za-z_\-]{24,})`},
	{kind: "google-oauth-token", grp: 1, anchors: []string{"ya29."},
		re: `\b(ya29\.[0-9A-Za-z_\-]{20,})`},
	{kind: "google-oauth-token", grp: 1, anchors: []string{"1//0"},
		re: `(?:^|[^0-9A-Za-z/])(1//0[0-9A-Za-z_\-]{40,})`},
	{kind: "anthropic-key", grp: 1, anchors: []string{"sk-ant-"},
		re: `\b(sk-ant-[A-Za-z0-9]+-[A-Za-z0-9_\-]{20,})`},
	{kind: "openai-key", grp: 1, anchors: []string{"sk-"},
		re: `\b(sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,})`},
	{kind: "openai-key", grp: 1, anchors: []string{"sk-"},
		re: `\b(sk-[A-Za-z0-9]{32,})\b`},
	{kind: "npm-token", grp: 1, anchors: []string{"npm_"},
		re: `\b(npm_[A-Za-z0-9]{36})\b`},
	{kind: "pypi-token", grp: 1, anchors: []string{"pypi-"},
		re: `\b(pypi-AgE[A-Za-z0-9_\-]{50,})`},
	// SK + 32 hex
	{kind: "twilio-api-key", grp: 1, anchors: []string{"sk"}, reach: 1,
		re: `\b(SK[0-9a-f]{32})\b`},
	{kind: "sendgrid-key", grp: 1, anchors: []string{"sg."},
		re: `\b(SG\.[A-Za-z0-9_\-]{16,32}\.[A-Za-z0-9_\-]{30,64})`},
	{kind: "mailgun-key", grp: 1, anchors: []string{"key-"},
		re: `\b(key-[0-9a-zA-Z]{32})\b`},
	{kind: "jwt", grp: 1, anchors: []string{"eyj"},
		re: `\b(eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)`},
	{kind: "discord-webhook", anchors: []string{"discord"},
		re: `https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/[0-9]{15,25}/[A-Za-z0-9_\-]{30,}`},
	{kind: "discord-token", grp: 1, anchors: []string{"discord", "bot", "token"},
		re: `\b([MNO][A-Za-z0-9_\-]{23,27}\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,40})\b`},
	{kind: "telegram-bot-token", grp: 1, anchors: []string{":aa"}, reach: len("1234567890"),
		re: `\b([0-9]{8,10}:AA[A-Za-z0-9_\-]{33})(?:[^A-Za-z0-9_\-]|$)`},
	{kind: "shopify-token", grp: 1, anchors: []string{"shp"},
		re: `\b(shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})\b`},
	{kind: "huggingface-token", grp: 1, anchors: []string{"hf_"},
		re: `\b(hf_[A-Za-z0-9]{34,40})\b`},
	{kind: "vault-token", grp: 1, anchors: []string{"hvs.", "hvb."},
		re: `\b(hv[sb]\.[A-Za-z0-9_\-]{24,})`},
	{kind: "digitalocean-token", grp: 1, anchors: []string{"dop_v1_", "doo_v1_", "dor_v1_"}, reach: 1,
		re: `\b(do[opr]_v1_[a-f0-9]{64})\b`},
	{kind: "age-secret-key", grp: 1, anchors: []string{"age-secret-key-"},
		re: `\b(AGE-SECRET-KEY-1[0-9A-Z]{58})\b`},
	{kind: "azure-storage-key", grp: 1, anchors: []string{"accountkey", "sharedaccesskey"}, lower: true,
		re: `(?:accountkey|sharedaccesskey)=([A-Za-z0-9+/]{20,}={0,2})`},
	{kind: "azure-sas", grp: 1, anchors: []string{"sig="},
		re: `[?&]sig=([A-Za-z0-9%+/]{20,}(?:%3[Dd]|=){0,2})`},
	// Azure AD (Entra) client secrets: three characters, a digit, "Q~".
	{kind: "azure-client-secret", grp: 1, anchors: []string{"q~"},
		re: `(?:^|[^0-9A-Za-z_~.\-])([0-9A-Za-z_~.\-]{3}[0-9]Q~[0-9A-Za-z_~.\-]{31,34})(?:[^0-9A-Za-z_~.\-]|$)`},

	// Context: credentials inside URLs and connection strings.
	{kind: "url-password", grp: 1, anchors: []string{"://"}, keep: isPlaceholder, reach: len("a") + 20,
		re: `\b[a-zA-Z][a-zA-Z0-9+.\-]{1,20}://[^\s:@/"'\x60<>]*:([^\s@/"'\x60<>]+)@[A-Za-z0-9\[.\-_]`},
	// Go's MySQL driver: user:password@tcp(host)/db, @unix(...).
	{kind: "url-password", grp: 1, anchors: []string{"@tcp(", "@tcp6(", "@unix(", "@udp("}, keep: isPlaceholder,
		re: `(?:^|[\s"'\x60=])[^\s:@/"'\x60()]+:([^\s"'\x60]+)@(?:tcp|tcp6|unix|udp)\(`},
	// Oracle JDBC: jdbc:oracle:thin:user/password@host.
	{kind: "url-password", grp: 1, anchors: []string{"jdbc:oracle:"}, keep: isPlaceholder, lower: true,
		re: `jdbc:oracle:[a-z]+:[^/\s"'\x60@]+/([^@\s"'\x60]+)@`},
	// libpq, ADO.NET, ODBC and JDBC key=value strings: a password key
	// after another connection key on the line (or before one).
	{kind: "connection-password", grp: -1, anchors: []string{"password", "pwd"}, keep: isPlaceholderValue, lower: true,
		re: connKeys + `\s*=` + between + `[;\s](?:password|passwd|pwd)\s*=\s*(?:'([^'\n]+)'|([^\s;'"\x60(),]+))`},
	{kind: "connection-password", grp: -1, anchors: []string{"password", "pwd"}, keep: isPlaceholderValue, lower: true,
		re: `(?:^|[\s;"'\x60])(?:password|passwd|pwd)\s*=\s*(?:'([^'\n]+)'|([^\s;'"\x60(),]+))[;\s]+` + connKeys + `\s*=`},
	{kind: "url-secret-param", grp: 1, anchors: []string{"password=", "passwd=", "pwd=", "secret="}, keep: isPlaceholder, lower: true, reach: len("&client_"),
		re: `[?&;](?:password|passwd|pwd|client_secret|secret)=([^&;\s"'\x60#<>]{3,})`},
	{kind: "url-secret-param", grp: 1, anchors: []string{"token=", "key="}, keep: notTokenLike, lower: true, reach: len("&refresh_"),
		re: `[?&](?:access_token|refresh_token|id_token|token|api_?key|apikey|key)=([^&\s"'\x60#<>]{8,})`},
	// SQL that sets a password: CREATE USER ... IDENTIFIED BY '...',
	// ALTER ROLE ... PASSWORD '...'.
	{kind: "sql-password", grp: 1, anchors: []string{"identified by", "password '", "password e'"}, keep: isPlaceholderValue, lower: true,
		re: `(?:identified by|password)\s+e?'([^'\n]{3,})'`},
	{kind: "basic-auth", grp: 1, anchors: []string{"basic"}, lower: true,
		re: `(?:authorization|auth)["'\x60]?\s*[:=,]?\s*["'\x60]?\s*basic\s+([A-Za-z0-9+/]{8,}={0,2})`},
	{kind: "bearer-token", grp: 1, anchors: []string{"bearer"}, keep: notTokenLike, lower: true,
		re: `\bbearer\s+([A-Za-z0-9\-._~+/]{16,}=*)`},
	{kind: "cli-password", grp: 1, anchors: []string{"--pass", "--token", "--secret", "--api-key"}, keep: isPlaceholder, lower: true,
		re: `--(?:password|passwd|token|secret|api-key|client-secret)=["']?([^\s"'\x60-][^\s"'\x60]{3,})`},
	// With a space the value may be a word of prose ("the --password
	// option"), so it must read as a token.
	{kind: "cli-password", grp: 1, anchors: []string{"--pass", "--token", "--secret", "--api-key"}, keep: notTokenLike, lower: true,
		re: `--(?:password|passwd|token|secret|api-key|client-secret) ["']?([^\s"'\x60-][^\s"'\x60]{3,})`},
	// curl -u user:password, --user user:password.
	{kind: "cli-password", grp: 1, anchors: []string{"-u ", "--user"}, keep: isPlaceholder,
		re: `(?:^|[\s"'\x60])(?:-u|--user)[= ]["']?[^\s:"'\x60]+:([^\s"'\x60]{3,})`},
	// The same as an argument list: exec.Command("curl", "-u", "user:pw"),
	// subprocess.run(["mysql", "--password", "pw"]).
	{kind: "cli-password", grp: 1, anchors: []string{"-u", "--user"}, keep: isPlaceholderValue, lower: true, reach: len(`"-`),
		re: `["'\x60](?:-u|--user)["'\x60]\s*,\s*["'\x60][^\s:"'\x60]+:([^"'\x60\n]{3,})["'\x60]`},
	{kind: "cli-password", grp: 1, anchors: []string{"--pass", "--token", "--secret", "--api-key"}, keep: isPlaceholderValue, lower: true,
		re: `["'\x60](?:--password|--passwd|--token|--secret|--api-key|--client-secret)["'\x60]\s*,\s*["'\x60]([^"'\x60\n]{3,})["'\x60]`},
	// Node's http options and literal user:password pairs encoded for a
	// Basic header.
	{kind: "basic-auth", grp: 1, anchors: []string{"auth"}, keep: isPlaceholderValue, lower: true,
		re: `\bauth\s*:\s*["'\x60][^"'\x60:\s]+:([^"'\x60\s]{3,})["'\x60]`},
	{kind: "basic-auth", grp: 1, anchors: []string{"buffer.from", "b64encode", "encodetostring", "btoa("}, keep: isPlaceholderValue, lower: true,
		re: `(?:buffer\.from|b64encode|encodetostring|btoa)\(\s*(?:\[\]byte\(\s*)?b?["'\x60][^"'\x60:\s]+:([^"'\x60\s]{3,})["'\x60]`},
	// .netrc: machine HOST login USER password SECRET.
	{kind: "netrc-password", grp: 1, anchors: []string{"machine"}, keep: isPlaceholder, lower: true,
		re: `\bmachine\s+\S+\s+login\s+\S+\s+password\s+([^\s"'\x60]+)`},
	// .npmrc: _authToken=, _auth= and _password= (with a registry prefix
	// or alone on the line).
	{kind: "npm-token", grp: 1, anchors: []string{"_auth", "_password"}, keep: isPlaceholder, lower: true,
		re: `(?m)(?:^[ \t]*|:)_(?:authtoken|auth|password)=([^\s"'\x60$()]+)[ \t]*$`},

	// Context: names that announce a vendor key whose value is otherwise a
	// plain UUID or hex string.
	{kind: "heroku-api-key", grp: 1, anchors: []string{"heroku"}, lower: true,
		re: `heroku[\w.\-]*` + sep + `["'\x60]?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b`},
	{kind: "datadog-key", grp: 1, anchors: []string{"dd", "datadog"}, lower: true,
		re: `(?:datadog|dd)[_\-]?(?:api|app|application)[_\-]?key` + sep + `["'\x60]?([a-f0-9]{40}|[a-f0-9]{32})\b`},

	// Context: literal arguments of the common Go, Python and Node APIs
	// that take a credential positionally (see calls.go).
	{positional: true},
	// requests' auth=("user", "password") tuple.
	{kind: "credential-argument", grp: -1, anchors: []string{"auth"}, keep: isPlaceholderValue,
		re: `\bauth\s*=\s*\(\s*b?["'][^"'\n]*["']\s*,\s*b?(?:"([^"\n]{3,})"|'([^'\n]{3,})')\s*\)`},

	// Context: string literals assigned to secret-sounding names.
	{kind: "secret", grp: -1, anchors: nameWords, keep: notASecret, lower: true, reach: len("encryption_"),
		re: secretName + sep + quoted},
	// "pass" alone (nodemailer's auth.pass, SMTP_PASS = "..."): only as a
	// whole name or after _ or -, and right before its : or =, so that
	// prose ("Pass :meth:", "bypass") is left alone.
	{kind: "secret", grp: -1, anchors: []string{"pass"}, keep: notASecret, lower: true, reach: 1,
		re: `(?:\b|[_\-])pass["'\x60]?(?::|\s*=|\s*:=)\s*` + quoted},
	// env files and shell: an upper-case NAME=value alone on its line (or
	// as a docker-compose list item).
	{kind: "secret", grp: 1, anchors: nameWords, keep: notASecret, lineStart: true,
		re: `(?m)^[ \t]*(?:-[ \t]+)?(?:export[ \t]+)?[A-Z0-9_]*(?:PASSWD|PASSWORD|PASSPHRASE|PWD|(?:^|_)PASS|SECRET|TOKEN|CREDENTIALS|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|AUTH_?KEY)=` +
			`([^\s"'\x60$()][^\s"'\x60()]{2,})(?:[ \t]+#[^\n]*)?[ \t]*$`},
	// ini, .pypirc and Java properties: name = value alone on its line.
	// In Python the same line assigns a variable, so the value must not
	// read as code (see notConfigValue).
	{kind: "secret", grp: 1, anchors: nameWords, keep: notConfigValue, lower: true, lineStart: true,
		re: `(?m)^[ \t]*[\w.\-]*?(?:passwd|password|passphrase|pwd|pass|secret|token|credentials|api_?key|access_?key|private_?key|secret_?key|auth_?key)[ \t]*=[ \t]*` +
			`([^\s"'\x60#;$(){}\[\]<>,&*!][^\s"'\x60;(){}\[\]<>,]{2,})[ \t]*$`},
	// YAML and similar: an unquoted value after "name:" on its own line. Type
	// annotations (password: str) look the same, so the value must read as
	// a token (see notTokenLike).
	{kind: "secret", grp: 1, anchors: nameWords, keep: notTokenLike, lower: true, lineStart: true,
		re: `(?m)^[ \t]*-?[ \t]*[\w.\-]*?(?:passwd|password|passphrase|pwd|secret|token|credentials|api_?key|access_?key|private_?key|secret_?key|auth_?key):[ \t]+` +
			`([^\s"'\x60#{}\[\]&*!|>%@$][^\s;,]{2,})(?:[ \t]+#[^\n]*)?[ \t]*$`},
}

// placeholderWords are the words a documentation placeholder is made of
// ("your_api_key", "<your-key-here>", "change-me", "test-secret"). A value
// made only of them is kept; one with any other word (a name, a number) is
// not: "my-Db-Pa55word" and "Example2024!" are secrets.
var placeholderWords = map[string]bool{
	"your": true, "my": true, "the": true, "a": true, "an": true, "example": true, "sample": true,
	"dummy": true, "fake": true, "test": true, "testing": true, "placeholder": true, "changeme": true,
	"change": true, "me": true, "replace": true, "insert": true, "enter": true, "put": true,
	"here": true, "goes": true, "key": true, "keys": true, "token": true, "secret": true,
	"password": true, "passwd": true, "pwd": true, "pass": true, "api": true, "access": true,
	"client": true, "value": true, "string": true, "str": true, "auth": true, "credential": true,
	"credentials": true, "id": true, "app": true, "db": true, "user": true, "username": true,
	"private": true, "public": true, "redacted": true, "todo": true, "fixme": true, "tbd": true,
	"none": true, "null": true, "nil": true, "undefined": true, "empty": true, "required": true,
	"optional": true, "default": true, "foo": true, "bar": true, "baz": true, "sk": true,
	"live": true, "true": true, "false": true, "xxx": true, "sign": true, "signing": true,
	"webhook": true, "bot": true, "service": true, "account": true, "new": true, "old": true,
	// enumeration values of credential settings (fetch's credentials,
	// an Authorization scheme)
	"include": true, "omit": true, "same": true, "origin": true, "bearer": true, "basic": true,
	"digest": true, "oauth": true, "oauth2": true, "jwt": true,
}

// isPlaceholder reports whether v is obviously not a real secret: a
// reference to a variable, a template, a null value, a documentation
// placeholder, or text with spaces (a message).
func isPlaceholder(v string) bool {
	return strings.ContainsAny(v, " \t") || isPlaceholderValue(v)
}

// isPlaceholderValue is isPlaceholder for values that may contain spaces
// (a quoted libpq password, an argument).
func isPlaceholderValue(v string) bool {
	l := strings.ToLower(strings.TrimSpace(v))
	if l == "" || l == "..." || l == "****" {
		return true
	}
	if strings.HasPrefix(l, "$") || strings.HasPrefix(l, "%") || strings.HasPrefix(l, "<") ||
		strings.Contains(l, "{{") || strings.Contains(l, "${") || strings.Contains(l, "#{") ||
		strings.HasPrefix(l, "os.") || strings.HasPrefix(l, "process.env") ||
		(strings.HasPrefix(l, "{") && strings.HasSuffix(l, "}")) || strings.Contains(l, "env(") {
		return true
	}
	if allSame(l) {
		return true // ****, xxxxxxxx, 00000000
	}
	for _, p := range []string{"xxxx", "****", "...", "<"} {
		if strings.Contains(l, p) {
			return true
		}
	}
	words := strings.FieldsFunc(l, func(r rune) bool {
		return !('a' <= r && r <= 'z' || '0' <= r && r <= '9')
	})
	if len(words) == 0 {
		return true // only punctuation
	}
	for _, w := range words {
		if !placeholderWords[w] && !allX(w) {
			return false
		}
	}
	return true
}

// isPlaceholderOrPath is isPlaceholder that also keeps file system paths
// (pwd = "/home/me", secret_dir = "./keys").
func isPlaceholderOrPath(v string) bool {
	return isPlaceholder(v) || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") ||
		strings.HasPrefix(v, "~/") || strings.HasPrefix(v, "../")
}

// notASecret is the keep rule of the name = "value" patterns: besides
// placeholders and paths it keeps values that read as names rather than
// as secrets (see looksLikeName), colours, header names and text made only
// of escape sequences.
func notASecret(v string) bool {
	return isPlaceholderOrPath(v) || looksLikeName(v) || isColour(v) || isHeaderName(v) || isEscapes(v)
}

// secretWords are the words a name of a secret holds. A value without a
// digit that holds one of them is itself a name: the constant
// RefreshToken = "refreshToken", the error code "invalid_secret", the
// selector "[type=password]", the field "challengePassword".
var secretWords = []string{"token", "secret", "passw", "passphrase", "credential", "key", "auth"}

// looksLikeName reports whether v reads as an identifier, a dotted name or
// an error code rather than as a secret: it has no digit, and it either
// holds one of the secretWords or is a dotted lower-case name
// ("msal.cache.encryption").
func looksLikeName(v string) bool {
	if strings.ContainsAny(v, "0123456789") {
		return false
	}
	l := strings.ToLower(v)
	for _, w := range secretWords {
		if strings.Contains(l, w) {
			return true
		}
	}
	if !strings.Contains(v, ".") || v != l {
		return false
	}
	for _, part := range strings.Split(v, ".") {
		if part == "" || strings.Trim(part, "abcdefghijklmnopqrstuvwxyz_") != "" {
			return false
		}
	}
	return true
}

// isColour reports whether v is a CSS colour (#fff, #1e1e1e, #ffffff80).
func isColour(v string) bool {
	if len(v) < 4 || len(v) > 9 || v[0] != '#' {
		return false
	}
	for i := 1; i < len(v); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(v[i])) {
			return false
		}
	}
	return true
}

// isHeaderName reports whether v is an HTTP header name
// (X-Fake-Connection-Token, X-Api-Key): capitalised words of letters
// joined by hyphens.
func isHeaderName(v string) bool {
	parts := strings.Split(v, "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if p == "" || p[0] < 'A' || p[0] > 'Z' || strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	return true
}

// isEscapes reports whether v is made only of escape sequences
// (\u3299\ufe0f: an emoji in source).
func isEscapes(v string) bool {
	if !strings.HasPrefix(v, `\`) {
		return false
	}
	for _, part := range strings.Split(v[1:], `\`) {
		if len(part) < 2 || !strings.ContainsRune("uUx", rune(part[0])) {
			return false
		}
		for i := 1; i < len(part); i++ {
			if !strings.ContainsRune("0123456789abcdefABCDEF{}", rune(part[i])) {
				return false
			}
		}
	}
	return true
}

// notTokenLike rejects values that read as words rather than random tokens:
// real tokens practically always mix in digits, or are base64 with its
// padding and symbols.
func notTokenLike(v string) bool {
	if isPlaceholder(v) {
		return true
	}
	if strings.ContainsAny(v, "0123456789") {
		return false
	}
	if len(v) < 8 {
		return true
	}
	body := strings.TrimRight(v, "=")
	mixed := strings.ToLower(body) != body && strings.ToUpper(body) != body
	// base64 without a digit: + or / inside, or padding after mixed case
	return !(strings.ContainsAny(body, "+/") || (len(body) < len(v) && mixed))
}

// notConfigValue rejects the values of "name = value" lines that may be
// code rather than configuration: a Python assignment reads the same as an
// ini line. Kept are placeholders, numbers, and identifiers or dotted names
// (password = hunter, token = self.token) unless they look random (upper
// and lower case and digits, ten or more characters).
func notConfigValue(v string) bool {
	if isPlaceholder(v) || isNumber(v) || looksLikeName(v) {
		return true
	}
	ident, upper, lower, digit := true, false, false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z':
			lower = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case '0' <= c && c <= '9':
			digit = true
		case c == '_' || c == '.':
		default:
			ident = false
		}
	}
	if !ident {
		return !digit && !upper && !lower // only punctuation
	}
	if !upper && !lower {
		return true // a number
	}
	return !(upper && lower && digit && len(v) >= 10 && !strings.Contains(v, "."))
}

// isNumber reports whether v is a decimal or hexadecimal number, with an
// optional sign (a constant: TOKEN_LIMIT = -0x7f).
func isNumber(v string) bool {
	v = strings.TrimLeft(v, "+-")
	if h, ok := strings.CutPrefix(strings.ToLower(v), "0x"); ok {
		return h != "" && strings.Trim(h, "0123456789abcdef_") == ""
	}
	return v != "" && strings.Trim(v, "0123456789_.") == "" && v[0] != '.'
}

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// allX reports whether w is xxx... (three or more).
func allX(w string) bool {
	return len(w) >= 3 && strings.Trim(w, "x") == ""
}
