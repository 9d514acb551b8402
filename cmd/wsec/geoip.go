package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"wsec/internal/atomicfile"
	"wsec/internal/cli"
	"wsec/internal/geoip"
)

// runGeoIP builds the ASN database wsec serve reads from the CSV ranges of
// the npm package @ip-location-db/asn.
func runGeoIP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "asn" {
		return cli.UsageError("usage: wsec geoip asn --out asn.mmdb asn-ipv4.csv [asn-ipv6.csv]")
	}
	fs := newFlagSet("geoip asn", stderr)
	out := fs.String("out", "asn.mmdb", "the MaxMind DB file to write (give it to wsec serve --geoip-asn)")
	builtFlag := fs.String("built", "", "the data's date, YYYY-MM-DD, recorded as the build date (default: the newest CSV's modification time)")
	if err := cli.Parse(fs, args[1:]); err != nil {
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
