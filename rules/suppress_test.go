package rules

import (
	"context"
	"testing"

	"github.com/syntx/syntx/syntax"
)

func TestSuppressed(t *testing.T) {
	t.Parallel()
	type tc struct {
		name    string
		g       syntax.Grammar
		rule    string // id
		aliases []string
		cat     string
		query   string
		code    string
		want    bool
	}
	eq := `((binary_expression operator: "==") @site)`
	none := `((comparison_operator (none)) @site)`
	goq := `((keyed_element (literal_element (true) @site)))`
	cases := []tc{
		{"no comment", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq, "if (a == b) {}\n", false},
		{"eslint next line, rule named", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// eslint-disable-next-line eqeqeq -- comparing \"1\" with 1 on purpose\nif (a == b) {}\n", true},
		{"eslint next line, other rule", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// eslint-disable-next-line no-console\nif (a == b) {}\n", false},
		{"eslint next line, all", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* eslint-disable-next-line */\nif (a == b) {}\n", true},
		{"eslint line", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"if (a == b) {} // eslint-disable-line eqeqeq, no-console\n", true},
		{"eslint line on the previous line", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"f(); // eslint-disable-line\nif (a == b) {}\n", false},
		{"eslint region", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* eslint-disable eqeqeq */\nf();\nif (a == b) {}\n", true},
		{"eslint region ended", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* eslint-disable eqeqeq */\nf();\n/* eslint-enable eqeqeq */\nif (a == b) {}\n", false},
		{"eslint text in a string", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"const s = '/* eslint-disable */';\nif (a == b) {}\n", false},
		{"oxlint next line, rule named", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// oxlint-disable-next-line eqeqeq\nif (a == b) {}\n", true},
		{"oxlint next line, plugin-prefixed name", syntax.TypeScript, "typescript.any-to-unknown", []string{"@typescript-eslint/no-explicit-any"}, "correctness", eq,
			"// oxlint-disable-next-line typescript/no-explicit-any\nif (a == b) {}\n", true},
		{"oxlint next line, eslint/ prefix", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// oxlint-disable-next-line eslint/eqeqeq\nif (a == b) {}\n", true},
		{"oxlint next line, other rule", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// oxlint-disable-next-line no-console\nif (a == b) {}\n", false},
		{"oxlint line", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"if (a == b) {} // oxlint-disable-line eqeqeq\n", true},
		{"oxlint region", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* oxlint-disable eqeqeq */\nf();\nif (a == b) {}\n", true},
		{"oxlint region ended", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* oxlint-disable eqeqeq */\nf();\n/* oxlint-enable eqeqeq */\nif (a == b) {}\n", false},
		{"an eslint-enable does not end an oxlint region", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* oxlint-disable */\nf();\n/* eslint-enable */\nif (a == b) {}\n", true},
		{"tslint next line, rule named after a colon", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq", "triple-equals"}, "correctness", eq,
			"// tslint:disable-next-line:triple-equals\nif (a == b) {}\n", true},
		{"tslint next line, all", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq", "triple-equals"}, "correctness", eq,
			"// tslint:disable-next-line\nif (a == b) {}\n", true},
		{"tslint region, rules after a colon", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq", "triple-equals"}, "correctness", eq,
			"/* tslint:disable:triple-equals no-any */\nf();\nif (a == b) {}\n", true},
		{"tslint region, other rule", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq", "triple-equals"}, "correctness", eq,
			"/* tslint:disable:max-line-length */\nf();\nif (a == b) {}\n", false},
		{"tslint region ended", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq", "triple-equals"}, "correctness", eq,
			"/* tslint:disable */\nf();\n/* tslint:enable */\nif (a == b) {}\n", false},
		{"tslint line", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq", "triple-equals"}, "correctness", eq,
			"if (a == b) {} // tslint:disable-line:triple-equals\n", true},
		{"ts-ignore", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// @ts-ignore\nif (a == b) {}\n", true},
		{"ts-expect-error", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// @ts-expect-error -- old API\nif (a == b) {}\n", true},
		{"biome-ignore, rule named", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq", "noDoubleEquals"}, "correctness", eq,
			"// biome-ignore lint/suspicious/noDoubleEquals: comparing \"1\" with 1 on purpose\nif (a == b) {}\n", true},
		{"biome-ignore, other rule", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq", "noDoubleEquals"}, "correctness", eq,
			"// biome-ignore lint/suspicious/noConsole: the CLI prints\nif (a == b) {}\n", false},
		{"biome-ignore, all lint rules", syntax.TypeScript, "typescript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"/* biome-ignore lint: generated */\nif (a == b) {}\n", true},
		{"biome-ignore, a group", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// biome-ignore lint/suspicious: legacy\nif (a == b) {}\n", true},
		{"biome-ignore, two categories", syntax.JavaScript, "javascript.strict-equality", []string{"noDoubleEquals"}, "correctness", eq,
			"// biome-ignore lint/style/noVar lint/suspicious/noDoubleEquals(x): legacy\nif (a == b) {}\n", true},
		{"biome-ignore, format only", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// biome-ignore format: aligned by hand\nif (a == b) {}\n", false},
		{"biome-ignore, on the same line", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"if (a == b) {} // biome-ignore lint: no\n", false},
		{"biome-ignore-all is not read", syntax.JavaScript, "javascript.strict-equality", []string{"eqeqeq"}, "correctness", eq,
			"// biome-ignore-all lint: generated\nif (a == b) {}\n", false},
		{"biome-ignore, the syntx id", syntax.JavaScript, "javascript.strict-equality", nil, "correctness", eq,
			"// biome-ignore lint/syntx/strict-equality: on purpose\nif (a == b) {}\n", true},
		{"syntx-ignore before", syntax.JavaScript, "javascript.strict-equality", nil, "correctness", eq,
			"// syntx-ignore\nif (a == b) {}\n", true},
		{"syntx-ignore short id", syntax.JavaScript, "javascript.strict-equality", nil, "correctness", eq,
			"if (a == b) {} // syntx-ignore: strict-equality\n", true},
		{"syntx-ignore full id", syntax.JavaScript, "javascript.strict-equality", nil, "correctness", eq,
			"// syntx-ignore: javascript.strict-equality, javascript.no-var\nif (a == b) {}\n", true},
		{"syntx-ignore other id", syntax.JavaScript, "javascript.strict-equality", nil, "correctness", eq,
			"// syntx-ignore: no-var\nif (a == b) {}\n", false},
		{"syntx-ignore two lines up", syntax.JavaScript, "javascript.strict-equality", nil, "correctness", eq,
			"// syntx-ignore\n\nif (a == b) {}\n", false},
		{"noqa bare", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none, "if x == None:  # noqa\n    pass\n", true},
		{"noqa code", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none, "if x == None:  # noqa: E711\n    pass\n", true},
		{"noqa prefix", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none, "if x == None:  # noqa: E7\n    pass\n", true},
		{"noqa other code", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none, "if x == None:  # noqa: F401\n    pass\n", false},
		{"noqa on the line before", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none, "# noqa\nif x == None:\n    pass\n", false},
		{"nosec for security", syntax.Python, "python.t", nil, "security", none, "if x == None:  # nosec\n    pass\n", true},
		{"nosec not for style", syntax.Python, "python.t", nil, "style", none, "if x == None:  # nosec\n    pass\n", false},
		{"pylint disable", syntax.Python, "python.bare-except", []string{"bare-except", "E722"}, "correctness", none,
			"if x == None:  # pylint: disable=bare-except\n    pass\n", true},
		{"pylint disable-next", syntax.Python, "python.bare-except", []string{"bare-except"}, "correctness", none,
			"# pylint: disable-next=bare-except\nif x == None:\n    pass\n", true},
		{"flake8 noqa for the file", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"# flake8: noqa\nimport os\n\n\ndef f(x):\n    if x == None:\n        pass\n", true},
		{"ruff noqa for the file, its code", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"# ruff: noqa: F401, E711\n\nif x == None:\n    pass\n", true},
		{"ruff noqa for the file, other codes", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"# ruff: noqa: F401\n\nif x == None:\n    pass\n", false},
		{"flake8 noqa for the file, flake8's other spelling", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"import os\n# flake8=NOQA\nif x == None:\n    pass\n", true},
		{"flake8 noqa at the end of a line is not the file's", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"import os  # flake8: noqa\n\nif x == None:\n    pass\n", false},
		{"flake8 noqa in a string is not a directive", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"s = \"# flake8: noqa\"\nif x == None:\n    pass\n", false},
		{"pylint skip-file", syntax.Python, "python.none-comparison", []string{"E711"}, "style", none,
			"# pylint: skip-file\nif x == None:\n    pass\n", true},
		{"syntx-ignore python", syntax.Python, "python.none-comparison", nil, "style", none, "# syntx-ignore: none-comparison\nif x == None:\n    pass\n", true},
		{"nolint", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"package p\n\nvar c = tls.Config{InsecureSkipVerify: true} //nolint:gosec // test server\n", true},
		{"nolint other linter", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"package p\n\nvar c = tls.Config{InsecureSkipVerify: true} //nolint:errcheck\n", false},
		{"nolint spaced is not a directive", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"package p\n\nvar c = tls.Config{InsecureSkipVerify: true} // nolint\n", false},
		{"nolint above the declaration", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"package p\n\n//nolint:gosec\nfunc f() *tls.Config {\n\treturn &tls.Config{\n\t\tInsecureSkipVerify: true,\n\t}\n}\n", true},
		{"nolint above the package clause", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"// Package p is generated.\n//nolint:gosec\npackage p\n\nvar c = tls.Config{InsecureSkipVerify: true}\n", true},
		{"nolint above the package clause, other linter", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"//nolint:errcheck\npackage p\n\nvar c = tls.Config{InsecureSkipVerify: true}\n", false},
		{"nolint a blank line above the package clause", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec"}, "security", goq,
			"//nolint:gosec\n\npackage p\n\nvar c = tls.Config{InsecureSkipVerify: true}\n", false},
		{"#nosec", syntax.Go, "go.tls-insecure-skip-verify", []string{"gosec", "G402"}, "security", goq,
			"package p\n\nvar c = tls.Config{InsecureSkipVerify: true} // #nosec G402\n", true},
		{"lint:ignore", syntax.Go, "go.tls-insecure-skip-verify", []string{"SA1019"}, "security", goq,
			"package p\n\n//lint:ignore SA1019 needed for the old server\nvar c = tls.Config{InsecureSkipVerify: true}\n", true},
		{"lint:file-ignore", syntax.Go, "go.tls-insecure-skip-verify", []string{"SA1019"}, "security", goq,
			"//lint:file-ignore SA1019 old servers\n\npackage p\n\nvar c = tls.Config{InsecureSkipVerify: true}\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fix := "x"
			r, err := compile(Spec{ID: c.rule, Language: c.g.RuleLanguage(), Category: c.cat, Title: "t", Message: "t.", Prior: 0.5,
				Query: c.query, Fix: &fix, Safety: Safe, Aliases: c.aliases}, "test")
			if err != nil {
				t.Fatal(err)
			}
			set, problems := newSet(c.g, []*Rule{r})
			if len(problems) > 0 {
				t.Fatal(problems[0].Err)
			}
			tree, err := syntax.Parse(context.Background(), c.g, []byte(c.code))
			if err != nil {
				t.Fatal(err)
			}
			defer tree.Close()
			var ms []Match
			set.MatchRange(tree, syntax.NewText([]byte(c.code)), 0, len(c.code), func(m Match) { ms = append(ms, m) })
			if len(ms) != 1 {
				t.Fatalf("%d matches, want 1", len(ms))
			}
			sup, got := Suppressed(tree, syntax.NewText([]byte(c.code)), ms[0])
			if got != c.want {
				t.Errorf("suppressed = %v (%q), want %v, in\n%s", got, sup.Comment, c.want, c.code)
			}
			if got && c.code[sup.Span.Start:sup.Span.End] != sup.Comment {
				t.Errorf("comment %q is not at %v", sup.Comment, sup.Span)
			}
		})
	}
}
