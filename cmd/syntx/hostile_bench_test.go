package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of what a hostile client or workspace costs the server's
// memory, on the real binary (resident memory is the process's own). Each
// runs this build and, when SYNTX_BASELINE_BIN names another build of
// syntx (main's, say), that one too, so that one command reports both:
//
//	SYNTX_BASELINE_BIN=/tmp/syntx-main go test -run '^$' -bench 'Unread|OpenDocuments' -benchtime 1x ./cmd/syntx/

func benchBinaries() [][2]string {
	out := [][2]string{{"this", binary}}
	if p := os.Getenv("SYNTX_BASELINE_BIN"); p != "" {
		out = append(out, [2]string{"baseline", p})
	}
	return out
}

// rawServer is `syntx serve` spoken to with hand-written frames.
type rawServer struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startRawServer(b *testing.B, bin string) *rawServer {
	b.Helper()
	home := b.TempDir()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "SYNTX_HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, "config"))
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &rawServer{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<16)}
	b.Cleanup(func() {
		_ = s.in.Close()
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	s.send(b, map[string]any{"id": 0, "method": "initialize", "params": map[string]any{"capabilities": map[string]any{}, "rootUri": "file://" + home}})
	s.until(b, 0)
	s.send(b, map[string]any{"method": "initialized", "params": map[string]any{}})
	return s
}

func (s *rawServer) write(msg map[string]any) error {
	msg["jsonrpc"] = "2.0"
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(s.in, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return err
}

func (s *rawServer) send(b *testing.B, msg map[string]any) {
	b.Helper()
	if err := s.write(msg); err != nil {
		b.Fatal(err)
	}
}

// read returns the next frame's id ("" for a notification) and error code.
func (s *rawServer) read() (id string, code int, err error) {
	n := -1
	for {
		line, err := s.out.ReadString('\n')
		if err != nil {
			return "", 0, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(s.out, body); err != nil {
		return "", 0, err
	}
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
		Error  *struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		return "", 0, err
	}
	if m.Method != "" {
		return "", 0, nil
	}
	if m.Error != nil {
		code = m.Error.Code
	}
	return string(m.ID), code, nil
}

// result reads frames until the answer to id and returns its result.
func (s *rawServer) result(b *testing.B, id int) string {
	b.Helper()
	for {
		n := -1
		for {
			line, err := s.out.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(s.out, body); err != nil {
			b.Fatal(err)
		}
		var m struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Result json.RawMessage `json:"result"`
		}
		_ = json.Unmarshal(body, &m)
		if m.Method == "" && string(m.ID) == strconv.Itoa(id) {
			return string(m.Result)
		}
	}
}

// until reads frames until the answer to id.
func (s *rawServer) until(b *testing.B, id int) int {
	b.Helper()
	for {
		got, code, err := s.read()
		if err != nil {
			b.Fatalf("waiting for the answer to %d: %v", id, err)
		}
		if got == strconv.Itoa(id) {
			return code
		}
	}
}

// memKB returns VmRSS and VmHWM (peak) of a process, in KiB.
func memKB(b *testing.B, pid int) (rss, peak int64) {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			peak = v
		}
	}
	return rss, peak
}

func codeActionAt(uri string, id, line int) map[string]any {
	pos := map[string]any{"line": line, "character": 1}
	return map[string]any{"id": id, "method": "textDocument/codeAction", "params": map[string]any{
		"textDocument": map[string]any{"uri": uri}, "range": map[string]any{"start": pos, "end": pos},
		"context": map[string]any{"diagnostics": []any{}, "triggerKind": 1}}}
}

// BenchmarkUnreadRequests writes 20,000 code action requests without
// reading an answer until the writes stop going through (the server stopped
// reading) or all are written, then reads them all. It reports the server's
// resident memory after initialize (base-MB), at its peak (peak-MB), and
// their ratio, and how many requests were refused as busy.
func BenchmarkUnreadRequests(b *testing.B) {
	const n = 20000
	src := "package p\n\nimport \"fmt\"\n\nfunc load(name string, err error) error {\n\treturn fmt.Errorf(\"load %s: %v\", name, err)\n}\n"
	for _, bin := range benchBinaries() {
		b.Run(bin[0], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s := startRawServer(b, bin[1])
				uri := "file:///w/load.go"
				s.send(b, map[string]any{"method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "go", "version": 1, "text": src}}})
				s.send(b, map[string]any{"id": 1, "method": "workspace/executeCommand", "params": map[string]any{"command": "syntx.status", "arguments": []any{}}})
				s.until(b, 1)
				base, _ := memKB(b, s.cmd.Process.Pid)
				var written atomic.Int64
				go func() {
					for j := 0; j < n; j++ {
						if s.write(codeActionAt(uri, 100+j, 5)) != nil {
							return
						}
						written.Add(1)
					}
				}()
				// Wait until the writes stop going through (the server no
				// longer reads) or all are written.
				last, still := int64(-1), 0
				for written.Load() < n && still < 20 {
					time.Sleep(100 * time.Millisecond)
					if w := written.Load(); w == last {
						still++
					} else {
						last, still = w, 0
					}
				}
				stalled := written.Load()
				busy := 0
				for answered := 0; answered < n; {
					id, code, err := s.read()
					if err != nil {
						b.Fatal(err)
					}
					if id == "" {
						continue // a notification
					}
					answered++
					if code == -32802 {
						busy++
					}
				}
				_, peak := memKB(b, s.cmd.Process.Pid)
				b.ReportMetric(float64(base)/1024, "base-MB")
				b.ReportMetric(float64(peak)/1024, "peak-MB")
				b.ReportMetric(float64(peak)/float64(base), "peak/base")
				b.ReportMetric(float64(stalled), "written-unread")
				b.ReportMetric(float64(busy), "refused")
			}
		})
	}
}

// corpusTexts returns the generated corpus's files, for documents.
func corpusTexts(b *testing.B) [][2]string {
	b.Helper()
	var out [][2]string
	for _, lang := range []struct{ dir, id string }{{"go", "go"}, {"python", "python"}, {"javascript", "javascript"}, {"typescript", "typescript"}} {
		files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "corpus", lang.dir, "*"))
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil || filepath.Ext(f) == "" {
				continue
			}
			out = append(out, [2]string{lang.id + filepath.Ext(f), string(data)})
		}
	}
	if len(out) == 0 {
		b.Skip("no corpus")
	}
	return out
}

