// Command genbase writes the SyntX base policy, BuildBase(DefaultBaseConfig()),
// as an ONNX file. It is run by `go generate ./model`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/syntx/syntx/model"
)

func main() {
	out := flag.String("o", "base.onnx", "output file")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "genbase:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	b := model.BuildBase(model.DefaultBaseConfig()).MarshalONNX()
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
