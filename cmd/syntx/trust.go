package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/termtext"
	"github.com/syntx/syntx/rules"
)

func cmdTrust(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "trust", "[PATH] | --revoke PATH | --list",
		`Trust a workspace folder's own rules (.syntx/rules) and settings
(.syntx/config.toml), which SyntX ignores until you do: a cloned repository is
somebody else's code. The trust is pinned to the files as they are now (their
SHA-256 hashes, recorded in $SYNTX_HOME/trust.json); when they change (a pull,
another branch) the folder needs trusting again, and this command shows what
changed. PATH defaults to the current directory.

Even trusted, a workspace cannot redefine a built-in or user rule, and may set
only `+fmt.Sprint(config.WorkspaceKeys)+` in its config.toml: privacy, paths,
retention, limits and connections stay yours.

Editors pick the decision up: VS Code follows its own workspace trust instead;
Neovim's :SyntxTrust runs this command and tells the server.`)
	revoke := fs.Bool("revoke", false, "stop trusting PATH")
	list := fs.Bool("list", false, "list the trusted folders")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() > 1 || (*list && (fs.NArg() > 0 || *revoke)) {
		fs.Usage()
		return errUsage
	}
	st := config.OpenTrust(config.DataHome())
	if *list {
		return trustList(e, st)
	}
	path := "."
	if fs.NArg() == 1 {
		path = fs.Arg(0)
	}
	if *revoke {
		return trustRevoke(e, st, path)
	}
	return trustGrant(e, st, path)
}

// trustList is syntx trust --list: a table of the trusted folders and
// whether their files are still the ones trusted.
func trustList(e *env, st *config.TrustStore) error {
	entries, err := st.List()
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.stdout, "no trusted workspace folders")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FOLDER\tTRUSTED\tFILES\tSTATE")
	for _, en := range entries {
		ws := config.ReadWorkspace(en.Path)
		state := "unchanged"
		if _, err := os.Stat(en.Path); err != nil {
			state = "missing"
		} else if ws.Digest() != en.Digest {
			state = "changed: trust again"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", termtext.Name(en.Path), en.TrustedAt.Format("2006-01-02 15:04"), len(en.Files), state)
	}
	return tw.Flush()
}

// trustRevoke is syntx trust --revoke PATH; it exits 1 when PATH was not
// trusted.
func trustRevoke(e *env, st *config.TrustStore, path string) error {
	ok, err := st.Revoke(path)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintf(e.stderr, "syntx trust: %s was not trusted\n", termtext.Name(config.CanonicalPath(path)))
		return exitCode(1)
	}
	fmt.Fprintf(e.stdout, "no longer trusted: %s\n", termtext.Name(config.CanonicalPath(path)))
	return nil
}

// trustGrant is syntx trust PATH: it trusts the folder's files as they
// are now and says what was trusted: the files, and what their rules and
// settings will add or why they will not.
func trustGrant(e *env, st *config.TrustStore, path string) error {
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		fmt.Fprintf(e.stderr, "syntx trust: %s is not a directory\n", termtext.Name(path))
		return exitCode(1)
	}
	ws := config.ReadWorkspace(path)
	for _, p := range ws.Problems {
		fmt.Fprintln(e.stderr, "syntx trust: not loaded, not trusted:", termtext.Text(p.Error()))
	}
	before := *ws
	_ = st.Decide(&before)
	if err := st.Grant(ws); err != nil {
		return err
	}
	// Say what was trusted: the files, and what their rules will add.
	fmt.Fprintf(e.stdout, "trusted %s", termtext.Name(ws.Root))
	if before.Note != "" && before.Note != "this folder is not trusted" && !before.Trusted {
		fmt.Fprintf(e.stdout, " again: %s", termtext.Text(before.Note))
	}
	fmt.Fprintln(e.stdout)
	for _, f := range ws.Files() {
		fmt.Fprintf(e.stdout, "  %s  sha256:%s\n", termtext.Name(f.Path), f.SHA256[:16])
	}
	if ws.Empty() {
		fmt.Fprintln(e.stdout, "  (no .syntx/config.toml or .syntx/rules yet: adding them will need trusting again)")
		return nil
	}
	lib := rules.Load(rules.ForWorkspace(ws)...)
	n := 0
	for _, r := range lib.Rules() {
		if r.Origin == rules.OriginWorkspace {
			n++
		}
	}
	fmt.Fprintf(e.stdout, "%d workspace rule(s) will load\n", n)
	for _, p := range lib.Problems {
		fmt.Fprintln(e.stderr, "syntx trust: rule skipped:", termtext.Text(p.String()))
	}
	if _, problems := config.LoadWorkspace(ws, nil); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.stderr, "syntx trust: config:", termtext.Text(p.Error()))
		}
	}
	return nil
}

// trustedWorkspace reads the workspace folder root and decides its trust
// from the trust store (`syntx trust`), telling the user on stderr what it
// leaves out and why.
func trustedWorkspace(e *env, command, root string) *config.Workspace {
	ws := config.ReadWorkspace(root)
	if err := config.OpenTrust(config.DataHome()).Decide(ws); err != nil {
		fmt.Fprintf(e.stderr, "syntx %s: %s\n", command, termtext.Text(err.Error()))
	}
	reportWorkspace(e, command, ws)
	return ws
}

// reportWorkspace prints the workspace's unreadable files, and when it is
// not trusted, what was left out.
func reportWorkspace(e *env, command string, ws *config.Workspace) {
	for _, p := range ws.Problems {
		fmt.Fprintf(e.stderr, "syntx %s: skipped %s\n", command, termtext.Text(p.Error()))
	}
	if !ws.Empty() && !ws.Trusted {
		fmt.Fprintf(e.stderr, "syntx %s: the workspace's %s not loaded: %s (trust it with `syntx trust %s`)\n",
			command, ws.Summary()+" were", termtext.Text(ws.Note), termtext.Name(ws.Root))
	}
}
