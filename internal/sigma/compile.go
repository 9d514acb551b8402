package sigma

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"wsec/internal/event"
)

// Options configures Compile. The zero value maps WindowsMappings and knows
// no placeholders.
type Options struct {
	// Mappings is the log source table; nil means WindowsMappings().
	Mappings []Mapping
	// Placeholders gives the values of %name% placeholders for the expand
	// modifier; a rule using one not given is unsupported.
	Placeholders map[string][]string
}

// Compiled is a detection rule ready to run: one matcher per target of its
// log source.
type Compiled struct {
	Rule     *Rule
	Targets  []Target
	variants []*variant
	rs       *Ruleset
	// KeyFields are the Sigma fields the rule tests outside its negated
	// searches: what a hit shows.
	KeyFields []string
}

type variant struct {
	rule     *Compiled
	target   *Target
	cond     node
	keySlots []int
}

// Problem is a rule that did not compile, and why.
type Problem struct {
	Path  string
	Title string
	ID    string
	// Category is the log source ("windows/process_creation"), for
	// reporting coverage per log source.
	Category string
	Err      error
}

// Unsupported reports whether the rule is valid Sigma wsec cannot run
// (rather than a broken rule).
func (p Problem) Unsupported() bool {
	var u *UnsupportedError
	return errors.As(p.Err, &u)
}

// Ruleset is a set of compiled rules indexed by channel and event ID. It
// is immutable and safe for concurrent use; each goroutine matches through
// its own Doc.
type Ruleset struct {
	Rules        []*Compiled
	Correlations []*CorrelationRule
	Problems     []Problem
	slotMu       sync.Mutex
	slots        map[string]int
	names        []string
	byChannel    map[string]*channelRules
	numLits      int
	quiet        map[*Compiled]bool
}

type channelRules struct {
	any     []*variant
	byID    map[uint16][]*variant
	anyB    *bucket
	bucketB map[uint16]*bucket
}

// Slots of the System fields a rule may test besides the payload; a
// payload field of the same name wins, but for EventID (Doc.Reset).
const (
	slotEventID = iota
	slotChannel
	slotComputer
	slotProvider
	slotLevel
	slotTask
	slotOpcode
	slotKeywords
	slotRecordID
	slotVersion
	slotUserID
	numSystemSlots
)

func systemFieldNames() []string {
	return []string{"EventID", "Channel", "Computer", "Provider_Name", "Level", "Task", "Opcode", "Keywords", "EventRecordID", "Version", "UserID"}
}

// Compile compiles rules. A rule that cannot run is in Problems with its
// reason, never dropped silently; correlation rules whose base rules did
// not compile are problems too.
func Compile(rules []*Rule, o Options) *Ruleset {
	if o.Mappings == nil {
		o.Mappings = WindowsMappings()
	}
	rs := &Ruleset{slots: map[string]int{}, byChannel: map[string]*channelRules{}}
	for _, n := range systemFieldNames() {
		rs.slot(n)
	}
	compiled := make([]*Compiled, len(rules))
	errs := make([]error, len(rules))
	parallel(len(rules), func(i int) {
		if rules[i].Correlation == nil {
			compiled[i], errs[i] = rs.compileRule(rules[i], o)
		}
	})
	var corr []*Rule
	for i, r := range rules {
		switch {
		case r.Correlation != nil:
			corr = append(corr, r)
		case errs[i] != nil:
			rs.Problems = append(rs.Problems, problem(r, errs[i]))
		default:
			rs.Rules = append(rs.Rules, compiled[i])
		}
	}
	for _, r := range corr {
		c, err := rs.compileCorrelation(r)
		if err != nil {
			rs.Problems = append(rs.Problems, problem(r, err))
			continue
		}
		rs.Correlations = append(rs.Correlations, c)
	}
	for _, c := range rs.Rules {
		for _, v := range c.variants {
			cr := rs.byChannel[v.target.Channel]
			if cr == nil {
				cr = &channelRules{byID: map[uint16][]*variant{}}
				rs.byChannel[v.target.Channel] = cr
			}
			ids := v.target.EventIDs
			if len(ids) == 0 {
				if req, ok := requiredEventIDs(v.rule.Rule.Detection.Condition, v.rule.Rule.Detection, v.target.Fields); ok {
					ids = req
					if len(ids) == 0 {
						continue // the condition contradicts itself on EventID: nothing matches
					}
				}
			} else if req, ok := requiredEventIDs(v.rule.Rule.Detection.Condition, v.rule.Rule.Detection, v.target.Fields); ok {
				if ids = slices.DeleteFunc(slices.Clone(ids), func(id uint16) bool { return !slices.Contains(req, id) }); len(ids) == 0 {
					continue
				}
			}
			if len(ids) == 0 {
				cr.any = append(cr.any, v)
			}
			for _, id := range ids {
				cr.byID[id] = append(cr.byID[id], v)
			}
		}
	}
	rs.indexLiterals()
	type job struct {
		cr  *channelRules
		any bool // the bucket of events of no indexed event ID
		id  uint16
		vs  []*variant
		b   *bucket
	}
	var jobs []*job
	for _, cr := range rs.byChannel {
		cr.bucketB = map[uint16]*bucket{}
		jobs = append(jobs, &job{cr: cr, any: true, vs: cr.any})
		for id, vs := range cr.byID {
			jobs = append(jobs, &job{cr: cr, id: id, vs: append(slices.Clone(cr.any), vs...)})
		}
	}
	// Largest first: of the 319 SigmaHQ buckets one took 65 of the 98 ms
	// of building them all (one core, load 16); started late, in the map's
	// random order, it ran alone at the end instead of beside the rest.
	sort.SliceStable(jobs, func(i, j int) bool { return len(jobs[i].vs) > len(jobs[j].vs) })
	parallel(len(jobs), func(i int) { jobs[i].b = newBucket(jobs[i].vs) })
	for _, j := range jobs {
		if j.any {
			j.cr.anyB = j.b
		} else {
			j.cr.bucketB[j.id] = j.b
		}
	}
	return rs
}

