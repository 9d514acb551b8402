package duckdb

import (
	"context"
	"encoding/binary"
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/zeebo/xxh3"

	"wsec/internal/event"
	"wsec/internal/store/duckdb/bulk"
)

// key is the 128-bit hash of an event's identity (event.Key). At 128 bits
// a collision between two distinct events is not a practical concern
// (≈1e-20 for 1e9 events), so the hash stands for the key: dedup never
// drops a distinct event and never needs the key's strings back.
type key [2]uint64

// eventKey hashes e's identity: Computer, Channel, EventRecordID and
// TimeCreated at full precision. buf is scratch, returned grown.
func eventKey(e *event.Event, buf []byte) (key, []byte) {
	buf = buf[:0]
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(e.System.Computer)))
	buf = append(buf, e.System.Computer...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(e.System.Channel)))
	buf = append(buf, e.System.Channel...)
	buf = binary.LittleEndian.AppendUint64(buf, e.System.EventRecordID)
	t := e.System.TimeCreated
	if event.UnixNanoFits(t) {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(t.UnixNano()))
	} else {
		// Outside 1678-2261 Unix nanoseconds wrap: seconds and nanoseconds
		// (a longer input, so never the hash of a time inside the range).
		buf = binary.LittleEndian.AppendUint64(buf, uint64(t.Unix()))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(t.Nanosecond()))
	}
	h := xxh3.Hash128(buf)
	return key{h.Hi, h.Lo}, buf
}

// hourOf is the UTC hour number of a TimeCreated in Unix microseconds (the
// unit of TimeGenerated).
func hourOf(us int64) int64 {
	h := us / hourMicros
	if us < 0 && us%hourMicros != 0 {
		h--
	}
	return h
}

// dedupIndex answers "was this identity stored?" exactly with bounded
// memory. It keeps, per UTC hour of TimeCreated, a Bloom filter of the
// keys stored in that hour (about 1.2-2.5 bytes a key, against ~60 for a
// set of the keys). A key the filter has never seen is new for sure; a
// key it may have seen (a duplicate, or a false positive, ~1%) is looked
// up in the physical tables (confirm), so a distinct event is never
// dropped. An hour is loaded from the database the first time a batch
// touches it, so dedup holds for events of any age; memory is bounded by
// evicting whole hours, least recently used first (an evicted hour is
// reloaded on demand), and an hour whose filter alone would exceed the
// bound is checked against the database key by key instead.
//
// Not safe for concurrent use: the workspace's write lock guards it.
type dedupIndex struct {
	hours map[int64]*hourFilter
	total int // keys held by resident filters
	max   int
	clock uint64 // increments per use, for LRU
	// keys is the store-wide gauge of keys held (all workspaces): every
	// change of total is added to it.
	keys prometheus.Gauge
}

// hourFilter is the filter of one hour: a chain of Bloom filters, each
// twice the capacity of the one before, so a growing hour never rebuilds.
// diskOnly marks an hour too big for the bound: every key is confirmed.
type hourFilter struct {
	subs     []*bloom
	n        int
	diskOnly bool
	lastUse  uint64
}

func newDedupIndex(maxKeys int, keys prometheus.Gauge) *dedupIndex {
	return &dedupIndex{hours: make(map[int64]*hourFilter), max: maxKeys, keys: keys}
}

// grow changes total by n, and the store-wide gauge with it.
func (d *dedupIndex) grow(n int) {
	d.total += n
	d.keys.Add(float64(n))
}

// hourKeys are the keys of a batch in one UTC hour of one table, with
// their times (Unix µs).
type hourKeys struct {
	keys  []key
	times []int64
}

// where returns the keys of hk (with their times) that keep accepts.
func (hk *hourKeys) where(keep func(key) bool) *hourKeys {
	out := &hourKeys{}
	for i, k := range hk.keys {
		if keep(k) {
			out.keys = append(out.keys, k)
			out.times = append(out.times, hk.times[i])
		}
	}
	return out
}

// byHour groups the keys of rows by hour.
func byHour(chunks []*rows) map[int64]*hourKeys {
	out := make(map[int64]*hourKeys)
	for _, ch := range chunks {
		for i, k := range ch.keys {
			us := ch.times[i]
			h := hourOf(us)
			hk := out[h]
			if hk == nil {
				hk = &hourKeys{}
				out[h] = hk
			}
			hk.keys = append(hk.keys, k)
			hk.times = append(hk.times, us)
		}
	}
	return out
}

