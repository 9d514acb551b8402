package ship

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"wsec/internal/bookmark"
	"wsec/internal/event"
	"wsec/internal/ship/shiptest"
	"wsec/internal/spool"
)

func TestDeliverExactlyOnce(t *testing.T) {
	for _, c := range []Compression{Zstd, S2, Gzip} {
		t.Run(string(c), func(t *testing.T) {
			ws := newFakeWorkspace(t, wsA)
			f, src, encodings := ship3000(t, ws, c)
			if encodings[string(c)] == 0 {
				t.Fatalf("no %s batches arrived: %v", c, encodings)
			}
			if got, want := durableMap(f.Durable()), src.lastIDs(3000); !maps.Equal(got, want) {
				t.Fatalf("Durable = %v, want %v", got, want)
			}
			st := f.Status()[0]
			if st.SentRecords != 3000 || !st.Healthy() || st.LastSuccess.IsZero() {
				t.Fatalf("status %+v", st)
			}
		})
	}
}

// TestS2RefusedFallsBackToZstd: a workspace older than S2 answers an s2
// body with 400. That refuses the encoding, not the batch: the same batch
// goes again with zstd, every later batch is zstd, nothing is parked as
// rejected, and every event is stored once.
func TestS2RefusedFallsBackToZstd(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	var s2Refused atomic.Int64
	ws.before = func(_ int, r *http.Request) int {
		if r.Header.Get("Content-Encoding") == "s2" {
			s2Refused.Add(1)
			return http.StatusBadRequest
		}
		return 0
	}
	f, _, encodings := ship3000(t, ws, S2)
	if s2Refused.Load() == 0 || encodings["zstd"] == 0 || len(encodings) != 1 {
		t.Fatalf("%d s2 bodies refused, stored by encoding %v: want s2 tried, then zstd only", s2Refused.Load(), encodings)
	}
	if st := f.Status()[0]; st.Rejected != 0 || st.SentRecords != 3000 {
		t.Fatalf("status %+v: want 3000 records sent and none rejected", st)
	}
}

// ship3000 ships 3,000 synthetic events to ws with compression c, waits
// until each is stored exactly once and the spool is drained, and returns
// the batches stored per Content-Encoding.
func ship3000(t *testing.T, ws *fakeWorkspace, c Compression) (*Fanout, *testSource, map[string]int) {
	t.Helper()
	q := openSpool(t, t.TempDir(), spool.Options{})
	o := testShipOptions(ws)
	o.Compression = c
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	src := newTestSource(3000)
	src.feed(t, context.Background(), f, 3000, 250)
	ws.waitEvents(t, 3000)
	ws.checkExactlyOnce(t, src.keys(0, 3000))
	waitDrained(t, f)
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return f, src, maps.Clone(ws.encodings)
}

func TestServerDownThenUp(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.stop() // connection refused
	_, f := shipTo(t, ws)
	running(t, f)
	src := newTestSource(2000)
	src.feed(t, context.Background(), f, 1000, 100)
	waitFor(t, f, "a failed attempt", func() bool { return f.Status()[0].Retries > 2 })
	if st := f.Status()[0]; st.LastError == "" || st.QueuedRecords != 1000 || st.Healthy() {
		t.Fatalf("status while down: %+v", st)
	}
	if d := f.Durable(); len(d) != 0 {
		// Nothing is acknowledged: the bookmark must not move.
		for _, p := range d {
			if p.RecordID != 0 {
				t.Fatalf("Durable moved while the workspace was down: %v", d)
			}
		}
	}
	ws.restart()
	src.feed(t, context.Background(), f, 2000, 100)
	ws.waitEvents(t, 2000)
	ws.checkExactlyOnce(t, src.keys(0, 2000))
	waitFor(t, f, "healthy status", func() bool { return f.Status()[0].Healthy() })
}

func TestIntermittentFailures(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.before = func(n int, _ *http.Request) int {
		if n%3 == 0 {
			return http.StatusInternalServerError // refused before storing
		}
		return 0
	}
	ws.after = func(n int, _ http.ResponseWriter, _ *http.Request) int {
		if n%4 == 1 {
			return http.StatusServiceUnavailable // stored, but the agent does not know
		}
		return 0
	}
	_, f := shipTo(t, ws)
	running(t, f)
	src := newTestSource(4000)
	src.feed(t, context.Background(), f, 4000, 300)
	ws.waitEvents(t, 4000)
	waitDrained(t, f)
	ws.checkExactlyOnce(t, src.keys(0, 4000))
	if _, _, dups, _ := ws.stats(); dups == 0 {
		t.Fatal("no batch was sent twice: the stored-then-503 case did not happen")
	}
}

