package lsp

import (
	"context"
	"path/filepath"
	"time"
)

// Go files changed on the disk alone. What a Go document's fixes may take
// from its package's other files is read from them (rules.Requires:
// free_package_name, known_type), from their buffers while they are open
// (documents.buffersIn) and from the disk otherwise. An edit in the
// editor is seen as it happens (siblingsChanged); a change on the disk
// alone (a checkout, a generator, a formatter run outside the editor) is
// seen by the next request on its own, since the sibling caches go by
// modification time and size, but the diagnostics computed before would
// stay. A client that can watch files for the server
// (workspace.didChangeWatchedFiles.dynamicRegistration, which VS Code's
// language client announces) is asked to report the workspace's .go
// files, and a report has the diagnostics that read them computed again;
// with another client they stay until the document is next edited. The reports only ever make SyntX look again: nothing in them is
// trusted beyond the paths, which are read as any sibling is.

// goFilesWatcher is the id of the registration.
const goFilesWatcher = "syntx-go-files"

// watchGoFiles asks the client to report changes to the workspace's .go
// files, when it can (clientCaps.watchFiles). It does not wait for the
// answer.
func (s *Server) watchGoFiles() {
	s.mu.RLock()
	can, conn := s.clientCap.watchFiles, s.conn
	s.mu.RUnlock()
	if !can || conn == nil {
		return
	}
	params := map[string]any{"registrations": []any{map[string]any{
		"id":              goFilesWatcher,
		"method":          "workspace/didChangeWatchedFiles",
		"registerOptions": map[string]any{"watchers": []any{map[string]any{"globPattern": "**/*.go"}}},
	}}}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Call(ctx, "client/registerCapability", params, nil); err != nil {
			s.log.Info("the client does not report changed .go files", "err", err)
		}
	}()
}

// watchedFilesParams is workspace/didChangeWatchedFiles' payload, the
// URIs as sent.
type watchedFilesParams struct {
	Changes []struct {
		URI  string `json:"uri"`
		Type int    `json:"type"`
	} `json:"changes"`
}

// didChangeWatchedFiles takes the client's report of changed files: for
// each directory with a changed .go file that is not open (an open one's
// buffer is what counts), the diagnostics that read its files are
// computed again (siblingsChanged).
func (s *Server) didChangeWatchedFiles(ctx context.Context, params []byte) (any, error) {
	var p watchedFilesParams
	if err := decode(params, &p); err != nil {
		return nil, err
	}
	dirs := map[string]string{}
	for _, c := range p.Changes {
		key, path := normURI(c.URI)
		if goDir(path) == "" || s.docs.get(key) != nil {
			continue
		}
		dirs[filepath.Dir(path)] = path
	}
	for _, path := range dirs {
		s.siblingsChanged("", path)
	}
	return nil, nil
}
