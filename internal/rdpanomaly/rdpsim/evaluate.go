package rdpsim

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"wsec/internal/geoip"
	"wsec/internal/rdpanomaly"
)

// Report is the accuracy of one detector configuration on a Dataset.
type Report struct {
	Name string
	// Recall per attack type: attacks caught / injected. An attack is
	// caught when an anomaly for its user starts within an hour of its
	// first logon.
	Caught, Injected map[string]int
	// Alerts are the anomalies in the scored half; True those on an
	// attack's user, address and time span.
	Alerts, True int
	// FalseByCause counts false alerts by the hard negative they fall in
	// ("other" when none).
	FalseByCause map[string]int
	// WarmupAlerts are anomalies in the first half; ColdStartAlerts those
	// in its first MinTenantDays, which the cold-start guard keeps at 0.
	WarmupAlerts, ColdStartAlerts int
	// Delays are detection delays of caught attacks.
	Delays     []time.Duration
	ScoredDays int
	Users      int
}

// Recall over all attack types.
func (r *Report) Recall() float64 {
	c, n := 0, 0
	for k, v := range r.Injected {
		c += r.Caught[k]
		n += v
	}
	return ratio(c, n)
}

// Precision is true alerts / alerts.
func (r *Report) Precision() float64 { return ratio(r.True, r.Alerts) }

