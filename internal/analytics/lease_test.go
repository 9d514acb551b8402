package analytics

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"wsec/internal/event"
	"wsec/internal/source/synthetic"
	"wsec/internal/store/clickhouse"
	"wsec/internal/store/clickhouse/chtest"
	"wsec/internal/workspace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chtest.Stop()
	os.Exit(code)
}

// clusterNode is a wsec serve node's analytics over a ClickHouse cluster:
// its own store handle, workspace service and engine state directory.
type clusterNode struct {
	name  string
	store *clickhouse.Store
	svc   *workspace.Service
	eng   *Engine
}

func newClusterNode(t *testing.T, name, url string, clk *clock, step func(string) error) *clusterNode {
	t.Helper()
	o, err := clickhouse.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	st, err := clickhouse.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := workspace.New(func(id string) (workspace.Store, error) { return st.Workspace(id) }, workspace.Options{Now: clk.Now, Dialect: st.Dialect()})
	eng, err := New(Options{Dir: filepath.Join(t.TempDir(), "analytics"), Workspace: svc, Now: clk.Now, IngestionDelay: 5 * time.Minute,
		Coordinator: st, Node: name, LeaseTTL: 4 * time.Second, testStep: step})
	if err != nil {
		t.Fatal(err)
	}
	return &clusterNode{name: name, store: st, svc: svc, eng: eng}
}

// TestSchedulerOnceAcrossNodes runs the scheduler of two nodes on one
// ClickHouse cluster at once over two hours of events, and kills the node
// running the rules in the middle of a window (it stops, holding its
// lease, as a node killed with SIGKILL). The other node takes the lease
// when it expires and resumes from the cursor kept in the cluster: every
// window is evaluated to the end once, never by both nodes at a time, and
// raises its alert and incident once.
func TestSchedulerOnceAcrossNodes(t *testing.T) {
	url := chtest.Start(t).URL
	ws := fmt.Sprintf("lease%d", time.Now().UnixNano()%1e9)
	t0 := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	clk := &clock{t: t0.Add(10 * time.Minute)}
	errKilled := errors.New("killed")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 15))

	var mu sync.Mutex
	saved := 0                // windows evaluated to the end, both nodes
	evaluating := ""          // the node between a window's query and its save
	dead := map[string]bool{} // killed nodes
	killAfter := 6            // kill the node running the 7th window
	killAt := []string{stepQueried, stepAlerts, stepIncidents}[rng.IntN(3)]
	var overlap []string
	stepOf := func(name string) func(string) error {
		return func(step string) error {
			mu.Lock()
			defer mu.Unlock()
			if dead[name] {
				return errKilled
			}
			if step == stepQueried {
				if evaluating != "" && evaluating != name {
					overlap = append(overlap, evaluating+" and "+name)
				}
				evaluating = name
			}
			if step == killAt && saved >= killAfter && len(dead) == 0 {
				dead[name] = true
				evaluating = ""
				return errKilled
			}
			if step == stepSaved {
				saved++
				evaluating = ""
			}
			return nil
		}
	}
	nodes := []*clusterNode{newClusterNode(t, "a", url, clk, stepOf("a")), newClusterNode(t, "b", url, clk, stepOf("b"))}
	ctx := context.Background()

	w, err := nodes[0].store.Workspace(ws)
	if err != nil {
		t.Fatal(err)
	}
	g := synthetic.New(synthetic.Options{Start: t0, Step: 4 * time.Second})
	for b := range 3 {
		batch := make([]*event.Event, 600)
		for i := range batch {
			batch[i] = new(event.Event)
			g.Event(uint64(b*600+i), batch[i])
		}
		if _, err := w.AppendEvents(ctx, "synthetic", uint64(b+1), batch, "test"); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range nodes {
		if _, err := n.eng.Import(ctx, ws, []byte(everyWindowRule), false); err != nil {
			t.Fatal(err)
		}
	}
	first := clk.Now().Add(-5 * time.Minute)
	for _, n := range nodes { // the first window, on whichever node takes the lease
		if _, err := n.eng.RunDue(ctx, ws); err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(t0.Add(2*time.Hour + 5*time.Minute))
	last := t0.Add(2 * time.Hour)
	windows := int(last.Sub(first)/(5*time.Minute)) + 1

	deadline := time.Now().Add(2 * time.Minute)
	var wg sync.WaitGroup
	for _, n := range nodes {
		wg.Add(1)
		go func() { // the node's scheduler loop
			defer wg.Done()
			for time.Now().Before(deadline) {
				_, err := n.eng.RunDue(ctx, ws)
				mu.Lock()
				done, killed := saved >= windows, dead[n.name]
				mu.Unlock()
				if killed || done {
					return
				}
				if err != nil {
					t.Logf("node %s: %v", n.name, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	if len(dead) != 1 {
		t.Fatalf("no node was killed (%d windows saved)", saved)
	}
	if len(overlap) > 0 {
		t.Errorf("nodes evaluated at the same time: %v", overlap)
	}
	if saved != windows {
		t.Errorf("%d windows evaluated to the end, want each of %d once", saved, windows)
	}
	q := func(kql string) [][]any {
		tb, err := nodes[1].svc.Query(ctx, ws, kql, time.Time{}, time.Time{})
		if err != nil {
			t.Fatalf("%s: %v", kql, err)
		}
		return tb.Rows
	}
	if n := q("SecurityAlert | count")[0][0].(int64); n != int64(windows) {
		t.Errorf("%d alerts, want one per window: %d", n, windows)
	}
	if dup := q("SecurityAlert | summarize n = count() by TimeGenerated | where n != 1"); len(dup) != 0 {
		t.Errorf("windows with more than one alert: %v", dup)
	}
	got := q("SecurityAlert | summarize min(TimeGenerated), max(TimeGenerated)")
	if !got[0][0].(time.Time).Equal(first) || !got[0][1].(time.Time).Equal(last) {
		t.Errorf("alert windows %v..%v, want %v..%v", got[0][0], got[0][1], first, last)
	}
	if n := q("SecurityIncident | summarize by IncidentNumber | count")[0][0].(int64); n != int64(windows) {
		t.Errorf("%d incidents, want one per window: %d", n, windows)
	}
	t.Logf("%d windows; node killed at step %q after %d", windows, killAt, killAfter)
}
