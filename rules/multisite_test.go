package rules

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/syntx/syntx/syntax"
)

// A multiSite is a snippet with one place where several rules apply: a
// security and a style rewrite of the same call, a correctness and a
// performance rewrite of the same loop, a rewrite of a call and of an
// argument inside it. The policy has to choose between them (or show them
// in order), which is what it learns from.
type multiSite struct {
	src   string
	rules []string // rules whose sites must all overlap in one place
}

var multiSites = map[syntax.Grammar][]multiSite{
	syntax.Go: {
		{"package p\n\nfunc load(name string) error {\n\tif err := open(name); err != nil {\n\t\treturn errors.New(fmt.Sprintf(\"load %s: %v\", name, err))\n\t}\n\treturn nil\n}\n",
			[]string{"go.errors-new-sprintf", "go.errors-new-sprintf-wrap"}},
		{"package p\n\nfunc readConfig(path string) error {\n\t_, readErr := os.ReadFile(path)\n\tif readErr != nil {\n\t\treturn errors.New(fmt.Sprintf(\"read config: %v\", readErr))\n\t}\n\treturn nil\n}\n",
			[]string{"go.errors-new-sprintf", "go.errors-new-sprintf-wrap"}},
		{"package p\n\nfunc waitReady(ctx context.Context, c *Client) error {\n\tfor !c.Ready() {\n\t\tc.Refresh()\n\t\ttime.Sleep(time.Second)\n\t}\n\treturn nil\n}\n",
			[]string{"go.sleep-poll-ctx", "go.sleep-poll-ticker"}},
		{"package p\n\nfunc (w *Watcher) Run(ctx context.Context) error {\n\tfor {\n\t\tif err := w.scan(); err != nil {\n\t\t\treturn err\n\t\t}\n\t\ttime.Sleep(pollInterval)\n\t}\n}\n",
			[]string{"go.sleep-poll-ctx", "go.sleep-poll-ticker"}},
		{"package p\n\nfunc sizes(paths []string) (total int64) {\n\tfor _, p := range paths {\n\t\tf, err := os.Open(p)\n\t\tdefer f.Close()\n\t\tif err != nil {\n\t\t\tlog.Printf(\"skip %s: %v\", p, err)\n\t\t}\n\t\ttotal += size(f)\n\t}\n\treturn total\n}\n",
			[]string{"go.defer-in-loop", "go.defer-before-err-check"}},
		{"package p\n\nfunc sync(start time.Time) error {\n\tif err := push(); err != nil {\n\t\treturn fmt.Errorf(\"sync after %v: %v\", time.Now().Sub(start), err)\n\t}\n\treturn nil\n}\n",
			[]string{"go.errorf-wrap", "go.time-since"}},
		{"package p\n\nfunc timeout(start time.Time) error {\n\treturn errors.New(fmt.Sprintf(\"gave up after %s\", time.Now().Sub(start)))\n}\n",
			[]string{"go.errors-new-sprintf", "go.time-since"}},
		{"package p\n\nfunc retry(start time.Time, err error) error {\n\treturn errors.New(fmt.Sprintf(\"retry after %s: %v\", time.Now().Sub(start), err))\n}\n",
			[]string{"go.errors-new-sprintf", "go.errors-new-sprintf-wrap", "go.time-since"}},
		{"package p\n\nfunc report(steps []step) string {\n\tout := \"\"\n\tfor _, s := range steps {\n\t\tout += fmt.Sprintf(\"%s took %s\\n\", s.name, time.Now().Sub(s.start))\n\t}\n\treturn out\n}\n",
			[]string{"go.string-concat-loop", "go.time-since"}},
		{"package p\n\nfunc find(db *sql.DB, email string) *sql.Row {\n\treturn db.QueryRow(fmt.Sprintf(\"SELECT id FROM users WHERE email = '%s'\", strings.Replace(email, \"'\", \"''\", -1)))\n}\n",
			[]string{"go.sql-sprintf", "go.replace-all"}},
		{"package p\n\nfunc remove(db *sql.DB, name string) error {\n\t_, err := db.Exec(\"DELETE FROM tags WHERE name = '\" + strings.Replace(name, \"'\", \"''\", -1) + \"'\")\n\treturn err\n}\n",
			[]string{"go.sql-concat", "go.replace-all"}},
		{"package p\n\nfunc untab(lines []string) string {\n\ts := \"\"\n\tfor _, l := range lines {\n\t\ts += strings.Replace(l, \"\\t\", \"    \", -1)\n\t}\n\treturn s\n}\n",
			[]string{"go.string-concat-loop", "go.replace-all"}},
	},
	syntax.Python: {
		{"import subprocess\n\n\ndef archive(src, out):\n    subprocess.run(f\"tar czf {out} {src}\", shell=True)\n",
			[]string{"python.subprocess-shell-quote", "python.subprocess-shell-list", "python.subprocess-check"}},
		{"import subprocess\n\n\ndef usage(path):\n    return subprocess.check_output(f\"du -sk {path}\", shell=True)\n",
			[]string{"python.subprocess-shell-quote", "python.subprocess-shell-list"}},
		{"import yaml\n\n\ndef load(path):\n    return yaml.load(open(path).read())\n",
			[]string{"python.yaml-safe-load", "python.open-read"}},
		{"def get(cur, uid):\n    cur.execute(\"SELECT * FROM users WHERE id = %s\" % uid)\n    return cur.fetchone()\n",
			[]string{"python.sql-percent-format", "python.percent-to-fstring"}},
		{"def rename(cur, uid, name):\n    cur.execute(\"UPDATE users SET name = '%s' WHERE id = %s\" % (name, uid))\n",
			[]string{"python.sql-percent-format", "python.percent-to-fstring"}},
		{"import requests\n\n\ndef status(url):\n    return requests.get(url, verify=False).status_code\n",
			[]string{"python.requests-verify", "python.requests-timeout"}},
		{"import requests\n\n\ndef notify(hook, event):\n    requests.post(hook, json=event, verify=False)\n",
			[]string{"python.requests-verify", "python.requests-timeout"}},
		{"import hashlib\n\n\ndef etag(body):\n    return hashlib.md5(body).hexdigest()\n",
			[]string{"python.weak-hash", "python.hash-usedforsecurity"}},
		{"import hashlib\n\n\ndef shard(key):\n    h = hashlib.sha1()\n    h.update(key)\n    return h.digest()[0]\n",
			[]string{"python.weak-hash", "python.hash-usedforsecurity"}},
		{"def check(config, key):\n    if not key in config.keys():\n        raise KeyError(key)\n",
			[]string{"python.not-in", "python.dict-keys-membership"}},
		{"def test_empty():\n    x = find()\n    assert (x == None, \"nothing is found\")\n",
			[]string{"python.assert-tuple", "python.none-comparison"}},
		{"def run(job):\n    try:\n        job()\n    except:\n        logger.error(f\"job {job.name} failed\")\n",
			[]string{"python.bare-except", "python.logging-format"}},
		{"def greet(name):\n    logger.info(\"hello %s\" % name)\n",
			[]string{"python.logging-format", "python.percent-to-fstring"}},
	},
	syntax.JavaScript: {
		{"function show(el, total) {\n  el.innerHTML = \"Total: \" + total;\n}\n", []string{"javascript.inner-html", "javascript.template-literal"}},
		{"const ok = parseInt(input.value) == 10;\n", []string{"javascript.strict-equality", "javascript.parseint-radix"}},
		{"function can(roles, r) {\n  return roles.indexOf(r) != -1;\n}\n", []string{"javascript.strict-equality", "javascript.indexof-includes"}},
		{"if (items.filter((i) => i.qty > 0).length == 0) {\n  hide();\n}\n", []string{"javascript.strict-equality", "javascript.filter-length-some"}},
		{"const label = \"Total: \" + parseInt(input.value);\n", []string{"javascript.template-literal", "javascript.parseint-radix"}},
		{"export function newToken() {\n  var token = Math.random().toString(36).slice(2);\n  return token;\n}\n", []string{"javascript.no-var", "javascript.math-random-id"}},
		{"function done(n) {\n  console.log(\"Saved \" + n + \" items\");\n}\n", []string{"javascript.console-log", "javascript.template-literal"}},
		{"const data = eval(\"(\" + text + \")\");\n", []string{"javascript.eval-json", "javascript.template-literal"}},
		{"const t = require(\"./t\");\nvar started = new Date().getTime();\nt.report(started);\n", []string{"javascript.no-var", "javascript.date-now"}},
		{"function trace(options) {\n  console.log(options.verbose || true);\n}\n", []string{"javascript.console-log", "javascript.nullish-default"}},
		{"list.insertAdjacentHTML(\"beforeend\", \"Hello \" + name);\n", []string{"javascript.insert-adjacent-html", "javascript.template-literal"}},
		{"const me = users.filter((u) => u.id == session.userId)[0];\n", []string{"javascript.filter-first", "javascript.strict-equality"}},
	},
	syntax.TypeScript: {
		{"function show(el: HTMLElement, total: number): void {\n  el.innerHTML = \"Total: \" + total;\n}\n", []string{"typescript.inner-html", "typescript.template-literal"}},
		{"const ok: boolean = parseInt(input.value) == 10;\n", []string{"typescript.strict-equality", "typescript.parseint-radix"}},
		{"function can(roles: string[], r: string): boolean {\n  return roles.indexOf(r) != -1;\n}\n", []string{"typescript.strict-equality", "typescript.indexof-includes"}},
		{"if (items.filter((i) => i.qty > 0).length == 0) {\n  hide();\n}\n", []string{"typescript.strict-equality", "typescript.filter-length-some"}},
		{"const label: string = \"Total: \" + parseInt(input.value);\n", []string{"typescript.template-literal", "typescript.parseint-radix"}},
		{"export function newToken(): string {\n  var token: string = Math.random().toString(36).slice(2);\n  return token;\n}\n", []string{"typescript.no-var", "typescript.math-random-id"}},
		{"function done(n: number): void {\n  console.log(\"Saved \" + n + \" items\");\n}\n", []string{"typescript.console-log", "typescript.template-literal"}},
		{"const data: Payload = eval(\"(\" + text + \")\");\n", []string{"typescript.eval-json", "typescript.template-literal"}},
		{"function trace(options: TraceOptions): void {\n  console.log(options.verbose || true);\n}\n", []string{"typescript.console-log", "typescript.nullish-default"}},
		{"const when: string = \"at \" + new Date().getTime();\n", []string{"typescript.template-literal", "typescript.date-now"}},
		{"const me = users.filter((u: User) => u.id == session.userId)[0];\n", []string{"typescript.filter-first", "typescript.strict-equality"}},
		{"el.insertAdjacentHTML(\"beforeend\", \"Hello \" + user.name);\n", []string{"typescript.insert-adjacent-html", "typescript.template-literal"}},
	},
}

