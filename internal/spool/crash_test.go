package spool

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The kill -9 test runs this test binary again as a child process that
// appends forever, printing a line after each Append returns; the parent
// kills it with SIGKILL at a random line, several times, and then checks
// the spool against every line it saw.
const (
	crashChildEnv = "WSEC_SPOOL_CRASH_CHILD" // spool dir: run as the child
	crashRunEnv   = "WSEC_SPOOL_CRASH_RUN"   // which run this is
	crashSyncEnv  = "WSEC_SPOOL_CRASH_SYNC"  // Options.SyncInterval
)

func crashOptions(sync time.Duration) Options {
	return Options{SegmentBytes: 64 << 10, MaxBytes: 1 << 30, InitialSeq: 1, SyncInterval: sync}
}

func crashContent(run, i int) []byte {
	b := fmt.Appendf(nil, "r%d-i%d|", run, i)
	return append(b, bytes.Repeat([]byte{'z'}, (i*131)%900)...)
}

// crashChild appends batches and prints "A <first> <last> <run> <i>" after
// each Append returns, and "K <seq>" after each Ack returns.
func crashChild() int {
	dir := os.Getenv(crashChildEnv)
	run, _ := strconv.Atoi(os.Getenv(crashRunEnv))
	sync, _ := time.ParseDuration(os.Getenv(crashSyncEnv))
	q, err := Open(dir, crashOptions(sync))
	if err != nil {
		fmt.Printf("ERR open: %v\n", err)
		return 2
	}
	out := bufio.NewWriter(os.Stdout)
	for i, batch := 0, 0; ; batch++ {
		k := 1 + batch%17
		recs := make([][]byte, k)
		for j := range recs {
			recs[j] = crashContent(run, i+j)
		}
		last, err := q.Append(recs...)
		if err != nil {
			fmt.Fprintf(out, "ERR append: %v\n", err)
			out.Flush()
			return 2
		}
		fmt.Fprintf(out, "A %d %d %d %d\n", last-uint64(k)+1, last, run, i)
		out.Flush()
		i += k
		if batch%5 == 4 {
			rs, err := q.Read(40, 1<<20)
			if err != nil {
				fmt.Fprintf(out, "ERR read: %v\n", err)
				out.Flush()
				return 2
			}
			if len(rs) > 0 {
				if err := q.Ack(rs[len(rs)-1].Seq); err != nil {
					fmt.Fprintf(out, "ERR ack: %v\n", err)
					out.Flush()
					return 2
				}
				fmt.Fprintf(out, "K %d\n", rs[len(rs)-1].Seq)
				out.Flush()
			}
		}
	}
}

type crashLine struct {
	first, last uint64
	run, i      int
}

func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary; skipped with -short")
	}
	for _, sync := range []time.Duration{0, time.Millisecond} {
		t.Run(fmt.Sprintf("sync=%v", sync), func(t *testing.T) { testKill9(t, sync) })
	}
}

func testKill9(t *testing.T, sync time.Duration) {
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("kill points from PCG seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	var appended []crashLine
	var maxAcked uint64
	const runs = 6
	for run := 0; run < runs; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashRunEnv+"="+strconv.Itoa(run),
			crashSyncEnv+"="+sync.String())
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		killAt := 20 + rng.IntN(600)
		r := bufio.NewReader(stdout)
		lines := 0
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatal(err)
				}
				break // a line without its newline was cut by the kill: ignore it
			}
			f := strings.Fields(line)
			switch f[0] {
			case "ERR":
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("run %d: child: %s", run, line)
			case "A":
				var l crashLine
				l.first, _ = strconv.ParseUint(f[1], 10, 64)
				l.last, _ = strconv.ParseUint(f[2], 10, 64)
				l.run, _ = strconv.Atoi(f[3])
				l.i, _ = strconv.Atoi(f[4])
				appended = append(appended, l)
			case "K":
				s, _ := strconv.ParseUint(f[1], 10, 64)
				maxAcked = max(maxAcked, s)
			}
			lines++
			if lines == killAt {
				if err := cmd.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
			}
		}
		cmd.Wait()
		if lines < killAt {
			t.Fatalf("run %d: child stopped after %d lines, before the kill", run, lines)
		}
	}

	q := openQ(t, dir, crashOptions(sync))
	defer q.Close()
	if q.Acked() < maxAcked {
		t.Fatalf("acknowledged cursor %d is behind the last acknowledgement the child saw, %d", q.Acked(), maxAcked)
	}
	got := map[uint64][]byte{}
	seen := map[string]uint64{}
	for _, r := range readAll(t, q) {
		got[r.Seq] = r.Data
		id := string(r.Data[:bytes.IndexByte(r.Data, '|')])
		if prev, dup := seen[id]; dup {
			t.Fatalf("record %s stored twice, as %d and %d", id, prev, r.Seq)
		}
		seen[id] = r.Seq
	}
	var checked int
	for _, l := range appended {
		for s := l.first; s <= l.last; s++ {
			if s <= q.Acked() {
				continue
			}
			want := crashContent(l.run, l.i+int(s-l.first))
			if !bytes.Equal(got[s], want) {
				t.Fatalf("record %d (run %d) was appended but reads back as %.20q", s, l.run, got[s])
			}
			checked++
		}
	}
	t.Logf("%d runs, %d appends seen, acked %d, %d unacknowledged records checked", runs, len(appended), q.Acked(), checked)
}