// stored returns which keys of a batch are stored: batch[t] holds the
// batch's keys of table tables[t] by hour. An hour not resident is read
// from the tables whole to build its filter (loadHour), and that scan also
// picks which of the batch's keys of the hour to confirm. In a resident
// hour the keys the filter may have seen are confirmed (confirm). The
// hours of the batch are marked used.
func (d *dedupIndex) stored(ctx context.Context, conn *bulk.Conn, tables []string, batch []map[int64]*hourKeys) (map[key]struct{}, error) {
	d.clock++
	hours := make(map[int64]struct{})
	for _, byHour := range batch {
		for h := range byHour {
			hours[h] = struct{}{}
		}
	}
	loaded := make(map[int64]bool)
	for h := range hours {
		if hf, ok := d.hours[h]; ok {
			hf.lastUse = d.clock
		} else {
			loaded[h] = true
		}
	}
	found := make(map[key]struct{})
	for _, h := range slices.Sorted(maps.Keys(loaded)) {
		hf, err := d.loadHour(ctx, conn, tables, h, batch, found)
		if err != nil {
			return nil, fmt.Errorf("load dedup hour %s: %w", time.UnixMicro(h*hourMicros).UTC().Format(time.RFC3339), err)
		}
		d.hours[h] = hf
		d.grow(hf.n)
	}
	for t, table := range tables {
		for h, hk := range batch[t] {
			if loaded[h] {
				continue
			}
			maybe := hk.where(func(k key) bool { return d.maybe(h, k) })
			if err := confirm(ctx, conn, table, maybe, found); err != nil {
				return nil, fmt.Errorf("confirm dedup keys in %s: %w", table, err)
			}
		}
	}
	d.evict(hours)
	return found, nil
}

// loadHour reads hour h of tables into a new filter, and adds to found
// those of the batch's keys of the hour (batch[t][h]) that are stored. It
// reads only the first halves of the stored keys (_Key0), which is what
// the filters hold: the batch's keys whose first half is stored (few unless
// the batch was sent before) are then confirmed whole. Reading 8 bytes an
// event rather than 16 is what shortens the first batch after a restart,
// which waits for this: DuckDB's first read of a column's blocks costs ~40
// ns a value, against ~2 once they are cached. The filter is built on a
// goroutine of its own while DuckDB scans.
func (d *dedupIndex) loadHour(ctx context.Context, conn *bulk.Conn, tables []string, h int64, batch []map[int64]*hourKeys, found map[key]struct{}) (*hourFilter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hf := &hourFilter{lastUse: d.clock}
	const buffers = 4
	full, free := make(chan []int64, buffers), make(chan []int64, buffers)
	for range buffers {
		free <- nil
	}
	built := make(chan struct{})
	go func() {
		defer close(built)
		for k0s := range full {
			for _, k0 := range k0s {
				hf.add(uint64(k0))
			}
			free <- k0s
		}
	}()
	var err error
	for t, table := range tables {
		hk := batch[t][h]
		want := make(map[uint64]bool)
		if hk != nil {
			for _, k := range hk.keys {
				want[k[0]] = false
			}
		}
		err = conn.ScanInt64(keysQuery(table, []string{keyCol0}, h*hourMicros, (h+1)*hourMicros-1, nil), func(cols [][]int64) error {
			for _, k0 := range cols[0] {
				if _, ok := want[uint64(k0)]; ok {
					want[uint64(k0)] = true
				}
			}
			full <- append((<-free)[:0], cols[0]...)
			return nil
		})
		if err == nil && hk != nil {
			err = confirm(ctx, conn, table, hk.where(func(k key) bool { return want[k[0]] }), found)
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", table, err)
			break
		}
	}
	close(full)
	<-built
	return hf, err
}

// confirm adds to found those of keys (with their times) that table
// holds, looked up within their time range: few by key (an IN list), many
// (rangeConfirmMin) by one scan of that range, which costs less than a
// lookup per key when a whole batch is sent again.
func confirm(ctx context.Context, conn *bulk.Conn, table string, keys *hourKeys, found map[key]struct{}) error {
	if len(keys.keys) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	lo, hi := slices.Min(keys.times), slices.Max(keys.times)
	var in []key // the IN list; nil: the whole time range
	if len(keys.keys) < rangeConfirmMin {
		in = keys.keys
	}
	want := make(map[key]struct{}, len(keys.keys))
	for _, k := range keys.keys {
		want[k] = struct{}{}
	}
	return conn.ScanInt64(keysQuery(table, []string{keyCol0, keyCol1}, lo, hi, in), func(cols [][]int64) error {
		for i, k0 := range cols[0] {
			k := key{uint64(k0), uint64(cols[1][i])}
			if _, ok := want[k]; ok {
				found[k] = struct{}{}
			}
		}
		return nil
	})
}