// TestMultiRuleSites checks, for every language, at least ten places where
// two or more distinct rules apply with overlapping sites, and that each of
// those rules' fixes renders there into text that still parses.
func TestMultiRuleSites(t *testing.T) {
	t.Parallel()
	lib := Load(Source{Name: "builtin", FS: Builtin()})
	ctx := context.Background()
	for _, g := range []syntax.Grammar{syntax.Go, syntax.Python, syntax.JavaScript, syntax.TypeScript, syntax.TSX} {
		cases := multiSites[g]
		if g == syntax.TSX {
			cases = multiSites[syntax.TypeScript] // typescript rules run on .tsx too
		}
		t.Run(string(g), func(t *testing.T) {
			t.Parallel()
			sites := map[string]bool{}
			for i, c := range cases {
				got, shared, err := overlappingRules(ctx, lib, g, c)
				if err != nil {
					t.Errorf("snippet %d: %v\n%s", i+1, err, c.src)
					continue
				}
				sites[fmt.Sprintf("%d:%d-%d", i, shared.Start, shared.End)] = true
				if len(got) < 2 {
					t.Errorf("snippet %d: only %v at the site", i+1, got)
				}
			}
			if len(sites) < 10 {
				t.Errorf("%d multi-rule sites, want at least 10", len(sites))
			}
		})
	}
}

