package geoip_test

import (
	"os"
	"strings"
	"testing"

	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
)

// FuzzLookup opens arbitrary bytes as a database and looks addresses up:
// a damaged file must give errors, never a panic.
func FuzzLookup(f *testing.F) {
	f.Add(geoiptest.City(f, geoiptest.Flat, 4, nets), "81.2.69.1")
	f.Add(geoiptest.City(f, geoiptest.GeoLite2, 6, nets), "2a02:8100::1")
	f.Add(geoiptest.ASN(f, nets), "89.160.20.5")
	f.Fuzz(func(t *testing.T, b []byte, ip string) {
		db, err := geoip.FromBytes([][]byte{b}, [][]byte{b})
		if err != nil {
			return
		}
		db.Lookup(ip)
		db.Lookup("81.2.69.160")
		db.Lookup("2a02:8100:1::1")
	})
}

// FuzzReadASNCSV: any text gives rows or an error, never a panic.
func FuzzReadASNCSV(f *testing.F) {
	seed, _ := os.ReadFile("testdata/asn-sample.csv")
	f.Add(string(seed))
	f.Fuzz(func(t *testing.T, s string) {
		geoip.ReadASNCSV(strings.NewReader(s), func(r geoip.ASNRange) error {
			if r.End.Less(r.Start) || r.Start.Is4() != r.End.Is4() {
				t.Fatalf("bad range accepted: %+v", r)
			}
			return nil
		})
	})
}
