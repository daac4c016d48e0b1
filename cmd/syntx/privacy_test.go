package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/syntx/syntx/internal/lspclient"
)

// The planted-secrets test (issue 15): realistic secrets, made fresh from a
// seed, in code that is learnt from git history, offered by the server,
// accepted, edited, dismissed, reviewed and recorded twice, trained on,
// exported and reported; then every byte under $SYNTX_HOME (the database,
// its -wal and -shm, review/, learn/, adapters/, the key and anchor files),
// every export, the report and the commands' output are searched for every
// secret, also JSON-escaped and inside gzip files: none may be found, while
// the server still runs, after it exits, and after a WAL checkpoint and a
// VACUUM.

// secretGen makes secrets in the shapes of the real thing from a seeded
// source: fresh values every seed, so that the redactor cannot be tuned to
// the test's own strings.
type secretGen struct{ r *rand.Rand }

const (
	alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	upnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	hexd  = "0123456789abcdef"
)

func (g secretGen) s(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

// password is what a person picks: a word, digits, a symbol, a word.
func (g secretGen) password() string {
	words := []string{"Tulip", "Orbit", "Maple", "Copper", "River", "Falcon", "Ember", "Nimbus", "Cedar", "Quartz"}
	return words[g.r.IntN(len(words))] + fmt.Sprint(10+g.r.IntN(90)) + string("!#%*"[g.r.IntN(4)]) +
		strings.ToLower(words[g.r.IntN(len(words))]) + fmt.Sprint(g.r.IntN(10))
}

func (g secretGen) b64(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.r.IntN(256))
	}
	return base64.StdEncoding.EncodeToString(b)
}

// planted is the secrets of one run, by name.
type planted map[string]string

func plantSecrets(seed uint64) planted {
	g := secretGen{rand.New(rand.NewPCG(seed, seed^0x5eed))}
	p := planted{
		"ghp":           "ghp_" + g.s(36, alnum),
		"ghpat":         "github_pat_11" + g.s(20, upnum) + "_" + g.s(59, alnum),
		"akia":          "AKIA" + g.s(16, upnum),
		"awssecret":     g.s(40, alnum+"+/"),
		"stripe":        "sk_live_51" + g.s(24, alnum),
		"stripe_rk":     "rk_live_51" + g.s(24, alnum),
		"slack":         "xoxb-" + g.s(10, "0123456789") + "-" + g.s(13, "0123456789") + "-" + g.s(24, alnum),
		"slack_user":    "xoxp-" + g.s(10, "0123456789") + "-" + g.s(13, "0123456789") + "-" + g.s(24, alnum),
		"slackhook":     "https://hooks.slack.com/services/T" + g.s(8, upnum) + "/B" + g.s(8, upnum) + "/" + g.s(24, alnum),
		"openai":        "sk-proj-" + g.s(48, alnum),
		"anthropic":     "sk-ant-api03-" + g.s(86, alnum) + "AA",
		"google":        "AIza" + g.s(35, alnum),
		"sendgrid":      "SG." + g.s(22, alnum) + "." + g.s(43, alnum),
		"npm":           "npm_" + g.s(36, alnum),
		"gitlab":        "glpat-" + g.s(20, alnum),
		"huggingface":   "hf_" + g.s(34, alnum),
		"twilio":        "SK" + g.s(32, hexd),
		"mailgun":       "key-" + g.s(32, hexd),
		"jwt":           "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ" + g.s(40, alnum) + "." + g.s(43, alnum),
		"pg_password":   g.password(),
		"mysql_pw":      g.password(),
		"libpq_pw":      g.password(),
		"ado_pw":        g.password(),
		"basic_pw":      g.password(),
		"smtp_pw":       g.password(),
		"tuple_pw":      g.password(),
		"curl_pw":       g.password(),
		"go_password":   g.password(),
		"py_password":   g.password(),
		"hmac_key":      g.s(24, alnum),
		"jwt_secret":    g.s(20, alnum),
		"datadog":       g.s(32, hexd),
		"azure_key":     g.b64(64),
		"pem_body":      g.s(64, alnum+"+/"),
		"edited_secret": "ghp_" + g.s(36, alnum),
		"review_token":  "ghp_" + g.s(36, alnum),
		"review_pw":     g.password(),
		"learn_key":     "AKIA" + g.s(16, upnum),
		"learn_pw":      g.password(),
	}
	return p
}

