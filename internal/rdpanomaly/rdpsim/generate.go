package rdpsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"wsec/internal/rdpanomaly"
)

// Options size a simulation. Zero fields take the defaults.
type Options struct {
	Seed   uint64    // 0: 1
	Users  int       // 0: 300
	Days   int       // 0: 60; the first half is warm-up
	Start  time.Time // zero: 2026-09-01 UTC
	Domain string    // "": CORP
}

func (o Options) withDefaults() Options {
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Users <= 0 {
		o.Users = 300
	}
	if o.Days <= 0 {
		o.Days = 60
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	}
	if o.Domain == "" {
		o.Domain = "CORP"
	}
	return o
}

// Attack types (labels).
const (
	A1ForeignHosting   = "A1 stolen credentials, foreign hosting ASN"
	A2ResidentialProxy = "A2 same-country residential proxy"
	A3DomesticVPS      = "A3 same-country VPS"
	A4NewAccount       = "A4 new account, foreign RDP"
	A5InternalPivot    = "A5 internal pivot, new private IP"
	A6SlowReturn       = "A6 slow attacker returning over days"
	A7FailureBurst     = "A7 4625 burst then success"
)

// Hard negatives (benign labels).
const (
	NegTrip     = "trip abroad"
	NegMove     = "ISP change after a move"
	NegVPNGrows = "VPN pool growth"
	NegNewHire  = "new hire"
)

// Label marks the logons of one attack or one hard negative.
type Label struct {
	Kind      string
	Malicious bool
	User      string
	Start     time.Time // the first logon
	End       time.Time // the last logon
	IPs       []string
}

// Dataset is a simulated tenant: every logon (sorted by time, Geo
// resolved against the synthetic databases), the labels, and the period.
type Dataset struct {
	Logons     []rdpanomaly.Logon
	Labels     []Label
	Users      int
	Start      time.Time
	ScoredFrom time.Time // Start + half the days
	End        time.Time
	CityMMDB   []byte // the synthetic databases the Geo came from
	ASNMMDB    []byte
	geo        *geography
}

type persona int

const (
	office persona = iota
	home
	vpnUser
	traveller
	admin
	service
	ipv6
	newHire
)

type user struct {
	name     string
	kind     persona
	homeNet  network
	hostSeed uint32
	servers  []string
	rate     float64 // logons per working day
	joined   int     // first active day (new hires)
	hourMean float64
}

type gen struct {
	o      Options
	r      *rand.Rand
	g      *geography
	logons []rawLogon
	labels []Label
}

type rawLogon struct {
	t        time.Time
	id       int
	user, ip string
	computer string
}

// add records a logon at t to the second (the store keeps microseconds).
func (x *gen) add(t time.Time, id int, u, ip, computer string) {
	x.logons = append(x.logons, rawLogon{t.Truncate(time.Second), id, u, ip, computer})
}

func (x *gen) poisson(l float64) int {
	// Knuth; l is small.
	L, k, p := math.Exp(-l), 0, 1.0
	for {
		p *= x.r.Float64()
		if p <= L {
			return k
		}
		k++
	}
}

func (x *gen) at(day int, hourMean float64) time.Time {
	h := hourMean + x.r.NormFloat64()*1.8
	h = math.Max(6, math.Min(21.9, h))
	return x.o.Start.AddDate(0, 0, day).Add(time.Duration(h * float64(time.Hour)))
}

var officeNAT = []uint32{10, 11}

func (x *gen) users() []*user {
	n := x.o.Users
	mix := []struct {
		p    persona
		frac float64
	}{{office, 0.38}, {home, 0.22}, {vpnUser, 0.13}, {traveller, 0.07}, {admin, 0.05}, {service, 0.03}, {ipv6, 0.07}}
	var us []*user
	servers := []string{}
	for i := range 40 {
		servers = append(servers, fmt.Sprintf("SRV%02d.corp.example", i))
	}
	for _, m := range mix {
		for range int(math.Round(m.frac * float64(n))) {
			u := &user{name: fmt.Sprintf(`%s\u%03d`, x.o.Domain, len(us)), kind: m.p, rate: 1 + x.r.Float64()*2,
				hostSeed: uint32(x.r.IntN(60000)), hourMean: 9 + x.r.Float64()*6}
			u.homeNet = x.g.isps[x.r.IntN(len(x.g.isps))]
			for range 1 + x.r.IntN(3) {
				u.servers = append(u.servers, servers[x.r.IntN(len(servers))])
			}
			if m.p == admin {
				u.servers = servers[:20]
				u.rate = 6
			}
			if m.p == service {
				u.rate = 20
			}
			us = append(us, u)
		}
	}
	for len(us) < n-5 {
		us = append(us, &user{name: fmt.Sprintf(`%s\u%03d`, x.o.Domain, len(us)), kind: office, rate: 1.5,
			servers: servers[:2], hourMean: 10, homeNet: x.g.isps[0]})
	}
	half := x.o.Days / 2
	for range 5 {
		u := &user{name: fmt.Sprintf(`%s\hire%03d`, x.o.Domain, len(us)), kind: newHire, rate: 2,
			servers: servers[:3], hourMean: 10, joined: half + 2 + x.r.IntN(half-4), homeNet: x.g.isps[x.r.IntN(len(x.g.isps))]}
		us = append(us, u)
	}
	return us
}

