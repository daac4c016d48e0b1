package model

import (
	"slices"
	"testing"
)

func TestNodes(t *testing.T) {
	t.Parallel()
	nodes := mustBase(t).Nodes()
	var ops, modules, outs []string
	for _, nd := range nodes {
		ops, modules, outs = append(ops, nd.Op), append(modules, nd.Module), append(outs, nd.Output)
	}
	if !slices.Equal(ops, []string{"Gemm", "Gemm", "Relu", "Gemm"}) ||
		!slices.Equal(modules, []string{ModuleSkip, ModuleFC1, "", ModuleFC2}) ||
		!slices.Equal(outs, []string{"skip_out", "fc1_out", "hidden", OutputName}) {
		t.Fatalf("nodes: ops %v, modules %v, outputs %v", ops, modules, outs)
	}
	if in := nodes[3].Inputs; !slices.Equal(in, []string{"hidden", "fc2.weight", "skip_out"}) || !nodes[3].TransB || nodes[3].Alpha != 1 || nodes[3].Beta != 1 {
		t.Fatalf("fc2 node = %+v", nodes[3])
	}
}