// workspaceFiles returns the files of the workspace: each secret sits in
// code that a built-in rule rewrites (its region), on a line of a hunk
// around one, or elsewhere in the file.
func workspaceFiles(p planted) map[string]string {
	goSrc := `package billing

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/smtp"
	"strings"
)

const awsSecretAccessKey = "` + p["awssecret"] + `"

var fineGrained = "` + p["ghpat"] + `"

const serviceKey = ` + "`" + `-----BEGIN PRIVATE KEY-----
` + p["pem_body"] + `
-----END PRIVATE KEY-----` + "`" + `

func Dial(err error) error {
	return fmt.Errorf("dial postgres://billing:` + p["pg_password"] + `@db.internal/billing: %v", err)
}

func Open(err error) error {
	return fmt.Errorf("open root:` + p["mysql_pw"] + `@tcp(db:3306)/shop: %v", err)
}

func Connect(err error) error {
	return fmt.Errorf("connect host=db user=app password=` + p["libpq_pw"] + ` dbname=app: %v", err)
}

func Charge(err error) error {
	return fmt.Errorf("charge with ` + p["stripe"] + `: %v", err)
}

func Login(user string) error {
	return errors.New(fmt.Sprintf("login %s with token %s failed", user, "` + p["ghp"] + `"))
}

func HasKey(s string) bool {
	return strings.Index(s, "` + p["akia"] + `") != -1
}

func Webhook(u string) string {
	return strings.Replace(u, "TOKEN", "` + p["slack"] + `", -1)
}

func Same(a string) bool {
	return strings.ToLower(a) == strings.ToLower("` + p["google"] + `")
}

func Auth(req *http.Request, err error) error {
	req.SetBasicAuth("admin", "` + p["basic_pw"] + `")
	auth := smtp.PlainAuth("", "alerts@acme.io", "` + p["smtp_pw"] + `", "smtp.acme.io")
	_ = auth
	mac := hmac.New(sha256.New, []byte("` + p["hmac_key"] + `"))
	_ = mac
	password := "` + p["go_password"] + `"
	_ = password
	if err != nil {
		return fmt.Errorf("sql server Server=db;Database=erp;User Id=sa;Password=` + p["ado_pw"] + `;: %v", err)
	}
	return nil
}
`
	pySrc := `import subprocess

import requests

DD_API_KEY = "` + p["datadog"] + `"
AZURE = "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=` + p["azure_key"] + `;EndpointSuffix=core.windows.net"


def fetch(url):
    return requests.get(url, auth=("admin", "` + p["tuple_pw"] + `"), verify=False)


def post(url, payload):
    return requests.post(url, json=payload, headers={"Authorization": "Bearer ` + p["jwt"] + `"})


def deploy(job):
    subprocess.run(f"curl -fsS -u deploy:` + p["curl_pw"] + ` https://ci.acme.io/{job}", shell=True)


def check(token):
    password = "` + p["py_password"] + `"
    if token == None:
        return password
    return "hf token %s" % "` + p["huggingface"] + `"
`
	jsSrc := `const jwt = require("jsonwebtoken");

function check(token, header) {
  if (token == "` + p["gitlab"] + `") {
    return jwt.sign({ sub: token }, "` + p["jwt_secret"] + `");
  }
  var apiKey = "` + p["openai"] + `";
  console.log("using stripe key", "` + p["stripe_rk"] + `");
  const hook = "` + p["slackhook"] + `" + "?channel=" + header;
  const claude = "` + p["anthropic"] + `";
  setTimeout("notify('` + p["sendgrid"] + `')", 1000);
  return header.indexOf("` + p["slack_user"] + `") !== -1 && apiKey && hook && claude;
}

module.exports = { check, npmToken: "` + p["npm"] + `", twilio: "` + p["twilio"] + `", mailgun: "` + p["mailgun"] + `" };
`
	return map[string]string{"billing.go": goSrc, "app.py": pySrc, "web.js": jsSrc}
}

