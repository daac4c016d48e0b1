package corpus

import (
	"fmt"
	"strings"

	"github.com/syntx/syntx/syntax"
)

// Shape names the way a real file nests its code, which decides what an
// incremental rule engine must look at after an edit: in a UMD bundle or an
// IIFE the whole library is one function expression, a test file is one
// describe(...) call, a Python module is one class, a Go file is one long
// function. Generated shapes serve the unit tests and the in-repository
// benchmarks; performance is judged on real files of these shapes (the
// real-code corpus).
type Shape string

// The shapes GenerateShape knows.
const (
	UMD      Shape = "umd"      // JavaScript: (function (global, factory) {...}(this, function () {...}))
	IIFE     Shape = "iife"     // JavaScript: ;(function () {...}.call(this));
	Describe Shape = "describe" // JavaScript: describe('...', () => { it(...) ... });
	Class    Shape = "class"    // Python: one class holding every method
	BigFunc  Shape = "bigfunc"  // Go: one function holding every statement
)

// Shapes lists every shape in a fixed order.
var Shapes = []Shape{UMD, IIFE, Describe, Class, BigFunc}

// Grammar returns the grammar of the files of shape s.
func (s Shape) Grammar() syntax.Grammar {
	switch s {
	case Class:
		return syntax.Python
	case BigFunc:
		return syntax.Go
	}
	return syntax.JavaScript
}

type shapeText struct {
	head, block, tail string
	indent            string
}

var shapes = map[Shape]shapeText{
	UMD: {
		head: `(function (global, factory) {
  typeof exports === 'object' && typeof module !== 'undefined' ? module.exports = factory() :
  typeof define === 'function' && define.amd ? define(factory) :
  (global = global || self, global.Lib = factory());
}(this, function () { 'use strict';

`,
		block: umdBlock,
		tail: `  return { version: "1.0.0" };

}));
`,
		indent: "  ",
	},
	IIFE: {
		head: `/** @license A library. */
;(function() {

  var undefined;
  var root = typeof global == 'object' && global;

`,
		block: umdBlock,
		tail: `  root.lib = { version: "1.0.0" };
}.call(this));
`,
		indent: "  ",
	},
	Describe: {
		head: `'use strict';

describe('Widget', () => {
  let rows;

  beforeEach(() => {
    rows = [];
    console.log('setup');
  });

`,
		block: `it('renders row %[1]d', () => {
  const el = document.createElement('div');
  el.innerHTML = "Items: " + rows.length;
  expect(el.children.length == 0).toBe(true);
  const copy%[1]d = JSON.parse(JSON.stringify(rows));
  if (typeof copy%[1]d === "undefined") {
    console.log("no copy %[1]d");
  }
  expect(parseInt(el.dataset.count)).toBe(%[1]d);
});

`,
		tail: `});
`,
		indent: "  ",
	},
	Class: {
		head: `"""A store held in one class."""

import os
import yaml


class Store:
    """Every operation of the store."""

`,
		block: `def load_%[1]d(self, path, cache={}):
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
		tail:   "",
		indent: "    ",
	},
	BigFunc: {
		head: `package big

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
)

// Run does every step in one function.
func Run(paths []string, name string) error {
	start := time.Now()
`,
		block: `f%[1]d, err := os.Open(paths[%[1]d])
if err != nil {
	return fmt.Errorf("open %[1]d: %%v", err)
}
for _, p := range paths {
	defer f%[1]d.Close()
	_ = p
}
re%[1]d := regexp.MustCompile("^step%[1]d$")
if err == io.EOF || strings.ToLower(name) == strings.ToLower("Step%[1]d") {
	return errors.New(fmt.Sprintf("step %%d", %[1]d))
}
_ = re%[1]d
_ = time.Now().Sub(start)

`,
		tail: `	return nil
}
`,
		indent: "\t",
	},
}

const umdBlock = `function render%[1]d(el, items) {
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
var limit%[1]d = options.limit || 10;
console.log("loaded %[1]d");
switch (mode) {
  case %[1]d:
    console.log("mode %[1]d");
    break;
}
if (typeof window.x%[1]d === "undefined") {
  window.x%[1]d = parseInt(limit%[1]d);
}

`

// GenerateShape returns a file of shape s with about lines lines, with rule
// sites spread through it.
func GenerateShape(s Shape, lines int) string {
	t, ok := shapes[s]
	if !ok {
		panic(fmt.Sprintf("corpus: unknown shape %q", s))
	}
	var b strings.Builder
	b.WriteString(t.head)
	n := strings.Count(t.head, "\n") + strings.Count(t.tail, "\n")
	per := strings.Count(t.block, "\n")
	for i := 0; n < lines; i++ {
		for _, line := range strings.SplitAfter(fmt.Sprintf(t.block, i), "\n") {
			if strings.TrimSpace(line) != "" {
				b.WriteString(t.indent)
			}
			b.WriteString(line)
		}
		n += per
	}
	b.WriteString(t.tail)
	return b.String()
}
