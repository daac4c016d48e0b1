package capture

import (
	"strings"
	"testing"

	"github.com/syntx/syntx/rules"
)

// TestRedactedSpansInContext: a secret passed by position is recognised by
// the call around it; a span holding only part of the call (the argument
// list, the literal alone) still never holds the secret.
func TestRedactedSpansInContext(t *testing.T) {
	const secret = "Quartz64!river1"
	src := []byte("func login(req *http.Request, user string) {\n\treq.SetBasicAuth(user, \"" + secret + "\")\n}\n")
	lit := strings.Index(string(src), `"`+secret)
	open := strings.Index(string(src), "(user")
	for _, sp := range []rules.Span{
		{Start: lit, End: lit + len(secret) + 2},  // the literal
		{Start: open, End: lit + len(secret) + 3}, // the argument list
		{Start: lit + 3, End: lit + 8},            // inside the secret
		{Start: 0, End: len(src)},                 // the whole file
	} {
		got := RedactedSpans(src, []rules.Span{sp}, "")
		if strings.Contains(got, secret) || strings.Contains(got, secret[3:8]) {
			t.Errorf("span %v: %q holds the secret", sp, got)
		}
		// Redacted on its own, the literal keeps the secret: the call
		// around it is what gives it away.
		if sp.Start == lit {
			alone := src[sp.Start:sp.End]
			if own := RedactedSpans(alone, []rules.Span{{Start: 0, End: len(alone)}}, ""); !strings.Contains(own, secret) {
				t.Logf("the literal alone is redacted too (%q): this case does not tell context from none", own)
			}
		}
	}
	if got := RedactedSpans(src, []rules.Span{{Start: 0, End: 4}}, ""); got != "func" {
		t.Errorf("text without a secret: %q", got)
	}
}
