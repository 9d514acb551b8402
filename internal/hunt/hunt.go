package hunt

import (
	"context"
	"sync"
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
func Run(ctx context.Context, rs *sigma.Ruleset, files []string, o Options, emit func(Finding) error) (Summary, error) {
	sum := Summary{ByRule: map[*sigma.Compiled]int64{}}
	docs := sync.Pool{New: func() any { return rs.NewDoc() }}
	corr := rs.NewCorrelator()
	var emitErr error
	for fi, path := range files {
		sum.Files++
		lo := logfile.Options{Workers: o.Workers}
		if o.Progress != nil {
			lo.Progress = func(done, total int64) { o.Progress(fi, done, total) }
		}
		st, err := logfile.Read(ctx, path, lo,
			func(evs []*event.Event) batch {
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
			},
			func(b batch) error {
				sum.Events += int64(b.events)
				for _, ob := range b.obs {
					corr.Add(ob)
				}
				for _, f := range b.findings {
					sum.Findings++
					sum.ByRule[f.Rule]++
					if err := emit(f); err != nil {
						emitErr = err
						return err
					}
				}
				return nil
			})
		sum.Bytes += st.Bytes
		sum.Skipped += st.Skipped
		for _, p := range st.Problems {
			if len(sum.Problems) < maxProblems {
				sum.Problems = append(sum.Problems, path+": "+p)
			}
		}
		if emitErr != nil {
			return sum, emitErr
		}
		if err != nil {
			if ctx.Err() != nil {
				return sum, ctx.Err()
			}
			sum.Unreadable++
			if len(sum.Problems) < maxProblems {
				sum.Problems = append(sum.Problems, err.Error())
			}
		}
	}
	sum.Correlations = corr.Finish()
	sum.Problems = append(sum.Problems, corr.Problems...)
	return sum, nil
}

// maxProblems bounds the problems a Summary lists verbatim; the counts
// stay exact.
const maxProblems = 50
