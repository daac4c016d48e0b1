package rules

import "testing"

func TestDiffWindow(t *testing.T) {
	long := func(s string) string {
		b := make([]byte, 0, 10000+len(s))
		for i := 0; i < 5000; i++ {
			b = append(b, 'a'+byte(i%26))
		}
		b = append(b, s...)
		for i := 0; i < 5000; i++ {
			b = append(b, 'a'+byte(i%26))
		}
		return string(b)
	}
	for _, c := range []struct{ old, now string }{
		{"", ""}, {"abc", "abc"}, {"abc", "abxc"}, {"abxc", "abc"}, {"aaa", "aaaa"},
		{"", "x"}, {"x", ""}, {"hello world", "hello, world!"},
		{long("count"), long("counxt")}, {long("x"), long("")}, {long(""), long("")},
	} {
		s, oe, ne := DiffWindow([]byte(c.old), []byte(c.now))
		if s > oe || s > ne || c.old[:s] != c.now[:s] || c.old[oe:] != c.now[ne:] {
			t.Errorf("%q -> %q: window %d %d %d does not explain the change", c.old, c.now, s, oe, ne)
		}
		if c.old == c.now && (oe != s || ne != s) {
			t.Errorf("%q: no change, but window %d %d %d", c.old, s, oe, ne)
		}
		if c.old == "abc" && c.now == "abxc" && (s != 2 || oe != 2 || ne != 3) {
			t.Errorf("abc -> abxc: window %d %d %d, want 2 2 3", s, oe, ne)
		}
	}
}
