//go:build race

package lsp

// raceEnabled: the race detector slows the server about tenfold, so timing
// budgets are not asserted.
const raceEnabled = true
