package clickhouse_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"wsec/internal/store"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/clickhouse/chtest"
)

// node opens the test cluster as another node would.
func node(t *testing.T) *clickhouse.Store {
	t.Helper()
	o, err := clickhouse.ParseURL(chtest.Start(t).URL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := clickhouse.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestLeaseOneHolder races nodes for a fresh lease: exactly one holds it;
// it keeps its term while it renews; once it stops, another node takes
// the lease under a new term, never before the old holder's Until.
func TestLeaseOneHolder(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("test-%d", time.Now().UnixNano())
	// A renewal counts only if its round trip takes less than ttl/4: a long
	// ttl keeps a loaded machine from failing renewals.
	const ttl = 8 * time.Second
	nodes := []*clickhouse.Store{node(t), node(t), node(t)}
	got := make([]store.Lease, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := n.AcquireLease(ctx, name, fmt.Sprintf("node%d", i), ttl)
			if err != nil {
				t.Error(err)
			}
			got[i] = l
		}()
	}
	wg.Wait()
	holder := -1
	for i, l := range got {
		if l.Held {
			if holder >= 0 {
				t.Fatalf("nodes %d and %d both hold the lease: %+v", holder, i, got)
			}
			holder = i
		}
	}
	if holder < 0 {
		t.Fatalf("no node holds a fresh lease: %+v", got)
	}
	term := got[holder].Term
	other := (holder + 1) % len(nodes)
	otherName := fmt.Sprintf("node%d", other)
	last := got[holder]
	for range 3 { // renewing keeps the lease
		time.Sleep(ttl / 3)
		l, err := nodes[holder].AcquireLease(ctx, name, fmt.Sprintf("node%d", holder), ttl)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Held || l.Term != term {
			t.Fatalf("renewal: %+v, want held under term %d", l, term)
		}
		if l2, err := nodes[other].AcquireLease(ctx, name, otherName, ttl); err != nil || l2.Held {
			t.Fatalf("another node took a renewed lease: %+v %v", l2, err)
		}
		last = l
	}
	for { // the holder stops renewing
		l, err := nodes[other].AcquireLease(ctx, name, otherName, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if l.Held {
			if now := time.Now(); now.Before(last.Until) {
				t.Fatalf("lease taken at %v, before the old holder's Until %v", now, last.Until)
			}
			if l.Term <= term {
				t.Fatalf("new holder's term %d, old %d", l.Term, term)
			}
			break
		}
		if time.Since(last.Until) > 3*ttl {
			t.Fatalf("lease never passed on after its holder stopped")
		}
		time.Sleep(200 * time.Millisecond)
	}
	l, err := nodes[holder].AcquireLease(ctx, name, fmt.Sprintf("node%d", holder), ttl)
	if err != nil || l.Held {
		t.Fatalf("the old holder took the lease back from a live holder: %+v %v", l, err)
	}
}

// TestMarksOnlyGrow: a key's mark is the greatest value set, whoever set
// it and in whatever order.
func TestMarksOnlyGrow(t *testing.T) {
	ctx := context.Background()
	name := fmt.Sprintf("test-%d", time.Now().UnixNano())
	a, b := node(t), node(t)
	if err := a.SetMarks(ctx, name, map[string]int64{"cursor/r1": 300, "cursor/r2": 10}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetMarks(ctx, name, map[string]int64{"cursor/r1": 200, "cursor/r2": 20}); err != nil {
		t.Fatal(err)
	}
	m, err := b.Marks(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["cursor/r1"] != 300 || m["cursor/r2"] != 20 {
		t.Fatalf("marks %v, want cursor/r1 300 and cursor/r2 20", m)
	}
	if m, err := a.Marks(ctx, name+"-other"); err != nil || len(m) != 0 {
		t.Fatalf("another lease's marks: %v %v", m, err)
	}
}
