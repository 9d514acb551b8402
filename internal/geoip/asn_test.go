package geoip_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"wsec/internal/geoip"
	"wsec/internal/geoip/geoiptest"
)

func TestWriteASNFromCSV(t *testing.T) {
	f, err := os.Open("testdata/asn-sample.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var buf bytes.Buffer
	n, err := geoip.WriteASN(&buf, geoiptest.Built, f)
	if err != nil || n != 3 {
		t.Fatalf("WriteASN = %d, %v; want 3 ranges", n, err)
	}
	db, err := geoip.FromBytes(nil, [][]byte{buf.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	f2 := func(ip string, asn uint32, org string) {
		t.Helper()
		in, err := db.Lookup(ip)
		if err != nil || in.ASN != asn || in.Org != org {
			t.Errorf("Lookup(%s) = AS%d %q, %v; want AS%d %q", ip, in.ASN, in.Org, err, asn, org)
		}
	}
	f2("1.0.0.1", 13335, "Cloudflare, Inc.")
	f2("1.0.6.200", 38803, "Gtelecom Pty Ltd")
	f2("1.0.8.1", 0, "")
	f2("2001:200:1b9:ffff::1", 2500, "WIDE Project")
	f2("2001:200:1ba::1", 0, "")
}

func TestReadASNCSVErrorsNameTheLine(t *testing.T) {
	f := func(in, want string) {
		t.Helper()
		err := geoip.ReadASNCSV(strings.NewReader(in), func(geoip.ASNRange) error { return nil })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadASNCSV(%q) = %v; want %q", in, err, want)
		}
	}
	f("1.0.0.0,1.0.0.255,1,a\n16777216,16777471,13335,x\n", "line 2: start \"16777216\" is not an IP address")
	f("1.0.0.0,1.0.0.255,x,a\n", "line 1: ASN \"x\"")
	f("1.0.0.9,1.0.0.1,1,a\n", "line 1: range")
	f("1.0.0.0,::1,1,a\n", "line 1: range")
	f("1.0.0.0,1.0.0.255,1\n", "wrong number of fields")
}
