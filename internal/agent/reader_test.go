package agent

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"wsec/internal/source"
	"wsec/internal/source/synthetic"
)

// flakyStream is a synthetic stream whose first read fails midway (an I/O
// error on a file, say).
type flakyStream struct {
	*synthetic.Stream
	reads atomic.Int32
}

func (f *flakyStream) Read(ctx context.Context, after uint64, emit func(source.Batch) error) error {
	if f.reads.Add(1) > 1 {
		return f.Stream.Read(ctx, after, emit)
	}
	n := 0
	err := f.Stream.Read(ctx, after, func(b source.Batch) error {
		if n++; n > 2 {
			return errors.New("read sector: input/output error")
		}
		return emit(b)
	})
	return err
}

// TestStreamFailureIsRetried: a stream that fails is read again after a
// backoff from the durable position; nothing is lost or repeated, and the
// error shows in the status meanwhile.
func TestStreamFailureIsRetried(t *testing.T) {
	w := newFakeWorkspace(t)
	const count = 20_000
	c := syntheticConfig(t.TempDir(), count, 0, destTo("w", w, "All"))
	a, err := open(Options{Config: c, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	flaky := &flakyStream{Stream: synthetic.NewStream(synthetic.StreamOptions{Count: count, BatchSize: 1000, Generator: synthetic.Options{Seed: 42}})}
	a.rd = newReader(a.fan, a.bm, []source.Stream{flaky}, maxOfferBytes(c), a.log, a.m, a.now, true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err = a.run(ctx, Options{})
	a.close()
	if err != nil || ctx.Err() != nil {
		t.Fatalf("run: %v (%v)", err, ctx.Err())
	}
	if flaky.reads.Load() != 2 {
		t.Errorf("the stream was read %d times, want 2 (a failure, then a retry)", flaky.reads.Load())
	}
	st, _ := ReadStatus(c.DataDir)
	if st.Streams[0].LastError == "" || !st.Streams[0].Done {
		t.Errorf("stream status %+v: want done, with the earlier error kept", st.Streams[0])
	}
	w.check(t, "workspace", expectSynthetic(t, gen(), count, policy(t, "All")))
}
