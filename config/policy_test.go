package config

import (
	"strings"
	"testing"
)

// TestPolicyRecordKeys: policy.record_strength and policy.record_min are
// read from the user's file and refused when negative.
func TestPolicyRecordKeys(t *testing.T) {
	t.Parallel()
	if d := Defaults().Policy; d.RecordStrength != 2 || d.RecordMin != 3 {
		t.Fatalf("defaults %+v", d)
	}
	for _, tc := range []struct {
		doc, want       string
		strength, minEv float64
	}{
		{"[policy]\nrecord_strength = 0\n", "", 0, 3},
		{"[policy]\nrecord_strength = 4\nrecord_min = 10\n", "", 4, 10},
		{"[policy]\nrecord_strength = -1\n", "must not be negative", 0, 0},
		{"[policy]\nrecord_min = -0.5\n", "must not be negative", 0, 0},
	} {
		cfg, msg := buildUser(t, tc.doc)
		if tc.want != "" {
			if !strings.Contains(msg, tc.want) {
				t.Errorf("%q: problems %q lack %q", tc.doc, msg, tc.want)
			}
			continue
		}
		if msg != "" || cfg.Policy.RecordStrength != tc.strength || cfg.Policy.RecordMin != tc.minEv {
			t.Errorf("%q: %+v %s", tc.doc, cfg.Policy, msg)
		}
	}
}

// buildUser builds the configuration of a user's config.toml holding doc,
// with its problems' messages joined.
func buildUser(t *testing.T, doc string) (Config, string) {
	t.Helper()
	l, err := DecodeTOML("user.toml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	cfg, problems := Build(l)
	var msg string
	for _, p := range problems {
		msg += p.Error()
	}
	return cfg, msg
}
