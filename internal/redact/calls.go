package redact

import "strings"

// apiCall is a function of a common Go, Python or Node API that takes a
// credential as a positional argument, where no name next to the value
// says "password": req.SetBasicAuth(user, "s3cret"). Only string literals
// are redacted; a variable or an expression in that place is left alone.
type apiCall struct {
	// name is the callee as written, case-sensitive ("smtp.PlainAuth",
	// ".login"). A name starting with "." matches any receiver; another
	// must not follow an identifier character (Client, not NewClient).
	name string
	// args are the 0-based positions of the secret arguments.
	args []int
	// minArgs, when set, is how many arguments the call must have (to tell
	// an API from a same-named function with another signature).
	minArgs int
	// first, when set, must accept the literal text of argument 0.
	first func(string) bool
}

// apiCalls is the table of positional credential arguments.
var apiCalls = []apiCall{
	// Go
	{name: "SetBasicAuth", args: []int{1}},
	{name: "smtp.PlainAuth", args: []int{2}},
	{name: "smtp.CRAMMD5Auth", args: []int{1}},
	{name: "NewStaticCredentialsProvider", args: []int{1, 2}},
	{name: "NewStaticCredentials", args: []int{1, 2}},
	{name: "NewStaticV4", args: []int{1, 2}},
	{name: "NewStaticV2", args: []int{1, 2}},
	{name: "url.UserPassword", args: []int{1}},
	{name: "ssh.Password", args: []int{0}},
	{name: "NewDialer", args: []int{3}, minArgs: 4},
	{name: "NewPlainClient", args: []int{2}},
	{name: ".SignedString", args: []int{0}},
	{name: "hmac.New", args: []int{1}},
	{name: "option.WithAPIKey", args: []int{0}},
	{name: ".WithAuthToken", args: []int{0}},
	{name: ".SetToken", args: []int{0}},
	{name: "NewFromToken", args: []int{0}},
	{name: "NewClientSecretCredential", args: []int{2}},
	// Python
	{name: "HTTPBasicAuth", args: []int{1}},
	{name: "HTTPDigestAuth", args: []int{1}},
	{name: "HTTPProxyAuth", args: []int{1}},
	{name: "BasicAuth", args: []int{1}},
	{name: ".login", args: []int{1}, minArgs: 2},
	{name: "FTP", args: []int{2}, minArgs: 3},
	{name: "FTP_TLS", args: []int{2}, minArgs: 3},
	{name: ".simple_bind_s", args: []int{1}},
	{name: ".simple_bind", args: []int{1}},
	{name: ".bind_s", args: []int{1}},
	{name: "pymysql.connect", args: []int{2}, minArgs: 3},
	{name: "MySQLdb.connect", args: []int{2}, minArgs: 3},
	{name: "jwt.encode", args: []int{1}},
	{name: "jwt.decode", args: []int{1}},
	{name: "hmac.new", args: []int{0}},
	{name: "Fernet", args: []int{0}},
	{name: "Client", args: []int{1}, minArgs: 2, first: isTwilioSID},
	// Node
	{name: "jwt.sign", args: []int{1}},
	{name: "jwt.verify", args: []int{1}},
	{name: "createHmac", args: []int{1}},
	{name: "createCipheriv", args: []int{1}},
	{name: "Sequelize", args: []int{2}, minArgs: 3},
	{name: "twilio", args: []int{1}, minArgs: 2, first: isTwilioSID},
	{name: "Twilio", args: []int{1}, minArgs: 2, first: isTwilioSID},
}

// isTwilioSID reports whether s is a Twilio account SID (AC + 32 hex).
func isTwilioSID(s string) bool {
	if len(s) != 34 || !strings.HasPrefix(s, "AC") {
		return false
	}
	for i := 2; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdef", rune(s[i])) {
			return false
		}
	}
	return true
}

// maxCall bounds how far after a callee its arguments are read.
const maxCall = 2048

