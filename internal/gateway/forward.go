package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/atomicfile"
	"wsec/internal/ship"
	"wsec/internal/spool"
)

// forwarder delivers one workspace's spool: it reads relayed batches in
// order, sends up to InFlight at once, and moves the spool cursor past a
// batch once it and every batch before it are delivered or parked.
type forwarder struct {
	r    *Relay
	ws   string
	base *url.URL
	q    *spool.Queue
	http *http.Client
	log  *slog.Logger
	dl   string // dead-letter directory
	reg  prometheus.Registerer

	// the reading goroutine only
	from    uint64
	pending []spool.Record
	cur     *assembly

	mu     sync.Mutex
	dlUsed int64
	st     Status
}

// Status is one workspace's forwarding state (GET /status).
type Status struct {
	Workspace        string    `json:"workspace"`
	URL              string    `json:"url"`
	QueuedRecords    uint64    `json:"queuedRecords"`
	SpoolBytes       int64     `json:"spoolBytes"`
	SpoolMaxBytes    int64     `json:"spoolMaxBytes"`
	ForwardedBatches uint64    `json:"forwardedBatches"`
	ForwardedBytes   uint64    `json:"forwardedBytes"`
	ParkedBatches    uint64    `json:"parkedBatches,omitempty"`
	Retries          uint64    `json:"retries"`
	LastSuccess      time.Time `json:"lastSuccess,omitzero"`
	LastError        string    `json:"lastError,omitempty"`
	LastErrorTime    time.Time `json:"lastErrorTime,omitzero"`
}

func openForwarder(r *Relay, ws string, base *url.URL) (*forwarder, error) {
	reg := r.o.Registerer
	if reg != nil {
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"workspace": ws}, reg)
	}
	q, err := spool.Open(spoolDir(r.o.Dir, ws), spool.Options{MaxBytes: r.o.MaxSpoolBytes, Logger: r.log, Registerer: reg})
	if err != nil {
		return nil, fmt.Errorf("relay: workspace %s: %w", ws, err)
	}
	f := &forwarder{
		r: r, ws: ws, base: base, q: q, reg: reg,
		http: &http.Client{Transport: r.o.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		log:  r.log.With("workspace", ws, "upstream", base.String()),
		dl:   filepath.Join(r.o.Dir, ws, "deadletter"),
		from: q.Acked() + 1,
		st:   Status{Workspace: ws, URL: base.String()},
	}
	if err := os.MkdirAll(f.dl, 0o700); err != nil {
		q.Close()
		return nil, fmt.Errorf("relay: create dead-letter directory: %w", err)
	}
	entries, _ := os.ReadDir(f.dl)
	for _, e := range entries {
		if info, err := e.Info(); err == nil {
			f.dlUsed += info.Size()
		}
	}
	return f, nil
}

func (f *forwarder) close() {
	f.http.CloseIdleConnections()
	_ = f.q.Close() // an error is in the spool's log; nothing more to do at exit
}

// relayed is one batch read back from the spool: records first..last.
type relayed struct {
	first, last uint64
	meta        meta
	body        []byte
	raw         [][]byte // the spool records, for the dead-letter directory
	done        bool
}

// assembly is a batch whose parts are being read.
type assembly struct {
	b     *relayed
	parts int
}

// next returns the next complete batch, dropping the parts of a batch
// whose Append was torn (see record.go).
func (f *forwarder) next(ctx context.Context) (*relayed, error) {
	for {
		if len(f.pending) == 0 {
			recs, err := f.q.ReadWait(ctx, f.from, 256, 64<<20)
			if err != nil {
				return nil, err
			}
			f.pending = recs
			f.from = recs[len(recs)-1].Seq + 1
		}
		rec := f.pending[0]
		f.pending = f.pending[1:]
		p, err := decodePart(rec.Data)
		switch {
		case err != nil:
			f.r.m.received.WithLabelValues(f.ws, "dropped_malformed").Inc()
			f.log.Error("dropping a spool record that is not a relayed batch", "seq", rec.Seq, "err", err)
			continue
		case p.index == 0:
			if f.cur != nil {
				f.dropTorn()
			}
			f.cur = &assembly{b: &relayed{first: rec.Seq, meta: *p.meta}, parts: p.parts}
		case f.cur == nil || p.parts != f.cur.parts || p.index != len(f.cur.b.raw):
			f.r.m.received.WithLabelValues(f.ws, "dropped_torn").Inc()
			continue
		}
		b := f.cur.b
		b.body = append(b.body, p.chunk...)
		b.raw = append(b.raw, rec.Data)
		b.last = rec.Seq
		if len(b.raw) == f.cur.parts {
			f.cur = nil
			return b, nil
		}
	}
}