// settle is how long the memory benchmarks let a burst's garbage be
// collected before they read the resident size.
const settle = 3 * time.Second

// BenchmarkOpenDocuments opens 8,000 documents (the generated corpus's
// files, each under its own name), then closes them all. It reports
// resident memory after initialize (base-MB), per KiB of open text right
// after the burst of opens (burst-RSS-KB/text-KB) and settled
// (RSS-KB/text-KB), and after they are all closed (closed-MB).
func BenchmarkOpenDocuments(b *testing.B) {
	const n = 8000
	texts := corpusTexts(b)
	for _, bin := range benchBinaries() {
		b.Run(bin[0], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				s := startRawServer(b, bin[1])
				s.send(b, map[string]any{"id": 1, "method": "workspace/executeCommand", "params": map[string]any{"command": "syntx.status", "arguments": []any{}}})
				s.until(b, 1)
				base, _ := memKB(b, s.cmd.Process.Pid)
				var textBytes int64
				for j := 0; j < n; j++ {
					t := texts[j%len(texts)]
					lang := strings.SplitN(t[0], ".", 2)
					uri := fmt.Sprintf("file:///w/doc%05d.%s", j, lang[1])
					textBytes += int64(len(t[1]))
					s.send(b, map[string]any{"method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": lang[0], "version": 1, "text": t[1]}}})
				}
				// A command runs after the work queued before it.
				s.send(b, map[string]any{"id": 2, "method": "workspace/executeCommand", "params": map[string]any{"command": "syntx.status", "arguments": []any{}}})
				s.until(b, 2)
				burst, _ := memKB(b, s.cmd.Process.Pid)
				// Settled: what the open documents cost once the garbage of
				// the burst is collected.
				time.Sleep(settle)
				open, _ := memKB(b, s.cmd.Process.Pid)
				for j := 0; j < n; j++ {
					t := texts[j%len(texts)]
					lang := strings.SplitN(t[0], ".", 2)
					uri := fmt.Sprintf("file:///w/doc%05d.%s", j, lang[1])
					s.send(b, map[string]any{"method": "textDocument/didClose", "params": map[string]any{"textDocument": map[string]any{"uri": uri}}})
				}
				s.send(b, map[string]any{"id": 3, "method": "workspace/executeCommand", "params": map[string]any{"command": "syntx.status", "arguments": []any{}}})
				s.until(b, 3)
				time.Sleep(settle)
				closed, peak := memKB(b, s.cmd.Process.Pid)
				b.ReportMetric(float64(base)/1024, "base-MB")
				b.ReportMetric(float64(textBytes)/(1<<20), "text-MB")
				b.ReportMetric(float64(open)/1024, "open-MB")
				b.ReportMetric(float64(open-base)/(float64(textBytes)/1024), "RSS-KB/text-KB")
				b.ReportMetric(float64(burst-base)/(float64(textBytes)/1024), "burst-RSS-KB/text-KB")
				b.ReportMetric(float64(closed)/1024, "closed-MB")
				b.ReportMetric(float64(peak)/1024, "peak-MB")
			}
		})
	}
}

// minifiedFile is a real minified file: d3 7.9.0's dist/d3.min.js, a
// one-line licence comment then 279,600 bytes on one line. It is the
// "minified" bench file of the real corpus (testdata/realcorpus/pins.toml on
// main, fetched by `go run ./cmd/realcorpus fetch`), read here from the
// corpus cache and checked against the same pin.
const (
	minifiedRel    = "src/npm-d3/package/dist/d3.min.js"
	minifiedSHA256 = "f2094bbf6141b359722c4fe454eb6c4b0f0e42cc10cc7af921fc158fceb86539"
)