// datedRepo is a repository for the privacy and forget tests, with a fixed author and a
// clock that advances a minute per commit.
type datedRepo struct {
	t   *testing.T
	dir string
	n   int
	at  time.Time
}

func newDatedRepo(t *testing.T, dir string, start time.Time) *datedRepo {
	t.Helper()
	r := &datedRepo{t: t, dir: dir, at: start}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r.git("init", "-q", "-b", "main")
	return r
}

func (r *datedRepo) git(args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-C", r.dir}, args...)...)
	date := r.at.Add(time.Duration(r.n) * time.Minute).Format(time.RFC3339)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE="+date)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r *datedRepo) write(name, content string) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, name), []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

func (r *datedRepo) read(name string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, name))
	if err != nil {
		r.t.Fatal(err)
	}
	return string(b)
}

func (r *datedRepo) replace(name, old, new string) {
	r.t.Helper()
	s := r.read(name)
	if strings.Count(s, old) != 1 {
		r.t.Fatalf("%s: %q occurs %d times", name, old, strings.Count(s, old))
	}
	r.write(name, strings.Replace(s, old, new, 1))
}

func (r *datedRepo) commit(msg string) {
	r.t.Helper()
	r.n++
	r.git("add", "-A")
	r.git("commit", "-q", "-m", msg)
}

// cli runs the binary with home as SYNTX_HOME and fails the test when it
// exits non-zero; the output is kept for the search.
func cli(t *testing.T, home string, outputs *[]string, args ...string) string {
	t.Helper()
	out, err := runCLI(t, home, args...)
	if err != nil {
		t.Fatalf("syntx %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	*outputs = append(*outputs, out)
	return out
}

// found is one secret found somewhere.
type found struct{ secret, where string }

// searchSecrets looks for every secret in every file under the dirs (and
// in the extra files and texts), as it is, JSON-escaped, and inside gzip.
func searchSecrets(t *testing.T, p planted, dirs, files []string, texts map[string]string) []found {
	t.Helper()
	blobs := map[string][]byte{}
	add := func(name string, b []byte) {
		blobs[name] = b
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			var u bytes.Buffer
			if _, err := u.ReadFrom(zr); err == nil {
				blobs[name+" (gunzipped)"] = u.Bytes()
			}
		}
	}
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(path string, de fs.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			add(path, b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(f, b)
	}
	for name, s := range texts {
		add(name, []byte(s))
	}
	var out []found
	for name, secret := range p {
		j, _ := json.Marshal(secret)
		forms := [][]byte{[]byte(secret), j[1 : len(j)-1]}
		// A secret cut into lines (a PEM body) or URL-escaped would hide
		// from a plain search: look for a long piece of it too.
		if len(secret) > 24 {
			forms = append(forms, []byte(secret[4:24]))
		}
		for where, b := range blobs {
			for _, f := range forms {
				if bytes.Contains(b, f) {
					out = append(out, found{name, where})
					break
				}
			}
		}
	}
	return out
}

// countPlaceholders counts the placeholders in the files under dir: the
// secrets that reached a stored text were there, redacted.
func countPlaceholders(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err == nil && !de.IsDir() {
			b, _ := os.ReadFile(path)
			n += bytes.Count(b, []byte("<redacted:"))
		}
		return nil
	})
	return n
}

