package rdpanomaly

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"wsec/internal/geoip"
)

// Flags (AnomalyReasons), named like Sentinel's scenarios.
const (
	FlagUnusualIP  = "UnusualIP"
	FlagUnusualGeo = "UnusualGeo"
	FlagNewUser    = "NewUser"
)

// Corroborations that raise the score.
const (
	CorrFailedBurst  = "FailedLogonBurst"   // failures for the user or from the address in the hour before
	CorrHosting      = "HostingASN"         // the ASN's organisation is a hosting or VPS provider
	CorrNewComputer  = "FirstLogonToDevice" // the user never logged on to this Computer in the window
	CorrOddHour      = "UnusualHour"        // no logon by the user within an hour of this time of day
	CorrLoopback     = "LoopbackSource"     // RDP from 127/8 or ::1: a tunnel
	CorrInternalNovl = "NewInternalSource"  // a private address never seen for the user
)

// Defaults; see Config.
const (
	DefaultWindowDays     = 30
	DefaultMinTenantDays  = 14
	DefaultConfidentDays  = 5
	DefaultThreshold      = 50
	DefaultFailBurst      = 5
	DefaultFailBurstSpan  = time.Hour
	priorA, priorB        = 0.5, 1.0
	rareDays              = 1 // present on at most this many of N days: rare
	tenantRareFraction    = 0.1
	hierarchyBonus        = 0.15
	newUserWeight         = 0.8
	minDiscount           = 0.2
	logisticMid, logistic = 4.0, 1.0
)

// levelWeight says how much novelty at a level means: a new IP is weak
// evidence, a new country strong; city is weak because free databases are.
var levelWeight = [numLevels]float64{0.35, 0.45, 0.8, 0.55, 1.0}

// corroborationBonus is added to the evidence (in bits) before the
// logistic map.
var corroborationBonus = map[string]float64{
	CorrFailedBurst: 3, CorrHosting: 1.5, CorrNewComputer: 0.7, CorrOddHour: 0.7,
	CorrLoopback: 5, CorrInternalNovl: 0.5,
}

// Config tunes a Detector. Zero fields take the defaults.
type Config struct {
	// WindowDays is the baseline: the full days before the logon's day.
	WindowDays int
	// MinTenantDays: nothing is emitted until the tenant has RDP logons on
	// this many days of the window (cold start).
	MinTenantDays int
	// ConfidentDays: an anomaly of a user with fewer active days is marked
	// LowConfidence.
	ConfidentDays int
	// Threshold is the lowest Score emitted (0–100).
	Threshold int
	// Ablations for the evaluation; all false is the product.
	NoTenantDiscount, NoHierarchy, NoCorroboration bool
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.WindowDays, DefaultWindowDays)
	def(&c.MinTenantDays, DefaultMinTenantDays)
	def(&c.ConfidentDays, DefaultConfidentDays)
	def(&c.Threshold, DefaultThreshold)
	return c
}

// LevelEvidence is the count behind one level of one anomaly.
type LevelEvidence struct {
	Level            string  `json:"level"`
	Value            string  `json:"value"`
	UserDays         int     `json:"userDays"`         // days the user was seen with the value
	UserActiveDays   int     `json:"userActiveDays"`   // the user's active RDP days in the window
	TenantDays       int     `json:"tenantDays"`       // days anyone was seen with it
	TenantActiveDays int     `json:"tenantActiveDays"` // the tenant's active RDP days
	Surprise         float64 `json:"surpriseBits"`     // −log2 of the smoothed user rarity
	Discount         float64 `json:"tenantDiscount"`   // 0.2 (common in the tenant) .. 1 (never seen)
	Rare             bool    `json:"rare"`             // rare for the user (≤ 1 day)
}

