package sql

import (
	"fmt"
	"strconv"
	"strings"

	"wsec/internal/kql"
)

// IP functions. IPv4 addresses are BIGINTs (ipv4Num); IPv6 addresses are
// their 32 hex digits (ipv6Hex), an IPv4 address mapped to ::ffff:a.b.c.d
// as Kusto maps it. A "/n" suffix on an address is a prefix length; the
// comparison functions use the smallest of the suffixes and the prefix
// argument, as Kusto does. Invalid addresses give null.

// ipAddr is the address part of "addr/n".
func ipAddr(x string) string { return "trim(split_part(" + x + ", '/', 1))" }

// ipSuffix is n of "addr/n", or null.
func ipSuffix(x string) string {
	return "TRY_CAST(NULLIF(split_part(" + x + ", '/', 2), '') AS BIGINT)"
}

// let binds the value of expr to name inside body (a one-element list
// transform), so a long expression is written and evaluated once.
func let(name, expr, body string) string {
	return "list_transform([" + expr + "], lambda " + name + ": " + body + ")[1]"
}

// ipv6Hex is the 32 lower-case hex digits of an IPv6 (or IPv4) address.
func (d DuckDB) ipv6Hex(x string) string {
	v4 := d.ipv4Num("s")
	tail := d.ipv4Num("regexp_extract(s, '[0-9.]+$')")
	// An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
	s6 := "(CASE WHEN contains(s, '.') THEN regexp_replace(s, '[0-9.]+$', printf('%x:%x', " + tail + " >> 16, " + tail + " & 65535)) ELSE s END)"
	side := func(part string) string {
		p := "split_part(t, '::', " + part + ")"
		return "(CASE WHEN " + p + " = '' THEN []::VARCHAR[] ELSE string_split(" + p + ", ':') END)"
	}
	groups := "(CASE WHEN contains(t, '::') THEN list_concat(" + side("1") + ", list_transform(range(8 - len(" + side("1") + ") - len(" + side("2") + ")), lambda z: '0'), " + side("2") + ") ELSE string_split(t, ':') END)"
	valid := "len(g) = 8 AND len(list_filter(g, lambda e: NOT regexp_matches(e, '^[0-9a-f]{1,4}$'))) = 0 AND (length(t) - length(replace(t, '::', ''))) <= 2"
	hex := let("g", groups, "CASE WHEN "+valid+" THEN array_to_string(list_transform(g, lambda e: lpad(e, 4, '0')), '') END")
	return let("s", "lower("+ipAddr(x)+")",
		"CASE WHEN "+v4+" IS NOT NULL THEN '00000000000000000000ffff' || printf('%08x', "+v4+") "+
			"ELSE "+let("t", s6, hex)+" END")
}

// ipv6Prefix is the prefix length of an IPv6 (or IPv4) address string: its
// suffix (an IPv4 suffix counts 96 more), else 128.
func (d DuckDB) ipv6Prefix(x string) string {
	return "coalesce(" + ipSuffix(x) + " + (CASE WHEN " + d.ipv4Num(ipAddr(x)) + " IS NOT NULL THEN 96 ELSE 0 END), 128)"
}

// ipv6Masked is the k-th (0 or 1) 64-bit half of hex kept to its first
// prefix bits, shifted down.
func ipv6Masked(hex string, k int, prefix string) string {
	bits := fmt.Sprintf("least(greatest((%s) - %d, 0), 64)", prefix, 64*k)
	part := "('0x' || substr(" + hex + ", " + strconv.Itoa(1+16*k) + ", 16))::UBIGINT"
	return "(CASE WHEN " + bits + " = 0 THEN 0::UBIGINT ELSE " + part + " >> (64 - " + bits + ") END)"
}

// cmp is -1, 0 or 1 comparing the tuples of SQL values a and b.
func cmp(a, b []string) string {
	var whens []string
	for i := range a {
		whens = append(whens, "WHEN "+a[i]+" < "+b[i]+" THEN -1 WHEN "+a[i]+" > "+b[i]+" THEN 1")
	}
	return "(CASE " + strings.Join(whens, " ") + " ELSE 0 END)"
}

// ipv6Compare compares two addresses on their first prefix bits (the
// smallest of prefix and the addresses' own).
func (d DuckDB) ipv6Compare(a, b, prefix string) string {
	p := "least(" + prefix + ", " + d.ipv6Prefix(a) + ", " + d.ipv6Prefix(b) + ")"
	body := "CASE WHEN ha IS NULL OR hb IS NULL OR pp < 0 THEN NULL ELSE " +
		cmp([]string{ipv6Masked("ha", 0, "pp"), ipv6Masked("ha", 1, "pp")}, []string{ipv6Masked("hb", 0, "pp"), ipv6Masked("hb", 1, "pp")}) + " END"
	return let("ha", d.ipv6Hex(a), let("hb", d.ipv6Hex(b), let("pp", p, body)))
}

// ipv4Compare compares two IPv4 addresses on their first prefix bits.
func (d DuckDB) ipv4Compare(a, b, prefix string) string {
	p := "least(" + prefix + ", coalesce(" + ipSuffix(a) + ", 32), coalesce(" + ipSuffix(b) + ", 32))"
	body := "CASE WHEN na IS NULL OR nb IS NULL OR pp < 0 OR pp > 32 THEN NULL ELSE " +
		cmp([]string{"na >> (32 - pp)"}, []string{"nb >> (32 - pp)"}) + " END"
	return let("na", d.ipv4Num(ipAddr(a)), let("nb", d.ipv4Num(ipAddr(b)), let("pp", p, body)))
}