// overlappingRules matches c.src and checks that every rule of c.rules has
// a match and that their sites share a span; it returns the distinct rules
// whose sites overlap that span and the span.
func overlappingRules(ctx context.Context, lib *Library, g syntax.Grammar, c multiSite) ([]string, Span, error) {
	src := []byte(c.src)
	tree, err := syntax.Parse(ctx, g, src)
	if err != nil {
		return nil, Span{}, err
	}
	defer tree.Close()
	if syntax.HasErrors(tree.Root()) {
		return nil, Span{}, fmt.Errorf("snippet has syntax errors")
	}
	matches := NewIndex(lib.Set(g), tree, syntax.NewText(src)).Matches(tree, syntax.NewText(src))
	shared := Span{0, len(src)}
	byRule := map[string]Match{}
	for _, id := range c.rules {
		var found *Match
		for i := range matches {
			if matches[i].Rule.ID == id {
				found = &matches[i]
				break
			}
		}
		if found == nil {
			return nil, Span{}, fmt.Errorf("%s does not match", id)
		}
		byRule[id] = *found
		shared.Start = max(shared.Start, found.Site.Start)
		shared.End = min(shared.End, found.Site.End)
	}
	if shared.Start >= shared.End {
		return nil, Span{}, fmt.Errorf("the sites of %v do not overlap", c.rules)
	}
	// Every rule's fix must render at the site and leave parseable text.
	for id, m := range byRule {
		edits, err := Fix(m, tree, src)
		if err != nil {
			return nil, Span{}, fmt.Errorf("%s: %w", id, err)
		}
		fixed := Apply(src, edits)
		ft, err := syntax.Parse(ctx, g, fixed)
		if err != nil {
			return nil, Span{}, err
		}
		bad := syntax.HasErrors(ft.Root())
		ft.Close()
		if bad {
			return nil, Span{}, fmt.Errorf("%s: fixed text has syntax errors:\n%s", id, fixed)
		}
	}
	var got []string
	seen := map[string]bool{}
	for _, m := range matches {
		if m.Site.Start < shared.End && shared.Start < m.Site.End && !seen[m.Rule.ID] {
			seen[m.Rule.ID] = true
			got = append(got, m.Rule.ID)
		}
	}
	sort.Strings(got)
	return got, shared, nil
}
