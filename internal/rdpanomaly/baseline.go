package rdpanomaly

import (
	"slices"
	"strconv"
	"time"

	"wsec/internal/geoip"
)

// Level is a step of the location hierarchy, most specific first.
type Level uint8

const (
	LevelIP      Level = iota // the address (IPv6: its /64)
	LevelPrefix               // its /24 (IPv6: /48)
	LevelASN                  // autonomous system
	LevelCity                 // country and city
	LevelCountry              // country
	numLevels
)

var levelNames = [numLevels]string{"IP", "prefix", "ASN", "city", "country"}

func (l Level) String() string { return levelNames[l] }

// values are the logon's value at each level; "" where unknown.
func values(g geoip.Info) [numLevels]string {
	var v [numLevels]string
	v[LevelIP], v[LevelPrefix] = g.Key, g.Prefix
	if g.Class != geoip.Public {
		return v
	}
	if g.ASN != 0 {
		v[LevelASN] = "AS" + strconv.FormatUint(uint64(g.ASN), 10)
	}
	if g.Country != "" {
		v[LevelCountry] = g.Country
		if g.City != "" {
			v[LevelCity] = g.City + ", " + g.Country
		}
	}
	return v
}

// Keys of the presence map: a one-byte kind, then the value.
const (
	kindComputer = 'c'
	kindHour     = 'h'
)

func levelKey(l Level, v string) string { return string(rune('0'+l)) + v }

// scope is the presence of values on days, for one user or the tenant.
// Days lists are sorted and distinct: presence, not volume.
type scope struct {
	days []int32            // days with at least one successful RDP logon
	seen map[string][]int32 // levelKey/kind+value → days seen
}

func newScope() *scope { return &scope{seen: map[string][]int32{}} }

func addDay(days []int32, d int32) []int32 {
	if n := len(days); n > 0 && days[n-1] >= d {
		if days[n-1] == d {
			return days
		}
		i, found := slices.BinarySearch(days, d)
		if found {
			return days
		}
		return slices.Insert(days, i, d)
	}
	return append(days, d)
}

func (s *scope) add(d int32, keys []string) {
	s.days = addDay(s.days, d)
	for _, k := range keys {
		s.seen[k] = addDay(s.seen[k], d)
	}
}

// count is the number of days of list in [lo, hi).
func count(list []int32, lo, hi int32) int {
	i, _ := slices.BinarySearch(list, lo)
	j, _ := slices.BinarySearch(list, hi)
	return j - i
}

// baseline indexes every successful logon by user and for the tenant, and
// failed logons by user and by address for the burst check.
type baseline struct {
	tenant *scope
	users  map[string]*scope
	fails  map[string][]time.Time // "u"+user or "i"+IP key → failure times, sorted
}

// logonKeys are the presence keys of a logon: the location levels first
// (the tenant's baseline), then the Computer and the hour of day (the
// user's only).
func logonKeys(l *Logon) (keys []string, levels int) {
	v := values(l.Geo)
	keys = make([]string, 0, numLevels+2)
	for lv, s := range v {
		if s != "" {
			keys = append(keys, levelKey(Level(lv), s))
		}
	}
	levels = len(keys)
	keys = append(keys, string(rune(kindComputer))+l.Computer,
		string(rune(kindHour))+strconv.Itoa(l.Time.UTC().Hour()))
	return keys, levels
}

func newBaseline(logons []Logon) *baseline {
	b := &baseline{tenant: newScope(), users: map[string]*scope{}, fails: map[string][]time.Time{}}
	for i := range logons {
		l := &logons[i]
		u := userKey(l.User)
		if u == "" {
			continue
		}
		if l.EventID == EventLogonFailed {
			b.fails["u"+u] = append(b.fails["u"+u], l.Time)
			if l.Geo.Key != "" {
				b.fails["i"+l.Geo.Key] = append(b.fails["i"+l.Geo.Key], l.Time)
			}
			continue
		}
		if l.Geo.Class == geoip.Empty || l.Geo.Class == geoip.Invalid {
			continue
		}
		keys, levels := logonKeys(l)
		d := day(l.Time)
		s := b.users[u]
		if s == nil {
			s = newScope()
			b.users[u] = s
		}
		s.add(d, keys)
		b.tenant.add(d, keys[:levels])
	}
	for k, ts := range b.fails {
		slices.SortFunc(ts, time.Time.Compare)
		b.fails[k] = ts
	}
	return b
}

// failuresBefore counts failures under key in (t-window, t].
func (b *baseline) failuresBefore(key string, t time.Time, window time.Duration) int {
	ts := b.fails[key]
	i, _ := slices.BinarySearchFunc(ts, t.Add(-window), time.Time.Compare)
	j, _ := slices.BinarySearchFunc(ts, t.Add(time.Nanosecond), time.Time.Compare)
	return j - i
}
