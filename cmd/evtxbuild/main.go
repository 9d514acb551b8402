// Command evtxbuild assembles one large, valid EVTX file from the real
// chunks of the EVTX files under a folder, for throughput benchmarks:
//
//	evtxbuild -o big.evtx -size 58MB ../shared/corpus/evtx
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"wsec/internal/evtx/evtxbuild"
)

func main() {
	out := flag.String("o", "big.evtx", "output file")
	size := flag.String("size", "58MB", "target size (e.g. 58MB, 1GB)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: evtxbuild [-o FILE] [-size N] FOLDER...")
		flag.PrintDefaults()
	}
	flag.Parse()
	target, err := parseSize(*size)
	if err != nil || flag.NArg() == 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "evtxbuild:", err)
		}
		flag.Usage()
		os.Exit(2)
	}
	var sources []string
	for _, dir := range flag.Args() {
		s, err := evtxbuild.Sources(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "evtxbuild:", err)
			os.Exit(1)
		}
		sources = append(sources, s...)
	}
	info, err := evtxbuild.BuildFile(*out, sources, evtxbuild.Options{TargetBytes: target})
	if err != nil {
		fmt.Fprintln(os.Stderr, "evtxbuild:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "evtxbuild: wrote %s: %d chunks, %d records, %d bytes (%d source chunks left out)\n",
		*out, info.Chunks, info.Records, info.Bytes, info.Skipped)
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(s)
	for _, suf := range []struct {
		s string
		m int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if strings.HasSuffix(u, suf.s) {
			mult, u = suf.m, strings.TrimSuffix(u, suf.s)
			break
		}
	}
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil || n <= 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q: want a positive number with an optional KB, MB or GB suffix", s)
	}
	return n * mult, nil
}
