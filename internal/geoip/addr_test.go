package geoip

import "testing"

func TestParseClassifiesEveryAddressClass(t *testing.T) {
	f := func(in string, class Class, key, prefix string) {
		t.Helper()
		a, c := Parse(in)
		if c != class || Key(a) != key || Prefix(a) != prefix {
			t.Errorf("Parse(%q) = %v key %q prefix %q; want %v %q %q", in, c, Key(a), Prefix(a), class, key, prefix)
		}
	}
	f("", Empty, "", "")
	f("-", Empty, "", "")
	f(" - ", Empty, "", "")
	f("not-an-ip", Invalid, "", "")
	f("300.1.1.1", Invalid, "", "")
	f("81.2.69.160", Public, "81.2.69.160", "81.2.69.0/24")
	f("::ffff:81.2.69.160", Public, "81.2.69.160", "81.2.69.0/24")
	f("10.1.2.3", Private, "10.1.2.3", "10.1.2.0/24")
	f("172.16.0.9", Private, "172.16.0.9", "172.16.0.0/24")
	f("172.32.0.9", Public, "172.32.0.9", "172.32.0.0/24")
	f("192.168.1.20", Private, "192.168.1.20", "192.168.1.0/24")
	f("::ffff:192.168.1.20", Private, "192.168.1.20", "192.168.1.0/24")
	f("fd12:3456:789a:1::5", Private, "fd12:3456:789a:1::/64", "fd12:3456:789a::/48")
	f("100.64.0.1", CGNAT, "100.64.0.1", "100.64.0.0/24")
	f("100.127.255.254", CGNAT, "100.127.255.254", "100.127.255.0/24")
	f("100.128.0.1", Public, "100.128.0.1", "100.128.0.0/24")
	f("127.0.0.1", Loopback, "127.0.0.1", "127.0.0.0/24")
	f("::1", Loopback, "::/64", "::/48")
	f("169.254.10.1", LinkLocal, "169.254.10.1", "169.254.10.0/24")
	f("fe80::1%3", LinkLocal, "fe80::/64", "fe80::/48")
	f("0.0.0.0", Special, "0.0.0.0", "0.0.0.0/24")
	f("::", Special, "::/64", "::/48")
	f("224.0.0.1", Special, "224.0.0.1", "224.0.0.0/24")
	f("ff02::1", Special, "ff02::/64", "ff02::/48")
	f("2001:db8:1:2:aaaa:bbbb:cccc:dddd", Public, "2001:db8:1:2::/64", "2001:db8:1::/48")
}

func TestIPv6PrivacyAddressesShareTheirKey(t *testing.T) {
	a, _ := Parse("2a02:8100:1:2:1111:2222:3333:4444")
	b, _ := Parse("2a02:8100:1:2:9999:8888:7777:6666")
	c, _ := Parse("2a02:8100:1:3:1111:2222:3333:4444")
	if Key(a) != Key(b) {
		t.Errorf("rotated suffix changed the key: %s vs %s", Key(a), Key(b))
	}
	if Key(a) == Key(c) {
		t.Errorf("another /64 has the same key %s", Key(a))
	}
	if Prefix(a) != Prefix(c) {
		t.Errorf("same /48, different prefixes %s %s", Prefix(a), Prefix(c))
	}
}

func TestInternalClasses(t *testing.T) {
	for c, want := range map[Class]bool{Private: true, CGNAT: true, Loopback: true, LinkLocal: true,
		Public: false, Empty: false, Invalid: false, Special: false} {
		if c.Internal() != want {
			t.Errorf("%v.Internal() = %v", c, !want)
		}
	}
}
