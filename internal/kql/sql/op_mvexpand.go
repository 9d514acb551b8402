package sql

import (
	"strconv"
	"strings"

	"wsec/internal/kql"
)

// mvExpand turns each element of the items' arrays into a row, expanding
// several items in lockstep (a shorter one yields nulls). A null value
// gives one row with null, an empty array or bag none, as KQL documents.
func (c *compiler) mvExpand(m *kql.MvExpand) (*relSQL, error) {
	in, err := c.rel(m.In)
	if err != nil {
		return nil, err
	}
	nm := c.namesOver(in.cols)
	// 1: the element lists.
	a1 := c.alias()
	sc := c.scopeOf(in, a1)
	list1 := []string{a1 + ".*"}
	var lists []string
	for _, it := range m.Items {
		e, err := c.scalar(it.X, sc)
		if err != nil {
			return nil, err
		}
		name := nm.alloc("__list")
		list1 = append(list1, c.d.Elements(e.s, m.BagArray)+" AS "+c.d.Quote(name))
		lists = append(lists, c.d.Quote(name))
	}
	lvl1 := "SELECT " + strings.Join(list1, ", ") + " FROM (" + in.sql + ") AS " + a1
	// 2: one row per index up to the longest list (and the limit).
	a2 := c.alias()
	var lens []string
	for _, l := range lists {
		lens = append(lens, c.d.Length(a2+"."+l))
	}
	n := lens[0]
	if len(lens) > 1 {
		n = "greatest(" + strings.Join(lens, ", ") + ")"
	}
	if m.Limit > 0 {
		n = "least(" + n + ", " + strconv.FormatInt(m.Limit, 10) + ")"
	}
	idx := nm.alloc("__idx")
	lvl2 := "SELECT " + a2 + ".*, " + c.d.ExpandIndex(n) + " AS " + c.d.Quote(idx) + " FROM (" + lvl1 + ") AS " + a2
	// 3: pick the elements.
	a3 := c.alias()
	out := &relSQL{}
	var list3 []string
	replaced := map[string]int{}
	for i, it := range m.Items {
		replaced[it.Name] = i
	}
	elem := func(i int) (string, kql.Type, error) {
		it := m.Items[i]
		e := c.d.ElementAt(a3+"."+lists[i], a3+"."+c.d.Quote(idx))
		if it.Type == kql.TDynamic || it.Type == kql.TUnknown {
			return e, kql.TDynamic, nil
		}
		s, err := c.d.Func(kql.ConvFunc(it.Type), []Arg{{SQL: e, Type: kql.TDynamic, Nullable: true}}, it.Type)
		return s, it.Type, err
	}
	done := map[string]bool{}
	for _, cl := range in.cols {
		if i, ok := replaced[cl.name]; ok && !cl.hidden {
			s, t, err := elem(i)
			if err != nil {
				return nil, err
			}
			list3 = append(list3, s+" AS "+c.d.Quote(cl.sql))
			out.cols = append(out.cols, col{name: cl.name, sql: cl.sql, t: t, nullable: true})
			done[cl.name] = true
			continue
		}
		list3 = append(list3, c.ref(a3, cl))
		out.cols = append(out.cols, cl)
	}
	for i, it := range m.Items {
		if done[it.Name] {
			continue
		}
		s, t, err := elem(i)
		if err != nil {
			return nil, err
		}
		name := nm.alloc(it.Name)
		list3 = append(list3, s+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{name: it.Name, sql: name, t: t, nullable: true})
	}
	if m.Index != "" {
		name := nm.alloc(m.Index)
		list3 = append(list3, a3+"."+c.d.Quote(idx)+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{name: m.Index, sql: name, t: kql.TLong})
	}
	if len(in.order) > 0 {
		name := nm.alloc("__ord")
		list3 = append(list3, a3+"."+c.d.Quote(idx)+" AS "+c.d.Quote(name))
		out.cols = append(out.cols, col{sql: name, t: kql.TLong, hidden: true})
		out.order = append(append([]string(nil), in.order...), c.d.Quote(name))
	}
	out.sql = "SELECT " + strings.Join(list3, ", ") + " FROM (" + lvl2 + ") AS " + a3
	return out, nil
}