func problem(r *Rule, err error) Problem {
	cat := r.LogSource.String()
	return Problem{Path: r.Path, Title: r.Title, ID: r.ID, Category: cat, Err: err}
}

// slot numbers a field; rules compile in parallel.
func (rs *Ruleset) slot(name string) int {
	rs.slotMu.Lock()
	defer rs.slotMu.Unlock()
	if s, ok := rs.slots[name]; ok {
		return s
	}
	s := len(rs.names)
	rs.slots[name] = s
	rs.names = append(rs.names, name)
	return s
}

func (rs *Ruleset) compileRule(r *Rule, o Options) (*Compiled, error) {
	targets, err := resolveLogSource(r.LogSource, o.Mappings)
	if err != nil {
		return nil, err
	}
	c := &Compiled{Rule: r, Targets: targets, rs: rs}
	c.KeyFields = keyFields(r.Detection)
	for i := range targets {
		t := &c.Targets[i]
		field := func(name string) int {
			if m, ok := t.Fields[name]; ok {
				name = m
			}
			return rs.slot(name)
		}
		searches := map[string]node{}
		for _, name := range r.Detection.Names {
			n, err := compileSearch(r.Detection.Searches[name], o.Placeholders, field)
			if err != nil {
				return nil, fmt.Errorf("search %q: %w", name, err)
			}
			searches[name] = n
		}
		v := &variant{rule: c, target: t, cond: compileCond(r.Detection.Condition, r.Detection, searches)}
		for _, f := range c.KeyFields {
			v.keySlots = append(v.keySlots, field(f))
		}
		c.variants = append(c.variants, v)
	}
	return c, nil
}

// keyFields lists the fields of searches the condition does not negate, in
// document order, without duplicates.
func keyFields(d *Detection) []string {
	neg := map[string]bool{}
	pos := map[string]bool{}
	var walk func(e Expr, negated bool)
	walk = func(e Expr, negated bool) {
		mark := func(name string) {
			if negated {
				neg[name] = true
			} else {
				pos[name] = true
			}
		}
		switch e := e.(type) {
		case *And:
			walk(e.L, negated)
			walk(e.R, negated)
		case *Or:
			walk(e.L, negated)
			walk(e.R, negated)
		case *Not:
			walk(e.X, !negated)
		case *Ref:
			mark(e.Name)
		case *Of:
			for _, n := range d.expand(e.Pattern) {
				mark(n)
			}
		}
	}
	walk(d.Condition, false)
	seen := map[string]bool{}
	var out []string
	for _, name := range d.Names {
		if !pos[name] {
			continue
		}
		for _, alt := range d.Searches[name].Alternatives {
			for _, it := range alt {
				if it.Field != "" && !seen[it.Field] {
					seen[it.Field] = true
					out = append(out, it.Field)
				}
			}
		}
	}
	return out
}

func compileSearch(s *Search, ph map[string][]string, field func(string) int) (node, error) {
	var alts orNode
	for _, alt := range s.Alternatives {
		var items andNode
		for _, it := range alt {
			n, err := compileItem(it, ph, field)
			if err != nil {
				return nil, err
			}
			items = append(items, n)
		}
		alts = append(alts, simplifyAnd(items))
	}
	return simplifyOr(alts), nil
}