func (f *forwarder) dropTorn() {
	f.r.m.received.WithLabelValues(f.ws, "dropped_torn").Inc()
	f.log.Warn("dropping the first parts of a batch whose spooling was cut short (its agent was not acknowledged and sends it again)",
		"seq", f.cur.b.first)
	f.cur = nil
}

// run forwards until ctx ends. Batches go out InFlight at a time; the
// cursor moves over the longest prefix of finished ones, so a crash
// resends only batches that were not finished (the workspace drops the
// copies of those that were).
func (f *forwarder) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make(chan struct{}, f.r.o.InFlight)
	var (
		mu       sync.Mutex
		inflight []*relayed
		wg       sync.WaitGroup
		ackErr   error
	)
	finish := func(b *relayed) {
		mu.Lock()
		defer mu.Unlock()
		b.done = true
		var last uint64
		for len(inflight) > 0 && inflight[0].done {
			last = inflight[0].last
			inflight = inflight[1:]
		}
		if last > 0 {
			if err := f.q.Ack(last); err != nil && ackErr == nil {
				ackErr = fmt.Errorf("relay: workspace %s: acknowledge spool up to %d: %w", f.ws, last, err)
				cancel()
			}
		}
	}
	defer wg.Wait()
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return f.stopErr(&mu, &ackErr)
		}
		b, err := f.next(ctx)
		if err != nil {
			<-slots
			if ctx.Err() != nil {
				return f.stopErr(&mu, &ackErr)
			}
			return fmt.Errorf("relay: workspace %s: read spool: %w", f.ws, err)
		}
		mu.Lock()
		inflight = append(inflight, b)
		mu.Unlock()
		wg.Go(func() {
			defer func() { <-slots }()
			if f.deliver(ctx, b) {
				finish(b)
			}
		})
	}
}

func (f *forwarder) stopErr(mu *sync.Mutex, err *error) error {
	mu.Lock()
	defer mu.Unlock()
	return *err
}

// deliver sends b until the workspace acknowledges it or refuses it for
// good (then it is parked); false when ctx ended first.
func (f *forwarder) deliver(ctx context.Context, b *relayed) bool {
	rng := rand.New(rand.NewPCG(b.first, uint64(time.Now().UnixNano())))
	for attempt := 0; ; attempt++ {
		status, msg, retryAfter, err := f.post(ctx, b)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return false
			}
			f.r.m.attempts.WithLabelValues(f.ws, "network").Inc()
			f.failure(err)
		case status >= 200 && status < 300:
			f.r.m.attempts.WithLabelValues(f.ws, "ok").Inc()
			f.r.m.forwarded.WithLabelValues(f.ws).Inc()
			f.r.m.forwardedBytes.WithLabelValues(f.ws).Add(float64(len(b.body)))
			f.setStatus(func(st *Status) {
				st.ForwardedBatches++
				st.ForwardedBytes += uint64(len(b.body))
				st.LastSuccess = f.r.o.Now()
			})
			return true
		case ship.Rejected(status):
			f.r.m.attempts.WithLabelValues(f.ws, "http_4xx").Inc()
			reason := fmt.Sprintf("workspace %s refused batch %s/%s with HTTP %d: %s", f.ws,
				b.meta.Header.Get("X-Wsec-Sender"), b.meta.Header.Get("X-Wsec-Seq"), status, msg)
			if err := f.park(b, status, reason); err != nil {
				f.failure(err)
				break
			}
			return true
		default:
			label := "http_5xx"
			if status < 500 {
				label = "http_4xx"
			}
			f.r.m.attempts.WithLabelValues(f.ws, label).Inc()
			f.failure(fmt.Errorf("workspace %s answered batch %s/%s with HTTP %d%s: %s", f.ws,
				b.meta.Header.Get("X-Wsec-Sender"), b.meta.Header.Get("X-Wsec-Seq"), status, hint(status), msg))
		}
		if !sleep(ctx, ship.Backoff(rng, attempt, f.r.o.RetryBase, f.r.o.RetryMax, retryAfter)) {
			return false
		}
	}
}

