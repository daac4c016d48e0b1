package realcorpus

import (
	"math/rand/v2"
	"os"
	"strconv"

	"github.com/syntx/syntx/syntax"
)

// Sampled is a drawn pool file with its text.
type Sampled struct {
	File
	Src []byte
}

// Sample draws up to n pool files of language g, in an order seed decides,
// that keep accepts (nil keeps all), for tests that edit real files.
func (c *Corpus) Sample(g syntax.Grammar, seed uint64, n int, keep func(File, []byte) bool) ([]Sampled, error) {
	pool := c.Files(Filter{Language: g})
	rng := rand.New(rand.NewPCG(seed, uint64(len(g))))
	rng.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	var out []Sampled
	for _, f := range pool {
		if len(out) == n {
			break
		}
		src, err := os.ReadFile(f.Path)
		if err != nil {
			return nil, err
		}
		if keep == nil || keep(f, src) {
			out = append(out, Sampled{f, src})
		}
	}
	return out, nil
}

// EnvCount reads a positive count for a test from the environment variable
// name: def when it is unset; a value that is not a positive number fails t.
func EnvCount(t TB, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
