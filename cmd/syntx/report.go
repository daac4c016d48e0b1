package main

import (
	"context"
	"io"
	"path/filepath"
	"time"

	"github.com/syntx/syntx/config"
	"github.com/syntx/syntx/internal/atomicfile"
	"github.com/syntx/syntx/store"
	"github.com/syntx/syntx/train"
)

func cmdReport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "report", "[-o FILE.html]", `Write one self-contained HTML page (inline SVG, no scripts, nothing fetched)
with the acceptance rate over time per category and per persona, the adapter
history with each run's held-out metrics and gate decision, and the loss curves
of the last runs. Without -o the page goes to stdout.`)
	out := fs.String("o", "", "output file (default: stdout)")
	buckets := fs.Int("buckets", 24, "time buckets of the acceptance charts")
	if err := parse(e, fs, args); err != nil {
		return done(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	db, err := store.Open(ctx, filepath.Join(config.DataHome(), "syntx.db"), store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := train.BuildReport(ctx, db, train.ReportOptions{Now: time.Now(), Buckets: *buckets})
	if err != nil {
		return err
	}
	if *out == "" || *out == "-" {
		return rep.WriteHTML(e.stdout)
	}
	return atomicfile.Write(*out, func(w io.Writer) error { return rep.WriteHTML(w) })
}
