package model

import "slices"

// Node describes one compiled node of a Network's graph, in evaluation
// order, so that a reverse-mode pass over a Trace (package train) can walk
// the graph backwards. Values are named as in Trace.Value: the input
// InputName, the initializers (WeightNames) and the node outputs.
type Node struct {
	// Op is "Gemm", "MatMul", "Add", "Relu" or "Sigmoid".
	Op string
	// Inputs are the operands: Gemm A, B, C; MatMul A, B; Add A, B;
	// Relu and Sigmoid X.
	Inputs []string
	// Output is the name of the value the node computes.
	Output string
	// Alpha and Beta are Gemm's factors (out = Alpha·A·op(B) + Beta·C);
	// 1 for the other operators.
	Alpha, Beta float32
	// TransB reports that Gemm's B is stored [out, in] (op(B) = Bᵀ).
	TransB bool
	// Module is the LoRA target module whose weight is the B operand
	// (see Target), or "" when the node has none. With a LoRA layer the
	// node adds Alpha·Scale·(A·Lᴬᵀ)·Lᴮᵀ to its output.
	Module string
}

// Nodes returns the graph's nodes in evaluation order.
func (n *Network) Nodes() []Node {
	out := make([]Node, len(n.nodes))
	for i, nd := range n.nodes {
		ins := make([]string, len(nd.in))
		for j, id := range nd.in {
			ins[j] = n.values[id].name
		}
		out[i] = Node{
			Op:     nd.op.String(),
			Inputs: ins,
			Output: n.values[nd.out].name,
			Alpha:  nd.alpha,
			Beta:   nd.beta,
			TransB: nd.transB,
		}
		if nd.target >= 0 {
			out[i].Module = n.targets[nd.target].Module
		}
	}
	return slices.Clip(out)
}