func compileItem(it Item, ph map[string][]string, field func(string) int) (node, error) {
	m, err := parseModifiers(it.Modifiers)
	if err != nil {
		return nil, err
	}
	ms, err := valueMatchers(it, m, ph, field)
	if err != nil {
		return nil, err
	}
	if it.Field == "" {
		if m.exists || m.fieldref {
			return nil, fmt.Errorf("keywords cannot take %s", strings.Join(it.Modifiers, "|"))
		}
		return &keywordNode{ms: ms, all: m.all}, nil
	}
	return &itemNode{slot: field(it.Field), ms: ms, all: m.all}, nil
}

// node is a compiled boolean expression over a Doc.
type node interface{ eval(d *Doc) bool }

type (
	andNode []node
	orNode  []node
	notNode struct{ x node }
	ofNode  struct {
		n  int
		xs []node
	}
	itemNode struct {
		slot int
		ms   []valueMatcher
		all  bool
	}
	keywordNode struct {
		ms  []valueMatcher
		all bool
	}
	constNode bool
)

func (n andNode) eval(d *Doc) bool {
	for _, x := range n {
		if !x.eval(d) {
			return false
		}
	}
	return true
}

func (n orNode) eval(d *Doc) bool {
	for _, x := range n {
		if x.eval(d) {
			return true
		}
	}
	return false
}

func (n *notNode) eval(d *Doc) bool { return !n.x.eval(d) }
func (n constNode) eval(*Doc) bool  { return bool(n) }

func (n *ofNode) eval(d *Doc) bool {
	k := 0
	for _, x := range n.xs {
		if x.eval(d) {
			if k++; k >= n.n {
				return true
			}
		}
	}
	return false
}

func (n *itemNode) eval(d *Doc) bool {
	v, ok := d.value(n.slot)
	for _, m := range n.ms {
		if m.match(d, n.slot, v, ok) != n.all {
			return !n.all
		}
	}
	return n.all
}

func (n *keywordNode) eval(d *Doc) bool {
	for _, m := range n.ms {
		hit := false
		for i := range d.e.Data {
			if m.match(d, -1-i, d.e.Data[i].Value, true) {
				hit = true
				break
			}
		}
		if hit != n.all {
			return hit
		}
	}
	return n.all
}

func simplifyAnd(n andNode) node {
	if len(n) == 1 {
		return n[0]
	}
	return n
}

func simplifyOr(n orNode) node {
	if len(n) == 1 {
		return n[0]
	}
	return n
}

func compileCond(e Expr, d *Detection, s map[string]node) node {
	switch e := e.(type) {
	case *And:
		return andNode{compileCond(e.L, d, s), compileCond(e.R, d, s)}
	case *Or:
		return orNode{compileCond(e.L, d, s), compileCond(e.R, d, s)}
	case *Not:
		return &notNode{compileCond(e.X, d, s)}
	case *Ref:
		return s[e.Name]
	case *Of:
		var xs []node
		for _, n := range d.expand(e.Pattern) {
			xs = append(xs, s[n])
		}
		if e.All {
			return simplifyAnd(xs)
		}
		if e.N == 1 {
			return simplifyOr(xs)
		}
		if e.N > len(xs) {
			return constNode(false)
		}
		return &ofNode{n: e.N, xs: xs}
	}
	panic(fmt.Sprintf("BUG: condition node %T", e))
}

// Doc is one event prepared for matching: field values by slot, lowered
// lazily and once. A Doc belongs to one goroutine; Reset reuses it.
type Doc struct {
	rs    *Ruleset
	e     *event.Event
	gen   uint32
	set   []uint32
	val   []string
	lgen  []uint32
	low   []string
	kwGen []uint32 // lowered payload values for keywords, by Data index
	kwLow []string
	// mark and litSeen record, for the current event, which bucket
	// variants the prefilter lets through and which indexed literal pieces
	// it saw (prefilter.go).
	mark    []uint32
	litSeen []uint32
	// exhaustive turns the literal shortcut off, for tests that compare
	// with evaluating everything.
	exhaustive bool
}

// NewDoc returns a Doc for matching events against rs.
func (rs *Ruleset) NewDoc() *Doc {
	n := len(rs.names)
	return &Doc{rs: rs, set: make([]uint32, n), val: make([]string, n), lgen: make([]uint32, n), low: make([]string, n), litSeen: make([]uint32, rs.numLits)}
}

