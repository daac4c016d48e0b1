package rules

import sitter "github.com/smacker/go-tree-sitter"

// boolean-context? @n (JavaScript, TypeScript): only n's truthiness is
// used: n is the condition of an if, while, do or for, the condition of a
// conditional expression, the operand of !, or an operand of && / || (or
// inside parentheses) that itself sits in one of those places. There, a
// value and any other value of the same truthiness are interchangeable
// (`a && a.b` and `a?.b`: a falsy a gives a, or undefined, both falsy).
func predBooleanContext(e *evalEnv, n *sitter.Node, _ []predArg) (bool, Span) {
	path := e.index().pathToNode(n)
	if path == nil {
		return false, noDeps
	}
	fn, _ := e.functionAround(path)
	deps := spanOf(fn)
	for i := len(path) - 2; i >= 0; i-- {
		parent, child := path[i], path[i+1]
		switch parent.typ {
		case "parenthesized_expression":
			if i > 0 {
				switch path[i-1].typ {
				case "if_statement", "while_statement", "do_statement":
					return path[i].field == "condition", deps
				}
			}
			continue
		case "binary_expression":
			switch nodeType(parent.node.ChildByFieldName("operator")) {
			case "&&", "||":
				continue
			}
			return false, deps
		case "unary_expression":
			return nodeType(parent.node.ChildByFieldName("operator")) == "!", deps
		case "ternary_expression", "for_statement":
			return child.field == "condition", deps
		case "if_statement", "while_statement", "do_statement":
			return child.field == "condition", deps
		}
		return false, deps
	}
	return false, deps
}
