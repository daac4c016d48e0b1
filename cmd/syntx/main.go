// Command syntx is the SyntX language server and its tools.
//
// Usage:
//
//	syntx <command> [flags] [args]
//
// Run `syntx help` for the list of commands and `syntx <command> -h` for
// each command's flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// graceAfterSignal is how long a command has, after SIGINT or SIGTERM, to
// stop at a point of its choosing before the process exits anyway.
const graceAfterSignal = 1500 * time.Millisecond

func main() {
	// SIGINT and SIGTERM cancel the context: long commands stop at the next
	// point where the data stays consistent (a commit, a file) and exit
	// with status 130. Work that cannot be interrupted (compiling the
	// rules' queries, one tree-sitter match) could hold that up: after
	// graceAfterSignal the process exits anyway. The database, the adapters
	// and the learn cursor are written so that a process killed at any
	// point leaves them consistent (the crash tests kill servers and
	// training with SIGKILL), so this costs at most the unfinished work.
	// A second signal is not caught, and ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	finished := make(chan struct{})
	go func() {
		<-ctx.Done()
		stop()
		select {
		case <-finished:
		case <-time.After(graceAfterSignal):
			fmt.Fprintf(os.Stderr, "syntx: interrupted; did not stop within %v, exiting now\n", graceAfterSignal)
			os.Exit(130)
		}
	}()
	// Only protocol frames may reach stdout during `syntx serve`: everything
	// else that writes to os.Stdout by accident goes to stderr instead, and
	// commands write their output through the writer run is given.
	stdout := os.Stdout
	os.Stdout = os.Stderr
	err := run(ctx, os.Args[1:], os.Stdin, stdout, os.Stderr)
	close(finished)
	stop()
	var ec exitCode
	switch {
	case errors.As(err, &ec):
		os.Exit(int(ec))
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "syntx:", err)
		os.Exit(1)
	}
}

// exitCode ends the process with a status and no message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// errUsage reports a usage error that was already printed.
var errUsage = errors.New("usage")

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

func commands() []command {
	return []command{
		{"serve", "run the language server on stdio", cmdServe},
		{"demo", "replay a scripted editing session against the real server", cmdDemo},
		{"rules", "list, test or measure the rules (rules list | test [DIR] | stats [DIR])", cmdRules},
		{"trust", "trust a workspace folder's own rules and settings ([PATH] | --revoke PATH | --list)", cmdTrust},
		{"status", "show what has been recorded (events, preferences, adapter)", cmdStatus},
		{"audit", "verify the audit chain, print its head or the log (audit verify [--head H] | head | log)", cmdAudit},
		{"forget", "delete recorded data, review state and the adapters trained on it (--all | --workspace PATH | --before DATE)", cmdForget},
		{"export", "export preferences as JSONL for TRL (--format dpo|kto)", cmdExport},
		{"train", "train a new adapter on the recorded preferences", cmdTrain},
		{"model", "inspect the policy, export it, roll back (model info | export-onnx FILE | rollback | init)", cmdModel},
		{"report", "write an HTML report of acceptance, adapters and training", cmdReport},
		{"review", "review the changed lines of a branch (--base REV, --format sarif|rdjson, --record)", cmdReview},
		{"learn", "learn preferences from the git history (--git [--since DATE] [--max-commits N])", cmdLearn},
		{"version", "print the version", cmdVersion},
		{"help", "show this help, or a command's help", cmdHelp},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return errUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "-help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "syntx: unknown command %q\n\n", name)
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "SyntX: a private feedback loop for code suggestions.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: syntx <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run `syntx <command> -h` for a command's flags.")
}

func cmdHelp(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		usage(e.stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			return c.run(ctx, e, []string{"-h"})
		}
	}
	fmt.Fprintf(e.stderr, "syntx: unknown command %q\n", args[0])
	return errUsage
}
