package sigma

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"
)

// Rule is one Sigma document: a detection rule (Detection set) or a
// correlation rule (Correlation set).
type Rule struct {
	Path           string // file the rule came from, set by Load
	Title          string
	ID             string
	Name           string // the name correlation rules may refer to it by
	Status         string
	Description    string
	Level          string
	Author         string
	Date           string
	Tags           []string
	References     []string
	FalsePositives []string
	Fields         []string
	LogSource      LogSource
	Detection      *Detection
	Correlation    *Correlation
}

// LogSource is the rule's logsource section.
type LogSource struct {
	Product    string
	Category   string
	Service    string
	Definition string
}

// String is "product/category/service" with empty parts left out.
func (l LogSource) String() string {
	var parts []string
	for _, p := range []string{l.Product, l.Category, l.Service} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "/")
}

// Detection is the detection section: named searches and the condition over
// them.
type Detection struct {
	Names     []string // search identifiers in document order
	Searches  map[string]*Search
	Condition Expr
	// ConditionText is the condition as written; several are joined with
	// " or " (a list of conditions means any of them).
	ConditionText string
}

// Search is one named search identifier. It matches when any of its
// alternatives matches; an alternative matches when all its items match.
// A map is one alternative, a list of maps several, a keyword list one
// alternative per keyword item.
type Search struct {
	Name         string
	Alternatives [][]Item
}

// Item is one "field|modifier|...: values" entry. Field is "" for keywords
// (full-text search over every value of the event).
type Item struct {
	Field     string
	Modifiers []string
	Values    []Value
}

// ValueKind says what YAML scalar a value was.
type ValueKind uint8

const (
	String ValueKind = iota
	Number
	Bool
	Null
)

// Value is one detection value as written.
type Value struct {
	Kind ValueKind
	Text string // the scalar's text; "" for Null
}

// Correlation is the correlation section of a correlation rule.
type Correlation struct {
	Type      string   // event_count, value_count, temporal, temporal_ordered
	Rules     []string // ids or names of the rules it correlates
	GroupBy   []string
	Timespan  string
	Field     string // value_count: the field whose distinct values are counted
	Condition map[string]int64
	Generate  bool
	Aliases   map[string]map[string]string // alias → rule name → field
}

// ParseError is a rule that cannot be read: YAML that is not a Sigma rule.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads every YAML document in data as a Sigma rule. path names the
// source in errors and in Rule.Path.
func Parse(path string, data []byte) ([]*Rule, error) {
	if len(data) > MaxRuleBytes {
		return nil, &ParseError{Path: path, Msg: fmt.Sprintf("rule file is %d bytes, more than the %d a Sigma rule may have", len(data), MaxRuleBytes)}
	}
	roots, fast := fastYAML(data)
	var dec *yaml.Decoder
	if !fast {
		dec = yaml.NewDecoder(bytes.NewReader(data))
	}
	var rules []*Rule
	for {
		var root *yaml.Node
		if fast {
			if len(roots) == 0 {
				break
			}
			root, roots = roots[0], roots[1:]
		} else {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, &ParseError{Path: path, Msg: "read YAML: " + err.Error()}
			}
			if len(doc.Content) == 0 {
				continue
			}
			root = doc.Content[0]
		}
		r, err := parseRule(root)
		if err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				pe.Path = path
			}
			return nil, err
		}
		r.Path = path
		rules = append(rules, r)
		if len(rules) > MaxRulesPerFile {
			return nil, &ParseError{Path: path, Msg: fmt.Sprintf("more than %d rules in one file", MaxRulesPerFile)}
		}
	}
	if len(rules) == 0 {
		return nil, &ParseError{Path: path, Msg: "no rule in the file"}
	}
	return rules, nil
}

