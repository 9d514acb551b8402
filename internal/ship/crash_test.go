package ship

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/spool"
)

// The end-to-end crash test runs this test binary again as an agent: a
// synthetic source, a bookmark store, a spool, a Fanout and a Shipper
// posting to the parent's fake workspace. The parent kills it with SIGKILL
// at random points — in the middle of spooling, and right after the
// workspace stored a batch but before the agent heard back — several
// times, then lets it finish, and checks that the workspace holds every
// event exactly once.
const (
	crashChildEnv = "WSEC_SHIP_CRASH_CHILD" // agent dir: run as the child
	crashURLEnv   = "WSEC_SHIP_CRASH_URL"
	crashTotal    = 6000
)

func crashChild() int {
	dir, url := os.Getenv(crashChildEnv), os.Getenv(crashURLEnv)
	fail := func(format string, args ...any) int {
		fmt.Printf("ERR "+format+"\n", args...)
		return 2
	}
	q, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{SegmentBytes: 256 << 10})
	if err != nil {
		return fail("open spool: %v", err)
	}
	bm, err := bookmark.Load(filepath.Join(dir, "bookmark.json"))
	if err != nil {
		return fail("load bookmark: %v", err)
	}
	s, err := New(q, Options{URL: url, WorkspaceID: wsA, Key: testKey, SenderID: testSender,
		FlushInterval: 5 * time.Millisecond, MaxBatchRecords: 300, RetryBase: time.Millisecond, RetryMax: 10 * time.Millisecond})
	if err != nil {
		return fail("new shipper: %v", err)
	}
	f, _ := NewFanout(s)
	ctx := context.Background()
	go f.Run(ctx)
	save := func() error {
		for _, p := range f.Durable() {
			bm.Advance(p.Channel, p.RecordID)
		}
		return bm.Save()
	}
	src := newTestSource(crashTotal)
	src.seek(bm.Positions())
	fmt.Printf("START %d\n", src.next)
	for src.next < crashTotal {
		n := min(97, crashTotal-src.next)
		items := make([]Item, n)
		for i := range items {
			items[i] = src.item(src.next + uint64(i))
		}
		if err := f.Offer(ctx, items); err != nil {
			if errors.Is(err, ErrRewind) {
				src.seek(f.Durable())
				continue
			}
			return fail("offer: %v", err)
		}
		src.next += n
		if err := save(); err != nil {
			return fail("save bookmark: %v", err)
		}
		fmt.Printf("O %d\n", src.next)
	}
	want := src.lastIDs(crashTotal)
	for {
		if err := save(); err != nil {
			return fail("save bookmark: %v", err)
		}
		got := map[string]uint64{}
		for _, p := range bm.Positions() {
			got[p.Channel] = p.RecordID
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			fmt.Println("DONE")
			return 0
		}
		select {
		case <-f.waitChan():
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestKill9EndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	ws := newFakeWorkspace(t, wsA)
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill points from PCG seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))

	var mu sync.Mutex
	var child *exec.Cmd
	killAtBatch := 0 // kill when the workspace stores this batch (0: never)
	kills := 0
	ws.after = func(n int, _ http.ResponseWriter, _ *http.Request) int {
		mu.Lock()
		defer mu.Unlock()
		if child != nil && killAtBatch > 0 && n >= killAtBatch {
			child.Process.Kill() // stored, not acknowledged
			killAtBatch = 0
			kills++
		}
		return 0
	}
	const crashes = 8
	for run := 0; ; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashURLEnv+"="+ws.URL())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		last := run == crashes
		killAtLine := 0
		mu.Lock()
		if !last {
			if run%2 == 0 {
				req, _, _, _ := ws.stats()
				killAtBatch = req + 1 + rng.IntN(4)
			} else {
				killAtLine = 1 + rng.IntN(12)
			}
		}
		child = cmd
		if err := cmd.Start(); err != nil {
			mu.Unlock()
			t.Fatal(err)
		}
		mu.Unlock()
		r := bufio.NewReader(stdout)
		lines, done := 0, false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				break
			}
			lines++
			switch {
			case strings.HasPrefix(line, "ERR"):
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("run %d: child: %s", run, line)
			case strings.HasPrefix(line, "DONE"):
				done = true
			}
			if killAtLine > 0 && lines == killAtLine {
				cmd.Process.Kill() // in the middle of spooling, maybe of a request body
				mu.Lock()
				kills++
				mu.Unlock()
			}
		}
		cmd.Wait()
		mu.Lock()
		child, killAtBatch = nil, 0
		mu.Unlock()
		if done {
			if !last {
				t.Logf("run %d finished before its kill", run)
			}
			break
		}
		if last {
			t.Fatalf("final run %d did not finish (%d lines)", run, lines)
		}
	}
	ws.waitEvents(t, crashTotal)
	src := newTestSource(crashTotal)
	ws.checkExactlyOnce(t, src.keys(0, crashTotal))
	req, batches, dups, refused := ws.stats()
	ws.mu.Lock()
	aborted := ws.aborted
	ws.mu.Unlock()
	t.Logf("%d kills, %d requests (%d cut short by a kill), %d batches stored, %d duplicates dropped, %d refused",
		kills, req, aborted, batches, dups, refused)
	// Every request the agent completed was well formed; only a kill can
	// cut one short, and it cuts at most the batches in flight.
	if refused != 0 {
		t.Fatalf("workspace refused %d requests: %s", refused, ws.lastErr())
	}
	if aborted > kills*DefaultMaxInFlight {
		t.Fatalf("%d requests ended mid-body but the agent was killed only %d times", aborted, kills)
	}
}
