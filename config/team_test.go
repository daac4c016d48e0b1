package config

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTeamSectionUserOnly: the team section (a connection, and what is
// shared) counts only in the user's config.toml. A trusted workspace's
// config.toml and the client's initializationOptions have it refused with
// a message naming the key or the section, and the user's hub stands.
func TestTeamSectionUserOnly(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("SYNTX_HOME", filepath.Join(home, "data"))
	writeFile(t, filepath.Join(home, "config", "syntx", "config.toml"),
		"[team]\ndb = \"postgres://alice@db.internal/team?sslmode=verify-full\"\nshare = \"none\"\n")
	ws := filepath.Join(home, "ws")
	writeFile(t, filepath.Join(ws, ".syntx", "config.toml"), `
[team]
db = "postgres://attacker.example/steal"
share = "features"
share_code = true
min_members = 1
[policy]
threshold = 0.5
`)
	w := ReadWorkspace(ws)
	w.Trusted = true
	init := []byte(`{"team": {"db": "postgres://other.example/x", "share_code": true}, "persona": "developer"}`)
	cfg, problems := LoadWorkspace(w, init)
	if cfg.Team.DB != "postgres://alice@db.internal/team?sslmode=verify-full" || cfg.Team.Share != "none" || cfg.Team.ShareCode || cfg.Team.MinMembers != 3 {
		t.Errorf("team settings came from outside the user's file: %+v", cfg.Team)
	}
	if cfg.Policy.Threshold != 0.5 {
		t.Errorf("the allowed workspace key was lost: threshold %v", cfg.Policy.Threshold)
	}
	var msgs []string
	for _, p := range problems {
		msgs = append(msgs, p.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"team.db may not be set by a workspace (connections are yours to configure)",
		"team.share may not be set by a workspace",
		"team.share_code may not be set by a workspace",
		"team.min_members may not be set by a workspace",
		"initializationOptions: the team section is read from",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem says %q:\n%s", want, all)
		}
	}
}

func TestTeamValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		doc, want string
	}{
		{"[team]\ndb = \"postgres://alice:hunter2@db/team\"\n", "must not hold a password"},
		{"[team]\ndb = \"postgres://alice@db/team?password=hunter2\"\n", "must not hold a password"},
		{"[team]\ndb = \"host=db dbname=team password=hunter2\"\n", "must not hold a password"},
		{"[team]\nshare = \"everything\"\n", `team.share "everything" must be features or none`},
		{"[team]\nmin_members = 0\n", "team.min_members must be at least 1"},
		{"[team]\ndb = \"postgres://alice@db/team\"\nshare_code = true\n", ""},
		{"[team]\ndb = \"host=db dbname=team user=alice sslmode=verify-full\"\n", ""},
	} {
		cfg, msg := buildUser(t, tc.doc)
		if tc.want == "" {
			if msg != "" {
				t.Errorf("%q: %s", tc.doc, msg)
			}
			continue
		}
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%q: problems %q lack %q", tc.doc, msg, tc.want)
		}
		if strings.Contains(msg, "hunter2") {
			t.Errorf("%q: the message repeats the password: %s", tc.doc, msg)
		}
		if cfg.Team.DB != "" {
			t.Errorf("%q: an invalid layer applied: %+v", tc.doc, cfg.Team)
		}
	}
}
