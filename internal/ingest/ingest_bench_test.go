package ingest

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"wsec/internal/auth"
	"wsec/internal/event"
)

// discardStore accepts everything and keeps nothing.
type discardStore struct{}

func (discardStore) AppendEvents(_ context.Context, _, _ string, _ uint64, evs []*event.Event, _ string) (Result, error) {
	return Result{Stored: len(evs)}, nil
}
func (discardStore) AppendCustom(_ context.Context, _, _ string, recs []map[string]any, _ string) (int, error) {
	return len(recs), nil
}
func (discardStore) AppendHeartbeat(context.Context, string, *Heartbeat) error { return nil }

const benchBatch = 2000 // events per batch, about what the agent ships

// BenchmarkDecodeBatch: decompress and decode one zstd batch of realistic
// Security events (the CPU work of a native request).
func BenchmarkDecodeBatch(b *testing.B) {
	for _, enc := range []struct {
		name string
		e    encoding
		f    func(testing.TB, []byte) []byte
	}{{"zstd", encZstd, zstded}, {"s2", encS2, func(_ testing.TB, b []byte) []byte { return s2.Encode(nil, b) }}, {"gzip", encGzip, gzipped}} {
		b.Run(enc.name, func(b *testing.B) {
			h, err := New(Options{Appender: discardStore{}, Verifier: denyAll{}})
			if err != nil {
				b.Fatal(err)
			}
			raw := batchBody(synthEvents(0, benchBatch))
			body := enc.f(b, raw)
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			b.ResetTimer()
			for b.Loop() {
				dec, ref := h.decompress(context.Background(), body, enc.e)
				if ref != nil {
					b.Fatal(ref)
				}
				evs, _, ref := decodeEvents(dec, formatBatch, h.limits)
				if ref != nil || len(evs) != benchBatch {
					b.Fatal(ref)
				}
			}
			b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(len(raw))/float64(len(body)), "ratio")
		})
	}
}

// BenchmarkNativeRequest: a whole signed request through the handler
// (verify, read, decompress, decode, answer) with a store that keeps nothing.
func BenchmarkNativeRequest(b *testing.B) {
	reg, err := auth.Open(b.TempDir(), auth.Options{})
	if err != nil {
		b.Fatal(err)
	}
	w, _ := reg.Create("bench")
	h, err := New(Options{Appender: discardStore{}, Verifier: auth.NewVerifier(reg, nil)})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	raw := batchBody(synthEvents(0, benchBatch))
	body := zstded(b, raw)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	now := time.Now()
	var seq uint64
	for b.Loop() {
		seq++
		req := httptest.NewRequest("POST", "/v1/workspaces/"+w.ID+"/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", ContentTypeBatch)
		req.Header.Set("Content-Encoding", "zstd")
		req.Header.Set(HeaderSender, "bench")
		req.Header.Set(HeaderSeq, "1")
		if err := auth.SignAt(req, w.ID, w.PrimaryKey, now); err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "events/s")
}
