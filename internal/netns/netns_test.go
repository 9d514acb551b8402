package netns

import (
	"net"
	"strings"
	"testing"
)

// Two namespaces joined by a link have a route to each other; a third,
// linked to one of them only, has none beyond it; a link set down is no
// route until it is up again. (The gateway scenarios in cmd/wsec-agent
// carry real traffic over such links.)
func TestLabIsolation(t *testing.T) {
	l := New(t)
	a, b, c := l.Host("a"), l.Host("b"), l.Host("c")
	_, bIP, _, _ := l.Link(a, b)
	_, cIP, bcDev, _ := l.Link(b, c)
	routed := func(from, to string) bool {
		return l.Command(from, l.ip, "route", "get", to).Run() == nil
	}
	if net.ParseIP(bIP) == nil || !strings.HasPrefix(bIP, "10.77.") {
		t.Fatalf("address %q", bIP)
	}
	if !routed(a, bIP) || !routed(b, cIP) {
		t.Fatal("linked namespaces cannot reach each other")
	}
	if routed(a, cIP) {
		t.Fatal("a reaches c without a link to it")
	}
	l.SetLink(b, bcDev, false)
	if routed(b, cIP) {
		t.Fatal("a link set down still carries packets")
	}
	l.SetLink(b, bcDev, true)
	if !routed(b, cIP) {
		t.Fatal("a link set up again carries nothing")
	}
}
