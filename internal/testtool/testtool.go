// Package testtool finds the external programs some tests compare against
// or drive (openssl, curl, evtxexport, python-evtx's evtx_dump.py). On a
// developer's machine a missing program skips the test, naming the package
// that provides it. In CI (the CI environment variable set, as .ci/run does)
// a missing program fails the test instead: .ci/run installs every program a
// test needs, so a skip there would hide a test that silently never ran.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Tool is an external program and the Debian package that installs it.
type Tool struct {
	Name, Package string
}

// The tools the tests use. .ci/run installs each Package.
var (
	OpenSSL    = Tool{"openssl", "openssl"}
	Curl       = Tool{"curl", "curl"}
	Evtxexport = Tool{"evtxexport", "libevtx-utils"}
	EvtxDump   = Tool{"evtx_dump.py", "python3-evtx"}
	// ClickHouseServer runs the ClickHouse store's tests
	// (scripts/clickhouse-cluster.sh starts a two-shard cluster of it).
	ClickHouseServer = Tool{"clickhouse-server", "clickhouse-server"}
	// Chromium drives the web interface's browser tests (headless).
	Chromium = Tool{"chromium", "chromium"}
	// The shell utilities the README's curl examples use.
	Bash   = Tool{"bash", "bash"}
	Od     = Tool{"od", "coreutils"}
	Base64 = Tool{"base64", "coreutils"}
	Sed    = Tool{"sed", "sed"}
	// The network-namespace tests (internal/netns): ip and tc build the
	// network, nft drops packets, haproxy balances across gateways (and
	// across two serve nodes in the ClickHouse fault test).
	IP      = Tool{"ip", "iproute2"}
	TC      = Tool{"tc", "iproute2"}
	HAProxy = Tool{"haproxy", "haproxy"}
	Nft     = Tool{"nft", "nftables"}
)

// InCI reports whether the tests run in CI, where every tool is required.
func InCI() bool { return os.Getenv("CI") != "" }

// Need returns the path of each tool's program in order, or ends the test:
// a skip on a developer's machine, a failure in CI.
func Need(tb testing.TB, tools ...Tool) []string {
	tb.Helper()
	paths := make([]string, len(tools))
	for i, t := range tools {
		p, err := exec.LookPath(t.Name)
		if err != nil {
			if InCI() {
				tb.Fatalf("%s is not installed, but CI is set: .ci/run must install the Debian package %s", t.Name, t.Package)
			} else {
				tb.Skipf("%s not installed (Debian package %s); skipping", t.Name, t.Package)
			}
			return nil
		}
		paths[i] = p
	}
	return paths
}
