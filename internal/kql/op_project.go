package kql

import (
	"maps"
	"sort"
	"strings"
)

// ProjectOp covers the column-shaping operators: project, extend,
// project-away, project-keep, project-rename, project-reorder and serialize.
// For project-away/keep/reorder the columns are Idents that may hold '*'
// wildcards; for project-rename each is NewName = OldName. Dirs holds the
// optional asc/desc of each project-reorder column.
type ProjectOp struct {
	OpPos Pos
	Kind  string
	Cols  []*NamedExpr
	Dirs  []string
}

func (o *ProjectOp) Pos() Pos     { return o.OpPos }
func (o *ProjectOp) Name() string { return o.Kind }

func (p *parser) parseProject(pos Pos, kind string) Operator {
	o := &ProjectOp{OpPos: pos, Kind: kind}
	switch kind {
	case "project-away", "project-keep", "project-reorder":
		for {
			id := p.parseWildIdent("in " + kind)
			o.Cols = append(o.Cols, &NamedExpr{X: id})
			dir := ""
			if kind == "project-reorder" {
				for _, d := range []string{"asc", "desc", "granny-asc", "granny-desc"} {
					if p.isWord(d) {
						dir = d
						p.advance()
						break
					}
				}
			}
			o.Dirs = append(o.Dirs, dir)
			if p.bad || !p.got(tComma) {
				break
			}
		}
		if kind != "project-reorder" {
			o.Dirs = nil
		}
	case "project-rename":
		for {
			newName := p.parseIdent("as the new column name")
			p.expect(tAssign, "after the new column name in project-rename")
			old := p.parseIdent("as the column to rename")
			o.Cols = append(o.Cols, &NamedExpr{Names: []*Ident{newName}, X: old})
			if p.bad || !p.got(tComma) {
				break
			}
		}
	case "serialize":
		if p.tok().Kind != tPipe && p.tok().Kind != tEOF && p.tok().Kind != tSemi && p.tok().Kind != tRParen {
			o.Cols = p.parseNamedList("in serialize", false)
		}
	default:
		o.Cols = p.parseNamedList("in "+kind, kind == "extend" || kind == "project")
	}
	return o
}

func (o *ProjectOp) format(pr *printer) {
	pr.ws(o.Kind)
	if len(o.Cols) == 0 {
		return
	}
	pr.ws(" ")
	for i, c := range o.Cols {
		if i > 0 {
			pr.ws(", ")
		}
		if id, ok := c.X.(*Ident); ok && len(c.Names) == 0 && o.Kind != "project" && o.Kind != "extend" {
			pr.wildIdent(id)
		} else {
			pr.named(c)
		}
		if i < len(o.Dirs) && o.Dirs[i] != "" {
			pr.ws(" " + o.Dirs[i])
		}
	}
}

func (c *checker) checkProject(o *ProjectOp, in Rel, e *env) Rel {
	switch o.Kind {
	case "project":
		return c.checkProjectCols(o, in, e)
	case "extend":
		return c.checkExtend(o.Cols, in, e)
	case "serialize":
		r := Rel(&Sort{In: in})
		if len(o.Cols) == 0 {
			return r
		}
		return c.checkExtend(o.Cols, r, e)
	case "project-away", "project-keep":
		return c.checkProjectAwayKeep(o, in)
	case "project-rename":
		return c.checkProjectRename(o, in)
	case "project-reorder":
		return c.checkProjectReorder(o, in)
	}
	c.errorf(o.Pos(), "unsupported operator %s", o.Kind)
	return nil
}

// passThrough is the item that copies an input column.
func passThrough(col Column) Item {
	return Item{Name: col.Name, X: &ColRef{Name: col.Name, T: col.Type}}
}

// checkExtend handles extend (and the items of serialize): each new column
// may read the ones before it; a column that already exists moves to the
// end with its new value, as KQL's extend does.
func (c *checker) checkExtend(cols []*NamedExpr, in Rel, e *env) Rel {
	sc := newScope(in)
	items := make([]Item, 0, len(sc.cols)+len(cols))
	for _, col := range sc.cols {
		items = append(items, passThrough(col))
	}
	taken := map[string]bool{}
	for _, col := range sc.cols {
		taken[col.Name] = true
	}
	nm := newNamer("Column", taken)
	defined := map[string]Scalar{}
	for _, ne := range cols {
		news, ok := c.namedItems(ne, sc, e, defined, nm)
		if !ok {
			return nil
		}
		for _, it := range news {
			for i, old := range items {
				if old.Name == it.Name {
					items = append(items[:i], items[i+1:]...)
					break
				}
			}
			items = append(items, it)
			defined[it.Name] = it.X
			nm.taken[it.Name] = true
		}
	}
	return &Project{In: in, Items: items}
}

