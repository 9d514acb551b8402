package rdpsim

import (
	"fmt"
	"time"

	"wsec/internal/rdpanomaly"
)

// attackCounts is how many attacks of each type the simulation injects.
var attackCounts = []struct {
	kind string
	n    int
}{{A1ForeignHosting, 6}, {A2ResidentialProxy, 5}, {A3DomesticVPS, 5}, {A4NewAccount, 3},
	{A5InternalPivot, 4}, {A6SlowReturn, 3}, {A7FailureBurst, 4}}

// attacks injects the labelled attacks into the scored half, each against
// a different established user (service accounts excepted).
func (x *gen) attacks(us []*user, half int) {
	var victims []*user
	for _, i := range x.r.Perm(len(us)) {
		if k := us[i].kind; k != service && k != newHire {
			victims = append(victims, us[i])
		}
	}
	for _, ac := range attackCounts {
		for range ac.n {
			var v *user
			if ac.kind != A4NewAccount {
				if len(victims) == 0 {
					return // a tenant too small for every attack
				}
				v, victims = victims[0], victims[1:]
			}
			x.attack(ac.kind, v, half)
		}
	}
}

func (x *gen) attack(kind string, v *user, half int) {
	day := half + 1 + x.r.IntN(x.o.Days-half-5)
	t0 := x.o.Start.AddDate(0, 0, day).Add(time.Duration(7*3600+x.r.IntN(14*3600)) * time.Second)
	host := uint32(x.r.IntN(60000))
	pick := func(ns []network) network { return ns[x.r.IntN(len(ns))] }
	lbl := Label{Kind: kind, Malicious: true, Start: t0, End: t0}
	name := ""
	if v != nil {
		name = v.name
	}
	target := fmt.Sprintf("SRV%02d.corp.example", x.r.IntN(40))
	if v != nil {
		target = v.servers[0]
	}
	logon := func(t time.Time, ip string) {
		x.add(t, rdpanomaly.EventLogon, name, ip, target)
		lbl.End = t
		lbl.IPs = appendNew(lbl.IPs, ip)
	}
	burst := func(n int, ip string) {
		for i := range n {
			x.add(t0.Add(time.Duration(i*20)*time.Second), rdpanomaly.EventLogonFailed, name, ip, target)
		}
	}
	switch kind {
	case A1ForeignHosting:
		ip := pick(x.g.hosting).addr(host).String()
		for i := range 1 + x.r.IntN(3) {
			logon(t0.Add(time.Duration(i*17)*time.Minute), ip)
		}
	case A2ResidentialProxy:
		logon(t0, pick(x.g.rareISP).addr(host).String())
	case A3DomesticVPS:
		logon(t0, x.g.hostingDE.addr(host).String())
	case A4NewAccount:
		name = fmt.Sprintf(`%s\svc_backup%d`, x.o.Domain, host%1000)
		ip := pick(append(x.g.foreign, x.g.hosting...)).addr(host).String()
		logon(t0, ip)
		logon(t0.Add(40*time.Minute), ip)
	case A5InternalPivot:
		logon(t0, fmt.Sprintf("10.20.%d.%d", 1+host%200, 1+host%250))
	case A6SlowReturn:
		ip := pick(x.g.foreign).addr(host).String()
		for d := range 3 + x.r.IntN(2) {
			logon(t0.AddDate(0, 0, d).Add(time.Duration(x.r.IntN(3600))*time.Second), ip)
		}
	case A7FailureBurst:
		// A common home ISP of the tenant: only the burst stands out.
		ip := pick(x.g.isps).addr(host).String()
		burst(10+x.r.IntN(20), ip)
		logon(t0.Add(12*time.Minute), ip)
		lbl.Start = t0.Add(12 * time.Minute)
	}
	lbl.User = name
	x.labels = append(x.labels, lbl)
}
