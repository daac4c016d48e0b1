// Package sched is Linux's idle scheduling class for work that must not
// slow the editor: SCHED_IDLE (sched(7)), under which a thread runs only
// when a core would otherwise be idle, and the idle I/O class
// (ioprio_set(2)). Both are per thread on Linux, and a new thread or
// process inherits its creator's.
//
// IdleThread moves one thread there. StartIdle starts a command from a
// thread that is there already, so the child is idle from its first
// instruction: a Go program that lowers its own priority does so only
// after the runtime and every package's init have run (30-40 ms of a
// normal-priority core for syntx), which on a 2-core laptop is
// measurable in the latency of the language server beside it.
//
// Holder lets a parent hold a background child at the child's own safe
// points while the developer types, by lines on the child's standard
// input (HoldLine, ReleaseLine): a team push waits between transactions.
//
// Elsewhere IdleThread reports errors.ErrUnsupported and StartIdle is
// cmd.Start.
package sched
