package capture

import (
	"bytes"
	"fmt"
	"math/rand/v2"
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

// TestReplacementIsWholeRedaction: what Replacement returns for a region is
// what redacting the whole document after the fix returns for it, on
// documents of 40-80 KB with secrets of every family (found by name, by
// shape, by the call around them; a PEM block longer than the window on
// each side) near, across and inside the regions, in code with lines and in
// one minified line, with replacements that add, cut or keep secrets.
func TestReplacementIsWholeRedaction(t *testing.T) {
	longPEM := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat("MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n", 700) + "-----END CERTIFICATE-----\n"
	secrets := []string{
		`req.SetBasicAuth(user, "Quartz64!river1")`,
		`req.SetBasicAuth(theUserNameThisServiceWasConfiguredWithAtStartUp, "Quartz64!river1")`,
		`password := "hunter2-Blue!"`,
		`db, err := sql.Open("pgx", "postgres://app:Zq8!pLx2w@db.internal:5432/prod?sslmode=require")`,
		`client := github.NewClient(nil).WithAuthToken("ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8")`,
		`key := "-----BEGIN PRIVATE KEY-----\nZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\nedonuSsddfrfifiUziXnFAAoeelK9mqmALOR2HcSGKgVP8Kd0d3mS8gBlKv3azKg\n-----END PRIVATE KEY-----\n"`,
		"cert := `" + longPEM + "`",
	}
	if len(longPEM) < 2*nearContext {
		t.Fatalf("the long block (%d bytes) must be longer than the window on both sides", len(longPEM))
	}
	rng := rand.New(rand.NewPCG(21, 16))
	redactedRegions := 0
	const cases = 160
	for n := 0; n < cases; n++ {
		minified := n%3 == 2
		var b strings.Builder
		var at []int // where each placed secret starts
		for b.Len() < 40<<10+rng.IntN(40<<10) {
			if rng.IntN(40) == 0 {
				at = append(at, b.Len())
				b.WriteString(secrets[rng.IntN(len(secrets))])
			} else {
				fmt.Fprintf(&b, "v%d := compute(a%d, %q)", rng.IntN(1000), rng.IntN(50), strings.Repeat("ab", rng.IntN(8)))
			}
			if minified {
				b.WriteString(";")
			} else {
				b.WriteString("\n")
			}
		}
		src := []byte(b.String())
		// A region near a secret (before, across its start, inside, across
		// its end, after) or anywhere.
		var a int
		if len(at) > 0 && rng.IntN(4) > 0 {
			a = max(0, min(len(src)-1, at[rng.IntN(len(at))]+rng.IntN(200)-100))
			if rng.IntN(3) == 0 { // a call's literal argument, replaced
				if i := bytes.LastIndex(src[:a+1], []byte(`, "Quartz`)); i >= 0 {
					a = i + 2
				}
			}
		} else {
			a = rng.IntN(len(src))
		}
		e := min(len(src), a+rng.IntN(120))
		repls := []string{"", "x", string(src[a:e]), strings.ToUpper(string(src[a:e])), `"`, `"Other99!secret"`, `("`, secrets[rng.IntN(len(secrets)-1)], "if err != nil {\n\treturn err\n}"}
		repl := repls[rng.IntN(len(repls))]
		after := append(append(append([]byte{}, src[:a]...), repl...), src[e:]...)
		want := RedactedSpans(after, []rules.Span{{Start: a, End: a + len(repl)}}, "")
		got := NewRedacted(src).Replacement(rules.Span{Start: a, End: e}, repl)
		if got != want {
			t.Fatalf("case %d (minified %v, %d bytes, region [%d,%d) replaced by %q):\nwhole document: %q\nwindow:         %q", n, minified, len(src), a, e, repl, want, got)
		}
		if strings.Contains(want, "<redacted:") {
			redactedRegions++
		}
	}
	if redactedRegions < cases/10 {
		t.Fatalf("only %d of %d regions held a redacted secret: the comparison says little", redactedRegions, cases)
	}
	t.Logf("%d of %d regions held a redacted secret", redactedRegions, cases)
}