// Anomaly is one anomalous RDP logon, in the shape of Sentinel's
// Anomalies table.
type Anomaly struct {
	Time             time.Time       `json:"timeGenerated"`
	User             string          `json:"userName"`
	SourceIP         string          `json:"sourceIpAddress"`
	Class            string          `json:"sourceClass"`
	Country          string          `json:"country,omitempty"`
	City             string          `json:"city,omitempty"`
	ASN              uint32          `json:"asn,omitempty"`
	Org              string          `json:"asnOrg,omitempty"`
	Destinations     []string        `json:"destinationDevices"`
	StartTime        time.Time       `json:"startTime"`
	EndTime          time.Time       `json:"endTime"`
	Logons           int             `json:"logons"` // merged into this anomaly (suppression)
	Score            int             `json:"score"`
	Reasons          []string        `json:"anomalyReasons"`
	Corroborations   []string        `json:"corroborations,omitempty"`
	LowConfidence    bool            `json:"lowConfidence"`
	Levels           []LevelEvidence `json:"levels"`
	Usual            []ValueDays     `json:"usualCountries,omitempty"`
	BaselineFrom     time.Time       `json:"baselineFrom"`
	BaselineTo       time.Time       `json:"baselineTo"` // exclusive
	GeoDB            string          `json:"geoDatabase,omitempty"`
	Description      string          `json:"description"`
	suppressionValue string
}

// ValueDays is a value and the days the user was seen with it.
type ValueDays struct {
	Value string `json:"value"`
	Days  int    `json:"days"`
}

// Detector scores RDP logons against the presence baseline of the
// logons it was given.
type Detector struct {
	cfg Config
	b   *baseline
}

// New indexes logons (successes and failures, any order); they must
// cover the WindowDays before the period to score.
func New(logons []Logon, cfg Config) *Detector {
	return &Detector{cfg: cfg.withDefaults(), b: newBaseline(logons)}
}

// Detect scores the successful logons among logons with from ≤ Time < to
// and returns the anomalies at or above the threshold, in time order,
// at most one per user, novel value and day. The result depends only on
// the logons and the Config: scoring again later gives the same scores.
func (d *Detector) Detect(logons []Logon, from, to time.Time) []Anomaly {
	idx := make([]int, 0, len(logons))
	for i := range logons {
		l := &logons[i]
		if l.EventID == EventLogon && !l.Time.Before(from) && l.Time.Before(to) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return logons[idx[a]].Time.Before(logons[idx[b]].Time) })
	var out []Anomaly
	open := map[string]int{} // suppression key → index in out
	for _, i := range idx {
		a, ok := d.score(&logons[i])
		if !ok {
			continue
		}
		key := strings.ToLower(a.User) + "\x00" + a.suppressionValue + "\x00" + a.StartTime.Format(time.DateOnly)
		if j, dup := open[key]; dup {
			p := &out[j]
			p.Logons += a.Logons
			p.EndTime = a.StartTime
			if !slices.Contains(p.Destinations, a.Destinations[0]) {
				p.Destinations = append(p.Destinations, a.Destinations[0])
			}
			continue
		}
		open[key] = len(out)
		out = append(out, a)
	}
	for i := range out {
		out[i].Description = describe(&out[i])
	}
	return out
}

// score returns the logon's anomaly when it is one: at or above the
// threshold with a flag. Machine accounts, logons without an address and
// the tenant's cold start give none.
func (d *Detector) score(l *Logon) (Anomaly, bool) {
	u := userKey(l.User)
	if u == "" || l.Geo.Class == geoip.Empty || l.Geo.Class == geoip.Invalid {
		return Anomaly{}, false
	}
	a, ok := d.evaluate(l, u)
	if !ok || a.Score < d.cfg.Threshold || len(a.Reasons) == 0 {
		return Anomaly{}, false
	}
	if us := d.b.users[u]; us != nil {
		a.Usual = usualCountries(us, day(a.BaselineFrom), day(a.BaselineTo))
	}
	return a, true
}

