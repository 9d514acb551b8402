package geoip

import (
	"net/netip"
	"strings"
)

// Class says what kind of address a logon came from. Only Public
// addresses are looked up; the others have no geography.
type Class uint8

const (
	// Empty: no address ("", "-"), as Windows writes for local logons.
	Empty Class = iota
	// Invalid: text that is not an IP address.
	Invalid
	// Public: a globally routed unicast address; looked up.
	Public
	// Private: RFC 1918 (10/8, 172.16/12, 192.168/16) and IPv6 ULA (fc00::/7).
	Private
	// CGNAT: shared address space 100.64.0.0/10 (RFC 6598).
	CGNAT
	// Loopback: 127/8 and ::1. An RDP logon from loopback means a tunnel.
	Loopback
	// LinkLocal: 169.254/16 and fe80::/10.
	LinkLocal
	// Special: unspecified, multicast and other addresses that are not a
	// client's (0.0.0.0, ::, 224/4, ff00::/8, 240/4).
	Special
)

var classNames = [...]string{
	Empty: "empty", Invalid: "invalid", Public: "public", Private: "private",
	CGNAT: "cgnat", Loopback: "loopback", LinkLocal: "link-local", Special: "special",
}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "unknown"
}

// Internal reports whether the address belongs to the organisation's own
// networks (private, CGNAT, loopback, link-local): novelty there is lateral
// movement, never geography.
func (c Class) Internal() bool {
	return c == Private || c == CGNAT || c == Loopback || c == LinkLocal
}

var (
	cgnat    = netip.MustParsePrefix("100.64.0.0/10")
	reserved = netip.MustParsePrefix("240.0.0.0/4")
)

// Parse reads an IpAddress as SecurityEvent holds it: "-" or "" is Empty,
// an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is unmapped and a zone
// (fe80::1%3) is dropped.
func Parse(s string) (netip.Addr, Class) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return netip.Addr{}, Empty
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, Invalid
	}
	a = a.Unmap().WithZone("")
	return a, Classify(a)
}

// Classify says which Class a parsed address is in.
func Classify(a netip.Addr) Class {
	a = a.Unmap()
	switch {
	case !a.IsValid():
		return Invalid
	case a.IsLoopback():
		return Loopback
	case a.IsLinkLocalUnicast():
		return LinkLocal
	case a.IsPrivate():
		return Private
	case a.Is4() && cgnat.Contains(a):
		return CGNAT
	case a.IsUnspecified(), a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast(),
		a.Is4() && (reserved.Contains(a) || a == netip.AddrFrom4([4]byte{255, 255, 255, 255})):
		return Special
	}
	return Public
}

// Key is the identity of an address for baselines: the address itself
// for IPv4, its /64 for IPv6, because privacy addresses rotate the host
// half. The zero Addr has the key "".
func Key(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is6() && !a.Is4In6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.Unmap().String()
}

// Prefix is the network an address belongs to one level above Key: the
// /24 for IPv4, the /48 for IPv6.
func Prefix(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	a = a.Unmap()
	bits := 24
	if a.Is6() {
		bits = 48
	}
	return netip.PrefixFrom(a, bits).Masked().String()
}
