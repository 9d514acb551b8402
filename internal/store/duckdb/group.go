package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
	"wsec/internal/store/duckdb/bulk"
)

// Group commit on parallel writers. AppendEvents encodes its batch on the
// caller's goroutine and queues it; Options.Writers writer goroutines, each
// with its own DuckDB connection, take every batch queued at that moment as
// a group and write it in one transaction. So the mark checks, the appends
// and the commit's WAL fsync are paid once per group, encoding overlaps the
// writing, and two groups are written at once: DuckDB appends from two
// transactions in parallel (doc.go has the measurements).
//
// Each batch stays atomic (a group commits or rolls back whole; a failed
// group fails every batch in it, and nothing of any is stored). Exactly-once
// across concurrent groups: under w.mu, a group's checks see the committed
// database, the dedup index and the marks and keys of groups still in
// flight; a batch whose mark or an event whose key is in flight in another
// group waits for that group's outcome and is checked again. The in-flight
// sets are registered before the lock is released, so no two groups can
// both decide to store the same batch or event.

// appendReq is one AppendEvents call waiting for a writer.
type appendReq struct {
	ctx      context.Context // checked when the group starts; not during the commit
	sender   string
	seq      uint64
	events   int
	received time.Time
	enc      *encodedBatch

	// set by the writer before done is closed
	res  store.AppendResult
	err  error
	done chan struct{}
}

// group is the batches one writer commits together.
type group struct {
	reqs []*appendReq
	todo []*pending
	// keys are the identities of the rows todo stores; they are in flight
	// while the group is in w.inflight.
	keys map[key]struct{}
	done chan struct{} // closed when the group's outcome is known
}

// writers owns the queue and the writer goroutines.
type writers struct {
	w     *Workspace
	queue chan *appendReq
	stop  chan struct{}
	wg    sync.WaitGroup
	conns []*writer
}

// writer is one writer goroutine's connections: bulk for its transactions,
// conn for the lookups before them.
type writer struct {
	bulk     *bulk.Conn
	conn     *sql.Conn
	markStmt *sql.Stmt // looks a (sender, seq) mark up
}

func newWriters(w *Workspace, n int) (*writers, error) {
	ws := &writers{w: w, queue: make(chan *appendReq, maxQueuedBatches), stop: make(chan struct{})}
	for range n {
		conn, err := w.db.Conn(context.Background())
		if err != nil {
			ws.closeConns()
			return nil, fmt.Errorf("open writer connection: %w", err)
		}
		st, err := conn.PrepareContext(context.Background(), "SELECT stored, duplicates FROM "+batchTable+" WHERE sender = ? AND seq = ?")
		if err != nil {
			conn.Close()
			ws.closeConns()
			return nil, fmt.Errorf("prepare batch mark lookup: %w", err)
		}
		bc, err := w.bulk.Connect()
		if err != nil {
			st.Close()
			conn.Close()
			ws.closeConns()
			return nil, fmt.Errorf("open writer connection: %w", err)
		}
		ws.conns = append(ws.conns, &writer{bulk: bc, conn: conn, markStmt: st})
	}
	for _, wr := range ws.conns {
		ws.wg.Add(1)
		go ws.run(wr)
	}
	return ws, nil
}

func (ws *writers) closeConns() error {
	var errs []error
	for _, wr := range ws.conns {
		wr.bulk.Close()
		errs = append(errs, wr.markStmt.Close(), wr.conn.Close())
	}
	return errors.Join(errs...)
}

