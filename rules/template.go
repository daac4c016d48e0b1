package rules

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
)

// Fix templates are Go text/template, hardened so that a hostile rule file
// (a workspace's, a pull request's) can neither hang the process nor exhaust
// its memory. The built-in rules' templates run unchanged; what a template
// may do is bounded in three ways, each enforced, not assumed:
//
//   - At load, the parse tree is checked: no {{define}}, {{block}} or
//     {{template}} (no recursion), no call, html, js or urlquery, no range
//     over a number or over len (ranges go over capture lists and fields),
//     and printf formats written in the template have widths and precisions
//     of at most maxFormatWidth and no '*'. A template that breaks a rule is
//     refused with a message that says which.
//   - While it runs, a budget counts steps (each range iteration and each
//     function call is one; a call inserted at the head of every range body
//     counts iterations that call nothing) and the bytes every function
//     reads and writes. Past maxSteps or maxWorkBytes, or when the request's
//     context ends, the next step fails and execution stops.
//   - Every string a function returns, and the template's whole output, is
//     at most maxOutput bytes: the functions check the size of what they
//     would build before building it, and the output goes through a writer
//     that refuses to grow past the cap.
//
// The limits are far above what the built-in rules need: on their examples
// the costliest template takes 104 steps and 5 KB of work.
const (
	maxSteps       = 20_000
	maxWorkBytes   = 64 << 20
	maxOutput      = 1 << 20
	maxFormatWidth = 64
	// stepFunc is the function inserted at the head of every range body.
	stepFunc = "syntxStep"
)

// ErrTemplateLimit reports a fix template stopped by its budget.
var ErrTemplateLimit = errors.New("fix template exceeded its limits")

// allowedBuiltins are the text/template built-in functions a template may
// call; every other name must be one of the string functions below.
var allowedBuiltins = map[string]bool{
	"and": true, "or": true, "not": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"len": true, "index": true, "slice": true, "print": true, "printf": true, "println": true,
}

// budget is the running account of one execution.
type budget struct {
	ctx   context.Context
	steps int
	work  int64
	err   error // the first limit hit; execution stops with it
}

func (b *budget) step(n int) error {
	if b.err != nil {
		return b.err
	}
	b.steps++
	b.work += int64(n)
	switch {
	case b.steps > maxSteps:
		b.err = fmt.Errorf("%w: more than %d steps", ErrTemplateLimit, maxSteps)
	case b.work > maxWorkBytes:
		b.err = fmt.Errorf("%w: more than %d bytes processed", ErrTemplateLimit, maxWorkBytes)
	case b.steps&63 == 0 && b.ctx.Err() != nil:
		b.err = fmt.Errorf("%w: %w", ErrTemplateLimit, context.Cause(b.ctx))
	}
	return b.err
}

// result checks the size of a string a function is about to build.
func (b *budget) result(n int) error {
	if n > maxOutput {
		if b.err == nil {
			b.err = fmt.Errorf("%w: a value of %d bytes (the cap is %d)", ErrTemplateLimit, n, maxOutput)
		}
		return b.err
	}
	return b.step(n)
}

