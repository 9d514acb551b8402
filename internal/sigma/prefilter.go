package sigma

import (
	"regexp/syntax"
	"strings"
	"sync/atomic"
)

// litRef is a string test's indexed literal (see bucket).
type litRef struct {
	// lit, when >= 0, numbers the literal; if the event's scan did not see
	// its piece, the test fails without reading the value.
	lit   int32
	piece string
	// need is the lowered text a value must contain for the test to hold
	// ("" when unknown); set at compile time for regular expressions.
	need string
}

func (r *litRef) possible(d *Doc) bool {
	return r.lit < 0 || d.exhaustive || d.litSeen[r.lit] == d.gen
}

func (r *litRef) ref() *litRef { return r }

type indexable interface{ ref() *litRef }

// regexLit is a literal every match of a regular expression contains,
// lowered. longS says the expression matches it case-insensitively and it
// has an s, which also matches the long s (ſ) that lowering keeps; k is
// safe, its other case form (the Kelvin sign) lowers to k.
type regexLit struct {
	s     string
	longS bool
}

// regexLiterals lists the ASCII literals every match of expr contains: the
// literals its top-level sequence (through groups and repetitions of at
// least one) is made of. need is the longest of at least gramBytes bytes
// without longS, for the literal index, or "".
func regexLiterals(expr string) (need string, lits []regexLit) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", nil
	}
	lits = requiredLiterals(re.Simplify(), nil)
	for _, l := range lits {
		if !l.longS && len(l.s) >= gramBytes && len(l.s) > len(need) {
			need = l.s
		}
	}
	return need, lits
}

func requiredLiterals(re *syntax.Regexp, out []regexLit) []regexLit {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return out
			}
		}
		low := strings.ToLower(s)
		return append(out, regexLit{low, re.Flags&syntax.FoldCase != 0 && strings.Contains(low, "s")})
	case syntax.OpConcat:
		// Literals next to each other (through groups) are one literal.
		run := &syntax.Regexp{Op: syntax.OpLiteral}
		for _, sub := range re.Sub {
			for sub.Op == syntax.OpCapture {
				sub = sub.Sub[0]
			}
			if sub.Op == syntax.OpLiteral {
				run.Rune = append(run.Rune, sub.Rune...)
				run.Flags |= sub.Flags & syntax.FoldCase
				continue
			}
			if len(run.Rune) > 0 {
				out = requiredLiterals(run, out)
				run = &syntax.Regexp{Op: syntax.OpLiteral}
			}
			out = requiredLiterals(sub, out)
		}
		if len(run.Rune) > 0 {
			out = requiredLiterals(run, out)
		}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0], out)
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0], out)
		}
	}
	return out
}

// literalsPossible reports whether v, lowered as low, contains every literal m's
// expression needs: a cheap test before running it. Of the SigmaHQ
// regular expressions without an indexed literal, the dearest
// ("(?i)(set).*&&\s?set.*...") ran on every PowerShell script block and
// cost a third of all matching; few blocks contain its "&&".
func (m *regexMatcher) literalsPossible(v, low string) bool {
	for _, l := range m.lits {
		if !strings.Contains(low, l.s) && !(l.longS && strings.Contains(v, "\u017f")) {
			return false
		}
	}
	return true
}

// A bucket is the rules an event of one channel and event ID meets, with a
// prefilter that skips most of them and most of their string tests.
//
// Why: 1,183 process_creation rules meet every process creation event, and
// 162 ps_script rules every script block, often tens of kilobytes. Each
// string test with a literal of at least four bytes is indexed by the
// rarest 4-byte piece of its (lowered) literal: an event's indexed fields
// are scanned once, piece by piece, which tells every such test whether it
// can hold. Nearly every rule also has a gate — literals of which one must
// occur for it to match (its Image|endswith, its CommandLine|contains list)
// — so only the rules whose gate piece occurs, and the few without a gate,
// are evaluated at all. Both only ever skip what cannot match: a value that
// contains a literal contains each of its pieces. TestMatchAgreesFixtures
// and TestMatchAgreesCorpus check it against evaluating every rule.
type bucket struct {
	variants []*variant
	always   []bool // no gate: evaluate on every event
	slots    []int  // indexed fields
	grams    map[uint64][]int32
	gateOf   map[int32][]int32 // literal → variants it gates
	bloom    []uint64          // 1<<16 bits over gram keys: most positions stop here
}

const gramBytes = 4

