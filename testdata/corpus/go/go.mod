module example.com/corpus

// The generated Go corpus is current Go: rules that need a declared
// version (go.loopvar-copy) are tested on it as in a module that says so.
go 1.26