// positionalRule is the table entry for apiCalls.
func positionalRule() rule {
	seen := map[string]bool{}
	var anchors []string
	for _, c := range apiCalls {
		a := strings.ToLower(strings.TrimPrefix(c.name, ".")) + "("
		if !seen[a] {
			seen[a] = true
			anchors = append(anchors, a)
		}
	}
	return rule{kind: "credential-argument", anchors: anchors, span: maxCall, keep: isPlaceholderValue, calls: findCalls}
}

// findCalls returns the spans of the literal secret arguments of apiCalls
// in s, ascending.
func findCalls(s, _ string) [][2]int {
	var out [][2]int
	for _, c := range apiCalls {
		pat := c.name + "("
		for from := 0; ; {
			i := strings.Index(s[from:], pat)
			if i < 0 {
				break
			}
			i += from
			from = i + len(pat)
			if c.name[0] != '.' && i > 0 && isIdent(s[i-1]) {
				continue
			}
			args := splitArgs(s, from)
			if args == nil || len(args) < c.minArgs {
				continue
			}
			if c.first != nil {
				a, b, ok := literal(s, args[0])
				if !ok || !c.first(s[a:b]) {
					continue
				}
			}
			for _, k := range c.args {
				if k >= len(args) {
					continue
				}
				if a, b, ok := literal(s, args[k]); ok && b > a {
					out = append(out, [2]int{a, b})
				}
			}
		}
	}
	// Sort and drop overlaps (two table entries may match one call).
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j][0] < out[j-1][0]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	kept := out[:0]
	for _, sp := range out {
		if len(kept) > 0 && sp[0] < kept[len(kept)-1][1] {
			continue
		}
		kept = append(kept, sp)
	}
	return kept
}

func isIdent(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// splitArgs reads the argument list that starts at s[from] (just after
// the opening parenthesis) and returns each argument's [start, end), or
// nil when the list does not close within maxCall bytes.
func splitArgs(s string, from int) [][2]int {
	var args [][2]int
	depth := 0
	start := from
	limit := min(len(s), from+maxCall)
	for i := from; i < limit; i++ {
		switch c := s[i]; c {
		case '"', '\'', '`':
			j := closeQuote(s, i, limit)
			if j < 0 {
				return nil
			}
			i = j
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth == 0 {
				if c != ')' {
					return nil
				}
				if strings.TrimSpace(s[start:i]) != "" || len(args) > 0 {
					args = append(args, [2]int{start, i})
				}
				return args
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, [2]int{start, i})
				start = i + 1
			}
		}
	}
	return nil
}

// closeQuote returns the index of the quote that closes the string opening
// at s[i], or -1.
func closeQuote(s string, i, limit int) int {
	q := s[i]
	for j := i + 1; j < limit; j++ {
		switch s[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			return j
		case '\n':
			if q != '`' {
				return -1
			}
		}
	}
	return -1
}

// literal returns the content span of an argument that is a string
// literal, possibly wrapped as bytes: "x", 'x', `x`, b"x", []byte("x"),
// Buffer.from("x").
func literal(s string, arg [2]int) (int, int, bool) {
	a, b := arg[0], arg[1]
	for a < b && isSpace(s[a]) {
		a++
	}
	for b > a && isSpace(s[b-1]) {
		b--
	}
	for _, w := range []string{"[]byte(", "Buffer.from(", "bytes("} {
		if strings.HasPrefix(s[a:b], w) && b > a && s[b-1] == ')' {
			a, b = a+len(w), b-1
			for a < b && isSpace(s[a]) {
				a++
			}
			for b > a && isSpace(s[b-1]) {
				b--
			}
		}
	}
	if b-a >= 3 && (s[a] == 'b' || s[a] == 'r') && (s[a+1] == '"' || s[a+1] == '\'') {
		a++
	}
	if b-a < 2 {
		return 0, 0, false
	}
	q := s[a]
	if (q != '"' && q != '\'' && q != '`') || s[b-1] != q || closeQuote(s, a, b) != b-1 {
		return 0, 0, false
	}
	return a + 1, b - 1, true
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