// FalsePerDayPer1000 is false alerts per day per 1,000 users.
func (r *Report) FalsePerDayPer1000() float64 {
	return float64(r.Alerts-r.True) / float64(r.ScoredDays) / (float64(r.Users) / 1000)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Evaluate runs a detector configured by cfg over ds and scores it
// against the labels.
func Evaluate(ds *Dataset, name string, cfg rdpanomaly.Config) *Report {
	det := rdpanomaly.New(ds.Logons, cfg)
	r := Score(ds, name, det.Detect(ds.Logons, ds.ScoredFrom, ds.End))
	r.WarmupAlerts = len(det.Detect(ds.Logons, ds.Start, ds.ScoredFrom))
	minDays := cfg.MinTenantDays
	if minDays <= 0 {
		minDays = rdpanomaly.DefaultMinTenantDays
	}
	r.ColdStartAlerts = len(det.Detect(ds.Logons, ds.Start, ds.Start.AddDate(0, 0, minDays)))
	return r
}

// Score scores alerts raised elsewhere (the Anomalies rows the product
// path stored for the scored half) against ds's labels; only the user,
// source address and start time of each are read.
func Score(ds *Dataset, name string, alerts []rdpanomaly.Anomaly) *Report {
	r := &Report{Name: name, Caught: map[string]int{}, Injected: map[string]int{}, FalseByCause: map[string]int{},
		ScoredDays: int(ds.End.Sub(ds.ScoredFrom) / (24 * time.Hour)), Users: ds.Users}
	r.score(ds, alerts)
	return r
}

func (r *Report) score(ds *Dataset, alerts []rdpanomaly.Anomaly) {
	r.Alerts = len(alerts)
	for _, l := range ds.Labels {
		if !l.Malicious {
			continue
		}
		r.Injected[l.Kind]++
		for _, a := range alerts {
			if a.User == l.User && !a.StartTime.Before(l.Start) && a.StartTime.Before(l.Start.Add(time.Hour)) {
				r.Caught[l.Kind]++
				r.Delays = append(r.Delays, a.StartTime.Sub(l.Start))
				break
			}
		}
	}
	for _, a := range alerts {
		if lbl := match(ds.Labels, a, true); lbl != nil {
			r.True++
			continue
		}
		cause := "other"
		if lbl := match(ds.Labels, a, false); lbl != nil {
			cause = lbl.Kind
		}
		r.FalseByCause[cause]++
	}
}

// evidence is one level's counts as an anomaly's Description writes them.
var evidence = regexp.MustCompile(`(IP|prefix|ASN|city|country) (\S+): user (\d+) of (\d+) active days, tenant (\d+) of (\d+)`)

// ExplainsFlags checks that a Description names the counts behind each of
// the flags (AnomalyReasons): UnusualIP the user's and tenant's days with
// the address or its network, UnusualGeo those of the ASN, city or
// country, NewUser a user with 0 active days; and that the counts are
// those of the detector's evidence (levels, nil: not compared).
func ExplainsFlags(description string, reasons []string, levels []rdpanomaly.LevelEvidence) error {
	type counts struct{ user, userActive, tenant, tenantActive int }
	named := map[string]counts{}
	for _, m := range evidence.FindAllStringSubmatch(description, -1) {
		var c counts
		for i, dst := range []*int{&c.user, &c.userActive, &c.tenant, &c.tenantActive} {
			*dst, _ = strconv.Atoi(m[3+i])
		}
		named[m[1]] = c
		for _, e := range levels {
			if e.Level == m[1] && (e.Value != m[2] || e.UserDays != c.user || e.UserActiveDays != c.userActive ||
				e.TenantDays != c.tenant || e.TenantActiveDays != c.tenantActive) {
				return fmt.Errorf("description says %q, the evidence %+v", m[0], e)
			}
		}
	}
	if len(reasons) == 0 {
		return fmt.Errorf("no flag to explain")
	}
	for _, f := range reasons {
		var ok bool
		switch f {
		case rdpanomaly.FlagUnusualIP:
			_, ip := named["IP"]
			_, prefix := named["prefix"]
			ok = ip || prefix
		case rdpanomaly.FlagUnusualGeo:
			for _, lv := range []string{"ASN", "city", "country"} {
				if c, has := named[lv]; has && c.user <= 1 {
					ok = true
				}
			}
		case rdpanomaly.FlagNewUser:
			for _, c := range named {
				if c.userActive == 0 {
					ok = true
				}
			}
		default:
			return fmt.Errorf("unknown flag %q", f)
		}
		if !ok {
			return fmt.Errorf("flag %s: the description names no counts behind it: %q", f, description)
		}
	}
	return nil
}

// match finds the label (malicious or not) an alert falls in.
func match(labels []Label, a rdpanomaly.Anomaly, malicious bool) *Label {
	for i := range labels {
		l := &labels[i]
		if l.Malicious != malicious || l.User != a.User || a.StartTime.Before(l.Start) || a.StartTime.After(l.End) {
			continue
		}
		if len(l.IPs) == 0 || slices.ContainsFunc(l.IPs, func(ip string) bool { return sameKey(ip, a.SourceIP) }) {
			return l
		}
	}
	return nil
}

func sameKey(a, b string) bool {
	x, _ := geoip.Parse(a)
	y, _ := geoip.Parse(b)
	return geoip.Key(x) == geoip.Key(y)
}

// WriteReports writes a table of reports, one column per configuration.
func WriteReports(w io.Writer, ds *Dataset, rs []*Report) {
	fmt.Fprintf(w, "tenant: %d users, %d logons, scored %s..%s (%d days)\n", ds.Users, len(ds.Logons),
		ds.ScoredFrom.Format(time.DateOnly), ds.End.Add(-time.Second).Format(time.DateOnly), rs[0].ScoredDays)
	row := func(label string, f func(r *Report) string) {
		cells := []string{fmt.Sprintf("%-44s", label)}
		for _, r := range rs {
			cells = append(cells, fmt.Sprintf("%14s", f(r)))
		}
		fmt.Fprintln(w, strings.Join(cells, ""))
	}
	row("", func(r *Report) string { return r.Name })
	kinds := make([]string, 0, len(rs[0].Injected))
	for k := range rs[0].Injected {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		row("recall "+k, func(r *Report) string { return fmt.Sprintf("%d/%d", r.Caught[k], r.Injected[k]) })
	}
	row("recall (all)", func(r *Report) string { return fmt.Sprintf("%.3f", r.Recall()) })
	row("alerts (true)", func(r *Report) string { return fmt.Sprintf("%d (%d)", r.Alerts, r.True) })
	row("precision", func(r *Report) string { return fmt.Sprintf("%.3f", r.Precision()) })
	row("false alerts / day / 1000 users", func(r *Report) string { return fmt.Sprintf("%.2f", r.FalsePerDayPer1000()) })
	causes := map[string]bool{}
	for _, r := range rs {
		for c := range r.FalseByCause {
			causes[c] = true
		}
	}
	for _, c := range slices.Sorted(func(yield func(string) bool) {
		for c := range causes {
			if !yield(c) {
				return
			}
		}
	}) {
		row("false: "+c, func(r *Report) string { return fmt.Sprint(r.FalseByCause[c]) })
	}
	row("median time to detect", func(r *Report) string { return median(r.Delays).String() })
	row("alerts during warm-up (cold start)", func(r *Report) string {
		return fmt.Sprintf("%d (%d)", r.WarmupAlerts, r.ColdStartAlerts)
	})
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// Ablations are the configurations the report compares.
func Ablations() []struct {
	Name string
	Cfg  rdpanomaly.Config
} {
	return []struct {
		Name string
		Cfg  rdpanomaly.Config
	}{
		{"user-only", rdpanomaly.Config{NoTenantDiscount: true, NoHierarchy: true, NoCorroboration: true}},
		{"+tenant", rdpanomaly.Config{NoHierarchy: true, NoCorroboration: true}},
		{"+hierarchy", rdpanomaly.Config{NoCorroboration: true}},
		{"+corrob(full)", rdpanomaly.Config{}},
	}
}
