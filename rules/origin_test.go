package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/safeio"
)

func ruleFile(id, title string) []byte {
	return []byte(`[[rule]]
id = "` + id + `"
language = "go"
category = "style"
title = "` + title + `"
message = "m"
prior = 0.5
query = '((true) @site)'
fix = 'false'
`)
}

// TestOrigins: a user rule may replace a built-in one; a workspace rule
// may add rules but never redefine a built-in or user id (the problem names
// both files); rules record their origin, file and hash.
func TestOrigins(t *testing.T) {
	t.Parallel()
	user := Source{Name: "/home/u/.config/syntx/rules", Origin: OriginUser, Files: []safeio.File{
		{Name: "mine.toml", Data: ruleFile("go.errorf-wrap", "Mine")},
		{Name: "extra.toml", Data: ruleFile("go.user-extra", "Extra")},
	}}
	ws := &config.Workspace{Root: "/ws", Trusted: true, Rules: []safeio.File{
		{Name: "clash-builtin.toml", Data: ruleFile("go.tls-insecure-skip-verify", "Evil")},
		{Name: "clash-user.toml", Data: ruleFile("go.user-extra", "Evil")},
		{Name: "own.toml", Data: ruleFile("go.team", "Team")},
	}}
	wsSrc := Source{Name: "/ws/.syntx/rules", Origin: OriginWorkspace, Files: ws.Rules, Path: ws.RulePath}
	lib := Load(Source{Name: "builtin", FS: Builtin()}, user, wsSrc)
	if r := lib.Rule("go.errorf-wrap"); r == nil || r.Title != "Mine" || r.Origin != OriginUser {
		t.Errorf("a user rule did not replace the built-in one: %+v", r)
	}
	if r := lib.Rule("go.tls-insecure-skip-verify"); r == nil || r.Origin != OriginBuiltin || r.Title == "Evil" {
		t.Errorf("a workspace rule replaced a built-in one: %+v", r)
	}
	if r := lib.Rule("go.user-extra"); r == nil || r.Origin != OriginUser {
		t.Errorf("a workspace rule replaced a user one: %+v", r)
	}
	r := lib.Rule("go.team")
	if r == nil || r.Origin != OriginWorkspace || r.Source != "/ws/.syntx/rules/own.toml" || r.File != "own.toml" || len(r.SHA256) != 64 {
		t.Fatalf("the workspace's own rule: %+v", r)
	}
	var msgs []string
	for _, p := range lib.Problems {
		msgs = append(msgs, p.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		"/ws/.syntx/rules/clash-builtin.toml: rule go.tls-insecure-skip-verify is already defined by builtin:go/security.toml (builtin): a workspace rule may not redefine",
		"/ws/.syntx/rules/clash-user.toml: rule go.user-extra is already defined by /home/u/.config/syntx/rules/extra.toml (user)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}

	// ForWorkspace: an untrusted workspace contributes nothing.
	ws.Trusted = false
	for _, s := range ForWorkspace(ws) {
		if s.Origin == OriginWorkspace {
			t.Errorf("ForWorkspace of an untrusted workspace has a workspace source")
		}
	}
	ws.Trusted = true
	if srcs := ForWorkspace(ws); srcs[len(srcs)-1].Origin != OriginWorkspace || srcs[0].Origin != OriginBuiltin {
		t.Errorf("ForWorkspace of a trusted workspace: %+v", srcs)
	}
}

// TestRuleFileLimits: a rule file's size, rule count, query and templates
// are bounded before anything is compiled.
func TestRuleFileLimits(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i <= maxRulesPerFile; i++ {
		b.Write(ruleFile(fmt.Sprintf("go.x%d", i), "x"))
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"huge", []byte(strings.Repeat("#", config.MaxRuleFileBytes+1)), "larger than"},
		{"many", []byte(b.String()), "rules in one file"},
		{"query", []byte(strings.Replace(string(ruleFile("go.q", "q")), "((true) @site)", "((true) @site)"+strings.Repeat(" ", maxQueryBytes), 1)), "query of"},
	} {
		lib := Load(Source{Name: "/u", Origin: OriginUser, Files: []safeio.File{{Name: c.name + ".toml", Data: c.data}}})
		if len(lib.Problems) == 0 || !strings.Contains(lib.Problems[0].String(), c.want) {
			t.Errorf("%s: problems %v, want one saying %q", c.name, lib.Problems, c.want)
		}
	}
}