// post sends b exactly as the agent signed it; an error means no answer.
func (f *forwarder) post(ctx context.Context, b *relayed) (status int, msg string, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, f.r.o.RequestTimeout)
	defer cancel()
	u := *f.base
	u.Path, u.RawQuery = b.meta.Path, b.meta.Query
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b.body))
	if err != nil {
		return 0, "", 0, fmt.Errorf("build request: %w", err)
	}
	req.ContentLength = int64(len(b.body))
	for k, v := range b.meta.Header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := f.http.Do(req)
	if err != nil {
		return 0, "", 0, fmt.Errorf("forward batch to %s: %w", f.base, err)
	}
	defer resp.Body.Close()
	f.r.m.requestSeconds.WithLabelValues(f.ws).Observe(time.Since(start).Seconds())
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, strings.TrimSpace(string(body)), ship.ParseRetryAfter(resp.Header.Get("Retry-After"), f.r.o.Now()), nil
}

func hint(status int) string {
	switch status {
	case 401, 403:
		return " (the agent's key or clock, or a batch held longer than auth.MaxBatchAge)"
	case 404:
		return " (check the --upstream URL and workspace ID)"
	}
	return ""
}

// park keeps a refused batch: its spool records (path, headers, body) and
// why, so an operator can inspect it. It fails when the directory is full.
func (f *forwarder) park(b *relayed, status int, reason string) error {
	var data []byte
	for _, r := range b.raw {
		data = append(data, r...)
	}
	why, _ := json.Marshal(map[string]any{"status": status, "reason": reason, "time": f.r.o.Now(), "path": b.meta.Path})
	f.mu.Lock()
	defer f.mu.Unlock()
	if size := int64(len(data) + len(why)); f.dlUsed+size > f.r.o.MaxDeadLetterBytes {
		return fmt.Errorf("park refused batch %d: dead-letter directory %s is full (%d of %d bytes); empty it", b.first, f.dl, f.dlUsed, f.r.o.MaxDeadLetterBytes)
	}
	name := filepath.Join(f.dl, fmt.Sprintf("%020d-%020d", b.first, b.last))
	if err := atomicfile.WriteFile(name+".relayed", data, 0o600); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(name+".json", why, 0o600); err != nil {
		return err
	}
	f.dlUsed += int64(len(data) + len(why))
	f.st.ParkedBatches++
	f.st.LastError, f.st.LastErrorTime = reason, f.r.o.Now()
	f.r.m.parked.WithLabelValues(f.ws).Inc()
	f.log.Error("workspace refused a relayed batch; parked it in the dead-letter directory", "first_seq", b.first, "dir", f.dl, "reason", reason)
	return nil
}

func (f *forwarder) failure(err error) {
	now := f.r.o.Now()
	f.mu.Lock()
	logIt := err.Error() != f.st.LastError || now.Sub(f.st.LastErrorTime) > time.Minute
	f.st.Retries++
	f.st.LastError = err.Error()
	if logIt {
		f.st.LastErrorTime = now
	}
	f.mu.Unlock()
	if logIt {
		f.log.Warn("forwarding failed; retrying", "err", err)
	}
}

func (f *forwarder) setStatus(fn func(*Status)) {
	f.mu.Lock()
	fn(&f.st)
	f.mu.Unlock()
}

func (f *forwarder) status() Status {
	f.mu.Lock()
	st := f.st
	f.mu.Unlock()
	qs := f.q.Stats()
	st.QueuedRecords, st.SpoolBytes, st.SpoolMaxBytes = qs.DepthRecords, qs.DiskBytes, qs.MaxBytes
	return st
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