// ipv4Format writes the dotted form of an IPv4 number.
func ipv4Format(n string) string {
	return "printf('%d.%d.%d.%d', (" + n + " >> 24) & 255, (" + n + " >> 16) & 255, (" + n + " >> 8) & 255, " + n + " & 255)"
}

// anyRange is true when pred holds for one of the ranges: the string
// arguments, or the elements of dynamic arrays among them.
func (d DuckDB) anyRange(ranges []Arg, pred func(r string) string) string {
	var lists []string
	for _, r := range ranges {
		if r.Type == kql.TDynamic || r.Type == kql.TUnknown {
			lists = append(lists, d.stringList(r.SQL))
		} else {
			lists = append(lists, "["+d.text(r)+"]")
		}
	}
	return "coalesce(list_bool_or(list_transform(flatten([" + strings.Join(lists, ", ") + "]), lambda rr: " + pred("rr") + ")), false)"
}

// ip writes the IP functions; ok is false for other names.
func (d DuckDB) ip(fn string, a []Arg) (string, bool) {
	arg := func(i int, def string) string {
		if i < len(a) {
			if a[i].Type == kql.TString {
				return a[i].SQL
			}
			return d.text(a[i])
		}
		return def
	}
	num := func(i int, def string) string {
		if i < len(a) {
			return a[i].SQL
		}
		return def
	}
	switch fn {
	case "ipv4_compare":
		return d.ipv4Compare(arg(0, ""), arg(1, ""), num(2, "32")), true
	case "ipv4_is_match":
		return "(" + d.ipv4Compare(arg(0, ""), arg(1, ""), num(2, "32")) + " = 0)", true
	case "ipv4_is_in_any_range":
		ip := arg(0, "")
		return d.anyRange(a[1:], func(r string) string {
			return "(" + d.ipv4Compare(ip, r, "32") + " = 0)"
		}), true
	case "ipv4_netmask_suffix":
		return "(CASE WHEN " + d.ipv4Num(ipAddr(arg(0, ""))) + " IS NOT NULL THEN coalesce(" + ipSuffix(arg(0, "")) + ", 32) END)", true
	case "parse_ipv4_mask":
		n, p := d.ipv4Num(ipAddr(arg(0, ""))), num(1, "32")
		return "(CASE WHEN (" + p + ") BETWEEN 0 AND 32 THEN ((" + n + " >> (32 - (" + p + "))) << (32 - (" + p + "))) END)", true
	case "format_ipv4", "format_ipv4_mask":
		p := "least(" + num(1, "32") + ", coalesce(" + ipSuffix(arg(0, "")) + ", 32))"
		src := arg(0, "")
		if a[0].Type.IsNumeric() {
			src = "CAST(" + a[0].SQL + " AS VARCHAR)"
			p = num(1, "32")
		}
		n := "(CASE WHEN regexp_matches(" + src + ", '^[0-9]+$') THEN TRY_CAST(" + src + " AS BIGINT) ELSE " + d.ipv4Num(ipAddr(src)) + " END)"
		body := "CASE WHEN nn IS NULL OR nn < 0 OR nn > 4294967295 OR pp < 0 OR pp > 32 THEN NULL ELSE " + ipv4Format("((nn >> (32 - pp)) << (32 - pp))")
		if fn == "format_ipv4_mask" {
			body += " || '/' || CAST(pp AS VARCHAR)"
		}
		return let("nn", n, let("pp", p, body+" END")), true
	case "ipv6_compare":
		return d.ipv6Compare(arg(0, ""), arg(1, ""), num(2, "128")), true
	case "ipv6_is_match":
		return "(" + d.ipv6Compare(arg(0, ""), arg(1, ""), num(2, "128")) + " = 0)", true
	case "ipv6_is_in_range":
		return "(" + d.ipv6Compare(arg(0, ""), arg(1, ""), "128") + " = 0)", true
	case "ipv6_is_in_any_range":
		ip := arg(0, "")
		return d.anyRange(a[1:], func(r string) string {
			return "(" + d.ipv6Compare(ip, r, "128") + " = 0)"
		}), true
	case "parse_ipv6":
		return let("h6", d.ipv6Hex(arg(0, "")), "array_to_string(list_transform(range(8), lambda k: substr(h6, k * 4 + 1, 4)), ':')"), true
	case "has_ipv4", "has_ipv4_prefix":
		end := `($|[^0-9A-Za-z.])`
		if fn == "has_ipv4_prefix" {
			end = ""
		}
		return "coalesce(regexp_matches(" + arg(0, "") + `, '(^|[^0-9A-Za-z.])' || regexp_escape(` + arg(1, "") + `) || '` + end + `'), false)`, true
	case "has_any_ipv4":
		src := arg(0, "")
		return d.anyRange(a[1:], func(r string) string {
			return `regexp_matches(` + src + `, '(^|[^0-9A-Za-z.])' || regexp_escape(` + r + `) || '($|[^0-9A-Za-z.])')`
		}), true
	}
	return "", false
}
