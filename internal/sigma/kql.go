package sigma

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"wsec/internal/schema"
)

// ToKQL compiles one detection rule to a KQL query over the workspace's
// tables (SecurityEvent for Security and AppLocker targets, WindowsEvent
// otherwise; a union when the log source has both), so the analytics
// engine runs Sigma rules as it runs Sentinel's. The query returns
// TimeGenerated, Computer, Channel, EventID, EventRecordID and the rule's key
// fields (by their Sigma names) of every matching event.
//
// It matches the events Match matches, with these differences, all on
// corner cases: a field present but empty counts as absent (KQL strings are
// never null), a keyword with wildcards is searched in the whole payload
// text rather than value by value, and SecurityEvent payload fields with
// no string column are read from the EventData XML text, where & < > are
// escaped.
func ToKQL(c *Compiled) (string, error) {
	parts, err := variantQueries(c, func(g *kqlGen, v *variant) string {
		var b strings.Builder
		b.WriteString("TimeGenerated, Computer, Channel, EventID, EventRecordID = ")
		b.WriteString(g.system(slotRecordID, true))
		for _, f := range c.KeyFields {
			if name, ok := kqlIdent(f); ok && !isProjected(name) {
				b.WriteString(", ")
				b.WriteString(name)
				b.WriteString(" = ")
				b.WriteString(g.field(c.rs.slots[mapped(v.target, f)]))
			}
		}
		return b.String()
	})
	if err != nil {
		return "", err
	}
	return kqlUnion(parts), nil
}

// kqlUnion is the query of the union of parts (one part: itself).
func kqlUnion(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	for i, p := range parts {
		parts[i] = "(" + strings.ReplaceAll(p, "\n", "\n    ") + ")"
	}
	return "union " + strings.Join(parts, ",\n      ")
}

// variantQueries returns, for each table and channel c reads, the query of
// its matching events with the columns project writes.
func variantQueries(c *Compiled, project func(*kqlGen, *variant) string) ([]string, error) {
	cat := schema.New()
	var parts []string
	for _, v := range c.variants {
		tab, ok := cat.Table(v.target.Table)
		if !ok {
			return nil, fmt.Errorf("BUG: target table %q is not in the schema", v.target.Table)
		}
		g := &kqlGen{rs: c.rs, t: v.target, tab: tab}
		cond := g.node(v.cond)
		if g.err != nil {
			return nil, g.err
		}
		var b strings.Builder
		b.WriteString(tab.Name)
		b.WriteString("\n| where Channel == ")
		b.WriteString(kqlString(v.target.Channel))
		if ids := v.target.EventIDs; len(ids) == 1 {
			fmt.Fprintf(&b, " and EventID == %d", ids[0])
		} else if len(ids) > 1 {
			s := make([]string, len(ids))
			for i, id := range ids {
				s[i] = strconv.Itoa(int(id))
			}
			fmt.Fprintf(&b, " and EventID in (%s)", strings.Join(s, ", "))
		}
		b.WriteString("\n| where ")
		b.WriteString(cond)
		b.WriteString("\n| project ")
		b.WriteString(project(g, v))
		if g.err != nil {
			return nil, g.err
		}
		parts = append(parts, b.String())
	}
	return parts, nil
}

func isProjected(name string) bool {
	switch name {
	case "TimeGenerated", "Computer", "Channel", "EventID", "EventRecordID":
		return true
	}
	return false
}