// Generate simulates a tenant of RDP logons with labelled attacks and
// hard negatives; the same Options give the same Dataset.
func Generate(o Options) (*Dataset, error) {
	o = o.withDefaults()
	x := &gen{o: o, r: rand.New(rand.NewPCG(o.Seed, 0x5eed)), g: newGeography()}
	us := x.users()
	half := o.Days / 2
	for _, u := range us {
		x.benign(u, half)
	}
	x.attacks(us, half)
	slices.SortStableFunc(x.logons, func(a, b rawLogon) int { return a.t.Compare(b.t) })
	return x.dataset(len(us))
}

func (x *gen) benign(u *user, half int) {
	ip := ""
	nextChange := 0
	var trips [][2]int
	moveDay := -1
	if u.kind == traveller {
		for range 1 + x.r.IntN(3) {
			d := x.r.IntN(x.o.Days - 6)
			trips = append(trips, [2]int{d, d + 2 + x.r.IntN(4)})
		}
	}
	if u.kind == home && x.r.IntN(12) == 0 {
		moveDay = half + x.r.IntN(half-3)
	}
	dest := x.g.travel[x.r.IntN(len(x.g.travel))]
	var tripIPs, moveIPs []string
	v6net := uint32(x.r.IntN(1 << 16))
	for day := range x.o.Days {
		wd := x.o.Start.AddDate(0, 0, day).Weekday()
		rate := u.rate
		if wd == time.Saturday || wd == time.Sunday {
			rate *= 0.05
			if u.kind == service {
				rate = u.rate
			}
		}
		if u.kind == newHire && day < u.joined {
			continue
		}
		onTrip := false
		for _, t := range trips {
			if day >= t[0] && day <= t[1] {
				onTrip = true
			}
		}
		k := x.poisson(rate)
		if u.kind == newHire && day == u.joined {
			k = max(k, 1)
		}
		for range k {
			t := x.at(day, u.hourMean)
			if u.kind == service {
				t = x.o.Start.AddDate(0, 0, day).Add(time.Duration(x.r.IntN(86400)) * time.Second)
			}
			switch {
			case onTrip:
				ip = dest.addr(u.hostSeed%5000 + uint32(day)).String()
				tripIPs = appendNew(tripIPs, ip)
			case u.kind == office || u.kind == traveller || u.kind == newHire:
				ip = x.g.office.addr(officeNAT[x.r.IntN(2)]).String()
				if u.kind == newHire && u.hostSeed%2 == 0 {
					ip = u.homeNet.addr(u.hostSeed).String()
				}
			case u.kind == home:
				if day >= nextChange {
					u.hostSeed = uint32(x.r.IntN(60000))
					nextChange = day + 3 + x.r.IntN(8)
				}
				n := u.homeNet
				if moveDay >= 0 && day >= moveDay {
					n = x.g.isps[(slices.Index(x.g.isps, u.homeNet)+5)%len(x.g.isps)]
				}
				ip = n.addr(u.hostSeed).String()
				if moveDay >= 0 && day >= moveDay {
					moveIPs = appendNew(moveIPs, ip)
				}
			case u.kind == vpnUser:
				pool := 4
				if day >= half+10 {
					pool = 8
				}
				ip = x.g.vpn.addr(uint32(20 + x.r.IntN(pool))).String()
			case u.kind == admin:
				ip = fmt.Sprintf("10.0.5.%d", 10+x.r.IntN(3))
			case u.kind == service:
				ip = fmt.Sprintf("10.0.9.%d", 10+u.hostSeed%200)
			case u.kind == ipv6:
				if day%14 == 0 {
					v6net = uint32(x.r.IntN(1 << 16))
				}
				a := x.g.isp6.addr(v6net).As16()
				for i := 8; i < 16; i++ {
					a[i] = byte(x.r.IntN(256))
				}
				ip = netip.AddrFrom16(a).String()
			}
			x.add(t, rdpanomaly.EventLogon, u.name, ip, u.servers[x.r.IntN(len(u.servers))])
		}
	}
	for _, t := range trips {
		x.labels = append(x.labels, Label{Kind: NegTrip, User: u.name, Start: x.o.Start.AddDate(0, 0, t[0]),
			End: x.o.Start.AddDate(0, 0, t[1]+1), IPs: tripIPs})
	}
	if moveDay >= 0 {
		x.labels = append(x.labels, Label{Kind: NegMove, User: u.name, Start: x.o.Start.AddDate(0, 0, moveDay),
			End: x.o.Start.AddDate(0, 0, x.o.Days), IPs: moveIPs})
	}
	if u.kind == newHire {
		x.labels = append(x.labels, Label{Kind: NegNewHire, User: u.name, Start: x.o.Start.AddDate(0, 0, u.joined),
			End: x.o.Start.AddDate(0, 0, x.o.Days)})
	}
}

func appendNew(s []string, v string) []string {
	if !slices.Contains(s, v) {
		return append(s, v)
	}
	return s
}
