package duckdb

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/source/synthetic"
)

// The restart benchmark: a child process loads a workspace the way
// scripts/bench-scale.sh does (4 senders, batches of 10,000 synthetic
// events of one UTC day) and is killed with SIGKILL; the parent then times,
// on copies of what the kill left, opening the workspace and the first
// batch accepted after it, which is what bench-scale's restart figure
// measures less the process start.

// restartChildEnv makes the test binary run restartChild (TestMain).
const restartChildEnv = "WSEC_DUCKDB_RESTART_CHILD"

const (
	restartBatch   = 10_000
	restartSenders = 4
)

// restartDayEvents is the number of events of the day the timestamps are
// spread over: WSEC_RESTART_DAY_EVENTS, default 3M. 100M makes an hour
// hold what it holds at 100M events a day (~4.2M), the hour the first
// batch after the restart must load for dedup.
func restartDayEvents() int { return envInt("WSEC_RESTART_DAY_EVENTS", 3_000_000) }

var restartDay = time.Date(2024, 2, 28, 0, 0, 0, 0, time.UTC)

// restartChild loads dir's workspace "ws" until it is killed, printing
// "acked EVENTS WALBYTES" after each acknowledged batch.
func restartChild(dir string) int {
	w, ok := childWorkspace(dir, Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if !ok {
		return 2
	}
	day := restartDayEvents()
	g := synthetic.New(synthetic.Options{Start: restartDay, Step: 24 * time.Hour / time.Duration(day)})
	var mu sync.Mutex
	acked := 0
	var wg sync.WaitGroup
	for p := range restartSenders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]*event.Event, restartBatch)
			for i := range batch {
				batch[i] = new(event.Event)
			}
			for b := p; ; b += restartSenders {
				for i, e := range batch {
					g.Event(uint64((b*restartBatch+i)%day), e)
				}
				if _, err := w.AppendEvents(context.Background(), "load-"+strconv.Itoa(p), uint64(b/restartSenders+1), batch, "OpsManager"); err != nil {
					fmt.Fprintln(os.Stderr, "child append:", err)
					os.Exit(2)
				}
				st, _ := os.Stat(w.path + walFileSuffix)
				var wal int64
				if st != nil {
					wal = st.Size()
				}
				mu.Lock()
				acked += restartBatch
				fmt.Printf("acked %d %d\n", acked, wal)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return 0
}

// BenchmarkRestart: the child is killed once its WAL reaches
// WSEC_RESTART_WAL_MB MiB (default 200) or it has acknowledged
// WSEC_RESTART_EVENTS events (default 3M), whichever comes first; each
// iteration then opens a copy of the killed store and sends one batch of
// new events of the same day. Reported: seconds to open the workspace and
// to the first batch accepted.
func BenchmarkRestart(b *testing.B) {
	walTarget := envInt("WSEC_RESTART_WAL_MB", 200) << 20
	day := restartDayEvents()
	maxEvents := envInt("WSEC_RESTART_EVENTS", day)
	src := b.TempDir()
	var stderr strings.Builder
	acked, _ := killChild(b, restartChildEnv, src, &stderr, func(acked, wal int) bool { return wal >= walTarget || acked >= maxEvents })
	st, err := os.Stat(filepath.Join(src, "ws"+workspaceFileSuffix+walFileSuffix))
	if err != nil {
		b.Fatalf("no WAL after the kill (%v); child's log:\n%s", err, stderr.String())
	}
	b.Logf("killed after %d events acknowledged; WAL %d MiB", acked, st.Size()>>20)

	// new events amid those stored: their hour is the densest
	step := 24 * time.Hour / time.Duration(day)
	g := synthetic.New(synthetic.Options{Start: restartDay.Add(step / 2), Step: step, FirstRecordID: 1 << 40})
	first := make([]*event.Event, restartBatch)
	for i := range first {
		first[i] = new(event.Event)
		g.Event(uint64(min(day, acked)/2+i), first[i])
	}
	var openSum, firstSum, cpuSum time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "copy")
		if err := copyDir(src, dir); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, cpu0 := time.Now(), processCPU()
		s, err := Open(dir, Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
		if err != nil {
			b.Fatal(err)
		}
		w := mustWorkspace(b, s, "ws")
		opened, openCPU := time.Since(start), processCPU()-cpu0
		res, err := w.AppendEvents(context.Background(), "after-restart", uint64(i+1), first, "OpsManager")
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(start)
		b.StopTimer()
		if res.Stored != len(first) {
			b.Fatalf("first batch after restart stored %d of %d", res.Stored, len(first))
		}
		b.Logf("open %.2f s (%.2f cpu-s), first batch accepted %.2f s", opened.Seconds(), openCPU.Seconds(), took.Seconds())
		openSum += opened
		cpuSum += openCPU
		firstSum += took
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(openSum.Seconds()/float64(b.N), "s-open")
	b.ReportMetric(firstSum.Seconds()/float64(b.N), "s-first-batch")
	b.ReportMetric(cpuSum.Seconds()/float64(b.N), "cpu-s-open")
	b.ReportMetric(float64(st.Size()>>20), "MiB-wal")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// copyDir copies the regular files of src into a new directory dst.
func copyDir(src, dst string) error {
	if err := os.MkdirAll(dst, 0o750); err != nil {
		return err
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// benchLogger logs to stderr when WSEC_BENCH_LOG is set (checkpoints,
// opening), else nowhere.
func benchLogger() *slog.Logger {
	if os.Getenv("WSEC_BENCH_LOG") == "" {
		return nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, nil))
}
