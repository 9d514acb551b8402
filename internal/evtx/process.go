package evtx

import (
	"context"
	"sync"

	"wsec/internal/event"
)

// Chunk is one decoded chunk as ProcessChunks hands it to work.
type Chunk struct {
	Index  int            // in file order
	Events []*event.Event // in record order
	// RecordIDs[i] is Events[i]'s record identifier from its record
	// header: the log file's own sequence number. It equals the event's
	// EventRecordID in a log written on the machine itself, but not in a
	// log of forwarded events or a file merged from several computers,
	// whose events carry their source's EventRecordIDs.
	RecordIDs []uint64
	Problems  []Problem
}

// Process is ProcessChunks for work that needs only a chunk's index,
// events and problems.
func Process[T any](ctx context.Context, f *File, workers int,
	work func(chunkIndex int, evs []*event.Event, probs []Problem) T,
	emit func(T) error,
) (Stats, error) {
	return ProcessChunks(ctx, f, workers, func(c Chunk) T { return work(c.Index, c.Events, c.Problems) }, emit)
}

// ProcessChunks decodes the chunks of f on workers goroutines (0 means
// Options.Workers), runs work on each decoded chunk inside the worker that
// decoded it, and calls emit with the results in file order from the
// calling goroutine. Expensive per-event work (filtering, encoding) belongs
// in work so it runs in parallel; emit should be cheap.
//
// work receives each Chunk. It may keep the events. It is called concurrently for
// different chunks, so it must not share unsynchronised state.
//
// At most a few chunks per worker are decoded ahead of emit, so memory is
// bounded regardless of file size. Process returns when every chunk was
// emitted, emit returned an error (returned as is) or ctx is done
// (ctx.Err()). File header problems go to Options.OnProblem first.
func ProcessChunks[T any](ctx context.Context, f *File, workers int,
	work func(Chunk) T,
	emit func(T) error,
) (Stats, error) {
	st := Stats{Bytes: min(f.size, FileHeaderSize)}
	if f.opts.OnProblem != nil {
		for _, p := range f.hdrProb {
			f.opts.OnProblem(p)
		}
	}
	if workers <= 0 {
		workers = f.opts.workers()
	}
	n := f.NumChunks()
	if workers > n {
		workers = max(n, 1)
	}
	progress := func() {
		if f.opts.Progress != nil {
			f.opts.Progress(st.Bytes, f.size)
		}
	}
	if workers == 1 {
		d := newDecoder(&f.opts)
		buf := make([]byte, ChunkSize)
		for i := 0; i < n; i++ {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			res, err := f.decodeChunkAt(d, i, buf)
			if err != nil {
				return st, err
			}
			st.add(res.stats)
			if err := emit(work(res.chunk(i))); err != nil {
				return st, err
			}
			progress()
		}
		return st, ctx.Err()
	}

	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		idx   int
		val   T
		stats Stats
		err   error
	}
	window := workers * maxInFlightPerWorker
	jobs := make(chan int)
	results := make(chan result, window)
	slots := make(chan struct{}, window) // chunks dispatched but not yet emitted
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newDecoder(&f.opts)
			buf := make([]byte, ChunkSize)
			for i := range jobs {
				res, err := f.decodeChunkAt(d, i, buf)
				r := result{idx: i, stats: res.stats, err: err}
				if err == nil {
					r.val = work(res.chunk(i))
				}
				results <- r // never blocks: at most window results exist
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		for i := 0; i < n; i++ {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	// On any return: stop dispatching, let the workers finish the chunk
	// they hold, and wait for them, so no goroutine outlives the call.
	defer func() {
		cancel()
		wg.Wait()
	}()

	pending := make(map[int]result, window)
	for next := 0; next < n; {
		select {
		case r := <-results:
			pending[r.idx] = r
		case <-ctx.Done():
			return st, ctx.Err()
		}
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			<-slots
			if r.err != nil {
				return st, r.err
			}
			st.add(r.stats)
			if err := emit(r.val); err != nil {
				return st, err
			}
			progress()
			next++
		}
	}
	return st, nil
}

// decodeChunkAt reads and decodes chunk i with d, using buf for the bytes.
// Only I/O errors are returned; damage becomes problems in the result.
func (f *File) decodeChunkAt(d *decoder, i int, buf []byte) (chunkResult, error) {
	n, err := f.readChunk(i, buf)
	if err != nil {
		return chunkResult{}, err
	}
	off := int64(FileHeaderSize) + int64(i)*ChunkSize
	res := d.decodeChunk(i, off, buf, n, i < int(f.header.ChunkCount))
	for _, p := range res.problems {
		f.log.Debug("evtx damage stepped around", "kind", p.Kind.String(), "chunk", p.Chunk,
			"offset", p.Offset, "record_id", p.RecordID, "err", p.Err)
	}
	return res, nil
}
