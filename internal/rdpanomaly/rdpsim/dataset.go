package rdpsim

import (
	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
	"wsec/internal/rdpanomaly"
)

func (x *gen) dataset(users int) (*Dataset, error) {
	city, err := geoiptest.BuildCity(geoiptest.Flat, 6, x.g.nets())
	if err != nil {
		return nil, err
	}
	asn, err := geoiptest.BuildASN(x.g.nets())
	if err != nil {
		return nil, err
	}
	db, err := geoip.FromBytes([][]byte{city}, [][]byte{asn})
	if err != nil {
		return nil, err
	}
	ds := &Dataset{Users: users, Start: x.o.Start, ScoredFrom: x.o.Start.AddDate(0, 0, x.o.Days/2),
		End: x.o.Start.AddDate(0, 0, x.o.Days), Labels: x.labels, CityMMDB: city, ASNMMDB: asn, geo: x.g}
	ds.Logons = make([]rdpanomaly.Logon, 0, len(x.logons))
	cache := map[string]geoip.Info{}
	for _, l := range x.logons {
		g, ok := cache[l.ip]
		if !ok {
			if g, err = db.Lookup(l.ip); err != nil {
				return nil, err
			}
			cache[l.ip] = g
		}
		ds.Logons = append(ds.Logons, rdpanomaly.Logon{Time: l.t, EventID: l.id, User: l.user, IP: l.ip, Computer: l.computer, Geo: g})
	}
	return ds, nil
}