// evaluate scores one successful logon of user u against the window
// before its day, whatever the score. ok is false during the tenant's
// cold start.
func (d *Detector) evaluate(l *Logon, u string) (Anomaly, bool) {
	cfg := d.cfg
	today := day(l.Time)
	lo, hi := today-int32(cfg.WindowDays), today
	tenantN := count(d.b.tenant.days, lo, hi)
	if tenantN < cfg.MinTenantDays {
		return Anomaly{}, false
	}
	us := d.b.users[u]
	if us == nil {
		us = newScope()
	}
	userN := count(us.days, lo, hi)
	a := Anomaly{
		Time: l.Time, User: l.User, SourceIP: l.IP, Class: l.Geo.Class.String(),
		Country: l.Geo.Country, City: l.Geo.City, ASN: l.Geo.ASN, Org: l.Geo.Org,
		Destinations: []string{l.Computer}, StartTime: l.Time, EndTime: l.Time, Logons: max(l.Count, 1),
		BaselineFrom: dayStart(lo), BaselineTo: dayStart(hi), LowConfidence: userN < cfg.ConfidentDays,
		GeoDB: geoDB(l.Geo), Levels: make([]LevelEvidence, 0, numLevels),
	}
	vals := values(l.Geo)
	sMaxTenant := surprise(0, tenantN)
	top := Level(numLevels)
	var evidence [numLevels]float64
	for i := int(numLevels) - 1; i >= 0; i-- {
		lv := Level(i)
		if vals[lv] == "" || (cfg.NoHierarchy && lv != LevelIP) {
			continue
		}
		k := levelKey(lv, vals[lv])
		e := LevelEvidence{Level: lv.String(), Value: vals[lv], UserActiveDays: userN, TenantActiveDays: tenantN,
			UserDays: count(us.seen[k], lo, hi), TenantDays: count(d.b.tenant.seen[k], lo, hi), Discount: 1}
		e.Surprise = round2(surprise(e.UserDays, userN))
		if !cfg.NoTenantDiscount && sMaxTenant > 0 {
			e.Discount = round2(clamp(surprise(e.TenantDays, tenantN)/sMaxTenant, minDiscount, 1))
		}
		w := levelWeight[lv]
		if cfg.NoHierarchy {
			w = 1 // plain IP rarity, as Elastic's rare-by-source-ip job
		} else if lv == LevelPrefix && vals[LevelASN] == "" {
			// No ASN (internal address, geo off): the prefix is the network.
			w = levelWeight[LevelASN]
		}
		if userN == 0 {
			// A new user: the evidence is the tenant's rarity alone.
			e.Rare = tenantRare(e)
			evidence[lv] = w * newUserWeight * surprise(e.TenantDays, tenantN)
		} else {
			e.Rare = e.UserDays <= rareDays
			evidence[lv] = w * e.Surprise * e.Discount
		}
		a.Levels = append(a.Levels, e)
		if e.Rare && top == numLevels {
			top = lv
		}
	}
	total := 0.0
	if top < numLevels {
		// The strongest rare level carries the score, the other rare
		// levels add a little: a new IP in a known ASN stays low, a new
		// ASN nobody in the tenant uses counts even in a known country.
		best := top
		for lv := LevelIP; lv < numLevels; lv++ {
			if isRare(a.Levels, lv) && evidence[lv] > evidence[best] {
				best = lv
			}
		}
		total = evidence[best]
		for lv := LevelIP; lv < numLevels; lv++ {
			if lv != best && isRare(a.Levels, lv) {
				total += hierarchyBonus * evidence[lv]
			}
		}
		a.suppressionValue = top.String() + ":" + vals[top]
	}
	d.flags(&a, vals, userN)
	if !cfg.NoCorroboration {
		a.Corroborations = d.corroborate(l, u, us, lo, hi, userN)
		for _, c := range a.Corroborations {
			total += corroborationBonus[c]
		}
	}
	a.Score = severity(total)
	return a, true
}

func levelEvidence(levels []LevelEvidence, lv Level) *LevelEvidence {
	for i := range levels {
		if levels[i].Level == lv.String() {
			return &levels[i]
		}
	}
	return nil
}

func isRare(levels []LevelEvidence, lv Level) bool {
	e := levelEvidence(levels, lv)
	return e != nil && e.Rare
}

