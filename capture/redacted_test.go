package capture

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/syntx/syntx/internal/realcorpus"
	"github.com/syntx/syntx/internal/redact"
	"github.com/syntx/syntx/rules"
	"github.com/syntx/syntx/syntax"
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
	secrets, longPEM := redactionSecrets()
	if len(longPEM) < 2*nearContext {
		t.Fatalf("the long block (%d bytes) must be longer than the window on both sides", len(longPEM))
	}
	rng := rand.New(rand.NewPCG(21, 16))
	redactedRegions := 0
	const cases = 160
	for n := 0; n < cases; n++ {
		minified := n%3 == 2
		src, at := redactionDoc(rng, secrets, minified) // at: where each placed secret starts
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

// redactionSecrets returns secrets of every family redact finds (by name,
// by shape, by the call around them, with a long first argument; a private
// key; a PEM block longer than Replacement's window on each side) and that
// long block.
func redactionSecrets() (secrets []string, longPEM string) {
	longPEM = "-----BEGIN CERTIFICATE-----\n" + strings.Repeat("MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n", 700) + "-----END CERTIFICATE-----\n"
	secrets = []string{
		`req.SetBasicAuth(user, "Quartz64!river1")`,
		`req.SetBasicAuth(theUserNameThisServiceWasConfiguredWithAtStartUp, "Quartz64!river1")`,
		`password := "hunter2-Blue!"`,
		`db, err := sql.Open("pgx", "postgres://app:Zq8!pLx2w@db.internal:5432/prod?sslmode=require")`,
		`client := github.NewClient(nil).WithAuthToken("ghp_sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8")`,
		`key := "-----BEGIN PRIVATE KEY-----\nZxEuhnbzs0z1wNiMg9aW37k5wCnHDepQHgI3HLBkbvHEzuPyXQEW88ad3DNBYjvs\nedonuSsddfrfifiUziXnFAAoeelK9mqmALOR2HcSGKgVP8Kd0d3mS8gBlKv3azKg\n-----END PRIVATE KEY-----\n"`,
		"cert := `" + longPEM + "`",
	}
	return secrets, longPEM
}

// redactionDoc builds a document of 40-80 KB of code with the given
// secrets placed at random, in lines or, minified, on one line; it returns
// the text and where each secret starts.
func redactionDoc(rng *rand.Rand, secrets []string, minified bool) ([]byte, []int) {
	var b strings.Builder
	var at []int
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
	return []byte(b.String()), at
}

// wholeCut is Each's specification: the span cut from the whole document
// redacted (r, which is redact.Locate of the document) with its line
// breaks kept.
func wholeCut(r redact.Redaction, a, b int) string {
	return r.KeepLines()[r.Offset(a, false):r.Offset(b, true)]
}

// secretTexts returns the texts of the secrets spans locate in src.
func secretTexts(src []byte, spans []redact.Span) []string {
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = sp.Kind + ":" + string(src[sp.Start:sp.End])
	}
	return out
}