func errAt(n *yaml.Node, format string, args ...any) error {
	return &ParseError{Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func parseRule(n *yaml.Node) (*Rule, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "a rule must be a YAML map of title, logsource, detection, ...")
	}
	r := &Rule{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		var err error
		switch k {
		case "title":
			r.Title, err = scalar(v, k)
		case "id":
			r.ID, err = scalar(v, k)
		case "name":
			r.Name, err = scalar(v, k)
		case "status":
			r.Status, err = scalar(v, k)
		case "description":
			r.Description, err = scalar(v, k)
		case "level":
			r.Level, err = scalar(v, k)
		case "author":
			r.Author, err = scalar(v, k)
		case "date":
			r.Date, err = scalar(v, k)
		case "tags":
			r.Tags, err = scalars(v, k)
		case "references":
			r.References, err = scalars(v, k)
		case "falsepositives":
			r.FalsePositives, err = scalars(v, k)
		case "fields":
			r.Fields, err = scalars(v, k)
		case "logsource":
			r.LogSource, err = parseLogSource(v)
		case "detection":
			r.Detection, err = parseDetection(v)
		case "correlation":
			r.Correlation, err = parseCorrelation(v)
		}
		if err != nil {
			return nil, err
		}
	}
	switch {
	case r.Title == "":
		return nil, errAt(n, "rule has no title")
	case r.Detection == nil && r.Correlation == nil:
		return nil, errAt(n, "rule %q has neither detection nor correlation", r.Title)
	case r.Detection != nil && r.Correlation != nil:
		return nil, errAt(n, "rule %q has both detection and correlation", r.Title)
	}
	return r, nil
}

// scalar reads a string-valued key; a list of strings is joined by newlines
// (description and author are sometimes written so).
func scalar(n *yaml.Node, key string) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "", nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		s, err := scalars(n, key)
		return strings.Join(s, "\n"), err
	}
	return "", errAt(n, "%s: want a string", key)
}

func scalars(n *yaml.Node, key string) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return nil, errAt(c, "%s: want a list of strings", key)
			}
			out = append(out, c.Value)
		}
		return out, nil
	}
	return nil, errAt(n, "%s: want a string or a list of strings", key)
}

func parseLogSource(n *yaml.Node) (LogSource, error) {
	var l LogSource
	if n.Kind != yaml.MappingNode {
		return l, errAt(n, "logsource: want a map of product, category, service")
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		s, err := scalar(v, "logsource."+k)
		if err != nil {
			return l, err
		}
		switch k {
		case "product":
			l.Product = s
		case "category":
			l.Category = s
		case "service":
			l.Service = s
		case "definition":
			l.Definition = s
		}
	}
	return l, nil
}

func parseDetection(n *yaml.Node) (*Detection, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "detection: want a map of search identifiers and a condition")
	}
	d := &Detection{Searches: map[string]*Search{}}
	var conds []string
	var condNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "condition":
			var err error
			if conds, err = scalars(v, "condition"); err != nil {
				return nil, err
			}
			condNode = v
		case "timeframe":
			// Sigma v1's aggregation window; the condition's aggregation
			// (rejected by ParseCondition) is what uses it.
		default:
			if _, dup := d.Searches[k]; dup {
				return nil, errAt(n.Content[i], "detection: search %q is defined twice", k)
			}
			s, err := parseSearch(k, v)
			if err != nil {
				return nil, err
			}
			d.Names = append(d.Names, k)
			d.Searches[k] = s
		}
	}
	if len(conds) == 0 {
		return nil, errAt(n, "detection has no condition")
	}
	for i, c := range conds {
		if len(conds) > 1 {
			conds[i] = "(" + c + ")"
		}
	}
	d.ConditionText = strings.Join(conds, " or ")
	expr, err := ParseCondition(d.ConditionText)
	if err != nil {
		return nil, errAt(condNode, "condition: %v", err)
	}
	if err := checkNames(expr, d); err != nil {
		return nil, errAt(condNode, "condition: %v", err)
	}
	d.Condition = expr
	return d, nil
}

func parseSearch(name string, n *yaml.Node) (*Search, error) {
	s := &Search{Name: name}
	switch n.Kind {
	case yaml.MappingNode:
		items, err := parseMap(name, n)
		if err != nil {
			return nil, err
		}
		s.Alternatives = [][]Item{items}
	case yaml.SequenceNode:
		var keywords []Value
		for _, c := range n.Content {
			switch c.Kind {
			case yaml.MappingNode:
				items, err := parseMap(name, c)
				if err != nil {
					return nil, err
				}
				s.Alternatives = append(s.Alternatives, items)
			case yaml.ScalarNode:
				keywords = append(keywords, value(c))
			default:
				return nil, errAt(c, "search %q: a list holds maps or keywords, not nested lists", name)
			}
		}
		if len(keywords) > 0 {
			if len(s.Alternatives) > 0 {
				return nil, errAt(n, "search %q mixes keywords and field maps in one list", name)
			}
			s.Alternatives = [][]Item{{{Values: keywords}}}
		}
	case yaml.ScalarNode:
		s.Alternatives = [][]Item{{{Values: []Value{value(n)}}}}
	default:
		return nil, errAt(n, "search %q: want a map, a list of maps or a list of keywords", name)
	}
	if len(s.Alternatives) == 0 {
		return nil, errAt(n, "search %q is empty", name)
	}
	return s, nil
}