// itemName returns the output name of a named expression: its given name,
// the name KQL derives from the expression, or a fresh ColumnN.
func (c *checker) itemName(ne *NamedExpr, nm *namer) (string, bool) {
	switch len(ne.Names) {
	case 0:
		if n := exprName(ne.X); n != "" {
			return n, true
		}
		return nm.fresh(), true
	case 1:
		return ne.Names[0].Name, true
	}
	c.errorf(ne.Pos(), "this expression returns one value; (%s) = ... needs a function returning %d columns", ne.Names[0].Name, len(ne.Names))
	return "", false
}

// scalarWith checks x where names in defined (earlier items of the same
// extend/project) stand for their expressions.
func (c *checker) scalarWith(x Expr, sc *scope, e *env, defined map[string]Scalar) Scalar {
	if len(defined) == 0 {
		return c.scalar(x, sc, e)
	}
	s2 := *sc
	s2.index = maps.Clone(sc.index)
	e2 := e
	for name, v := range defined {
		delete(s2.index, name)
		e2 = e2.with(name, &binding{kind: bScalar, scalar: v})
	}
	return c.scalar(x, &s2, e2)
}

func (c *checker) checkProjectCols(o *ProjectOp, in Rel, e *env) Rel {
	sc := newScope(in)
	taken := map[string]bool{}
	nm := newNamer("Column", taken)
	var items []Item
	defined := map[string]Scalar{}
	for _, ne := range o.Cols {
		news, ok := c.namedItems(ne, sc, e, defined, nm)
		if !ok {
			return nil
		}
		for _, it := range news {
			if taken[it.Name] {
				if len(ne.Names) > 0 {
					c.errorf(ne.Pos(), "column '%s' is projected twice", it.Name)
					return nil
				}
				it.Name = uniqueName(it.Name, taken)
			}
			taken[it.Name] = true
			items = append(items, it)
			defined[it.Name] = it.X
		}
	}
	return &Project{In: in, Items: items}
}

// matchCols returns the input columns a (possibly wildcard) name selects,
// reporting an unknown plain name.
func (c *checker) matchCols(id *Ident, sc *scope) []Column {
	var out []Column
	for _, col := range sc.cols {
		if col.Name != BagColumn && matchWild(id.Name, col.Name) {
			out = append(out, col)
		}
	}
	if len(out) == 0 && !strings.Contains(id.Name, "*") && !sc.open {
		c.unknownName(id, sc, nil)
	}
	return out
}

func (c *checker) checkProjectAwayKeep(o *ProjectOp, in Rel) Rel {
	sc := newScope(in)
	sel := map[string]bool{}
	for _, ne := range o.Cols {
		id, ok := ne.X.(*Ident)
		if !ok {
			c.errorf(ne.Pos(), "%s takes column names", o.Kind)
			return nil
		}
		for _, col := range c.matchCols(id, sc) {
			sel[col.Name] = true
		}
	}
	var items []Item
	for _, col := range sc.cols {
		keep := sel[col.Name] == (o.Kind == "project-keep") || col.Name == BagColumn
		if keep {
			items = append(items, passThrough(col))
		}
	}
	return &Project{In: in, Items: items}
}

func (c *checker) checkProjectRename(o *ProjectOp, in Rel) Rel {
	sc := newScope(in)
	rename := map[string]string{}
	for _, ne := range o.Cols {
		old := ne.X.(*Ident)
		if _, ok := sc.lookup(old.Name); !ok {
			c.unknownName(old, sc, nil)
			return nil
		}
		rename[old.Name] = ne.Names[0].Name
	}
	var items []Item
	for _, col := range sc.cols {
		it := passThrough(col)
		if n, ok := rename[col.Name]; ok {
			it.Name = n
		}
		items = append(items, it)
	}
	return &Project{In: in, Items: items}
}

func (c *checker) checkProjectReorder(o *ProjectOp, in Rel) Rel {
	sc := newScope(in)
	used := map[string]bool{}
	var items []Item
	for i, ne := range o.Cols {
		id, ok := ne.X.(*Ident)
		if !ok {
			c.errorf(ne.Pos(), "project-reorder takes column names")
			return nil
		}
		cols := c.matchCols(id, sc)
		if len(cols) == 0 && !strings.Contains(id.Name, "*") && sc.open {
			// A property of an open row becomes a real column here.
			items = append(items, Item{Name: id.Name, X: &Call{Fn: "bag_get", Args: []Scalar{&ColRef{Name: BagColumn, T: TDynamic}, constString(id.Name)}, T: TUnknown}})
			used[id.Name] = true
			continue
		}
		switch o.Dirs[i] {
		case "asc", "granny-asc":
			sort.SliceStable(cols, func(a, b int) bool { return cols[a].Name < cols[b].Name })
		case "desc", "granny-desc":
			sort.SliceStable(cols, func(a, b int) bool { return cols[a].Name > cols[b].Name })
		}
		for _, col := range cols {
			if !used[col.Name] {
				used[col.Name] = true
				items = append(items, passThrough(col))
			}
		}
	}
	for _, col := range sc.cols {
		if !used[col.Name] {
			items = append(items, passThrough(col))
		}
	}
	return &Project{In: in, Items: items}
}
