// Package corpus generates large, deterministic source files for benchmarks
// and soak tests: realistic blocks of code in each language, with rule sites
// spread through them, repeated with fresh names up to a line count.
package corpus

import (
	"fmt"
	"strings"

	"github.com/syntx/syntx/syntax"
)

var headers = map[syntax.Grammar]string{
	syntax.Go: `package big

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

`,
	syntax.Python: `"""A large module."""

import os
import yaml

`,
	syntax.JavaScript: "'use strict';\n\n",
	syntax.TypeScript: "export type Row = { id: number; name: string };\n\n",
}

var blocks = map[syntax.Grammar]string{
	syntax.Go: `// Load%[1]d reads record %[1]d.
func Load%[1]d(path string) (string, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("load %[1]d %%s: %%v", path, err)
	}
	defer f.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", errors.New(fmt.Sprintf("read %%d", %[1]d))
		}
	}
	_ = time.Now().Sub(start)
	return b.String(), nil
}

`,
	syntax.Python: `def load_%[1]d(path, cache={}):
    """Load record %[1]d."""
    if path == None:
        return None
    try:
        with open(path) as fh:
            data = yaml.load(fh)
    except:
        data = {}
    cache[path] = data
    total = 0
    for key in data:
        total += len(key)
    return data, total


`,
	syntax.JavaScript: `function render%[1]d(el, items) {
  var count = 0;
  for (const item of items) {
    if (item.qty == 0) {
      continue;
    }
    count += item.qty;
  }
  el.innerHTML = "Items: " + count;
  const copy = JSON.parse(JSON.stringify(items));
  return { count, copy };
}

`,
	syntax.TypeScript: `export function summarize%[1]d(rows: Row[], extra: any): string {
  let total = 0;
  for (const row of rows) {
    if (row.name == "skip") {
      continue;
    }
    total += row.id;
  }
  const first = rows[0]!.name;
  const snapshot = JSON.parse(JSON.stringify(rows));
  return first + total + String(extra) + snapshot.length;
}

`,
}

// Generate returns a file of about lines lines in grammar g (tsx uses the
// typescript block).
func Generate(g syntax.Grammar, lines int) string {
	if g == syntax.TSX {
		g = syntax.TypeScript
	}
	var b strings.Builder
	b.WriteString(headers[g])
	n := strings.Count(headers[g], "\n")
	per := strings.Count(blocks[g], "\n")
	for i := 0; n < lines; i++ {
		fmt.Fprintf(&b, blocks[g], i)
		n += per
	}
	return b.String()
}
