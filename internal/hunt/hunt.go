package hunt

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"wsec/internal/event"
	"wsec/internal/logfile"
	"wsec/internal/sigma"
)

// Options configures Run. The zero value hunts over all time on all cores.
type Options struct {
	// Workers decode and match EVTX chunk batches in parallel; 0 means
	// GOMAXPROCS.
	Workers int
	// From and To bound TimeCreated (From inclusive, To exclusive); zero
	// means unbounded.
	From, To time.Time
	// Progress, when set, is called from Run's goroutine after each batch
	// with the file index, the bytes of that file read and its size.
	Progress func(file int, done, total int64)
}

// Finding is a detection rule that matched one event.
type Finding struct {
	File     string
	Event    *event.Event
	Rule     *sigma.Compiled
	Fields   []sigma.FieldValue
	Severity string
}

// Summary is what a hunt did.
type Summary struct {
	Files, Unreadable int
	Events            int64
	Bytes             int64
	Skipped           int
	Findings          int64
	ByRule            map[*sigma.Compiled]int64
	Correlations      []sigma.CorrelationHit
	// Problems are the files that could not be read and the first
	// problems inside the ones that could.
	Problems []string
}

type batch struct {
	findings []Finding
	obs      []sigma.Observation
	events   int
}

// Run hunts over files (as logfile.Expand gives them), calling emit for
// each finding in file order from the calling goroutine.
//
// Files are read concurrently, a few at a time (readAhead), each decoding
// its chunks on all cores: the EVTX corpus is 340 files, most of them of a
// chunk or a few, and read one after another a hunt ran on little more
// than one core, the end of each file waiting for its last chunk. A file
// read ahead of the one being emitted holds at most a few batches (its
// channel and its decoders' window), so memory stays flat however many
// files there are.
func Run(ctx context.Context, rs *sigma.Ruleset, files []string, o Options, emit func(Finding) error) (Summary, error) {
	sum := Summary{ByRule: map[*sigma.Compiled]int64{}}
	docs := sync.Pool{New: func() any { return rs.NewDoc() }}
	corr := rs.NewCorrelator()
	work := func(path string) func(evs []*event.Event) batch {
		return func(evs []*event.Event) batch {
			d := docs.Get().(*sigma.Doc)
			defer docs.Put(d)
			var b batch
			for _, e := range evs {
				if !o.From.IsZero() && e.System.TimeCreated.Before(o.From) || !o.To.IsZero() && !e.System.TimeCreated.Before(o.To) {
					continue
				}
				b.events++
				d.Reset(e)
				rs.Match(d, func(h sigma.Hit) {
					if len(rs.Correlations) > 0 {
						b.obs = rs.Observe(b.obs, h.Rule, d)
					}
					if rs.Reports(h.Rule) {
						b.findings = append(b.findings, Finding{File: path, Event: e, Rule: h.Rule, Fields: h.Fields, Severity: h.Rule.Rule.Level})
					}
				})
			}
			return b
		}
	}
	rctx, cancel := context.WithCancel(ctx)
	readers, wait := readAll(rctx, files, o.Workers, work)
	defer wait()
	defer cancel()
	for fi, path := range files {
		r, ok := <-readers
		if !ok {
			return sum, ctx.Err()
		}
		sum.Files++
		for b := range r.batches {
			sum.Events += int64(b.events)
			for _, ob := range b.obs {
				corr.Add(ob)
			}
			for _, f := range b.findings {
				sum.Findings++
				sum.ByRule[f.Rule]++
				if err := emit(f); err != nil {
					return sum, err
				}
			}
			if o.Progress != nil {
				o.Progress(fi, r.done.Load(), r.total.Load())
			}
		}
		<-r.finished
		r.release()
		sum.Bytes += r.st.Bytes
		sum.Skipped += r.st.Skipped
		for _, p := range r.st.Problems {
			if len(sum.Problems) < maxProblems {
				sum.Problems = append(sum.Problems, path+": "+p)
			}
		}
		if r.err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			sum.Unreadable++
			if len(sum.Problems) < maxProblems {
				sum.Problems = append(sum.Problems, r.err.Error())
			}
		}
	}
	sum.Correlations = corr.Finish()
	sum.Problems = append(sum.Problems, corr.Problems...)
	return sum, nil
}

// readAhead is how many files are read at once per worker.
const readAhead = 2

// fileReader is one file being read: its batches in file order, then its
// Stats and error once batches is closed.
type fileReader struct {
	batches     chan batch
	finished    chan struct{}
	done, total atomic.Int64
	st          logfile.Stats
	err         error
	release     func()
}

// readAll starts reading files in order, at most readAhead per worker at
// once, and hands out their readers in the same order. A file's slot is
// freed when Run has taken all its batches (release), so the files ahead
// of Run hold a bounded number of batches. When ctx is done the readers
// stop and the channel closes, perhaps before every file was handed out;
// wait returns when every goroutine readAll started has.
func readAll(ctx context.Context, files []string, workers int, work func(path string) func([]*event.Event) batch) (<-chan *fileReader, func()) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	slots := make(chan struct{}, readAhead*workers)
	out := make(chan *fileReader, cap(slots))
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(out)
		for _, path := range files {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			r := &fileReader{batches: make(chan batch, 2*workers), finished: make(chan struct{}), release: func() { <-slots }}
			out <- r // never blocks: at most cap(slots) readers are out
			wg.Go(func() {
				defer close(r.finished)
				defer close(r.batches)
				lo := logfile.Options{Workers: workers, Progress: func(done, total int64) {
					r.done.Store(done)
					r.total.Store(total)
				}}
				r.st, r.err = logfile.Read(ctx, path, lo, work(path), func(b batch) error {
					select {
					case r.batches <- b:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
			})
		}
	})
	return out, wg.Wait
}

// maxProblems bounds the problems a Summary lists verbatim; the counts
// stay exact.
const maxProblems = 50
