// Package geoiptest builds small MaxMind DB files for tests, in the two
// layouts package geoip reads, so no test depends on downloaded GeoIP data.
package geoiptest

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"

	"wsec/internal/geoip"
)

// Built is the build time of every test database.
var Built = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Net is what the databases say about one network.
type Net struct {
	Prefix        string // CIDR
	Country, City string
	ASN           uint32
	Org           string
}

// Layout is a city database's record layout.
type Layout int

const (
	// Flat is ip-location-db's layout: country_code, city, ... as strings.
	Flat Layout = iota
	// GeoLite2 is MaxMind's nested layout: country.iso_code, city.names.en.
	GeoLite2
)

// City builds a city database of nets with ipVersion 4 (IPv4 networks
// only) or 6 (both families).
func City(tb testing.TB, layout Layout, ipVersion int, nets []Net) []byte {
	tb.Helper()
	return must(tb)(BuildCity(layout, ipVersion, nets))
}

// ASN builds an ASN database of nets (both families) through
// geoip.WriteASN, as 'wsec geoip asn' does from ip-location-db CSV.
func ASN(tb testing.TB, nets []Net) []byte {
	tb.Helper()
	return must(tb)(BuildASN(nets))
}

func must(tb testing.TB) func([]byte, error) []byte {
	return func(b []byte, err error) []byte {
		tb.Helper()
		if err != nil {
			tb.Fatalf("geoiptest: %v", err)
		}
		return b
	}
}

// BuildCity is City for callers without a testing.TB.
func BuildCity(layout Layout, ipVersion int, nets []Net) ([]byte, error) {
	dbType := "city ipv" + fmt.Sprint(ipVersion)
	if layout == GeoLite2 {
		dbType = "GeoLite2-City"
	}
	return build(dbType, ipVersion, nets, func(n Net) mmdbtype.Map {
		if layout == GeoLite2 {
			return mmdbtype.Map{
				"country": mmdbtype.Map{"iso_code": mmdbtype.String(n.Country),
					"names": mmdbtype.Map{"en": mmdbtype.String("country " + n.Country)}},
				"city":         mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(n.City)}},
				"subdivisions": mmdbtype.Slice{mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String("state " + n.Country)}}},
				"location":     mmdbtype.Map{"latitude": mmdbtype.Float64(1.5), "longitude": mmdbtype.Float64(2.5)},
			}
		}
		return mmdbtype.Map{"country_code": mmdbtype.String(n.Country), "city": mmdbtype.String(n.City),
			"state1": mmdbtype.String("state " + n.Country), "latitude": mmdbtype.Float32(1.5), "longitude": mmdbtype.Float32(2.5)}
	})
}

// BuildASN is ASN for callers without a testing.TB.
func BuildASN(nets []Net) ([]byte, error) {
	var csv strings.Builder
	for _, n := range nets {
		_, ipn, err := net.ParseCIDR(n.Prefix)
		if err != nil {
			return nil, err
		}
		last := make(net.IP, len(ipn.IP))
		for i := range ipn.IP {
			last[i] = ipn.IP[i] | ^ipn.Mask[i]
		}
		fmt.Fprintf(&csv, "%s,%s,%d,%q\n", ipn.IP, last, n.ASN, n.Org)
	}
	var buf bytes.Buffer
	if _, err := geoip.WriteASN(&buf, Built, strings.NewReader(csv.String())); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DB opens a flat city database and an ASN database of nets.
func DB(tb testing.TB, nets []Net) *geoip.DB {
	tb.Helper()
	db, err := geoip.FromBytes([][]byte{City(tb, Flat, 6, nets)}, [][]byte{ASN(tb, nets)})
	if err != nil {
		tb.Fatalf("geoiptest: %v", err)
	}
	return db
}

func build(dbType string, ipVersion int, nets []Net, rec func(Net) mmdbtype.Map) ([]byte, error) {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: dbType, BuildEpoch: Built.Unix(),
		IPVersion: ipVersion, RecordSize: 24, IncludeReservedNetworks: true})
	if err != nil {
		return nil, err
	}
	for _, n := range nets {
		_, ipn, err := net.ParseCIDR(n.Prefix)
		if err != nil {
			return nil, err
		}
		if ipVersion == 4 && ipn.IP.To4() == nil {
			continue
		}
		if err := tree.Insert(ipn, rec(n)); err != nil {
			return nil, fmt.Errorf("insert %s: %w", n.Prefix, err)
		}
	}
	var buf bytes.Buffer
	if _, err := tree.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
