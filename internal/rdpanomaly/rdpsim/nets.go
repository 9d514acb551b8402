package rdpsim

import (
	"fmt"
	"net/netip"

	"wsec/internal/geoip/geoiptest"
)

// network is one synthetic network: a /16 (IPv4) or /32 (IPv6) with its
// ASN, organisation, city and country, as the synthetic mmdb maps it.
type network struct {
	geoiptest.Net
	base netip.Prefix
}

// addr returns the n-th host address of the network.
func (n network) addr(host uint32) netip.Addr {
	b := n.base.Addr().As16()
	if n.base.Addr().Is4() {
		a4 := n.base.Addr().As4()
		a4[2], a4[3] = byte(host>>8), byte(host)
		if a4[3] == 0 {
			a4[3] = 1
		}
		return netip.AddrFrom4(a4)
	}
	b[6], b[7] = byte(host>>8), byte(host)
	return netip.AddrFrom16(b)
}

// geography is every network of the simulation, by role.
type geography struct {
	all       []network
	office    network   // the company's own AS, two NAT addresses
	vpn       network   // VPN egress pool
	isps      []network // common home ISPs in the home country, one per city
	isp6      network   // IPv6 home ISP
	rareISP   []network // small home-country ISPs nobody in the tenant uses
	travel    []network // hotel and mobile networks abroad
	hostingDE network   // a home-country VPS provider
	hosting   []network // foreign hosting
	foreign   []network // foreign residential
}

func newGeography() *geography {
	g := &geography{}
	next := 0
	add := func(country, city string, asn uint32, org string) network {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(31 + next/200), byte(next % 200), 0, 0}), 16)
		next++
		n := network{Net: geoiptest.Net{Prefix: p.String(), Country: country, City: city, ASN: asn, Org: org}, base: p}
		g.all = append(g.all, n)
		return n
	}
	g.office = add("DE", "Berlin", 64601, "Example Corp GmbH")
	g.vpn = add("DE", "Frankfurt am Main", 64602, "Example Corp VPN")
	for _, isp := range []struct {
		asn  uint32
		name string
	}{{3320, "Deutsche Telekom AG"}, {3209, "Vodafone GmbH"}, {6805, "Telefonica Germany"}, {8881, "1&1 Versatel"}} {
		for _, city := range []string{"Berlin", "Munich", "Hamburg", "Cologne"} {
			g.isps = append(g.isps, add("DE", city, isp.asn, isp.name))
		}
	}
	for i, city := range []string{"Leipzig", "Dresden", "Stuttgart", "Bremen", "Hannover"} {
		g.rareISP = append(g.rareISP, add("DE", city, uint32(65100+i), fmt.Sprintf("Stadtnetz %s", city)))
	}
	for _, c := range []struct{ cc, city, org string }{{"FR", "Paris", "Orange"}, {"ES", "Madrid", "Telefonica de Espana"},
		{"IT", "Rome", "Telecom Italia"}, {"US", "New York", "Verizon Business"}, {"GB", "London", "BT Public Internet Service"},
		{"AT", "Vienna", "A1 Telekom Austria"}} {
		g.travel = append(g.travel, add(c.cc, c.city, uint32(64700+len(g.travel)), c.org))
	}
	g.hostingDE = add("DE", "Nuremberg", 24940, "Hetzner Online GmbH")
	for _, c := range []struct{ cc, city, org string }{{"NL", "Amsterdam", "DigitalOcean, LLC"},
		{"US", "Ashburn", "Amazon.com, Inc."}, {"FR", "Roubaix", "OVH SAS"}, {"SG", "Singapore", "Vultr Holdings"}} {
		g.hosting = append(g.hosting, add(c.cc, c.city, uint32(64800+len(g.hosting)), c.org))
	}
	for _, c := range []struct{ cc, city, org string }{{"RU", "Moscow", "Rostelecom"}, {"BR", "Sao Paulo", "Claro S.A."},
		{"NG", "Lagos", "MTN Nigeria"}, {"CN", "Shanghai", "China Telecom"}} {
		g.foreign = append(g.foreign, add(c.cc, c.city, uint32(64900+len(g.foreign)), c.org))
	}
	p6 := netip.MustParsePrefix("2a01:500::/32")
	g.isp6 = network{Net: geoiptest.Net{Prefix: p6.String(), Country: "DE", City: "Berlin", ASN: 3320, Org: "Deutsche Telekom AG"}, base: p6}
	g.all = append(g.all, g.isp6)
	return g
}

func (g *geography) nets() []geoiptest.Net {
	out := make([]geoiptest.Net, len(g.all))
	for i, n := range g.all {
		out[i] = n.Net
	}
	return out
}
