package gateway

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// The relay beside a direct connection, in the same run, against the same
// workspace (the real ingest handler and verifier over an in-memory store;
// the relay's spool fsyncs on the machine's disk):
//
//	go test -run '^$' -bench BenchmarkRelay -benchtime 200x ./internal/gateway
//
// Bodies are zstd-compressed, as agents send them. Throughput: batches
// of 1000 events from 4 agents at once (each sends
// one body again and again under new sequence numbers), events/s until
// the workspace took them all. Latency: one batch of 100 events at
// a time, from the agent's POST until the workspace stored it (for the
// relay that includes the spool's fsync, the 202, and forwarding).
func BenchmarkRelayThroughput(b *testing.B) {
	for _, via := range []string{"direct", "relay"} {
		b.Run(via, func(b *testing.B) {
			ws := newWorkspace(b, wsA)
			url := ws.srv.URL
			if via == "relay" {
				url = startRelay(b, RelayOptions{Dir: b.TempDir(), Upstreams: []Upstream{{wsA, ws.srv.URL}}}).srv.URL
			}
			const agents, perBatch = 4, 1000
			ags := make([]*agent, agents)
			bodies := make([][]byte, agents)
			for i := range agents {
				ags[i] = newAgent(b, ws.w, "agent-"+string(rune('a'+i))).withZstd()
				bodies[i] = ags[i].batch(uint64(i*perBatch), uint64((i+1)*perBatch))
			}
			total := b.N * perBatch
			done := make(chan struct{})
			var once sync.Once
			ws.store.onAppend = func() {
				if ws.store.appended >= total {
					once.Do(func() { close(done) })
				}
			}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for i := range agents {
				wg.Go(func() {
					for n := i; n < b.N; n += agents {
						resp, err := ags[i].client.Do(ags[i].request(url, uint64(n+1), bodies[i]))
						if err != nil || resp.StatusCode/100 != 2 {
							b.Errorf("batch %d: %v %v", n, resp, err)
							return
						}
						resp.Body.Close()
					}
				})
			}
			wg.Wait()
			select {
			case <-done:
			case <-time.After(time.Minute):
				b.Fatalf("workspace took %d of %d events", ws.store.appended, total)
			}
			b.ReportMetric(float64(total)/time.Since(start).Seconds(), "events/s")
		})
	}
}

func BenchmarkRelayLatency(b *testing.B) {
	for _, via := range []string{"direct", "relay"} {
		b.Run(via, func(b *testing.B) {
			ws := newWorkspace(b, wsA)
			url := ws.srv.URL
			if via == "relay" {
				url = startRelay(b, RelayOptions{Dir: b.TempDir(), Upstreams: []Upstream{{wsA, ws.srv.URL}}}).srv.URL
			}
			stored := make(chan struct{}, 1)
			ws.store.onAppend = func() {
				select {
				case stored <- struct{}{}:
				default:
				}
			}
			ag := newAgent(b, ws.w, "agent-1").withZstd()
			const perBatch = 100
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for n := range b.N {
				lo := uint64(n * perBatch)
				req := ag.request(url, uint64(n+1), ag.batch(lo, lo+perBatch))
				start := time.Now()
				resp, err := ag.client.Do(req)
				if err != nil || resp.StatusCode/100 != 2 {
					b.Fatalf("batch %d: %v %v", n, resp, err)
				}
				resp.Body.Close()
				<-stored
				lat = append(lat, time.Since(start))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
