package model

import (
	"os"
	"strings"
	"testing"
)

// The onnx-go workarounds of onnxgo.go were last checked against
// onnxGoChecked. These tests show that each defect is still there, and
// fail once upstream behaves — then delete the workaround the message
// names — or once go.mod moves to another version, so that a bump re-checks
// them.

func TestOnnxGoVersionIsTheCheckedOne(t *testing.T) {
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := "github.com/owulveryck/onnx-go " + onnxGoChecked
	if !strings.Contains(string(gomod), want+"\n") {
		t.Fatalf("go.mod no longer requires %s: check each workaround in model/onnxgo.go against the new version (its tests say which still apply), then update onnxGoChecked", want)
	}
}

// A Gemm whose C already has the output's shape ([1, n] with a one-row
// batch) writes its result into C, so the bias grows with every run.
func TestUpstreamGemmAccumulatesIntoAOneRowC(t *testing.T) {
	inst, err := newONNXGoInstance(BaseONNX(), 1) // one row: no padding
	if err != nil {
		t.Fatal(err)
	}
	var outs []float32
	for range 2 {
		out, err := inst.run() // zero features: the same input each time
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out[0])
	}
	if outs[0] == outs[1] {
		t.Fatalf("onnx-go %s no longer accumulates a Gemm into a one-row C (%v twice): onnxGoBucket may stop padding batches to 2 rows", onnxGoChecked, outs[0])
	}
	padded, err := newONNXGoInstance(BaseONNX(), 2)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := padded.run()
	b, _ := padded.run()
	if a[0] != b[0] {
		t.Fatalf("a padded batch gives %v, then %v: the workaround no longer works", a[0], b[0])
	}
}