func mapped(t *Target, f string) string {
	if m, ok := t.Fields[f]; ok {
		return m
	}
	return f
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func kqlIdent(s string) (string, bool) { return s, identRE.MatchString(s) }

type kqlGen struct {
	rs  *Ruleset
	t   *Target
	tab *schema.Table
	err error
}

func (g *kqlGen) fail(format string, args ...any) string {
	if g.err == nil {
		g.err = &UnsupportedError{Reason: "in KQL: " + fmt.Sprintf(format, args...)}
	}
	return "false"
}

func (g *kqlGen) node(n node) string {
	switch n := n.(type) {
	case andNode:
		return g.join(n, " and ")
	case orNode:
		return g.join(n, " or ")
	case *notNode:
		return "not(" + g.node(n.x) + ")"
	case constNode:
		return strconv.FormatBool(bool(n))
	case *ofNode:
		terms := make([]string, len(n.xs))
		for i, x := range n.xs {
			terms[i] = "iff(" + g.node(x) + ", 1, 0)"
		}
		return fmt.Sprintf("(%s >= %d)", strings.Join(terms, " + "), n.n)
	case *itemNode:
		if re, ok := alternation(n); ok {
			return g.field(n.slot) + " matches regex " + g.lit(re)
		}
		terms := make([]string, len(n.ms))
		for i, m := range n.ms {
			terms[i] = g.match(n.slot, m, false)
		}
		return joinTerms(terms, n.all)
	case *keywordNode:
		terms := make([]string, len(n.ms))
		for i, m := range n.ms {
			terms[i] = g.match(-1, m, true)
		}
		return joinTerms(terms, n.all)
	}
	return g.fail("node %T", n)
}

func (g *kqlGen) join(xs []node, op string) string {
	terms := make([]string, len(xs))
	for i, x := range xs {
		terms[i] = g.node(x)
	}
	return "(" + strings.Join(terms, op) + ")"
}

// alternation writes a long list of case-insensitive string tests on one
// field ("any of these 3,000 hashes") as one regular expression: a query
// of thousands of terms exceeds the KQL plan's size limit.
func alternation(n *itemNode) (string, bool) {
	if n.all || len(n.ms) < minAlternation {
		return "", false
	}
	var b strings.Builder
	b.WriteString("(?i)(?s)")
	for i, m := range n.ms {
		sm, ok := m.(*strMatcher)
		if !ok || sm.cased || sm.op == opGlob || (sm.op == opContains && sm.s == "") {
			return "", false
		}
		if i > 0 {
			b.WriteByte('|')
		}
		if sm.op == opEq || sm.op == opPrefix {
			b.WriteByte('^')
		}
		b.WriteString(regexp.QuoteMeta(sm.s))
		if sm.op == opEq || sm.op == opSuffix {
			b.WriteByte('$')
		}
	}
	return b.String(), true
}

// minAlternation is the number of values from which alternation applies.
const minAlternation = 64

func joinTerms(terms []string, all bool) string {
	if len(terms) == 1 {
		return terms[0]
	}
	op := " or "
	if all {
		op = " and "
	}
	return "(" + strings.Join(terms, op) + ")"
}

// match is one value test on slot (or, for keywords, on the whole payload
// text).
func (g *kqlGen) match(slot int, m valueMatcher, keyword bool) string {
	var f string
	if keyword {
		f = "tostring(EventData)"
		if g.tab.Name == schema.SecurityEventTable {
			f = "EventData"
		}
	} else {
		f = g.field(slot)
	}
	switch m := m.(type) {
	case *strMatcher:
		if !keyword && m.op == opEq && slot < numSystemSlots {
			if col, ok := g.intColumn(slot); ok {
				if _, err := strconv.ParseInt(m.s, 10, 64); err == nil {
					return col + " == " + m.s
				}
			}
		}
		return g.str(f, m, keyword)
	case *regexMatcher:
		return f + " matches regex " + g.lit(m.re.String())
	case *cidrMatcher:
		if !m.p.Addr().Is4() {
			return "ipv6_is_in_range(" + f + ", " + kqlString(m.p.String()) + ")"
		}
		return "ipv4_is_in_range(" + f + ", " + kqlString(m.p.String()) + ")"
	case *cmpMatcher:
		op := map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}[m.op]
		return "todouble(" + f + ") " + op + " " + strconv.FormatFloat(m.x, 'g', -1, 64)
	case *existsMatcher:
		if m.want {
			return "isnotempty(" + f + ")"
		}
		return "isempty(" + f + ")"
	case nullMatcher:
		return "isempty(" + f + ")"
	case *fieldrefMatcher:
		other := g.field(m.other)
		return "(isnotempty(" + other + ") and " + f + " " + kqlStringOp(m.op, m.cased) + " " + other + ")"
	}
	return g.fail("matcher %T", m)
}