func parseMap(search string, n *yaml.Node) ([]Item, error) {
	var items []Item
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i], n.Content[i+1]
		parts := strings.Split(key.Value, "|")
		it := Item{Field: parts[0], Modifiers: parts[1:]}
		for _, m := range it.Modifiers {
			if m == "" {
				return nil, errAt(key, "search %q: empty modifier in %q", search, key.Value)
			}
		}
		switch v.Kind {
		case yaml.ScalarNode:
			it.Values = []Value{value(v)}
		case yaml.SequenceNode:
			for _, c := range v.Content {
				if c.Kind != yaml.ScalarNode {
					return nil, errAt(c, "search %q: %s: a value list holds only scalars", search, key.Value)
				}
				it.Values = append(it.Values, value(c))
			}
			if len(it.Values) == 0 {
				return nil, errAt(v, "search %q: %s has an empty value list", search, key.Value)
			}
		default:
			return nil, errAt(v, "search %q: %s: want a value or a list of values", search, key.Value)
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, errAt(n, "search %q has an empty map", search)
	}
	return items, nil
}

func value(n *yaml.Node) Value {
	switch n.Tag {
	case "!!null":
		return Value{Kind: Null}
	case "!!int", "!!float":
		return Value{Kind: Number, Text: n.Value}
	case "!!bool":
		return Value{Kind: Bool, Text: strings.ToLower(n.Value)}
	}
	return Value{Kind: String, Text: n.Value}
}

func parseCorrelation(n *yaml.Node) (*Correlation, error) {
	if n.Kind != yaml.MappingNode {
		return nil, errAt(n, "correlation: want a map of type, rules, group-by, timespan, condition")
	}
	c := &Correlation{Generate: false}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		var err error
		switch k {
		case "type":
			c.Type, err = scalar(v, "correlation.type")
		case "rules":
			c.Rules, err = scalars(v, "correlation.rules")
		case "group-by":
			c.GroupBy, err = scalars(v, "correlation.group-by")
		case "timespan", "timeframe":
			c.Timespan, err = scalar(v, "correlation.timespan")
		case "generate":
			c.Generate = v.Value == "true"
		case "condition":
			c.Condition, c.Field, err = parseCorrelationCondition(v)
		case "aliases":
			c.Aliases, err = parseAliases(v)
		}
		if err != nil {
			return nil, err
		}
	}
	switch c.Type {
	case "event_count", "value_count", "temporal", "temporal_ordered":
	case "":
		return nil, errAt(n, "correlation has no type")
	default:
		return nil, errAt(n, "correlation type %q: want event_count, value_count, temporal or temporal_ordered", c.Type)
	}
	if len(c.Rules) == 0 {
		return nil, errAt(n, "correlation names no rules")
	}
	if c.Timespan == "" {
		return nil, errAt(n, "correlation has no timespan")
	}
	if _, err := ParseTimespan(c.Timespan); err != nil {
		return nil, errAt(n, "correlation timespan: %v", err)
	}
	if c.Type == "value_count" && c.Field == "" {
		return nil, errAt(n, "value_count correlation needs condition.field")
	}
	if len(c.Condition) == 0 && (c.Type == "event_count" || c.Type == "value_count") {
		return nil, errAt(n, "%s correlation needs a condition (gte, gt, lte, lt, eq)", c.Type)
	}
	return c, nil
}

func parseCorrelationCondition(n *yaml.Node) (map[string]int64, string, error) {
	if n.Kind != yaml.MappingNode {
		return nil, "", errAt(n, "correlation condition: want a map such as {gte: 10}")
	}
	cond := map[string]int64{}
	field := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch k {
		case "field":
			field = v.Value
		case "gt", "gte", "lt", "lte", "eq", "neq":
			var x int64
			if err := v.Decode(&x); err != nil {
				return nil, "", errAt(v, "correlation condition %s: want an integer", k)
			}
			cond[k] = x
		default:
			return nil, "", errAt(n.Content[i], "correlation condition %q: want gt, gte, lt, lte, eq, neq or field", k)
		}
	}
	return cond, field, nil
}

func parseAliases(n *yaml.Node) (map[string]map[string]string, error) {
	var a map[string]map[string]string
	if err := n.Decode(&a); err != nil {
		return nil, errAt(n, "correlation aliases: want alias: {rule: field}")
	}
	return a, nil
}