// indexLiterals numbers every indexable string test of the ruleset's field
// items and gives each its rarest piece, counted over all of them.
//
// It runs between compiling the rules and building the buckets, both
// spread over all cores; done on one core it took 30 ms of a hunt's
// critical path, so each pass but the numbering runs on all cores too.
func (rs *Ruleset) indexLiterals() {
	// A matcher met twice (a search both named and in "1 of sel*") is
	// marked collected; matchers are never shared between rules.
	const collected = -2
	perRule := make([][]*litRef, len(rs.Rules))
	parallel(len(rs.Rules), func(i int) {
		for _, v := range rs.Rules[i].variants {
			walkItems(v.cond, func(n *itemNode) {
				for _, m := range n.ms {
					x, ok := m.(indexable)
					if !ok || x.ref().lit == collected {
						continue
					}
					if sm, ok := m.(*strMatcher); ok {
						sm.need, _ = literal(sm)
					}
					if r := x.ref(); r.need != "" {
						r.lit = collected
						perRule[i] = append(perRule[i], r)
					}
				}
			})
		}
	})
	var ms []*litRef
	for _, refs := range perRule {
		for _, r := range refs {
			r.lit = int32(len(ms))
			ms = append(ms, r)
		}
	}
	// Pieces are counted in hashed buckets: a collision only makes a piece
	// look commoner than it is, which costs speed, never a match. A map
	// took 0.1 s for the million pieces of the SigmaHQ rules.
	freq := make([]atomic.Uint32, 1<<freqBits)
	const span = 512
	parallel((len(ms)+span-1)/span, func(k int) {
		for _, m := range ms[k*span : min(len(ms), (k+1)*span)] {
			for j := 0; j+gramBytes <= len(m.need); j++ {
				freq[freqBucket(m.need[j:])].Add(1)
			}
		}
	})
	parallel((len(ms)+span-1)/span, func(k int) {
		for _, m := range ms[k*span : min(len(ms), (k+1)*span)] {
			l := m.need
			best, bestN := 0, freq[freqBucket(l)].Load()
			for j := 1; j+gramBytes <= len(l); j++ {
				if n := freq[freqBucket(l[j:])].Load(); n < bestN {
					best, bestN = j, n
				}
			}
			m.piece = l[best : best+gramBytes]
		}
	})
	rs.numLits = len(ms)
}

func walkItems(n node, f func(*itemNode)) {
	switch n := n.(type) {
	case andNode:
		for _, x := range n {
			walkItems(x, f)
		}
	case orNode:
		for _, x := range n {
			walkItems(x, f)
		}
	case *notNode:
		walkItems(n.x, f)
	case *ofNode:
		for _, x := range n.xs {
			walkItems(x, f)
		}
	case *itemNode:
		f(n)
	}
}

func newBucket(vs []*variant) *bucket {
	b := &bucket{variants: vs, always: make([]bool, len(vs)), grams: map[uint64][]int32{}, gateOf: map[int32][]int32{}, bloom: make([]uint64, 1<<16/64)}
	slotIdx := map[int]int{}
	indexed := map[int32]bool{}
	add := func(slot int, m *litRef) {
		if indexed[m.lit] {
			return
		}
		indexed[m.lit] = true
		si, ok := slotIdx[slot]
		if !ok {
			si = len(b.slots)
			slotIdx[slot] = si
			b.slots = append(b.slots, slot)
		}
		k := gramKey(si, load32(m.piece))
		b.grams[k] = append(b.grams[k], m.lit)
		h := bloomBit(k)
		b.bloom[h/64] |= 1 << (h % 64)
	}
	for i, v := range vs {
		walkItems(v.cond, func(n *itemNode) {
			for _, m := range n.ms {
				if x, ok := m.(indexable); ok && x.ref().lit >= 0 {
					add(n.slot, x.ref())
				}
			}
		})
		g, ok := gate(v.cond)
		if !ok {
			b.always[i] = true
			continue
		}
		for _, m := range g {
			if l := b.gateOf[m.lit]; len(l) == 0 || l[len(l)-1] != int32(i) {
				b.gateOf[m.lit] = append(l, int32(i))
			}
		}
	}
	return b
}

const freqBits = 18

func freqBucket(s string) uint32 {
	return uint32(uint64(load32(s)) * 0x9E3779B97F4A7C15 >> (64 - freqBits))
}

func load32(s string) uint32 {
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}

func gramKey(slotIdx int, g uint32) uint64 { return uint64(slotIdx)<<32 | uint64(g) }

func bloomBit(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> 48 }

// run evaluates the bucket's rules that may match d's event.
func (b *bucket) run(d *Doc, hit func(*variant)) {
	if len(d.mark) < len(b.variants) {
		d.mark = make([]uint32, len(b.variants))
	}
	gen := d.gen
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
			for _, lit := range b.grams[k] {
				if d.litSeen[lit] == gen {
					continue
				}
				d.litSeen[lit] = gen
				for _, vi := range b.gateOf[lit] {
					d.mark[vi] = gen
				}
			}
		}
	}
	for i, v := range b.variants {
		if (b.always[i] || d.mark[i] == gen) && v.cond.eval(d) {
			hit(v)
		}
	}
}

// gate returns indexed string tests at least one of which must hold for n
// to hold, and false when n has no such gate.
func gate(n node) ([]*litRef, bool) {
	switch n := n.(type) {
	case andNode:
		var best []*litRef
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
		var out []*litRef
		for _, m := range n.ms {
			x, ok := m.(indexable)
			ok = ok && x.ref().lit >= 0
			switch {
			case ok && n.all:
				return []*litRef{x.ref()}, true
			case ok:
				out = append(out, x.ref())
			case !n.all:
				return nil, false
			}
		}
		return out, len(out) > 0
	}
	return nil, false
}

func gateAll(xs []node) ([]*litRef, bool) {
	var out []*litRef
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
func literal(sm *strMatcher) (string, bool) {
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
		// A cased literal in the value is its lowered form in the lowered
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