// submit queues req, waiting while the queue is full (backpressure).
func (ws *writers) submit(ctx context.Context, req *appendReq) error {
	select {
	case ws.queue <- req:
		return nil
	case <-ws.stop:
		return store.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops the writers after the groups in progress; queued batches fail
// with store.ErrClosed (nothing of them is stored).
func (ws *writers) close() error {
	close(ws.stop)
	ws.wg.Wait()
	for {
		select {
		case req := <-ws.queue:
			req.err = store.ErrClosed
			close(req.done)
		default:
			return ws.closeConns()
		}
	}
}

func (ws *writers) run(wr *writer) {
	defer ws.wg.Done()
	for {
		var first *appendReq
		select {
		case <-ws.stop:
			return
		case first = <-ws.queue:
		}
		g := &group{reqs: []*appendReq{first}, done: make(chan struct{})}
		events := first.events
	gather:
		for events < maxGroupEvents {
			select {
			case r := <-ws.queue:
				g.reqs = append(g.reqs, r)
				events += r.events
			default:
				break gather
			}
		}
		walBytes := ws.w.commitGroup(wr, g)
		for _, r := range g.reqs {
			close(r.done)
		}
		// after the acknowledgements: the batches that fill the WAL do not
		// wait for the checkpoint (nor does the first group after a
		// restart, whose WAL is the one replayed)
		ws.w.maybeCheckpoint(bulkConn{wr.bulk}, walBytes)
	}
}

// pending is a batch of a group that is to be written.
type pending struct {
	req      *appendReq
	keep     [2][][]int // per table, per chunk: the rows to store
	unmarked bool       // written without a (sender, seq) mark (checkGroup)
}

// commitGroup checks, writes and commits one group. It returns the WAL's
// size after the commit (0 when nothing was committed).
func (w *Workspace) commitGroup(wr *writer, g *group) int64 {
	ctx := context.Background()
	if !w.admitGroup(ctx, wr, g) {
		close(g.done)
		return 0
	}
	walBytes, err := w.commitTx(ctx, bulkConn{wr.bulk}, func() error {
		for ti, l := range []*layout{w.se, w.we} {
			if err := appendPending(wr.bulk, l, ti, g.todo); err != nil {
				return err
			}
			if err := appendTerms(wr.bulk, l, ti, g.todo); err != nil {
				return err
			}
		}
		if w.testFailBeforeMark != nil {
			if err := w.testFailBeforeMark(); err != nil {
				return err
			}
		}
		return appendMarks(wr.bulk, g.todo)
	})
	w.mu.Lock()
	w.settleGroup(g, err)
	w.mu.Unlock()
	close(g.done)
	return walBytes
}

// admitGroup runs the checks of a group under w.mu, waiting for groups in
// flight it depends on, and registers the group's marks and keys as in
// flight. It returns false when nothing of the group is to be written (its
// requests then have their results).
func (w *Workspace) admitGroup(ctx context.Context, wr *writer, g *group) bool {
	for {
		w.mu.Lock()
		if err := w.checkOpen(); err != nil {
			for _, r := range g.reqs {
				r.err = err
			}
			w.mu.Unlock()
			return false
		}
		wait, err := w.checkGroup(ctx, wr, g)
		if err == nil && wait == nil {
			if err = w.persistTemplates(ctx); err == nil {
				for _, p := range g.todo {
					w.inflightMarks[markKey{p.req.sender, p.req.seq}] = g
				}
				w.inflight = append(w.inflight, g)
			}
		}
		w.mu.Unlock()
		if err != nil {
			for _, p := range g.todo {
				p.req.err, p.req.res = err, store.AppendResult{}
			}
			return false
		}
		if wait == nil {
			return len(g.todo) > 0
		}
		<-wait.done // another group decides some of ours; then check again
	}
}

// checkGroup decides, for each request of g, duplicate batch, failure or
// the rows to store (g.todo). It returns a group in flight to wait for
// when some decision depends on it. The caller holds w.mu.
func (w *Workspace) checkGroup(ctx context.Context, wr *writer, g *group) (*group, error) {
	g.todo = g.todo[:0]
	marks := make(map[markKey]*appendReq, len(g.reqs))
	events := 0
	for _, r := range g.reqs {
		events += r.events
	}
	g.keys = make(map[key]struct{}, events)
	for _, r := range g.reqs {
		r.res, r.err = store.AppendResult{}, nil
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		mk := markKey{r.sender, r.seq}
		if other, ok := w.inflightMarks[mk]; ok {
			return other, nil
		}
		first, twice := marks[mk]
		if twice && first.events == r.events { // the same batch twice in one group
			r.res = duplicateBatch(r.events)
			continue
		}
		prev, found, err := lookupMark(ctx, wr, r.sender, r.seq)
		if err != nil {
			r.err = err
			continue
		}
		if found && prev.Stored+prev.Duplicates == r.events {
			w.s.m.duplicateBatches.Inc()
			r.res = duplicateBatch(r.events)
			continue
		}
		// A batch under a known (sender, seq) but of another size was cut
		// differently (a sender that lost its record of the first cut):
		// taking it for the first would lose the events the first lacked.
		// Its events are deduplicated one by one instead; it gets no mark
		// of its own, so a retry of it is deduplicated the same way.
		p := &pending{req: r, unmarked: found || twice}
		if p.unmarked {
			w.log.Warn("batch seen before with another number of events; storing what is new in it",
				"sender", r.sender, "seq", r.seq, "events", r.events)
		}
		dups, other, err := w.dedupBatch(ctx, wr.bulk, r.enc, g.keys, &p.keep)
		if err != nil {
			r.err = err
			continue
		}
		if other != nil {
			return other, nil
		}
		r.res = store.AppendResult{Stored: r.events - dups, Duplicates: dups}
		if !p.unmarked {
			marks[mk] = r
		}
		g.todo = append(g.todo, p)
	}
	return nil, nil
}

// persistTemplates writes the templates registered since the last call, in
// their own transaction on the auxiliary writer connection, before any row
// that uses them is written. The caller holds w.mu.
func (w *Workspace) persistTemplates(ctx context.Context) error {
	ts := w.tpl.unpersisted()
	if len(ts) == 0 {
		return nil
	}
	err := w.inTx(ctx, sqlConn{w.wconn}, func() error {
		return w.appendRows(w.wconn, templateTable, []string{"id", "def"}, len(ts), func(i int) []driver.Value {
			return []driver.Value{ts[i].id, ts[i].def}
		})
	})
	if err != nil {
		return fmt.Errorf("persist templates: %w", err)
	}
	w.tpl.markPersisted(int(ts[len(ts)-1].id))
	return nil
}

// settleGroup records a group's outcome: its marks and keys leave the
// in-flight sets, and on success its keys join the dedup index. The caller
// holds w.mu.
func (w *Workspace) settleGroup(g *group, err error) {
	for _, p := range g.todo {
		delete(w.inflightMarks, markKey{p.req.sender, p.req.seq})
	}
	w.inflight = slices.DeleteFunc(w.inflight, func(o *group) bool { return o == g })
	g.keys = nil
	if err != nil {
		for _, p := range g.todo {
			p.req.err, p.req.res = err, store.AppendResult{}
		}
		// a twin of a failed batch in this group must not report success
		failed := make(map[markKey]bool, len(g.todo))
		for _, p := range g.todo {
			failed[markKey{p.req.sender, p.req.seq}] = true
		}
		for _, r := range g.reqs {
			if r.err == nil && r.res.Duplicate && failed[markKey{r.sender, r.seq}] {
				r.err, r.res = err, store.AppendResult{}
			}
		}
		return
	}
	m := w.s.m
	var stored [2]int
	for _, p := range g.todo {
		for ti := range p.keep {
			for ci, ch := range p.req.enc.chunks[ti] {
				w.dedup.add(ch.times, ch.keys, p.keep[ti][ci])
				stored[ti] += len(p.keep[ti][ci])
			}
		}
		m.duplicateEvents.Add(float64(p.req.res.Duplicates))
		m.intOverflows.Add(float64(p.req.enc.overflows))
	}
	m.rowsAppended.WithLabelValues(schema.SecurityEventTable).Add(float64(stored[0]))
	m.rowsAppended.WithLabelValues(schema.WindowsEventTable).Add(float64(stored[1]))
}

type markKey struct {
	sender string
	seq    uint64
}

// duplicateBatch is the answer to a batch committed before: this call
// stores nothing, and each of its events is stored already.
func duplicateBatch(events int) store.AppendResult {
	return store.AppendResult{Duplicates: events, Duplicate: true}
}

// lookupMark looks up a committed (sender, seq) mark: what its first
// commit stored.
func lookupMark(ctx context.Context, wr *writer, sender string, seq uint64) (store.AppendResult, bool, error) {
	var res store.AppendResult
	err := wr.markStmt.QueryRowContext(ctx, sender, seq).Scan(&res.Stored, &res.Duplicates)
	if errors.Is(err, sql.ErrNoRows) {
		return store.AppendResult{}, false, nil
	}
	if err != nil {
		return store.AppendResult{}, false, fmt.Errorf("look up batch mark: %w", err)
	}
	return res, true, nil
}

// dedupBatch decides which rows of b to store: keep[t][c] lists the row
// indexes of chunk c of table t whose identity is neither stored nor
// earlier in the group (inGroup, which it extends). It returns the number
// of duplicates, or a group in flight that holds one of b's keys (the
// decision then waits for it). The caller holds w.mu.
func (w *Workspace) dedupBatch(ctx context.Context, conn *bulk.Conn, b *encodedBatch, inGroup map[key]struct{}, keep *[2][][]int) (int, *group, error) {
	stored, err := w.dedup.stored(ctx, conn, []string{w.se.phys, w.we.phys},
		[]map[int64]*hourKeys{byHour(b.chunks[0]), byHour(b.chunks[1])})
	if err != nil {
		return 0, nil, err
	}
	dups := 0
	for t := range b.chunks {
		keep[t] = make([][]int, len(b.chunks[t]))
		for c, ch := range b.chunks[t] {
			ks := make([]int, 0, ch.len())
			for i, k := range ch.keys {
				_, dup := inGroup[k]
				if !dup {
					_, dup = stored[k]
				}
				if dup {
					dups++
					continue
				}
				for _, other := range w.inflight {
					if _, ok := other.keys[k]; ok {
						return 0, other, nil
					}
				}
				inGroup[k] = struct{}{}
				ks = append(ks, i)
			}
			keep[t][c] = ks
		}
	}
	return dups, nil, nil
}

// appendPending appends the kept rows of table ti of every pending batch,
// through one appender.
func appendPending(conn *bulk.Conn, l *layout, ti int, todo []*pending) error {
	return bulkAppend(conn, l.phys, l.columnNames(), l.bulkTypes(), func(a *bulk.Appender) error {
		for _, p := range todo {
			for c, ks := range p.keep[ti] {
				if len(ks) == 0 {
					continue
				}
				if err := a.Append(p.req.enc.chunks[ti][c].cols, ks); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// appendTerms appends the term index rows of table ti of every pending
// batch that stores rows there: the union of its chunks' terms, under the
// batch's receive time.
func appendTerms(conn *bulk.Conn, l *layout, ti int, todo []*pending) error {
	if l.terms == "" {
		return nil
	}
	n := 0
	batch := make([]*u64Set, len(todo))
	for i, p := range todo {
		for c, ks := range p.keep[ti] {
			if len(ks) == 0 {
				continue
			}
			ts := &p.req.enc.chunks[ti][c].terms.terms
			if batch[i] == nil {
				batch[i] = ts
				continue
			}
			ts.each(batch[i].add)
		}
		if batch[i] != nil {
			n += batch[i].len()
		}
	}
	if n == 0 {
		return nil
	}
	types := []bulk.Type{bulk.Integer, bulk.Timestamp}
	term, rcv := bulk.NewColumn(types[0], n), bulk.NewColumn(types[1], n)
	for i, set := range batch {
		if set == nil {
			continue
		}
		us := todo[i].req.received.UnixMicro()
		set.each(func(h uint64) {
			term.AddNull()
			term.SetInt(termValue(h))
			rcv.AddNull()
			rcv.SetInt(us)
		})
	}
	return bulkAppend(conn, l.terms, []string{"term", "rcv"}, types,
		func(a *bulk.Appender) error { return a.Append([]*bulk.Column{term, rcv}, nil) })
}

// appendMarks appends the (sender, seq) marks of the pending batches that
// get one.
func appendMarks(conn *bulk.Conn, todo []*pending) error {
	types := []bulk.Type{bulk.Varchar, bulk.UBigInt, bulk.Timestamp, bulk.Integer, bulk.Integer}
	cols := make([]*bulk.Column, len(types))
	for i, t := range types {
		cols[i] = bulk.NewColumn(t, len(todo))
	}
	for _, p := range todo {
		if p.unmarked {
			continue
		}
		for _, c := range cols {
			c.AddNull()
		}
		r := p.req
		cols[0].SetString(r.sender)
		cols[1].SetInt(int64(r.seq))
		cols[2].SetInt(r.received.UnixMicro())
		cols[3].SetInt(int64(r.res.Stored))
		cols[4].SetInt(int64(r.res.Duplicates))
	}
	return bulkAppend(conn, batchTable, []string{"sender", "seq", "committed", "stored", "duplicates"}, types,
		func(a *bulk.Appender) error { return a.Append(cols, nil) })
}

// bulkAppend appends to columns of table through one appender, inside the
// connection's transaction; fill makes the Append calls.
func bulkAppend(conn *bulk.Conn, table string, columns []string, types []bulk.Type, fill func(*bulk.Appender) error) error {
	a, err := conn.NewAppender(table, columns, types)
	if err != nil {
		return err
	}
	if err := fill(a); err != nil {
		_ = a.Close()
		return fmt.Errorf("append to %s: %w", table, err)
	}
	if err := a.Close(); err != nil {
		return fmt.Errorf("append to %s: %w", table, err)
	}
	return nil
}