func (g *kqlGen) str(f string, m *strMatcher, keyword bool) string {
	if m.op == opGlob {
		var re strings.Builder
		if !m.cased {
			re.WriteString("(?i)")
		}
		re.WriteString("(?s)")
		if !keyword {
			re.WriteByte('^')
		}
		for _, t := range m.glob {
			switch {
			case t.lit != "":
				re.WriteString(regexp.QuoteMeta(t.lit))
			case t.star:
				re.WriteString(".*")
			default:
				re.WriteByte('.')
			}
		}
		if !keyword {
			re.WriteByte('$')
		}
		return f + " matches regex " + g.lit(re.String())
	}
	if m.op == opContains && m.s == "" {
		return "isnotempty(" + f + ")"
	}
	return f + " " + kqlStringOp(m.op, m.cased) + " " + g.lit(m.s)
}

// kqlStringOp is the KQL operator of a string test.
func kqlStringOp(op uint8, cased bool) string {
	if cased {
		return [...]string{opEq: "==", opPrefix: "startswith_cs", opSuffix: "endswith_cs", opContains: "contains_cs"}[op]
	}
	return [...]string{opEq: "=~", opPrefix: "startswith", opSuffix: "endswith", opContains: "contains"}[op]
}

func (g *kqlGen) lit(s string) string {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return g.fail("value %q is not text (utf16 without base64?)", s)
	}
	return kqlString(s)
}

// field is the KQL expression of the event field in slot, as a string.
func (g *kqlGen) field(slot int) string {
	if slot < numSystemSlots {
		return g.system(slot, false)
	}
	return g.payloadField(g.rs.names[slot])
}

// named is the KQL expression of the event field called name (after the
// target's renames), as a string, whether or not a rule tests it.
func (g *kqlGen) named(name string) string {
	name = mapped(g.t, name)
	if s, ok := g.rs.slots[name]; ok {
		return g.field(s)
	}
	return g.payloadField(name)
}

// payloadField is the KQL expression of payload field name, as a string.
func (g *kqlGen) payloadField(name string) string {
	if g.tab.Name == schema.SecurityEventTable {
		if i, ok := g.tab.Col(name); ok && g.tab.Columns[i].Type == schema.String && name != "EventData" {
			return name
		}
		return "extract(" + kqlString(`<Data Name="`+regexp.QuoteMeta(name)+`">([^<]*)<`) + ", 1, EventData)"
	}
	f := "tostring(EventData[" + kqlString(name) + "])"
	if spaced := spacedName(name); spaced != name && g.t.Channel != sysmon {
		// The event may carry the name with spaces ("Source Name", as
		// Defender writes it): Match compares names without them.
		f = "strcat(" + f + ", tostring(EventData[" + kqlString(spaced) + "]))"
	}
	return f
}

// spacedName splits a name at its inner word starts: SourceName is
// "Source Name", ProcessID "Process ID".
func spacedName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if i > 0 && 'A' <= c && c <= 'Z' && 'a' <= name[i-1] && name[i-1] <= 'z' {
			b.WriteByte(' ')
		}
		b.WriteByte(c)
	}
	return b.String()
}

// intColumn is the integer column of a System slot, if it has one.
func (g *kqlGen) intColumn(slot int) (string, bool) {
	col := g.system(slot, true)
	if i, ok := g.tab.Col(col); ok {
		switch g.tab.Columns[i].Type {
		case schema.Int, schema.Long:
			return col, true
		}
	}
	return "", false
}

// system is the column of a System slot: bare when raw, else as a string.
func (g *kqlGen) system(slot int, raw bool) string {
	sec := g.tab.Name == schema.SecurityEventTable
	var col string
	switch slot {
	case slotEventID:
		col = "EventID"
	case slotChannel:
		col = "Channel"
	case slotComputer:
		col = "Computer"
	case slotProvider:
		col = "Provider"
		if sec {
			col = "EventSourceName"
		}
	case slotLevel:
		col = "EventLevel"
		if sec {
			col = "Level"
		}
	case slotTask:
		col = "Task"
	case slotOpcode:
		col = "Opcode"
	case slotKeywords:
		col = "Keywords"
	case slotRecordID:
		col = "EventRecordId"
		if sec {
			col = "EventRecordID"
		} else if raw {
			return "tolong(EventRecordId)"
		}
	case slotVersion:
		col = "Version"
	case slotUserID:
		col = "SystemUserId"
		if sec {
			col = "UserID"
		}
	}
	if raw {
		return col
	}
	if i, ok := g.tab.Col(col); ok && g.tab.Columns[i].Type != schema.String {
		return "tostring(" + col + ")"
	}
	return col
}

// kqlString quotes s as a KQL string literal.
func kqlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
