package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/event"
	"wsec/internal/logfile"
)

// importBatchEvents is how many kept events go into one batch. It is part
// of each batch's identity, so it is fixed rather than a flag.
const importBatchEvents = 5000

// importMaxRetryWait caps the backoff between retries of one batch.
const importMaxRetryWait = 30 * time.Second

// importDefaultRetryFor is how long import keeps retrying a batch the
// workspace server does not take (--retry-for): long enough to ride out a
// server restart, short enough that a server that is not running is
// reported within minutes rather than waited for in silence.
const importDefaultRetryFor = 2 * time.Minute

// importState records which files were imported completely, by identity,
// so a re-run skips them, and how many batches of an unfinished file the
// workspace acknowledged, so a re-run sends only the rest. (Batches carry
// the same (sender, seq) every run, so one sent again is stored once.)
type importState struct {
	Done map[string]string `json:"done"`           // sender → path
	Sent map[string]uint64 `json:"sent,omitempty"` // sender → batches acknowledged, for files not done
}

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr)
	cf := addClientFlags(fs)
	set := fs.String("set", "All", "event set to import: All, Common, Minimal or None (All keeps every Security and AppLocker event; other channels need --all-channels)")
	allChannels := fs.Bool("all-channels", false, "import every event of every channel (Sysmon, System, ...) into WindowsEvent too; overrides --set and --xpath")
	var xpaths stringsFlag
	fs.Var(&xpaths, "xpath", "also import events matching this query 'Channel!XPath' (repeatable)")
	statePath := fs.String("state", "", "file remembering completed files (default: in the user cache directory, per workspace)")
	force := fs.Bool("force", false, "import files again even if the state file says they are done")
	workers := fs.Int("workers", 0, "goroutines decoding EVTX chunks (0: all cores)")
	quiet := fs.Bool("quiet", !isTerminal(stderr), "no progress line (default when stderr is not a terminal)")
	retryFor := fs.Duration("retry-for", importDefaultRetryFor, "give up when the workspace server has not taken a batch for this long (run the same command again to resume)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.UsageError("give at least one EVTX or event-XML file or folder")
	}
	var keep func(*event.Event) bool
	if !*allChannels {
		var err error
		if keep, err = compileFilter(*set, xpaths); err != nil {
			return err
		}
	}
	c, err := cf.client(client.Options{SourceSystem: "wsec-import"})
	if err != nil {
		return err
	}
	files, err := logfile.Expand(fs.Args())
	if err != nil {
		return err
	}
	if *statePath == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		*statePath = filepath.Join(dir, "wsec", "import-"+c.Workspace()+".json")
	}
	state := loadImportState(*statePath)
	policy := fmt.Sprintf("set=%s all=%v xpath=%q batch=%d", *set, *allChannels, []string(xpaths), importBatchEvents)

	var totalBytes int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil {
			totalBytes += st.Size()
		}
	}
	prog := newProgress(stderr, totalBytes, *quiet)
	var tot eventsTotals
	var stored, dups, refused, resent, skippedFiles, notImported int
	for i, path := range files {
		tot.files++
		sender, err := importSender(path, policy)
		if err != nil {
			tot.unreadable++
			fmt.Fprintf(stderr, "wsec import: %v\n", err)
			continue
		}
		if _, done := state.Done[sender]; done && !*force {
			skippedFiles++
			if st, err := os.Stat(path); err == nil {
				prog.skip(st.Size())
			}
			continue
		}
		imp := &fileImport{c: c, sender: sender, ctx: ctx, warn: stderr, retryFor: *retryFor, acked: state.Sent[sender]}
		st, err := logfile.Read(ctx, path, logfile.Options{Workers: *workers, Progress: prog.file},
			func(evs []*event.Event) []*event.Event {
				if keep == nil {
					return evs
				}
				kept := evs[:0:0]
				for _, e := range evs {
					if keep(e) {
						kept = append(kept, e)
					}
				}
				return kept
			},
			func(kept []*event.Event) error {
				prog.records(len(kept))
				return imp.add(kept)
			})
		if err == nil {
			err = imp.flush()
		}
		prog.fileDone(st.Bytes)
		tot.add(path, st)
		tot.kept += imp.kept
		stored += imp.stored
		dups += imp.dups
		refused += imp.refused
		resent += imp.skipped
		if err != nil && imp.sendErr == nil && ctx.Err() == nil {
			tot.unreadable++
			fmt.Fprintf(stderr, "\nwsec import: %s: %v\n", path, err)
			continue
		}
		if err != nil {
			// Not the file's fault: the workspace did not take it (or we
			// were interrupted). Remember what it acknowledged, so the
			// next run sends only the rest.
			notImported++
			fmt.Fprintf(stderr, "\nwsec import: %s: %v\n", path, explainUnreachable(err))
			if imp.acked > 0 {
				state.Sent[sender] = imp.acked
				if err := saveImportState(*statePath, state); err != nil {
					fmt.Fprintf(stderr, "wsec import: %v (the next run sends this file from its start)\n", err)
				}
			}
			if ctx.Err() != nil || client.Retryable(err) || isFatalSend(err) {
				// Every later file would wait for the same server or hit
				// the same refusal.
				notImported += len(files) - i - 1
				break
			}
			continue
		}
		state.Done[sender] = path
		delete(state.Sent, sender)
		if err := saveImportState(*statePath, state); err != nil {
			fmt.Fprintf(stderr, "\nwsec import: %v (the import itself is complete)\n", err)
		}
	}
	prog.finish()
	tot.print(stderr, "import")
	fmt.Fprintf(stderr, "wsec import: %d stored, %d already in the workspace", stored, dups)
	if refused > 0 {
		fmt.Fprintf(stderr, ", %d refused by the workspace", refused)
	}
	if resent > 0 {
		fmt.Fprintf(stderr, ", %d sent by an earlier run", resent)
	}
	if skippedFiles > 0 {
		fmt.Fprintf(stderr, ", %d files skipped as imported before (--force to send them again)", skippedFiles)
	}
	fmt.Fprintln(stderr)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted with %s not imported; run the same command again to resume", plural(notImported, "file"))
	case notImported > 0:
		return fmt.Errorf("%s not imported; run the same command again to resume where it stopped", plural(notImported, "file"))
	case tot.unreadable > 0 && tot.unreadable == tot.files:
		return fmt.Errorf("nothing could be imported from %s", plural(tot.files, "file"))
	}
	return nil
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// isFatalSend reports refusals that every later file would hit too (a
// wrong key, a wrong workspace).
func isFatalSend(err error) bool {
	var e *client.Error
	return errors.As(err, &e) && (e.Status == 401 || e.Status == 403 || e.Status == 404)
}