// keysQuery selects columns of table for the rows whose TimeGenerated
// (µs) is in [lo, hi], only those whose first key half is that of a key of
// in unless in is nil. TimeGenerated is TimeCreated truncated to
// microseconds, so an hour's range selects exactly the events of that
// TimeCreated hour.
func keysQuery(table string, columns []string, lo, hi int64, in []key) string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(" FROM " + quoteIdent(table) +
		" WHERE \"TimeGenerated\" >= make_timestamp(CAST(" + strconv.FormatInt(lo, 10) + " AS BIGINT))" +
		" AND \"TimeGenerated\" <= make_timestamp(CAST(" + strconv.FormatInt(hi, 10) + " AS BIGINT))")
	if in != nil {
		b.WriteString(" AND " + quoteIdent(keyCol0) + " IN (")
		for i, k := range in {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(int64(k[0]), 10))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// evict drops least recently used hours until the index fits, never an
// hour in keep; an hour in keep that alone exceeds the bound becomes
// diskOnly. Hours in keep may together exceed the bound by less than one
// hour's bound each.
func (d *dedupIndex) evict(keep map[int64]struct{}) {
	if d.total <= d.max {
		return
	}
	type cand struct {
		hour    int64
		lastUse uint64
	}
	var cands []cand
	for h, hf := range d.hours {
		if _, ok := keep[h]; !ok {
			cands = append(cands, cand{h, hf.lastUse})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].lastUse < cands[j].lastUse })
	for _, c := range cands {
		if d.total <= d.max {
			return
		}
		d.grow(-d.hours[c.hour].n)
		delete(d.hours, c.hour)
	}
	for h := range keep {
		if hf := d.hours[h]; hf != nil && hf.n > d.max && !hf.diskOnly {
			d.grow(-hf.n)
			*hf = hourFilter{diskOnly: true, lastUse: hf.lastUse}
		}
	}
}

// maybe reports whether k of hour may be stored: false means it is not.
// The hour must be resident.
func (d *dedupIndex) maybe(hour int64, k key) bool {
	hf, ok := d.hours[hour]
	if !ok {
		panic("BUG: duckdb: dedup hour not loaded")
	}
	return hf.diskOnly || hf.has(k[0])
}

// add records committed keys: keys[i] of times[i] (Unix µs) for the rows
// rows (all when nil). Hours not loaded are skipped: they will be read from
// the database, which has the keys, when next needed.
func (d *dedupIndex) add(times []int64, keys []key, rows []int) {
	var (
		hour    int64
		hf      *hourFilter
		added   int
		touched = make(map[int64]struct{}, 1)
	)
	n := len(keys)
	if rows != nil {
		n = len(rows)
	}
	for j := range n {
		i := j
		if rows != nil {
			i = rows[j]
		}
		if h := hourOf(times[i]); hf == nil || h != hour {
			hour, hf = h, d.hours[h]
			touched[h] = struct{}{}
		}
		if hf == nil || hf.diskOnly {
			continue
		}
		hf.add(keys[i][0])
		added++
	}
	d.grow(added)
	d.evict(touched)
}

// reset forgets everything (after a failure that leaves the database state
// uncertain to the index).
func (d *dedupIndex) reset() {
	clear(d.hours)
	d.grow(-d.total)
}

// bloom is a Bloom filter of keys' first halves (k0) with 16 bits per key
// of capacity and 8 probes (≈0.05% false positives when full), its size a
// power of two. The half is already a uniform 64-bit hash: the probes are
// derived from it and from it rotated by 32 bits (double hashing), so a
// filter is built from _Key0 alone (loadHour). A blocked filter (all 8
// probes in one cache line) was tried for the hour a restart reads back:
// no faster here (BenchmarkBloom over 4.2M keys: add 29 against 31-46 ns a
// key, has 140 against 99-112) and 1.5 times the false positives (0.50%
// against 0.33% in TestBloomFalsePositives).
type bloom struct {
	words []uint64
	mask  uint64
	n     int
	cap   int
}

const (
	bloomBitsPerKey = 16
	bloomProbes     = 8
	bloomFirstCap   = 1 << 14
)

func newBloom(capacity int) *bloom {
	m := uint64(1) << bits.Len64(uint64(capacity*bloomBitsPerKey-1))
	return &bloom{words: make([]uint64, m/64), mask: m - 1, cap: capacity}
}

func (b *bloom) add(k0 uint64) {
	h, step := k0, bits.RotateLeft64(k0, 32)|1
	for range bloomProbes {
		b.words[(h&b.mask)>>6] |= 1 << (h & 63)
		h += step
	}
	b.n++
}

func (b *bloom) has(k0 uint64) bool {
	h, step := k0, bits.RotateLeft64(k0, 32)|1
	for range bloomProbes {
		if b.words[(h&b.mask)>>6]&(1<<(h&63)) == 0 {
			return false
		}
		h += step
	}
	return true
}

func (hf *hourFilter) add(k0 uint64) {
	last := len(hf.subs) - 1
	if last < 0 || hf.subs[last].n >= hf.subs[last].cap {
		c := bloomFirstCap
		if last >= 0 {
			c = 2 * hf.subs[last].cap
		}
		hf.subs = append(hf.subs, newBloom(c))
		last++
	}
	hf.subs[last].add(k0)
	hf.n++
}

func (hf *hourFilter) has(k0 uint64) bool {
	for _, b := range hf.subs {
		if b.has(k0) {
			return true
		}
	}
	return false
}
