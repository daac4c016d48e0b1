package main

import (
	"errors"
	"flag"
	"fmt"
)

// newFlags returns a FlagSet that prints its usage to the command's stdout
// for -h and to stderr for mistakes.
func newFlags(e *env, name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: syntx %s %s\n\n%s\n", name, args, summary)
		has := false
		fs.VisitAll(func(*flag.Flag) { has = true })
		if has {
			fmt.Fprintln(w, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parse parses args; -h prints usage to stdout and returns errHelp.
func parse(e *env, fs *flag.FlagSet, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return errHelp
		}
		if a == "--" {
			break
		}
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	return nil
}

// errHelp means help was printed; the command ends successfully.
var errHelp = errors.New("help printed")

func done(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}