// Reset points d at e.
func (d *Doc) Reset(e *event.Event) {
	d.e = e
	d.gen++
	if d.gen == 0 {
		clear(d.set)
		clear(d.lgen)
		clear(d.kwGen)
		clear(d.mark)
		clear(d.litSeen)
		d.gen = 1
	}
	for i := range e.Data {
		f := &e.Data[i]
		s, ok := d.rs.slots[f.Name]
		if !ok && strings.IndexByte(f.Name, ' ') >= 0 {
			// Sigma writes payload names without their spaces: Defender's
			// "Source Name" is SourceName in rules.
			s, ok = d.rs.slots[strings.ReplaceAll(f.Name, " ", "")]
		}
		// EventID is always the System one: rules are indexed by it, and
		// the workspace's EventID column is it. (Event 1108 of Security
		// carries the event ID it failed to process as a payload EventID.)
		if ok && s != slotEventID && d.set[s] != d.gen {
			d.set[s] = d.gen
			d.val[s] = f.Value
		}
	}
}

// value is the field in slot s, from the payload or the System header.
func (d *Doc) value(s int) (string, bool) {
	if d.set[s] == d.gen {
		return d.val[s], true
	}
	if s >= numSystemSlots {
		return "", false
	}
	sys := &d.e.System
	var v string
	switch s {
	case slotEventID:
		v = strconv.Itoa(int(sys.EventID))
	case slotChannel:
		v = sys.Channel
	case slotComputer:
		v = sys.Computer
	case slotProvider:
		v = sys.Provider
	case slotLevel:
		v = strconv.Itoa(int(sys.Level))
	case slotTask:
		v = strconv.Itoa(int(sys.Task))
	case slotOpcode:
		v = strconv.Itoa(int(sys.Opcode))
	case slotKeywords:
		v = event.FormatKeywords(sys.Keywords)
	case slotRecordID:
		v = strconv.FormatUint(sys.EventRecordID, 10)
	case slotVersion:
		v = strconv.Itoa(int(sys.Version))
	case slotUserID:
		if sys.UserID == "" {
			return "", false
		}
		v = sys.UserID
	}
	d.set[s], d.val[s] = d.gen, v
	return v, true
}

// lower is v lowercased, cached per slot; negative slots -1-i are payload
// value i (keyword search).
func (d *Doc) lower(s int, v string) string {
	if s < 0 {
		i := -1 - s
		if len(d.kwGen) < len(d.e.Data) {
			d.kwGen = append(d.kwGen, make([]uint32, len(d.e.Data)-len(d.kwGen))...)
			d.kwLow = append(d.kwLow, make([]string, len(d.e.Data)-len(d.kwLow))...)
		}
		if d.kwGen[i] != d.gen {
			d.kwGen[i], d.kwLow[i] = d.gen, strings.ToLower(v)
		}
		return d.kwLow[i]
	}
	if d.lgen[s] != d.gen {
		d.lgen[s], d.low[s] = d.gen, strings.ToLower(v)
	}
	return d.low[s]
}

// Hit is a rule that matched an event.
type Hit struct {
	Rule *Compiled
	// Fields are the rule's key fields present in the event, as
	// "SigmaName=value", in the rule's order.
	Fields []FieldValue
}

// FieldValue is one field of a hit.
type FieldValue struct{ Name, Value string }

// Match calls hit for every rule that matches the event d was Reset to.
func (rs *Ruleset) Match(d *Doc, hit func(Hit)) {
	cr := rs.byChannel[d.e.System.Channel]
	if cr == nil {
		return
	}
	b := cr.bucketB[d.e.System.EventID]
	if b == nil {
		b = cr.anyB
	}
	b.run(d, func(v *variant) {
		h := Hit{Rule: v.rule}
		for i, s := range v.keySlots {
			if val, ok := d.value(s); ok {
				h.Fields = append(h.Fields, FieldValue{v.rule.KeyFields[i], val})
			}
		}
		hit(h)
	})
}

// Value returns a field of the event d holds by its Sigma name as read
// under rule c's target for that event (renames applied).
func (d *Doc) Value(c *Compiled, name string) (string, bool) {
	for _, v := range c.variants {
		if v.target.Channel != d.e.System.Channel {
			continue
		}
		if m, ok := v.target.Fields[name]; ok {
			name = m
		}
		break
	}
	if s, ok := d.rs.slots[name]; ok {
		return d.value(s)
	}
	return d.e.Get(name)
}

// Channels lists the channels the ruleset reads, sorted.
func (rs *Ruleset) Channels() []string {
	var out []string
	for c := range rs.byChannel {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
