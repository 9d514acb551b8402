package sigma

import (
	"strings"
)

// A bucket is the rules an event of one channel and event ID meets, with a
// prefilter that skips most of them without evaluating them.
//
// Why: 1,183 process_creation rules meet every process creation event, and
// evaluating each costs about a microsecond. Nearly every rule has a gate:
// literals of which at least one must occur in a given field for the rule to
// match (its Image|endswith, its CommandLine|contains list). The bucket
// indexes the gates by a 4-byte piece of each literal; an event's gated
// fields are scanned once, and only the rules whose gate piece occurs (and
// the few without a gate) are evaluated. The prefilter only ever skips a
// rule that cannot match: a literal that occurs in a value contains each of
// its pieces. TestPrefilterAgrees checks it against evaluating every rule.
type bucket struct {
	variants []*variant
	always   []bool // no gate: evaluate on every event
	slots    []int  // gated fields
	grams    map[uint64][]int32
	bloom    []uint64 // 1<<16 bits over gram keys: most positions stop here
}

const gramBytes = 4

// gateLit is one literal of a gate: the rule needs it (lowered) in the
// lowered value of slot.
type gateLit struct {
	slot int
	lit  string
}

func newBucket(vs []*variant) *bucket {
	b := &bucket{variants: vs, always: make([]bool, len(vs)), grams: map[uint64][]int32{}, bloom: make([]uint64, 1<<16/64)}
	// Count each piece over all literals, so that each literal is indexed
	// by its rarest piece: ".exe" would wake every rule.
	gates := make([][]gateLit, len(vs))
	freq := map[string]int{}
	for i, v := range vs {
		g, ok := gate(v.cond)
		if !ok {
			b.always[i] = true
			continue
		}
		gates[i] = g
		for _, l := range g {
			for j := 0; j+gramBytes <= len(l.lit); j++ {
				freq[l.lit[j:j+gramBytes]]++
			}
		}
	}
	slotIdx := map[int]int{}
	for i, g := range gates {
		for _, l := range g {
			best := ""
			for j := 0; j+gramBytes <= len(l.lit); j++ {
				if p := l.lit[j : j+gramBytes]; best == "" || freq[p] < freq[best] {
					best = p
				}
			}
			si, ok := slotIdx[l.slot]
			if !ok {
				si = len(b.slots)
				slotIdx[l.slot] = si
				b.slots = append(b.slots, l.slot)
			}
			k := gramKey(si, load32(best))
			if list := b.grams[k]; len(list) == 0 || list[len(list)-1] != int32(i) {
				b.grams[k] = append(list, int32(i))
			}
			h := bloomBit(k)
			b.bloom[h/64] |= 1 << (h % 64)
		}
	}
	return b
}

func load32(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func gramKey(slotIdx int, g uint32) uint64 { return uint64(slotIdx)<<32 | uint64(g) }

func bloomBit(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 48 }

// run evaluates the bucket's rules that may match d's event.
func (b *bucket) run(d *Doc, hit func(*variant)) {
	if cap(d.mark) < len(b.variants) {
		d.mark = make([]uint32, len(b.variants))
	}
	mark := d.mark[:len(b.variants)]
	d.markGen++
	if d.markGen == 0 {
		clear(d.mark)
		d.markGen = 1
	}
	gen := d.markGen
	for si, s := range b.slots {
		v, ok := d.value(s)
		if !ok || len(v) < gramBytes {
			continue
		}
		low := d.lower(s, v)
		hi := uint64(si) << 32
		for j := 0; j+gramBytes <= len(low); j++ {
			k := hi | uint64(load32(low[j:]))
			h := bloomBit(k)
			if b.bloom[h/64]&(1<<(h%64)) == 0 {
				continue
			}
			for _, vi := range b.grams[k] {
				mark[vi] = gen
			}
		}
	}
	for i, v := range b.variants {
		if (b.always[i] || mark[i] == gen) && v.cond.eval(d) {
			hit(v)
		}
	}
}

// gate returns literals at least one of which must occur for n to hold,
// and false when n has no such gate.
func gate(n node) ([]gateLit, bool) {
	switch n := n.(type) {
	case andNode:
		var best []gateLit
		found := false
		for _, x := range n {
			if g, ok := gate(x); ok && (!found || len(g) < len(best)) {
				best, found = g, true
			}
		}
		return best, found
	case orNode:
		return gateAll(n)
	case *ofNode:
		return gateAll(n.xs)
	case constNode:
		return nil, !bool(n)
	case *itemNode:
		var out []gateLit
		for _, m := range n.ms {
			lit, ok := literal(m)
			switch {
			case ok && n.all:
				return []gateLit{{n.slot, lit}}, true
			case ok:
				out = append(out, gateLit{n.slot, lit})
			case !n.all:
				return nil, false
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

func gateAll(xs []node) ([]gateLit, bool) {
	var out []gateLit
	for _, x := range xs {
		g, ok := gate(x)
		if !ok {
			return nil, false
		}
		out = append(out, g...)
	}
	return out, true
}

// literal is a lowered piece of text a value must contain for m to match,
// when m has one of at least gramBytes bytes.
func literal(m valueMatcher) (string, bool) {
	sm, ok := m.(*strMatcher)
	if !ok {
		return "", false
	}
	s := sm.s
	if sm.op == opGlob {
		s = ""
		for _, t := range sm.glob {
			if len(t.lit) > len(s) {
				s = t.lit
			}
		}
	}
	if len(s) < gramBytes {
		return "", false
	}
	if sm.cased {
		// A cased literal in the value is a lowered one in the lowered
		// value only where lowering keeps lengths; ASCII does.
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return "", false
			}
		}
		s = strings.ToLower(s)
	}
	return s, true
}
