package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/syntx/syntx/lsp"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func init() { lsp.Version = version }

func cmdVersion(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "", "Print the version of syntx.")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(e.stdout, "syntx %s%s %s/%s %s\n", version, rev, runtime.GOOS, runtime.GOARCH, runtime.Version())
	return nil
}
