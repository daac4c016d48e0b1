// Package review runs SyntX over a diff, as a code reviewer would, and
// learns a team's taste from its git history.
//
// Everything here reads the repository through the git command line (`git
// -C <root> ...`) and nothing leaves the machine.
//
// # An untrusted repository
//
// A repository under review is somebody else's: its .git/config and
// .gitattributes can name commands that git runs (filter drivers, textconv,
// external diff, fsmonitor, hooks). Git runs them here with all of those
// off (see Git), blobs are read with `cat-file --batch`, and files of the
// work tree through safeio (a file swapped for a FIFO is skipped, not read).
// The rules and settings a review runs with come from the base revision
// (WorkspaceAt reads .syntx/ from the commit), not from the head under
// review, so a pull request cannot switch off the rules that review it;
// the caller decides (`syntx review --trust-workspace` uses the work
// tree's). Text output quotes file names that hold control characters.
//
// # Reviewing a diff
//
// Run takes the lines changed in the working tree (staged or not, and
// untracked files) since a base revision, by default the merge base of HEAD
// and the default branch (origin/HEAD, else main, else master). It runs the
// rules over those files, keeps the matches whose site touches a changed
// line, renders each fix, and ranks them with the policy. Deleted files,
// binary files, symbolic links and files over the size limit are left out;
// a renamed file is reviewed under its new name, on its changed lines only.
// WriteText, WriteSARIF and WriteRDJSON print the result.
//
// # Review outcomes
//
// Record stores what a review offered (trigger "review", one candidate set
// per site, the review persona) and keeps, under $SYNTX_HOME/review/, a
// state per repository and branch with what it needs to find each
// suggestion again: the file's path, the commit, the lines and columns of
// the rewritten span, and the keyed hashes (store.DB.MAC) of every line of
// the file as it was, redacted (redact.Locate, line breaks kept). No file
// is kept whole and no secret is kept: with code storage on, an entry also
// keeps the redacted lines around its region (its hunk, three lines either
// side) and its redacted texts; with it off, only hashes, and the recorded
// file is read back from its commit when its text is needed (so a
// suggestion recorded on an uncommitted change that changed again before
// it was committed cannot be resolved, and is dropped). The texts stored
// with the suggestions are redacted in the context of their file, so that
// a secret the region holds without its name (a password passed by
// position) is recognised. A state written by an older SyntX (whole-file
// snapshots) is converted on the next Record and its snapshots deleted;
// RecordResult.Notes says so. Forget removes the state of a workspace, of
// suggestions offered before a time, or all of it, with the learn cursors.
// The next Record on the branch diffs each recorded file with what it is
// now, line hash by line hash, and looks at the lines around each
// suggestion's region:
//
//   - they read as the fix, ignoring whitespace and comments
//     (capture.SameSyntax), or hold the fix's tokens and no longer the
//     original's: accepted, then kept;
//   - they changed otherwise: edited, with the code as it is now;
//   - they did not change, and the base branch's version of the file has
//     them unchanged too (and either did not have them when the suggestion
//     was made or has the commit it was made at): ignored;
//   - otherwise the suggestion stays open and is not offered again.
//
// The events carry the review persona and its weight; their preferences come
// from capture.Derive, as the editor's do.
//
// # Learning from history
//
// Learn reads `git log --first-parent -p` and looks, in every changed hunk
// of a supported file, for two things: a rule that matched the code before
// the commit whose fix is what the commit wrote (the author applied the
// fix by hand), and a rule that matches the code after the commit whose fix
// is what was there before (the commit reverted the fix). Each becomes a
// suggestion of the history persona with accepted and kept events, or an
// undone event, and their preferences. It is idempotent, streams the log,
// and keeps a cursor so an interrupted run resumes.
package review
