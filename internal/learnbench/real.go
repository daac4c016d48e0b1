package learnbench

import (
	"fmt"
	"strings"

	"github.com/syntx/syntx/internal/realcorpus"
)

// RealFiles lists the files of the given real-code corpus packages (ids
// of testdata/realcorpus/pins.toml; none: every package of the pool, dev
// and check alike) in c, leaving out generated, minified and vendored
// files. It fails naming a package that is not pinned or not fetched.
func RealFiles(c *realcorpus.Corpus, ids []string) ([]string, error) {
	if len(ids) == 0 {
		var files []string
		for _, f := range c.Files(realcorpus.Filter{Without: realcorpus.Generated | realcorpus.Minified | realcorpus.Vendored}) {
			files = append(files, f.Path)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("learnbench: the real-code corpus has no pool files (run `make realcorpus`)")
		}
		return files, nil
	}
	var files, missing []string
	for _, id := range ids {
		fs := c.Files(realcorpus.Filter{Package: id, Without: realcorpus.Generated | realcorpus.Minified | realcorpus.Vendored})
		if len(fs) == 0 {
			missing = append(missing, id)
			continue
		}
		for _, f := range fs {
			files = append(files, f.Path)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("learnbench: real-code corpus has no files of %s (not pinned, or not fetched: `go run ./cmd/realcorpus fetch -only SOURCE`, or `make realcorpus`)", strings.Join(missing, ", "))
	}
	return files, nil
}