func minifiedText(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("SYNTX_REALCORPUS")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			b.Skip("no cache directory for the real corpus")
		}
		dir = filepath.Join(cache, "syntx", "realcorpus")
	}
	data, err := os.ReadFile(filepath.Join(dir, minifiedRel))
	if err != nil {
		b.Skipf("the real corpus's minified file is not fetched (%v): run `go run ./cmd/realcorpus fetch` on main", err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != minifiedSHA256 {
		b.Fatalf("%s does not match its pin", minifiedRel)
	}
	return string(data)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkMinifiedLine opens the 280 KB one-line d3.min.js and a small Go
// file, then, samples times: edits the minified line (so its matches must
// be found again), writes a code action request on it (automatic, as the
// lightbulb asks) and, right behind it on the wire, one on the small file,
// and times both answers from the moment each request was written. It
// reports the medians and 99th percentiles of both (own-*, other-*), the
// small file's answer alone before any of it (idle-p50-ms) and the ratio
// other-p50/idle-p50, and how many of the minified file's requests failed
// (RequestFailed, or RequestCancelled on main, past limits.request_timeout).
//
//	SYNTX_BASELINE_BIN=/tmp/syntx-main go test -run '^$' -bench MinifiedLine -benchtime 1x ./cmd/syntx/
func BenchmarkMinifiedLine(b *testing.B) {
	minified := minifiedText(b)
	small := "package p\n\nimport \"fmt\"\n\nfunc load(name string, err error) error {\n\treturn fmt.Errorf(\"load %s: %v\", name, err)\n}\n"
	mURI, sURI := "file:///w/d3.min.js", "file:///w/small.go"
	for _, bin := range benchBinaries() {
		b.Run(bin[0], func(b *testing.B) {
			samples := 20
			if bin[0] == "baseline" {
				samples = 5 // seconds each on main
			}
			s := startRawServer(b, bin[1])
			open := func(uri, lang, text string) {
				s.send(b, map[string]any{"method": "textDocument/didOpen", "params": map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": lang, "version": 1, "text": text}}})
			}
			open(sURI, "go", small)
			id := 10
			ask := func(uri string, line, char int, trigger int) int {
				id++
				pos := map[string]any{"line": line, "character": char}
				s.send(b, map[string]any{"id": id, "method": "textDocument/codeAction", "params": map[string]any{
					"textDocument": map[string]any{"uri": uri}, "range": map[string]any{"start": pos, "end": pos},
					"context": map[string]any{"diagnostics": []any{}, "triggerKind": trigger}}})
				return id
			}
			var idle []time.Duration
			for i := 0; i < samples; i++ {
				t0 := time.Now()
				s.until(b, ask(sURI, 5, 9, 2))
				idle = append(idle, time.Since(t0))
			}
			open(mURI, "javascript", minified)
			// It is analysed in the background: wait until it has
			// suggestions (what the lightbulb would show).
			deadline := time.Now().Add(10 * time.Minute)
			for {
				n := ask(mURI, 1, 1000, 1)
				if raw := s.result(b, n); strings.Count(raw, `"suggestionId"`) > 0 {
					break
				}
				if time.Now().After(deadline) {
					b.Fatal("the minified file was not analysed within 10 minutes")
				}
				time.Sleep(100 * time.Millisecond)
			}
			line1 := len(minified) - (strings.IndexByte(minified, '\n') + 1)
			version := 1
			var own, other []time.Duration
			failed := 0
			b.ResetTimer()
			for i := 0; i < samples; i++ {
				// An edit in the middle of the line: everything on it is
				// matched again.
				char := line1/2 + i
				version++
				pos := map[string]any{"line": 1, "character": char}
				s.send(b, map[string]any{"method": "textDocument/didChange", "params": map[string]any{
					"textDocument":   map[string]any{"uri": mURI, "version": version},
					"contentChanges": []any{map[string]any{"range": map[string]any{"start": pos, "end": pos}, "text": " "}}}})
				t0 := time.Now()
				ownID := ask(mURI, 1, char, 2)
				t1 := time.Now()
				otherID := ask(sURI, 5, 9, 2)
				for got := 0; got < 2; {
					rid, code, err := s.read()
					if err != nil {
						b.Fatal(err)
					}
					switch rid {
					case strconv.Itoa(ownID):
						own = append(own, time.Since(t0))
						if code != 0 {
							failed++
						}
						got++
					case strconv.Itoa(otherID):
						other = append(other, time.Since(t1))
						got++
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(ms(percentile(own, 0.5)), "own-p50-ms")
			b.ReportMetric(ms(percentile(own, 0.99)), "own-p99-ms")
			b.ReportMetric(ms(percentile(other, 0.5)), "other-p50-ms")
			b.ReportMetric(ms(percentile(other, 0.99)), "other-p99-ms")
			b.ReportMetric(ms(percentile(idle, 0.5)), "idle-p50-ms")
			b.ReportMetric(float64(percentile(other, 0.5))/float64(percentile(idle, 0.5)), "other/idle")
			b.ReportMetric(float64(failed), "own-failed")
		})
	}
}
