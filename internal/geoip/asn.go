package geoip

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// ASNDatabaseType is the database_type of the files WriteASN builds.
const ASNDatabaseType = "wsec-asn"

// ASNRange is one row of an ip-location-db ASN CSV file.
type ASNRange struct {
	Start, End netip.Addr
	ASN        uint32
	Org        string
}

// ReadASNCSV calls fn for each row of an ip-location-db ASN CSV file
// (asn-ipv4.csv, asn-ipv6.csv: "start,end,asn,organisation", addresses as
// text). A malformed row stops the read with an error naming its line.
func ReadASNCSV(r io.Reader, fn func(ASNRange) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ASN CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		rg, err := parseASNRow(rec)
		if err != nil {
			return fmt.Errorf("ASN CSV line %d: %w", line, err)
		}
		if err := fn(rg); err != nil {
			return err
		}
	}
}

func parseASNRow(rec []string) (ASNRange, error) {
	start, err := netip.ParseAddr(rec[0])
	if err != nil {
		return ASNRange{}, fmt.Errorf("start %q is not an IP address (use asn-ipv4.csv or asn-ipv6.csv, not the -num files)", rec[0])
	}
	end, err := netip.ParseAddr(rec[1])
	if err != nil {
		return ASNRange{}, fmt.Errorf("end %q is not an IP address", rec[1])
	}
	start, end = start.Unmap().WithZone(""), end.Unmap().WithZone("")
	if start.Is4() != end.Is4() || end.Less(start) {
		return ASNRange{}, fmt.Errorf("range %s..%s is not a range of one address family, start first", rec[0], rec[1])
	}
	asn, err := strconv.ParseUint(rec[2], 10, 32)
	if err != nil {
		return ASNRange{}, fmt.Errorf("ASN %q is not a number", rec[2])
	}
	return ASNRange{Start: start, End: end, ASN: uint32(asn), Org: rec[3]}, nil
}

// WriteASN builds one MaxMind DB file (IPv4 and IPv6) from ip-location-db
// ASN CSV files, in the GeoLite2-ASN record layout
// (autonomous_system_number, autonomous_system_organization), so DB reads
// it like any ASN database. built is recorded as the build time; later
// rows win where ranges overlap. It returns the number of ranges written.
func WriteASN(w io.Writer, built time.Time, csvs ...io.Reader) (int, error) {
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            ASNDatabaseType,
		Description:             map[string]string{"en": "ASN ranges from ip-location-db CSV (RouteViews and DB-IP, CC BY 4.0)"},
		BuildEpoch:              built.Unix(),
		IPVersion:               6,
		RecordSize:              28,
		IncludeReservedNetworks: true,
	})
	if err != nil {
		return 0, fmt.Errorf("new ASN database: %w", err)
	}
	n := 0
	for _, r := range csvs {
		err := ReadASNCSV(r, func(rg ASNRange) error {
			n++
			v := mmdbtype.Map{
				"autonomous_system_number":       mmdbtype.Uint32(rg.ASN),
				"autonomous_system_organization": mmdbtype.String(rg.Org),
			}
			if err := tree.InsertRange(net.IP(rg.Start.AsSlice()), net.IP(rg.End.AsSlice()), v); err != nil {
				return fmt.Errorf("insert %s..%s: %w", rg.Start, rg.End, err)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	if _, err := tree.WriteTo(w); err != nil {
		return n, fmt.Errorf("write ASN database: %w", err)
	}
	return n, nil
}
