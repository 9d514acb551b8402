package duckdb

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/zeebo/xxh3"

	"wsec/internal/event"
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

// dayOf is the UTC day number of a TimeCreated in Unix microseconds (the
// unit of TimeGenerated).
func dayOf(us int64) int64 {
	d := us / dayMicros
	if us < 0 && us%dayMicros != 0 {
		d--
	}
	return d
}

// dedupIndex holds the identity keys of stored events, grouped by UTC day
// of TimeCreated. A day is loaded whole from the database the first time a
// batch touches it, so the index is exact for every loaded day: dedup holds
// across all senders, batches and any age of event (an old EVTX imported
// twice), not only a recent window. Memory is bounded by evicting whole
// days, least recently used first; an evicted day is reloaded on demand.
//
// Not safe for concurrent use: the workspace's write lock guards it.
type dedupIndex struct {
	days  map[int64]*dayKeys
	total int
	max   int
	clock uint64 // increments per use, for LRU
	// keys is the store-wide gauge of keys held (all workspaces): every
	// change of total is added to it.
	keys prometheus.Gauge
}

type dayKeys struct {
	keys    map[key]struct{}
	lastUse uint64
}

func newDedupIndex(maxKeys int, keys prometheus.Gauge) *dedupIndex {
	return &dedupIndex{days: make(map[int64]*dayKeys), max: maxKeys, keys: keys}
}

// grow changes total by n, and the store-wide gauge with it.
func (d *dedupIndex) grow(n int) {
	d.total += n
	d.keys.Add(float64(n))
}

// loadDays makes sure every day in days is loaded, reading missing ones from
// the physical tables. Loaded days are marked used.
func (d *dedupIndex) loadDays(ctx context.Context, conn *sql.Conn, tables []string, days map[int64]struct{}) error {
	d.clock++
	missing := make([]int64, 0, len(days))
	for day := range days {
		if dk, ok := d.days[day]; ok {
			dk.lastUse = d.clock
			continue
		}
		missing = append(missing, day)
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
	for _, day := range missing {
		dk := &dayKeys{keys: make(map[key]struct{}), lastUse: d.clock}
		for _, t := range tables {
			if err := loadDay(ctx, conn, t, day, dk.keys); err != nil {
				return fmt.Errorf("load dedup day %d from %s: %w", day, t, err)
			}
		}
		d.days[day] = dk
		d.grow(len(dk.keys))
	}
	d.evict(days)
	return nil
}

// loadDay reads the keys of one day of one physical table. TimeGenerated
// is TimeCreated truncated to microseconds, so a whole-day range selects
// exactly the events of that TimeCreated day.
func loadDay(ctx context.Context, conn *sql.Conn, table string, day int64, into map[key]struct{}) error {
	q := "SELECT " + quoteIdent(keyCol0) + ", " + quoteIdent(keyCol1) + " FROM " + quoteIdent(table) +
		" WHERE \"TimeGenerated\" >= make_timestamp(CAST(? AS BIGINT)) AND \"TimeGenerated\" < make_timestamp(CAST(? AS BIGINT))"
	rs, err := conn.QueryContext(ctx, q, day*dayMicros, (day+1)*dayMicros)
	if err != nil {
		return err
	}
	defer rs.Close()
	for rs.Next() {
		var k0, k1 int64
		if err := rs.Scan(&k0, &k1); err != nil {
			return err
		}
		into[key{uint64(k0), uint64(k1)}] = struct{}{}
	}
	return rs.Err()
}

// evict drops least recently used days until the index fits, never a day
// in keep.
func (d *dedupIndex) evict(keep map[int64]struct{}) {
	if d.total <= d.max {
		return
	}
	type cand struct {
		day     int64
		lastUse uint64
	}
	var cands []cand
	for day, dk := range d.days {
		if _, ok := keep[day]; !ok {
			cands = append(cands, cand{day, dk.lastUse})
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].lastUse < cands[j].lastUse })
	for _, c := range cands {
		if d.total <= d.max {
			return
		}
		d.grow(-len(d.days[c.day].keys))
		delete(d.days, c.day)
	}
}

// has reports whether k of day is stored. The day must be loaded.
func (d *dedupIndex) has(day int64, k key) bool {
	dk, ok := d.days[day]
	if !ok {
		panic("BUG: duckdb: dedup day not loaded")
	}
	_, ok = dk.keys[k]
	return ok
}

// add records committed keys: keys[i] of days[i] for the rows rows (all
// when nil). Days not loaded are skipped: they will be read from the
// database, which has the keys, when next needed.
func (d *dedupIndex) add(days []int64, keys []key, rows []int) {
	var (
		day   int64
		dk    *dayKeys
		added int
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
		if dk == nil || days[i] != day {
			day, dk = days[i], d.days[days[i]]
		}
		if dk == nil {
			continue
		}
		n := len(dk.keys)
		dk.keys[keys[i]] = struct{}{}
		added += len(dk.keys) - n
	}
	d.grow(added)
}

// reset forgets everything (after a failure that leaves the database state
// uncertain to the index).
func (d *dedupIndex) reset() {
	clear(d.days)
	d.grow(-d.total)
}