// tenantRare: the value was present on at most a tenth of the tenant's days.
func tenantRare(e LevelEvidence) bool {
	return float64(e.TenantDays) <= tenantRareFraction*float64(e.TenantActiveDays)
}

// usualCountries are the user's three most present countries.
func usualCountries(us *scope, lo, hi int32) []ValueDays {
	prefix := levelKey(LevelCountry, "")
	var out []ValueDays
	for k, days := range us.seen {
		if v, ok := strings.CutPrefix(k, prefix); ok {
			if n := count(days, lo, hi); n > 0 {
				out = append(out, ValueDays{Value: v, Days: n})
			}
		}
	}
	slices.SortFunc(out, func(a, b ValueDays) int {
		if a.Days != b.Days {
			return b.Days - a.Days
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out[:min(len(out), 3)]
}

func (d *Detector) flags(a *Anomaly, vals [numLevels]string, userN int) {
	tenantRare := func(lv Level) bool {
		e := levelEvidence(a.Levels, lv)
		return e != nil && tenantRare(*e)
	}
	if userN == 0 {
		for lv := LevelIP; lv < numLevels; lv++ {
			if vals[lv] != "" && tenantRare(lv) {
				a.Reasons = append(a.Reasons, FlagNewUser)
				return
			}
		}
		return
	}
	if isRare(a.Levels, LevelIP) || isRare(a.Levels, LevelPrefix) && vals[LevelPrefix] != "" {
		a.Reasons = append(a.Reasons, FlagUnusualIP)
	}
	for _, lv := range []Level{LevelASN, LevelCity, LevelCountry} {
		if vals[lv] != "" && isRare(a.Levels, lv) && (d.cfg.NoTenantDiscount || tenantRare(lv)) {
			a.Reasons = append(a.Reasons, FlagUnusualGeo)
			break
		}
	}
}

func (d *Detector) corroborate(l *Logon, u string, us *scope, lo, hi int32, userN int) []string {
	var out []string
	if d.b.failuresBefore("u"+u, l.Time, DefaultFailBurstSpan) >= DefaultFailBurst ||
		l.Geo.Key != "" && d.b.failuresBefore("i"+l.Geo.Key, l.Time, DefaultFailBurstSpan) >= DefaultFailBurst {
		out = append(out, CorrFailedBurst)
	}
	if isHosting(l.Geo.Org) {
		out = append(out, CorrHosting)
	}
	if l.Geo.Class == geoip.Loopback {
		out = append(out, CorrLoopback)
	}
	if userN >= d.cfg.ConfidentDays {
		if count(us.seen[string(rune(kindComputer))+l.Computer], lo, hi) == 0 {
			out = append(out, CorrNewComputer)
		}
		h := l.Time.UTC().Hour()
		near := 0
		for _, dh := range []int{23, 0, 1} {
			near += count(us.seen[string(rune(kindHour))+strconv.Itoa((h+dh)%24)], lo, hi)
		}
		if near == 0 {
			out = append(out, CorrOddHour)
		}
		if l.Geo.Class.Internal() && l.Geo.Class != geoip.Loopback &&
			count(us.seen[levelKey(LevelIP, l.Geo.Key)], lo, hi) == 0 {
			out = append(out, CorrInternalNovl)
		}
	}
	return out
}

// surprise is −log2 of the Beta-smoothed presence rate of a value seen on
// n of N days.
func surprise(n, total int) float64 {
	return -math.Log2((float64(n) + priorA) / (float64(total) + priorA + priorB))
}

// severity maps evidence (bits) to 0–100 with a fixed logistic, so a
// score never changes once given.
func severity(bits float64) int {
	if bits <= 0 {
		return 0
	}
	return int(math.Round(100 / (1 + math.Exp(-(bits-logisticMid)/logistic))))
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func geoDB(g geoip.Info) string {
	var parts []string
	for _, e := range []geoip.Edition{g.CityDB, g.ASNDB} {
		if s := e.String(); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}