// funcs returns the template functions bound to b. Arguments come in
// pipeline order: {{ .x | replace "a" "b" }} is replace "a" "b" .x.
func (b *budget) funcs() template.FuncMap {
	return template.FuncMap{
		stepFunc:       func() (string, error) { return "", b.step(0) },
		"replace":      func(old, new, s string) (string, error) { return b.replace(old, new, s, -1) },
		"replaceFirst": func(old, new, s string) (string, error) { return b.replace(old, new, s, 1) },
		"replaceLast":  b.replaceLast,
		"trim":         b.str(strings.TrimSpace),
		"trimPrefix": func(prefix, s string) (string, error) {
			return b.str(func(s string) string { return strings.TrimPrefix(s, prefix) })(s)
		},
		"trimSuffix": func(suffix, s string) (string, error) {
			return b.str(func(s string) string { return strings.TrimSuffix(s, suffix) })(s)
		},
		"lower":     b.str(strings.ToLower),
		"upper":     b.str(strings.ToUpper),
		"quote":     b.str(strconv.Quote),
		"unquote":   b.str(unquote),
		"join":      b.join,
		"fields":    b.fields,
		"contains":  b.test(func(sub, s string) bool { return strings.Contains(s, sub) }),
		"hasPrefix": b.test(func(prefix, s string) bool { return strings.HasPrefix(s, prefix) }),
		"hasSuffix": b.test(func(suffix, s string) bool { return strings.HasSuffix(s, suffix) }),
		"indentBy":  b.indentBy,
		// printf, print and println replace text/template's own, which
		// would format any width into memory before anything could stop it.
		"printf":  b.printf,
		"print":   b.print,
		"println": b.println,
	}
}

// str binds a string function to the budget.
func (b *budget) str(f func(string) string) func(string) (string, error) {
	return func(s string) (string, error) {
		// The functions used this way never grow their input by more
		// than the escapes of quote (at most 10 bytes per byte).
		if err := b.step(len(s)); err != nil {
			return "", err
		}
		out := f(s)
		return out, b.result(len(out))
	}
}

// test binds a two-string predicate to the budget.
func (b *budget) test(f func(a, s string) bool) func(a, s string) (bool, error) {
	return func(a, s string) (bool, error) {
		if err := b.step(len(a) + len(s)); err != nil {
			return false, err
		}
		return f(a, s), nil
	}
}

// replace is strings.Replace within the budget.
func (b *budget) replace(old, new, s string, n int) (string, error) {
	if err := b.step(len(s)); err != nil {
		return "", err
	}
	count := strings.Count(s, old)
	if n >= 0 {
		count = min(count, n)
	}
	if err := b.result(len(s) + count*(len(new)-len(old))); err != nil {
		return "", err
	}
	return strings.Replace(s, old, new, n), nil
}

// replaceLast replaces the last occurrence of old in s.
func (b *budget) replaceLast(old, new, s string) (string, error) {
	if err := b.step(len(s)); err != nil {
		return "", err
	}
	i := strings.LastIndex(s, old)
	if i < 0 {
		return s, nil
	}
	if err := b.result(len(s) - len(old) + len(new)); err != nil {
		return "", err
	}
	return s[:i] + new + s[i+len(old):], nil
}

func (b *budget) join(sep string, list []string) (string, error) {
	n := len(sep) * max(len(list)-1, 0)
	for _, s := range list {
		n += len(s)
	}
	if err := b.result(n); err != nil {
		return "", err
	}
	return strings.Join(list, sep), nil
}

func (b *budget) fields(s string) ([]string, error) {
	if err := b.step(len(s)); err != nil {
		return nil, err
	}
	return strings.Fields(s), nil
}

func (b *budget) indentBy(prefix, s string) (string, error) {
	if err := b.step(len(s)); err != nil {
		return "", err
	}
	if err := b.result(len(s) + strings.Count(s, "\n")*len(prefix)); err != nil {
		return "", err
	}
	return indentBy(prefix, s), nil
}

func (b *budget) printf(format string, args ...any) (string, error) {
	if err := checkFormat(format); err != nil {
		if b.err == nil {
			b.err = fmt.Errorf("%w: %w", ErrTemplateLimit, err)
		}
		return "", b.err
	}
	if err := b.result(len(format) + argsSize(args)); err != nil {
		return "", err
	}
	out := fmt.Sprintf(format, args...)
	return out, b.result(len(out))
}

func (b *budget) print(args ...any) (string, error) {
	if err := b.result(argsSize(args)); err != nil {
		return "", err
	}
	return fmt.Sprint(args...), nil
}