func TestPlantedSecretsReachNoByteOnDisk(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SYNTX_PLANT_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("secrets made from seed %d (SYNTX_PLANT_SEED=%d replays them)", seed, seed)
	p := plantSecrets(seed)
	root := t.TempDir()
	home := filepath.Join(root, "home")
	var outputs []string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// History: the smelly code, then commits that apply fixes by hand
	// and one that reverts a fix (learn --git).
	r := newDatedRepo(t, filepath.Join(root, "ws"), time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC))
	files := workspaceFiles(p)
	for name, src := range files {
		r.write(name, src)
	}
	r.write("legacy.go", `package billing

import "fmt"

func Legacy(err error) error {
	return fmt.Errorf("legacy key `+p["learn_key"]+` and redis://:`+p["learn_pw"]+`@cache:6379: %v", err)
}
`)
	r.commit("billing")
	r.replace("legacy.go", `6379: %v", err)`, `6379: %w", err)`)
	r.commit("wrap the legacy error")
	r.replace("billing.go", `if err != nil {
		return fmt.Errorf("sql server`, `if err != nil {
		return fmt.Errorf("sql  server`) // a whitespace-only change: no finding
	r.commit("touch")
	cli(t, home, &outputs, "learn", "--git", "-C", r.dir)

	// A feature branch with new code, reviewed and recorded, then fixed.
	r.git("checkout", "-q", "-b", "feature")
	r.write("feature.go", `package billing

import (
	"fmt"
	"net/http"
)

func Review(req *http.Request, err error) error {
	req.Header.Set("Authorization", "token `+p["review_token"]+`")
	if err != nil {
		return fmt.Errorf("review with password=`+p["review_pw"]+` host=db user=ci: %v", err)
	}
	return nil
}
`)
	cli(t, home, &outputs, "review", "--record", "-C", r.dir, "--base", "main") // an uncommitted change
	// The open suggestion's state is on disk now: it must hold no secret,
	// and no copy of the file.
	for _, h := range searchSecrets(t, p, []string{home}, nil, nil) {
		t.Errorf("after review --record: secret %s found in %s", h.secret, h.where)
	}
	r.replace("feature.go", `user=ci: %v", err)`, `user=ci: %w", err)`)
	rec := cli(t, home, &outputs, "review", "--record", "-C", r.dir, "--base", "main")
	if !strings.Contains(rec, "1 accepted") {
		t.Errorf("the second review did not resolve the applied fix:\n%s", rec)
	}

	// An editor session on the same files.
	initOpts := map[string]any{"capture": map[string]any{"checkpoints": []string{"40ms", "120ms"}, "ignore_after": "60ms"}}
	c, cmd, stderr, err := startServeAt(ctx, home, r.dir, initOpts)
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]string{".go": "go", ".py": "python", ".js": "javascript"}
	carried := map[string]bool{} // secrets a code action's edit carried
	applied, edited := 0, false
	for _, name := range []string{"billing.go", "app.py", "web.js"} {
		docURI := lspclient.FileURI(filepath.Join(r.dir, name))
		if err := c.Open(ctx, docURI, langs[filepath.Ext(name)], r.read(name)); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 12; round++ {
			text := c.Doc(docURI).Text
			acts, err := c.CodeActions(ctx, docURI, 0, len(text), protocol.CodeActionTriggerKindInvoked)
			if err != nil {
				t.Fatal(err)
			}
			var pick *protocol.CodeAction
			for _, a := range acts {
				if a.Edit == nil {
					continue
				}
				b, _ := json.Marshal(a.Edit)
				for k, v := range p {
					if strings.Contains(string(b), v) {
						carried[k] = true
						if pick == nil {
							pick = a
						}
					}
				}
			}
			if pick == nil {
				break
			}
			if err := c.Apply(ctx, pick); err != nil {
				t.Fatal(err)
			}
			applied++
			if !edited && name == "billing.go" {
				// The developer edits the applied fix and pastes a token.
				text := c.Doc(docURI).Text
				i := strings.Index(text, ": %w\", err)")
				if i > 0 {
					edited = true
					if err := c.Change(ctx, docURI, lspclient.Edit{Start: i, End: i, Text: " token " + p["edited_secret"]}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if err := c.Notify(ctx, "textDocument/didSave", &protocol.DidSaveTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri.URI(docURI)}}); err != nil {
			t.Fatal(err)
		}
	}
	// Dismiss what is left in one file, so that a dismiss is recorded too.
	appURI := lspclient.FileURI(filepath.Join(r.dir, "app.py"))
	if acts, err := c.CodeActions(ctx, appURI, 0, len(c.Doc(appURI).Text), protocol.CodeActionTriggerKindInvoked); err == nil && len(acts) > 0 {
		if last := acts[len(acts)-1]; last.Command.Command == "syntx.dismiss" {
			_ = c.Call(ctx, "workspace/executeCommand", &protocol.ExecuteCommandParams{Command: last.Command.Command, Arguments: last.Command.Arguments}, nil)
		}
	}
	if applied < 8 || !edited {
		t.Fatalf("the session applied %d fixes (edited: %v): the test no longer exercises the capture path\n%s", applied, edited, stderr)
	}
	// Wait until the outcomes are recorded: the last checkpoint passed for
	// every applied fix.
	deadline := time.Now().Add(time.Minute)
	for {
		st := status(t, home)
		if st.Events["kept"]+st.Events["edited"]+st.Events["undone"] >= int64(applied) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server recorded %v after a minute; %d fixes were applied", st.Events, applied)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// While the server runs (its write-ahead log holds the newest pages).
	exports := []string{filepath.Join(root, "dpo.jsonl"), filepath.Join(root, "kto.jsonl"), filepath.Join(root, "report.html")}
	search := func(when string) {
		hits := searchSecrets(t, p, []string{home}, nil, nil)
		for _, h := range hits {
			t.Errorf("%s: secret %s found in %s", when, h.secret, h.where)
		}
	}
	search("while the server runs")
	if _, err := os.Stat(filepath.Join(home, "syntx.db-wal")); err != nil {
		t.Errorf("test is broken: no write-ahead log while the server runs: %v", err)
	}

	cli(t, home, &outputs, "train", "--seed", "1")
	cli(t, home, &outputs, "export", "--format", "dpo", "-o", exports[0])
	cli(t, home, &outputs, "export", "--format", "kto", "-o", exports[1])
	cli(t, home, &outputs, "report", "-o", exports[2])
	cli(t, home, &outputs, "status", "--json")
	cli(t, home, &outputs, "audit", "--json", "log")
	cli(t, home, &outputs, "audit", "verify")
	cli(t, home, &outputs, "model", "info")

	if err := c.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	c.Close()
	cmd.Wait()
	outputs = append(outputs, stderr.String()) // the server's log

	// After the server exits (the last connection checkpoints the log),
	// and after an explicit checkpoint and VACUUM.
	search("after the server exits")
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(home, "syntx.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	texts := map[string]string{}
	for i, o := range outputs {
		texts[fmt.Sprintf("output of command %d", i)] = o
	}
	hits := searchSecrets(t, p, []string{home}, exports, texts)
	for _, h := range hits {
		t.Errorf("after checkpoint and VACUUM: secret %s found in %s", h.secret, h.where)
	}
	var names []string
	for k := range carried {
		names = append(names, k)
	}
	slices.Sort(names)
	placeholders := countPlaceholders(t, home)
	t.Logf("planted %d secrets; %d went through a code action's edit (%s); %d placeholders under $SYNTX_HOME; secrets found anywhere: %d",
		len(p), len(carried), strings.Join(names, " "), placeholders, len(hits))
	if len(carried) < 10 || placeholders < 20 {
		t.Errorf("too few secrets reached a stored text (%d carried, %d placeholders): the test would pass without redaction", len(carried), placeholders)
	}
}

// startServeAt starts `syntx serve` on home with ws as the workspace.
func startServeAt(ctx context.Context, home, ws string, initOptions any) (*lspclient.Client, *exec.Cmd, *bytes.Buffer, error) {
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &lockedWriter{w: &stderr}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, err
	}
	c := lspclient.New(ctx, lspclient.Pipe{R: stdout, W: stdin})
	_, err = c.Initialize(ctx, ws, false, initOptions)
	return c, cmd, &stderr, err
}