// importSender is the stable identity of one file's import under one
// policy: the same file imported the same way gives the same batches.
func importSender(path, policy string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", path, err)
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%d\x00%s", abs, st.Size(), st.ModTime().UnixNano(), policy)))
	return "import-" + hex.EncodeToString(h[:12]), nil
}

// fileImport batches one file's kept events and sends each batch until the
// workspace acknowledges it, for at most retryFor of failures in a row.
// Batches up to acked (acknowledged in an earlier run) are not sent again.
type fileImport struct {
	ctx                         context.Context
	warn                        io.Writer // retries are reported here
	c                           *client.Client
	sender                      string
	retryFor                    time.Duration
	seq, acked                  uint64
	buf                         []byte
	n                           int
	kept, stored, dups, skipped int
	refused                     int
	sendErr                     error // why the workspace did not take a batch
}

func (f *fileImport) add(evs []*event.Event) error {
	for _, e := range evs {
		f.buf = e.AppendFramed(f.buf)
		f.n++
		f.kept++
		if f.n == importBatchEvents {
			if err := f.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fileImport) flush() error {
	if f.n == 0 {
		return nil
	}
	f.seq++
	if f.seq <= f.acked {
		f.skipped += f.n
		f.buf, f.n = f.buf[:0], 0
		return nil
	}
	wait := 200 * time.Millisecond
	start := time.Now()
	for attempt := 1; ; attempt++ {
		res, err := f.c.SendBatch(f.ctx, f.sender, f.seq, f.buf)
		if err == nil {
			f.stored += res.Stored
			f.dups += res.Duplicates
			f.refused += len(res.Rejected)
			if len(res.Rejected) > 0 {
				fmt.Fprintf(f.warn, "\nwsec import: batch %d: the workspace refused %d events, e.g. event %d: %s\n",
					f.seq, len(res.Rejected), res.Rejected[0].Index, res.Rejected[0].Reason)
			}
			f.acked = f.seq
			f.buf, f.n = f.buf[:0], 0
			return nil
		}
		if !client.Retryable(err) || f.ctx.Err() != nil {
			f.sendErr = fmt.Errorf("send batch %d: %w", f.seq, err)
			return f.sendErr
		}
		if time.Since(start) >= f.retryFor {
			f.sendErr = fmt.Errorf("send batch %d: gave up after %v of failures (--retry-for) and %d attempts: %w",
				f.seq, f.retryFor, attempt, err)
			return f.sendErr
		}
		// Full jitter keeps many importers from retrying in step.
		sleep := time.Duration(rand.Int64N(int64(wait)))
		sleep = min(sleep, max(f.retryFor-time.Since(start), 0))
		select {
		case <-f.ctx.Done():
			f.sendErr = f.ctx.Err()
			return f.sendErr
		case <-time.After(sleep):
		}
		wait = min(wait*2, importMaxRetryWait)
		if attempt%5 == 0 {
			fmt.Fprintf(f.warn, "\nwsec import: batch %d still failing after %d attempts: %v; retrying\n", f.seq, attempt, err)
		}
	}
}

func loadImportState(path string) *importState {
	s := &importState{}
	if b, err := os.ReadFile(path); err == nil && json.Unmarshal(b, s) != nil {
		s = &importState{}
	}
	if s.Done == nil {
		s.Done = map[string]string{}
	}
	if s.Sent == nil {
		s.Sent = map[string]uint64{}
	}
	return s
}

func saveImportState(path string, s *importState) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	b, _ := json.MarshalIndent(s, "", "  ") // a map of strings always marshals
	return atomicfile.WriteFile(path, b, 0o600)
}

// progress prints one updating line: bytes done, records, MB/s, ETA.
type progress struct {
	w           io.Writer
	total       int64
	done        int64 // bytes of finished files
	cur         int64 // bytes of the current file
	recs        int
	start, last time.Time
	quiet       bool
	label, unit string // "import", "records sent" unless set
}

func newProgress(w io.Writer, total int64, quiet bool) *progress {
	now := time.Now()
	return &progress{w: w, total: total, start: now, quiet: quiet}
}

func (p *progress) file(done, _ int64) { p.cur = done; p.draw(false) }
func (p *progress) records(n int)      { p.recs += n }
func (p *progress) skip(n int64)       { p.total -= n }
func (p *progress) fileDone(n int64)   { p.done += max(n, p.cur); p.cur = 0; p.draw(false) }
func (p *progress) finish()            { p.draw(true) }

func (p *progress) draw(final bool) {
	if p.quiet {
		return
	}
	now := time.Now()
	if !final && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	done := p.done + p.cur
	secs := now.Sub(p.start).Seconds()
	rate := float64(done) / 1e6 / max(secs, 1e-3)
	eta := "-"
	if rate > 0 && p.total > done {
		eta = (time.Duration(float64(p.total-done)/1e6/rate) * time.Second).String()
	}
	pct := 100.0
	if p.total > 0 {
		pct = min(100, 100*float64(done)/float64(p.total))
	}
	label, unit := p.label, p.unit
	if label == "" {
		label, unit = "import", "records sent"
	}
	line := fmt.Sprintf("\r%s: %5.1f%%  %d %s  %.1f MB/s  ETA %s", label, pct, p.recs, unit, rate, eta)
	fmt.Fprint(p.w, line+strings.Repeat(" ", max(0, 70-len(line))))
	if final {
		fmt.Fprintln(p.w)
	}
}

// isTerminal reports whether w is a character device (a terminal), where a
// progress line that rewrites itself makes sense.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