func (b *budget) println(args ...any) (string, error) {
	if err := b.result(argsSize(args) + 1); err != nil {
		return "", err
	}
	return fmt.Sprintln(args...), nil
}

// argsSize bounds what fmt makes of args under a checked format: strings
// and string lists count their bytes, anything else (numbers, booleans) a
// small constant.
func argsSize(args []any) int {
	n := 0
	for _, a := range args {
		switch v := a.(type) {
		case string:
			n += len(v) + 2*maxFormatWidth
		case []string:
			for _, s := range v {
				n += len(s) + 1
			}
			n += 2 + 2*maxFormatWidth
		default:
			n += 32 + 2*maxFormatWidth
		}
	}
	return n
}

// checkFormat refuses a printf format with a width or precision over
// maxFormatWidth, or given by an argument ('*').
func checkFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		num := 0
		for ; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '*':
				return fmt.Errorf("printf format %q: '*' widths are not allowed", format)
			case c >= '0' && c <= '9':
				num = num*10 + int(c-'0')
				if num > maxFormatWidth {
					return fmt.Errorf("printf format %q: widths and precisions may be at most %d", format, maxFormatWidth)
				}
				continue
			case c == '.':
				num = 0
				continue
			case strings.IndexByte("+-# [", c) >= 0:
				// Flags, and argument indexes such as [1].
				if c == '[' {
					for i < len(format) && format[i] != ']' {
						i++
					}
				}
				num = 0
				continue
			}
			break
		}
	}
	return nil
}

func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"' || s[0] == '`') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func indentBy(prefix, s string) string {
	lines := strings.Split(s, "\n")
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = prefix + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// fixTemplate is one compiled, checked and instrumented template: its
// parse tree, which each executor shares (execution only reads it). The
// template it was parsed with is not kept: its function tables, which
// every executor replaces with its own, cost some 3 KB a template (0.5 MB
// of the built-in library's live heap, which every collection marks:
// BenchmarkLoadBuiltin).
type fixTemplate struct {
	name string
	tree *parse.Tree // nil: an empty template
	pool sync.Pool   // *executor
}

// executor is a copy of the template whose functions are bound to its own
// budget; one runs at a time.
type executor struct {
	tmpl *template.Template
	b    budget
}

// compileTemplate parses text, checks it and prepares it for bounded
// execution.
func compileTemplate(name, text string) (*fixTemplate, error) {
	var b budget
	t, err := template.New(name).Funcs(b.funcs()).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("{{define}} and {{block}} are not allowed in fix templates")
	}
	if t.Tree == nil || t.Tree.Root == nil {
		return &fixTemplate{name: name}, nil
	}
	if err := checkNode(t.Tree.Root, false); err != nil {
		return nil, err
	}
	instrument(t.Tree, t.Tree.Root)
	return &fixTemplate{name: name, tree: t.Tree}, nil
}

// checkNode refuses what a fix template may not do; inRange is true inside a
// range pipeline.
func checkNode(n parse.Node, inRange bool) error {
	switch n := n.(type) {
	case nil:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkNode(c, false); err != nil {
				return err
			}
		}
	case *parse.ActionNode:
		return checkNode(n.Pipe, false)
	case *parse.IfNode:
		return checkBranch(&n.BranchNode, false)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode, false)
	case *parse.RangeNode:
		return checkBranch(&n.BranchNode, true)
	case *parse.TemplateNode:
		return fmt.Errorf("{{template %q}} is not allowed in fix templates", n.Name)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := checkNode(c, inRange); err != nil {
				return err
			}
		}
	case *parse.CommandNode:
		for i, a := range n.Args {
			if err := checkArg(a, inRange); err != nil {
				return err
			}
			if id, ok := a.(*parse.IdentifierNode); ok && i == 0 && id.Ident == "printf" && len(n.Args) > 1 {
				if s, ok := n.Args[1].(*parse.StringNode); ok {
					if err := checkFormat(s.Text); err != nil {
						return err
					}
				}
			}
		}
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode:
	default:
		return fmt.Errorf("%s is not allowed in fix templates", n)
	}
	return nil
}

