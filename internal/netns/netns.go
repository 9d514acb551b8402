//go:build linux

// Package netns builds small networks of Linux network namespaces joined
// by veth pairs, for tests in which "no direct access" must be real: a
// process in one namespace reaches only the namespaces it has a link to.
// Links can be cut and restored (ip link set down/up) and made lossy or
// slow: tc netem; where the kernel has no netem, nftables for loss (Drop)
// and a delaying TCP forwarder (Delay).
//
// A Lab needs root and the ip program (Debian iproute2). Without them New
// skips the test with a message saying so, except in CI (the CI variable
// set), where it fails: .ci/run runs as root and installs iproute2, so a
// skip there would hide a test that never ran. Namespaces are named after
// the process ID, so concurrent test runs do not collide, and are deleted
// (with their links) when the test ends; processes started in them must
// be stopped by the test.
package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"wsec/internal/testtool"
)

// Lab is a set of namespaces and links owned by one test.
type Lab struct {
	t      testing.TB
	ip     string
	prefix string
	hosts  []string
	links  int
}

// New returns an empty Lab, or ends the test (skip, or fail in CI) when
// namespaces cannot be made here.
func New(t testing.TB) *Lab {
	t.Helper()
	if os.Geteuid() != 0 {
		if testtool.InCI() {
			t.Fatal("network-namespace tests need root, and CI is set: run .ci/run as root")
		}
		t.Skip("network-namespace tests need root (ip netns); skipping")
	}
	ip := testtool.Need(t, testtool.IP)[0]
	l := &Lab{t: t, ip: ip, prefix: fmt.Sprintf("wsec%d", os.Getpid()%100000)}
	t.Cleanup(l.cleanup)
	return l
}

// Host creates a namespace with its loopback up and returns its name, to
// pass to Command, Link and the others.
func (l *Lab) Host(name string) string {
	l.t.Helper()
	ns := l.prefix + "-" + name
	_ = exec.Command(l.ip, "netns", "del", ns).Run() // left over by a killed run
	l.run(l.ip, "netns", "add", ns)
	l.hosts = append(l.hosts, ns)
	l.run(l.ip, "-n", ns, "link", "set", "lo", "up")
	return ns
}

// Link joins namespaces a and b by a veth pair on a /30 of its own and
// returns their addresses and device names (aIP is a's end). Nothing is
// routed beyond the pair: a reaches b's address on this link only.
func (l *Lab) Link(a, b string) (aIP, bIP, aDev, bDev string) {
	l.t.Helper()
	l.links++
	n := l.links
	if n > 250 {
		l.t.Fatal("netns: more than 250 links in one lab")
	}
	aDev, bDev = fmt.Sprintf("v%da", n), fmt.Sprintf("v%db", n)
	tmpA, tmpB := fmt.Sprintf("%s-%d", l.prefix, 2*n), fmt.Sprintf("%s-%d", l.prefix, 2*n+1)
	l.run(l.ip, "link", "add", tmpA, "type", "veth", "peer", "name", tmpB)
	l.run(l.ip, "link", "set", tmpA, "netns", a, "name", aDev)
	l.run(l.ip, "link", "set", tmpB, "netns", b, "name", bDev)
	aIP, bIP = fmt.Sprintf("10.77.%d.1", n), fmt.Sprintf("10.77.%d.2", n)
	l.run(l.ip, "-n", a, "addr", "add", aIP+"/30", "dev", aDev)
	l.run(l.ip, "-n", b, "addr", "add", bIP+"/30", "dev", bDev)
	l.run(l.ip, "-n", a, "link", "set", aDev, "up")
	l.run(l.ip, "-n", b, "link", "set", bDev, "up")
	return aIP, bIP, aDev, bDev
}

// SetLink brings a device of host down (the link is cut both ways) or up.
func (l *Lab) SetLink(host, dev string, up bool) {
	l.t.Helper()
	state := map[bool]string{true: "up", false: "down"}[up]
	l.run(l.ip, "-n", host, "link", "set", dev, state)
}

// ErrNoNetem: the kernel has no netem queueing discipline
// (CONFIG_NET_SCH_NETEM), so Netem can neither delay nor drop; Drop can
// still drop.
var ErrNoNetem = errors.New("the kernel has no tc netem (CONFIG_NET_SCH_NETEM)")

// Netem applies tc netem to what host sends on dev, e.g. "delay", "200ms",
// "loss", "10%". It needs tc (Debian iproute2) and returns ErrNoNetem when
// the kernel lacks netem.
func (l *Lab) Netem(host, dev string, args ...string) error {
	l.t.Helper()
	tc := testtool.Need(l.t, testtool.TC)[0]
	out, err := exec.Command(l.ip, append([]string{"netns", "exec", host, tc, "qdisc", "replace", "dev", dev, "root", "netem"}, args...)...).CombinedOutput()
	if err != nil && strings.Contains(string(out), "qdisc kind is unknown") {
		return ErrNoNetem
	}
	if err != nil {
		l.t.Fatalf("tc netem %v in %s: %v\n%s", args, host, err, out)
	}
	return nil
}

// Drop makes host drop percent of the packets it sends on dev, at random
// (nftables; Debian nftables), whatever the kernel's queueing disciplines.
// Call it once per host.
func (l *Lab) Drop(host, dev string, percent int) {
	l.t.Helper()
	nft := testtool.Need(l.t, testtool.Nft)[0]
	l.run(l.ip, "netns", "exec", host, nft, "add", "table", "inet", "wsecloss")
	l.run(l.ip, "netns", "exec", host, nft, "add", "chain", "inet", "wsecloss", "out", "{ type filter hook output priority 0; }")
	l.run(l.ip, "netns", "exec", host, nft, "add", "rule", "inet", "wsecloss", "out", "oifname", dev, "numgen", "random", "mod", "100", "<", fmt.Sprint(percent), "drop")
}

// Command is exec.Command of name in host's namespace.
func (l *Lab) Command(host, name string, args ...string) *exec.Cmd {
	return exec.Command(l.ip, append([]string{"netns", "exec", host, name}, args...)...)
}

func (l *Lab) run(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (l *Lab) cleanup() {
	for _, ns := range l.hosts {
		if out, err := exec.Command(l.ip, "netns", "del", ns).CombinedOutput(); err != nil {
			l.t.Errorf("delete namespace %s: %v\n%s", ns, err, out)
		}
	}
}
