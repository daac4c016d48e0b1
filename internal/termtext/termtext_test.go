package termtext

import "testing"

func TestName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"cmd/main.go", "cmd/main.go"},
		{"dir with space/é.go", "dir with space/é.go"},
		{"a\nb.go:1: forged finding", `"a\nb.go:1: forged finding"`},
		{"\x1b[2J\x1b[1;1Hclean.go", `"\x1b[2J\x1b[1;1Hclean.go"`},
		{"evil\u202egol.go", `"evil\u202egol.go"`},
		{"bad\xffutf8.go", `"bad\xffutf8.go"`},
		{"tab\there.go", `"tab\there.go"`},
		{"c1\u009bcsi.go", `"c1\u009bcsi.go"`},
	} {
		if got := Name(c.in); got != c.want {
			t.Errorf("Name(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Use errors.Is", "Use errors.Is"},
		{"bell\a and \x1b]0;title\a", `bell\a and \x1b]0;title\a`},
		{"two\nlines", `two\nlines`},
		{"rtl \u202e here", `rtl \u202e here`},
		{"bad \xff byte", `bad \xff byte`},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	if got, want := Lines("a\n\tb\x1b[31m\r"), "a\n\tb\\x1b[31m\\r"; got != want {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}