func checkBranch(b *parse.BranchNode, isRange bool) error {
	if err := checkNode(b.Pipe, isRange); err != nil {
		if isRange {
			return fmt.Errorf("{{range %s}}: %w", b.Pipe, err)
		}
		return err
	}
	if err := checkNode(b.List, false); err != nil {
		return err
	}
	return checkNode(b.ElseList, false)
}

func checkArg(a parse.Node, inRange bool) error {
	switch a := a.(type) {
	case *parse.IdentifierNode:
		if a.Ident == stepFunc {
			return fmt.Errorf("%s is reserved", stepFunc)
		}
		if a.Ident == "len" && inRange {
			return errors.New("range over a number (len) is not allowed: range over a capture list or fields")
		}
		if _, ok := allowedBuiltins[a.Ident]; !ok {
			if _, ok := (&budget{}).funcs()[a.Ident]; !ok {
				return fmt.Errorf("function %q is not allowed in fix templates", a.Ident)
			}
		}
	case *parse.NumberNode:
		if inRange {
			return fmt.Errorf("range over a number (%s) is not allowed: range over a capture list or fields", a.Text)
		}
	case *parse.PipeNode:
		return checkNode(a, inRange)
	case *parse.ChainNode:
		return checkArg(a.Node, inRange)
	}
	return nil
}

// instrument puts a call of stepFunc at the head of every range body, so an
// iteration that calls nothing still counts.
func instrument(tree *parse.Tree, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			instrument(tree, c)
		}
	case *parse.IfNode:
		instrument(tree, n.List)
		instrument(tree, n.ElseList)
	case *parse.WithNode:
		instrument(tree, n.List)
		instrument(tree, n.ElseList)
	case *parse.RangeNode:
		instrument(tree, n.List)
		instrument(tree, n.ElseList)
		id := parse.NewIdentifier(stepFunc).SetTree(tree).SetPos(n.Pos)
		step := &parse.ActionNode{NodeType: parse.NodeAction, Pos: n.Pos, Line: n.Line, Pipe: &parse.PipeNode{
			NodeType: parse.NodePipe, Pos: n.Pos, Line: n.Line,
			Cmds: []*parse.CommandNode{{NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{id}}},
		}}
		n.List.Nodes = append([]parse.Node{step}, n.List.Nodes...)
	}
}

func (t *fixTemplate) executor() (*executor, error) {
	if e, ok := t.pool.Get().(*executor); ok {
		return e, nil
	}
	e := &executor{}
	e.tmpl = template.New(t.name).Funcs(e.b.funcs()).Option("missingkey=error")
	if t.tree != nil {
		if _, err := e.tmpl.AddParseTree(t.name, t.tree); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// execute renders the template over data within the budget, under ctx.
func (t *fixTemplate) execute(ctx context.Context, data map[string]any) (string, error) {
	e, err := t.executor()
	if err != nil {
		return "", err
	}
	e.b = budget{ctx: ctx}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("%w: %w", ErrTemplateLimit, context.Cause(ctx))
	}
	var out capped
	err = e.tmpl.Execute(&out, data)
	b := e.b
	e.b = budget{}
	t.pool.Put(e)
	switch {
	case b.err != nil:
		return "", b.err
	case out.over:
		return "", fmt.Errorf("%w: output over %d bytes", ErrTemplateLimit, maxOutput)
	case err != nil:
		return "", err
	}
	return out.String(), nil
}

// capped is a buffer that refuses to grow past maxOutput.
type capped struct {
	strings.Builder
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.Len()+len(p) > maxOutput {
		c.over = true
		return 0, errOutputCap
	}
	return c.Builder.Write(p)
}

var errOutputCap = errors.New("fix output over the cap")
