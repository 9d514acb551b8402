package ship

import (
	"context"
	"maps"
	"testing"

	"wsec/internal/spool"
)

// Held is how far the source was read as the spools remember it: it
// reaches the end while the workspace is down and Durable stays at the
// start, and it survives a restart of the shipper on the same spool.
func TestHeldIsWhatTheSpoolsHold(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.stop()
	dir := t.TempDir()
	q := openSpool(t, dir, spool.Options{})
	f := newFanout(t, newShipper(t, q, testShipOptions(ws)))
	src := newTestSource(500)
	src.feed(t, context.Background(), f, 500, 100)
	want := src.lastIDs(500)
	if got := durableMap(f.Held()); !maps.Equal(got, want) {
		t.Errorf("Held %v, want %v", got, want)
	}
	for _, p := range f.Durable() {
		if p.RecordID != 0 {
			t.Fatalf("Durable %v moved though nothing was acknowledged", f.Durable())
		}
	}
	f.Close()
	q.Close()
	f = newFanout(t, newShipper(t, openSpool(t, dir, spool.Options{}), testShipOptions(ws)))
	if got := durableMap(f.Held()); !maps.Equal(got, want) {
		t.Errorf("after a restart Held %v, want %v", got, want)
	}
}
