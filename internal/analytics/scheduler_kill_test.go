package analytics

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Environment of the child process of TestSchedulerKill9.
const (
	killChildDir = "WSEC_ANALYTICS_KILL_DIR"
	killChildNow = "WSEC_ANALYTICS_KILL_NOW"
)

// TestSchedulerKillChild is the scheduler as a server runs it, in a
// child process of TestSchedulerKill9: over the store and state in
// $WSEC_ANALYTICS_KILL_DIR at the clock $WSEC_ANALYTICS_KILL_NOW, it
// evaluates every due window and prints "caught up".
func TestSchedulerKillChild(t *testing.T) {
	dir := os.Getenv(killChildDir)
	if dir == "" {
		t.Skip("the child of TestSchedulerKill9")
	}
	now, err := time.Parse(time.RFC3339, os.Getenv(killChildNow))
	if err != nil {
		t.Fatal(err)
	}
	env := newEnv(t, dir, now)
	eng := env.engine(t, nil)
	if _, err := eng.Import(context.Background(), testWS, []byte(everyWindowRule), false); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("evaluating\n")
	if _, err := eng.RunDue(context.Background(), testWS); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("caught up\n")
}

// TestSchedulerKill9 runs the scheduler in a child process over a real
// store and kills it with SIGKILL at random moments of its evaluation,
// again and again, advancing a controlled clock an hour at a time; a
// child that catches up ends the hour. Every window must then hold
// exactly one alert and one incident: nothing skipped, nothing twice.
func TestSchedulerKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts many processes")
	}
	dir := t.TempDir()
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	func() { // the events, written before any child opens the store
		env := newEnv(t, dir, t0)
		env.synthetic(t, t0, 4*time.Second, 6*900, nil)
		env.store.Close()
	}()
	rng := rand.New(rand.NewPCG(1, 2))
	kills, runs := 0, 0
	// How long a child takes to evaluate, learned from children that got
	// to the end, so that kills land during evaluation on fast machines
	// as on slow ones.
	budget := time.Second
	first := t0.Add(5 * time.Minute) // the window ending at the first horizon (clock 8:10, less the delay)
	var last time.Time
	for now := t0.Add(10 * time.Minute); now.Before(t0.Add(6 * time.Hour)); now = now.Add(time.Hour) {
		last = now.Add(-5 * time.Minute)
		for attempt := 0; ; attempt++ {
			if attempt > 50 {
				t.Fatal("the scheduler never caught up")
			}
			runs++
			cmd := exec.Command(os.Args[0], "-test.run=^TestSchedulerKillChild$", "-test.v")
			cmd.Env = append(os.Environ(), killChildDir+"="+dir, killChildNow+"="+now.Format(time.RFC3339))
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = cmd.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(out)
			var lines []string
			for sc.Scan() {
				lines = append(lines, sc.Text())
				if sc.Text() == "evaluating" {
					break
				}
			}
			// Kill at a random moment of the evaluation in three of four
			// runs; let the fourth finish.
			start := time.Now()
			killed := false
			if rng.IntN(4) != 0 {
				time.Sleep(time.Duration(rng.Int64N(int64(budget))))
				killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			}
			for sc.Scan() {
				lines = append(lines, sc.Text())
			}
			caught := strings.Contains(strings.Join(lines, "\n"), "caught up")
			if caught {
				budget = max(time.Since(start), time.Millisecond)
			}
			err = cmd.Wait()
			if err != nil && !killed {
				t.Fatalf("child failed: %v\n%s", err, strings.Join(lines, "\n"))
			}
			if killed && !caught {
				kills++
			}
			if caught {
				break
			}
		}
	}
	env := newEnv(t, dir, last)
	windows := int(last.Sub(first)/(5*time.Minute)) + 1
	if n := env.count(t, "SecurityAlert"); n != int64(windows) {
		t.Errorf("%d alerts, want one per window: %d", n, windows)
	}
	if dup := env.query(t, "SecurityAlert | summarize n = count() by TimeGenerated | where n != 1"); len(dup) != 0 {
		t.Errorf("windows with more than one alert: %v", dup)
	}
	got := env.query(t, "SecurityAlert | summarize min(TimeGenerated), max(TimeGenerated)")
	if lastEnd := first.Add(time.Duration(windows-1) * 5 * time.Minute); !got[0][0].(time.Time).Equal(first) || !got[0][1].(time.Time).Equal(lastEnd) {
		t.Errorf("alert windows %v..%v, want %v..%v", got[0][0], got[0][1], first, lastEnd)
	}
	if n := env.count(t, "SecurityIncident | summarize by IncidentNumber"); n != int64(windows) {
		t.Errorf("%d incidents, want one per window: %d", n, windows)
	}
	if kills < 3 {
		t.Errorf("only %d runs were killed during evaluation", kills)
	}
	t.Logf("%d windows, %d runs, %d killed during evaluation", windows, runs, kills)
}