// TestUpdateIsWholeRedaction: the secrets Update finds after an edit, and
// the texts Each cuts with them, are those of redacting the whole edited
// document, over chains of edits that insert, cut, change and remove
// secrets and anchors near and far from each other, in code with lines and
// in one minified line (and a PEM block longer than the window).
func TestUpdateIsWholeRedaction(t *testing.T) {
	secrets, _ := redactionSecrets()
	rng := rand.New(rand.NewPCG(21, 13))
	changed, cuts := 0, 0
	const docs, edits = 40, 12
	for n := 0; n < docs; n++ {
		src, at := redactionDoc(rng, secrets, n%3 == 2)
		red := NewRedacted(src)
		for e := 0; e < edits; e++ {
			// An edit near a secret (before, across its start, inside,
			// across its end, after) or anywhere; a deletion, an
			// insertion or a replacement, of code, a secret, a quote or
			// an anchor alone.
			var a int
			if len(at) > 0 && rng.IntN(4) > 0 {
				a = max(0, min(len(src)-1, at[rng.IntN(len(at))]+rng.IntN(200)-100))
			} else {
				a = rng.IntN(len(src))
			}
			end := min(len(src), a+rng.IntN(3)*rng.IntN(60))
			ins := []string{"", "x", "\n", `"`, "password = ", "ghp_", "-----END PRIVATE KEY-----", secrets[rng.IntN(len(secrets))], strings.ToUpper(string(src[a:end]))}[rng.IntN(9)]
			next := append(append(append([]byte{}, src[:a]...), ins...), src[end:]...)
			if rng.IntN(3) == 0 {
				at = append(at, a)
			}
			upd := red.Update(syntax.NewText(next))
			whole := redact.Locate(string(next))
			want := whole.Spans()
			if !slices.Equal(upd.spans, want) {
				t.Fatalf("doc %d edit %d (minified %v, %d bytes, [%d,%d) replaced by %q):\nwhole document: %v\nupdated:        %v", n, e, n%3 == 2, len(next), a, end, ins, want, upd.spans)
			}
			if !slices.Equal(secretTexts(src, red.spans), secretTexts(next, upd.spans)) {
				changed++ // a secret appeared, went or changed
			}
			// Cuts: around the edit and anywhere, empty ones included.
			for k := 0; k < 3; k++ {
				ca := max(0, min(len(next), a+rng.IntN(400)-200))
				if k == 2 {
					ca = rng.IntN(len(next) + 1)
				}
				cb := min(len(next), ca+rng.IntN(3)*rng.IntN(300))
				if got, w := upd.Each([]rules.Span{{Start: ca, End: cb}})[0], wholeCut(whole, ca, cb); got != w {
					t.Fatalf("doc %d edit %d: cut [%d,%d):\nwhole document: %q\nEach:           %q", n, e, ca, cb, w, got)
				}
				cuts++
			}
			src, red = next, upd
		}
	}
	if changed < docs*edits/10 {
		t.Fatalf("only %d of %d edits changed which secrets there are: the comparison says little", changed, docs*edits)
	}
	t.Logf("%d of %d edits changed which secrets there are; %d cuts compared", changed, docs*edits, cuts)
}

// BenchmarkRedactAfterEdit: the redaction an offer's record needs after a
// keystroke, located in the whole document again (whole) or updated from
// the last one (update), on documents of about 250 KB with lines and on
// one minified line. (Below about 64 KB the window Update redacts is the
// whole document.)
func BenchmarkRedactAfterEdit(b *testing.B) {
	secrets := []string{`password := "hunter2-Blue!"`, `req.SetBasicAuth(user, "Quartz64!river1")`}
	for _, minified := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(3, 4))
		var src []byte
		for len(src) < 250<<10 {
			part, _ := redactionDoc(rng, secrets, minified)
			src = append(src, part...)
		}
		edited := [2][]byte{src, append(append(append([]byte{}, src[:len(src)/2]...), 'x'), src[len(src)/2:]...)}
		name := map[bool]string{false: "lines", true: "minified"}[minified]
		b.Run(name+"/whole", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				NewRedacted(edited[i%2])
			}
		})
		b.Run(name+"/update", func(b *testing.B) {
			texts := [2]*syntax.Text{syntax.NewText(edited[0]), syntax.NewText(edited[1])}
			red := NewRedactedText(texts[0])
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				red = red.Update(texts[(i+1)%2])
			}
		})
	}
}

// BenchmarkRedactAfterEditReal is BenchmarkRedactAfterEdit on real files of
// the real-code corpus (skipped without it: `make realcorpus`): the
// 5,000-line bench files of Python, Go and JavaScript and d3's minified
// line, a character typed in the middle.
func BenchmarkRedactAfterEditReal(b *testing.B) {
	ids := []string{"large-class", "long-func", "umd-5k", "minified"}
	c := realcorpus.Require(b, ids...)
	for _, sh := range realcorpus.Shapes {
		for _, bf := range c.Bench(sh) {
			if !slices.Contains(ids, bf.ID) {
				continue
			}
			src, err := os.ReadFile(bf.File)
			if err != nil {
				b.Fatal(err)
			}
			edited := [2][]byte{src, append(append(append([]byte{}, src[:len(src)/2]...), 'x'), src[len(src)/2:]...)}
			b.Run(bf.ID+"/whole", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					NewRedacted(edited[i%2])
				}
			})
			b.Run(bf.ID+"/update", func(b *testing.B) {
				texts := [2]*syntax.Text{syntax.NewText(edited[0]), syntax.NewText(edited[1])}
				red := NewRedactedText(texts[0])
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					red = red.Update(texts[(i+1)%2])
				}
			})
			// What each suggestion shown adds to its offer's record: its
			// rewrite, redacted in context (a whole-file request on the
			// minified line shows 33).
			b.Run(bf.ID+"/replacement", func(b *testing.B) {
				red := NewRedacted(src)
				at := rules.Span{Start: len(src) / 2, End: len(src)/2 + 1}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					red.Replacement(at, "x")
				}
			})
		}
	}
}
