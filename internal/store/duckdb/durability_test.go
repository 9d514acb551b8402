package duckdb

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"
)

// durabilityChildEnv makes the test binary run durabilityChild instead of
// the tests (see TestMain): the child appends batches forever and prints
// "acked N" after each AppendEvents that returned nil.
const durabilityChildEnv = "WSEC_DUCKDB_DURABILITY_CHILD"

const durabilityBatch = 500

// durabilityChild appends batches of real Security events with fresh
// identities to the store in dir until it is killed.
func durabilityChild(dir string) int {
	w, ok := childWorkspace(dir, Options{})
	if !ok {
		return 2
	}
	base := securityEvents(nopTB{})
	acked := 0
	for seq := uint64(1); ; seq++ {
		batch := synth(base, durabilityBatch, seq*durabilityBatch)
		res, err := w.AppendEvents(context.Background(), "child", seq, batch, "OpsManager")
		if err != nil {
			fmt.Fprintln(os.Stderr, "child append:", err)
			return 2
		}
		acked += res.Stored + res.Duplicates // in the store, by this batch or before
		fmt.Printf("acked %d %d\n", seq, acked)
	}
}

// TestDurabilityKill9: every batch acknowledged before a SIGKILL is in the
// database after reopening, and retrying every batch stores nothing twice.
func TestDurabilityKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	for round := 0; round < 2; round++ { // the second round kills a recovered database
		target := 6 + 3*round
		// killed right after an acknowledgement, while the next batch is
		// being written
		lastSeq, acked := killChild(t, durabilityChildEnv, dir, os.Stderr, func(seq, _ int) bool { return seq >= target })
		if lastSeq < target {
			t.Fatalf("round %d: child stopped after %d batches", round, lastSeq)
		}

		s, err := Open(dir, Options{})
		if err != nil {
			t.Fatalf("reopen after kill: %v", err)
		}
		w := mustWorkspace(t, s, "ws")
		n := count(t, w, "SecurityEvent")
		if n < int64(acked) {
			t.Fatalf("round %d: %d rows after kill -9, %d acknowledged", round, n, acked)
		}
		if n > int64(acked)+durabilityBatch {
			t.Fatalf("round %d: %d rows, more than acknowledged (%d) plus one batch", round, n, acked)
		}
		// Retry everything the child sent: nothing is stored twice.
		base := securityEvents(t)
		for seq := 1; seq <= lastSeq+1; seq++ {
			batch := synth(base, durabilityBatch, uint64(seq)*durabilityBatch)
			res, err := w.AppendEvents(context.Background(), "child", uint64(seq), batch, "OpsManager")
			if err != nil {
				t.Fatal(err)
			}
			if seq <= lastSeq && !res.Duplicate {
				t.Fatalf("round %d: acknowledged batch %d not marked after recovery", round, seq)
			}
		}
		if got := count(t, w, "SecurityEvent"); got != int64(lastSeq+1)*durabilityBatch && round == 0 {
			t.Fatalf("after retries: %d rows, want %d", got, (lastSeq+1)*durabilityBatch)
		}
		t.Logf("round %d: killed after batch %d (%d events acknowledged); %d rows found", round, lastSeq, acked, n)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// nopTB lets the child load fixtures without a testing.T.
type nopTB struct{ testing.TB }

func (nopTB) Helper()                   {}
func (nopTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

// TestIdleCheckpoint: once nothing commits for IdleCheckpointAfter, the
// WAL is folded into the database file (so a crash then leaves nothing to
// replay) and every row stays.
func TestIdleCheckpoint(t *testing.T) {
	s, _, _ := openTestStore(t, Options{IdleCheckpointAfter: 50 * time.Millisecond})
	w := mustWorkspace(t, s, "ws")
	batch := synth(securityEvents(t), 300, 1)
	if _, err := w.AppendEvents(context.Background(), "idle", 1, batch, "OpsManager"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for w.walExists() {
		if time.Now().After(deadline) {
			t.Fatal("the WAL is still there 30 s after the last commit")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := count(t, w, "SecurityEvent"); n != int64(len(batch)) {
		t.Fatalf("%d rows after the idle checkpoint, want %d", n, len(batch))
	}
}