func TestSlowServerTimesOut(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.after = func(n int, _ http.ResponseWriter, r *http.Request) int {
		if n <= 2 {
			<-r.Context().Done() // hang until the agent gives up
		}
		return 0
	}
	q := openSpool(t, t.TempDir(), spool.Options{})
	o := testShipOptions(ws)
	o.RequestTimeout = 100e6 // 100 ms
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	src := newTestSource(1500)
	src.feed(t, context.Background(), f, 1500, 500)
	ws.waitEvents(t, 1500)
	waitDrained(t, f)
	ws.checkExactlyOnce(t, src.keys(0, 1500))
	if _, _, dups, _ := ws.stats(); dups < 1 {
		t.Fatalf("timed-out batches were not re-sent (dups %d)", dups)
	}
}

// The workspace stores a batch, then the agent stops before it hears back.
// More events are spooled while it is down. After the restart the batch in
// flight must go out again with the same X-Wsec-Seq and exactly the same
// records, so the workspace drops it, and nothing is lost or doubled.
func TestCrashAfterStoreBeforeAck(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	stored := make(chan struct{})
	release := make(chan struct{})
	ws.after = func(n int, _ http.ResponseWriter, r *http.Request) int {
		if n == 2 {
			close(stored)
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		return 0
	}
	dir := t.TempDir()
	q := openSpool(t, dir, spool.Options{})
	o := testShipOptions(ws)
	o.FlushInterval = 50e6
	f := newFanout(t, newShipper(t, q, o))
	stop := running(t, f)
	src := newTestSource(3000)
	// 650 events: batch 1 is cut full (500) or earlier by FlushInterval,
	// so batch 2 is smaller than a full batch, which the restarted
	// shipper could cut from the same first record.
	src.feed(t, context.Background(), f, 650, 50)
	<-stored
	stop() // the agent dies with batch 2 stored but not acknowledged
	close(release)
	f.Close()
	st := q.Stats()
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if st.DepthRecords == 0 {
		t.Fatal("nothing left unacknowledged: the crash came too late")
	}

	q = openSpool(t, dir, spool.Options{})
	f = newFanout(t, newShipper(t, q, o))
	// The source restarts from its bookmark (nothing acknowledged past
	// batch 1) and also reads new events; the spool gets them before the
	// shipper starts, so a naive shipper would cut a bigger batch 2.
	src.seek(f.Durable())
	src.feed(t, context.Background(), f, 2000, 100)
	running(t, f)
	src.feed(t, context.Background(), f, 3000, 100)
	ws.waitEvents(t, 3000)
	waitDrained(t, f)
	ws.checkExactlyOnce(t, src.keys(0, 3000))
	if _, _, dups, _ := ws.stats(); dups != 1 {
		t.Fatalf("%d duplicate batches, want exactly the one in flight", dups)
	}
}

// Records re-read from the source after a restart (the bookmark lags the
// spool) are not spooled twice.
func TestRestartDoesNotRespoolWhatIsHeld(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.stop()
	dir := t.TempDir()
	q := openSpool(t, dir, spool.Options{})
	o := testShipOptions(ws)
	f := newFanout(t, newShipper(t, q, o))
	src := newTestSource(2000)
	src.feed(t, context.Background(), f, 1500, 200) // spooled, not sent
	f.Close()
	q.Close()

	q = openSpool(t, dir, spool.Options{})
	f = newFanout(t, newShipper(t, q, o))
	src.next = 0 // an old bookmark: re-read everything
	src.feed(t, context.Background(), f, 2000, 200)
	if st := q.Stats(); st.DepthRecords != 2000 {
		t.Fatalf("spool holds %d records, want 2000 (re-read events spooled twice?)", st.DepthRecords)
	}
	ws.restart()
	running(t, f)
	ws.waitEvents(t, 2000)
	waitDrained(t, f)
	ws.checkExactlyOnce(t, src.keys(0, 2000))
}

func TestRejectedBatchIsParked(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.before = func(n int, _ *http.Request) int {
		if n == 2 {
			return http.StatusBadRequest
		}
		return 0
	}
	q := openSpool(t, t.TempDir(), spool.Options{})
	dl := t.TempDir()
	o := testShipOptions(ws)
	o.DeadLetterDir = dl
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	src := newTestSource(2000)
	src.feed(t, context.Background(), f, 2000, 500)
	waitDrained(t, f)
	st := f.Status()[0]
	if st.Rejected != 1 || st.RejectedRecords == 0 {
		t.Fatalf("status %+v: want one rejected batch", st)
	}
	// The parked body decodes, and with what the workspace stored it
	// accounts for every event exactly once.
	bodies, _ := filepath.Glob(filepath.Join(dl, "*"+deadLetterBodySuffix))
	if len(bodies) != 1 {
		t.Fatalf("dead-letter files %v", bodies)
	}
	raw, err := os.ReadFile(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	evs, err := shiptest.DecodeBatch(raw)
	if err != nil {
		t.Fatal(err)
	}
	parked := map[event.Key]int{}
	for _, e := range evs {
		parked[e.Key()]++
	}
	if len(parked) != int(st.RejectedRecords) {
		t.Fatalf("parked %d events, status says %d", len(parked), st.RejectedRecords)
	}
	ws.mu.Lock()
	for k := range parked {
		ws.events[k]++ // as if replayed from the dead-letter directory
	}
	ws.mu.Unlock()
	ws.checkExactlyOnce(t, src.keys(0, 2000))
}

func TestAuthFailureIsRetriedNotParked(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.before = func(n int, _ *http.Request) int {
		if n <= 3 {
			return http.StatusForbidden // e.g. the key is being rotated
		}
		return 0
	}
	_, f := shipTo(t, ws)
	running(t, f)
	src := newTestSource(500)
	src.feed(t, context.Background(), f, 500, 500)
	ws.waitEvents(t, 500)
	ws.checkExactlyOnce(t, src.keys(0, 500))
	if st := f.Status()[0]; st.Rejected != 0 || st.Retries < 3 {
		t.Fatalf("status %+v: want 3 retries and nothing parked", st)
	}
}

func TestTooLargeBatchIsSplit(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	var tooLarge atomic.Int32
	ws.before = func(_ int, r *http.Request) int {
		if n, _ := strconv.Atoi(r.Header.Get(HeaderCount)); n >= 100 {
			tooLarge.Add(1)
			return http.StatusRequestEntityTooLarge
		}
		return 0
	}
	_, f := shipTo(t, ws)
	running(t, f)
	src := newTestSource(1200)
	src.feed(t, context.Background(), f, 1200, 600)
	ws.waitEvents(t, 1200)
	ws.checkExactlyOnce(t, src.keys(0, 1200))
	if st := f.Status()[0]; st.Rejected != 0 {
		t.Fatalf("status %+v", st)
	}
	if tooLarge.Load() == 0 {
		t.Fatal("no batch of 100 or more events was sent: nothing was split")
	}
}

// TestTooLargeRecordIsParked: a workspace that refuses even one record as
// too large cannot be helped by splitting further; each such record is
// parked once, and nothing else happens to it.
func TestTooLargeRecordIsParked(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	ws.before = func(int, *http.Request) int { return http.StatusRequestEntityTooLarge }
	q := openSpool(t, t.TempDir(), spool.Options{})
	o := testShipOptions(ws)
	o.DeadLetterDir = t.TempDir()
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	const n = 12
	src := newTestSource(n)
	src.feed(t, context.Background(), f, n, n)
	waitDrained(t, f)
	if st := f.Status()[0]; st.Rejected != n || st.RejectedRecords != n || st.SentRecords != 0 {
		t.Fatalf("status %+v: want each of the %d records parked alone", st, n)
	}
	if bodies, _ := filepath.Glob(filepath.Join(o.DeadLetterDir, "*"+deadLetterBodySuffix)); len(bodies) != n {
		t.Fatalf("%d dead-letter bodies, want %d", len(bodies), n)
	}
}

func TestFilterAndDurable(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	q := openSpool(t, t.TempDir(), spool.Options{})
	o := testShipOptions(ws)
	o.Filter = func(e *event.Event) bool { return e.System.EventID == 4625 }
	f := newFanout(t, newShipper(t, q, o))
	running(t, f)
	src := newTestSource(5000)
	src.feed(t, context.Background(), f, 5000, 1000)
	var want []event.Key
	for n := uint64(0); n < 5000; n++ {
		if it := src.item(n); it.Event.System.EventID == 4625 {
			want = append(want, it.Event.Key())
		}
	}
	if len(want) == 0 {
		t.Fatal("no 4625 in the synthetic log")
	}
	ws.waitEvents(t, len(want))
	waitDrained(t, f)
	ws.checkExactlyOnce(t, want)
	// Filtered-out events are done too: the bookmark may pass them.
	if got, wantD := durableMap(f.Durable()), src.lastIDs(5000); !maps.Equal(got, wantD) {
		t.Fatalf("Durable = %v, want %v", got, wantD)
	}
}

func TestOptionsValidation(t *testing.T) {
	ok := Options{URL: "https://ws.example", WorkspaceID: wsA, Key: testKey, SenderID: "a"}
	f := func(mod func(*Options), wantErr bool) {
		t.Helper()
		o := ok
		mod(&o)
		_, err := o.withDefaults()
		if (err != nil) != wantErr {
			t.Fatalf("options %+v: err %v, want error %v", o, err, wantErr)
		}
	}
	f(func(*Options) {}, false)
	f(func(o *Options) { o.URL = "" }, true)
	f(func(o *Options) { o.URL = "ftp://x" }, true)
	f(func(o *Options) { o.WorkspaceID = "nope" }, true)
	f(func(o *Options) { o.Key = "not base64!" }, true)
	f(func(o *Options) { o.SenderID = "" }, true)
	f(func(o *Options) { o.SenderID = "host name with spaces" }, true)
	f(func(o *Options) { o.SenderID = "{0B7E3F3C-5D8A-4C5E-9A51-1F0C2D3E4F5A}" }, false)
	f(func(o *Options) { o.Compression = "lz4" }, true)
	f(func(o *Options) { o.ProxyURL = "::" }, true)
	f(func(o *Options) { o.MaxBatchBytes = MaxBatchBytes + 1 }, true)
	f(func(o *Options) { o.Compression = Gzip }, false)
	f(func(o *Options) { o.Compression = S2 }, false)
}

func TestTooManyChannels(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	q, f := shipTo(t, ws)
	it := newTestSource(1).item(0)
	items := make([]Item, MaxChannels+1)
	for i := range items {
		items[i] = Item{Pos: bookmark.Position{Channel: fmt.Sprintf("Channel-%d", i), RecordID: 1}, Event: it.Event}
	}
	if err := f.Offer(context.Background(), items[:MaxChannels]); err != nil {
		t.Fatalf("%d channels: %v", MaxChannels, err)
	}
	if err := f.Offer(context.Background(), items[MaxChannels:]); err == nil {
		t.Fatal("one channel too many was accepted")
	}
	if got := q.Stats().DepthRecords; got != MaxChannels {
		t.Fatalf("spooled %d records, want %d", got, MaxChannels)
	}
	// The state with every channel fits the spool's limit.
	if n := len(state{positions: f.Durable()}.marshal()); n > spool.MaxStateBytes {
		t.Fatalf("state of %d bytes exceeds %d", n, spool.MaxStateBytes)
	}
}

// TestRunEndsWithTheSpoolsError: a spool closed under a running shipper
// ends Run with spool.ErrClosed, not nil, so that its caller reopens the
// spool and starts a new shipper instead of taking it for a clean stop
// and leaving the spooled events unsent.
func TestRunEndsWithTheSpoolsError(t *testing.T) {
	ws := newFakeWorkspace(t, wsA)
	q := openSpool(t, t.TempDir(), spool.Options{})
	s := newShipper(t, q, testShipOptions(ws))
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	time.Sleep(50 * time.Millisecond) // let Run wait for records
	q.Close()
	select {
	case err := <-done:
		if !errors.Is(err, spool.ErrClosed) {
			t.Fatalf("Run returned %v after its spool closed, want spool.ErrClosed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its spool closed")
	}
}
