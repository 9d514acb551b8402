package sigma

import (
	"slices"
	"strconv"
)

// requiredEventIDs returns the event IDs an event must have for the
// condition to hold, when the condition says so (an EventID test every
// match passes through), and ok false when any event ID could match. The
// ruleset indexes rules by it so that an event meets only the rules of its
// event ID: most Security, System and Application rules start with one.
func requiredEventIDs(e Expr, d *Detection, fields map[string]string) (ids []uint16, ok bool) {
	switch e := e.(type) {
	case *And:
		l, lok := requiredEventIDs(e.L, d, fields)
		r, rok := requiredEventIDs(e.R, d, fields)
		switch {
		case lok && rok:
			var out []uint16
			for _, id := range l {
				if slices.Contains(r, id) {
					out = append(out, id)
				}
			}
			return out, true
		case lok:
			return l, true
		case rok:
			return r, true
		}
	case *Or:
		l, lok := requiredEventIDs(e.L, d, fields)
		r, rok := requiredEventIDs(e.R, d, fields)
		if lok && rok {
			return union(l, r), true
		}
	case *Ref:
		return searchEventIDs(d.Searches[e.Name], fields)
	case *Of:
		names := d.expand(e.Pattern)
		if e.All {
			var acc []uint16
			found := false
			for _, n := range names {
				if ids, ok := searchEventIDs(d.Searches[n], fields); ok {
					if !found {
						acc, found = ids, true
						continue
					}
					var out []uint16
					for _, id := range acc {
						if slices.Contains(ids, id) {
							out = append(out, id)
						}
					}
					acc = out
				}
			}
			return acc, found
		}
		var acc []uint16
		for _, n := range names {
			ids, ok := searchEventIDs(d.Searches[n], fields)
			if !ok {
				return nil, false
			}
			acc = union(acc, ids)
		}
		return acc, len(names) > 0
	}
	return nil, false
}

// searchEventIDs: a search requires event IDs when every alternative does.
func searchEventIDs(s *Search, fields map[string]string) ([]uint16, bool) {
	var acc []uint16
	for _, alt := range s.Alternatives {
		ids, ok := altEventIDs(alt, fields)
		if !ok {
			return nil, false
		}
		acc = union(acc, ids)
	}
	return acc, true
}

// altEventIDs: an alternative requires event IDs when one of its items is a
// plain "EventID: n" or "EventID: [n, m]".
func altEventIDs(items []Item, fields map[string]string) ([]uint16, bool) {
	for _, it := range items {
		if it.Field != "EventID" || len(it.Modifiers) > 0 {
			continue
		}
		if _, renamed := fields["EventID"]; renamed {
			continue
		}
		var ids []uint16
		ok := true
		for _, v := range it.Values {
			n, err := strconv.ParseUint(v.Text, 10, 16)
			if err != nil || v.Kind == Null {
				ok = false
				break
			}
			ids = append(ids, uint16(n))
		}
		if ok {
			return ids, true
		}
	}
	return nil, false
}

func union(a, b []uint16) []uint16 {
	out := slices.Clone(a)
	for _, id := range b {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
