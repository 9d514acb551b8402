package sql

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"

	"wsec/internal/kql"
)

// kqlEpochOffsetUS is 0001-01-01 → 1970-01-01 in microseconds: datetime
// bins count from 0001-01-01 as KQL's do.
const kqlEpochOffsetUS = "62135596800000000"

// termBoundary matches a character that is not part of a term (terms are
// maximal runs of letters and digits).
const termBoundary = `[^\pL\pN]`

func isTermChar(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r) }

// termRegex is the RE2 pattern of a has-term: the term, preceded and
// followed by a non-term character or the string's end where the term
// itself starts or ends with a term character.
func termRegex(term string, prefix, suffix bool) string {
	var b strings.Builder
	rs := []rune(term)
	if prefix && len(rs) > 0 && isTermChar(rs[0]) {
		b.WriteString("(?:^|" + termBoundary + ")")
	}
	b.WriteString(regexp.QuoteMeta(term))
	if suffix && len(rs) > 0 && isTermChar(rs[len(rs)-1]) {
		b.WriteString("(?:$|" + termBoundary + ")")
	}
	return b.String()
}

// dynTermRegex builds the same pattern in SQL for a non-constant term.
func dynTermRegex(term string, prefix, suffix bool) string {
	s := "regexp_escape(" + term + ")"
	if prefix {
		s = "(CASE WHEN regexp_matches(" + term + `, '^[\pL\pN]') THEN '(?:^|` + termBoundary + `)' ELSE '' END) || ` + s
	}
	if suffix {
		s += " || (CASE WHEN regexp_matches(" + term + `, '[\pL\pN]$') THEN '(?:$|` + termBoundary + `)' ELSE '' END)`
	}
	return s
}

// Func implements Dialect.
func (d DuckDB) Func(fn string, a []Arg, ret kql.Type) (string, error) {
	arg := func(i int) string { return a[i].SQL }
	switch fn {
	// ---- arithmetic
	case "+", "-", "*", "/", "%":
		return d.arith(fn, a[0], a[1], ret)
	case "distinct_from":
		// true when the values differ, a NULL differing from a value
		return "(" + arg(0) + " IS DISTINCT FROM " + arg(1) + ")", nil
	case "neg":
		return "(-(" + arg(0) + "))", nil

	// ---- string predicates (left, right); the core handles nulls
	case "=~":
		if s, ok := a[1].ConstString(); ok {
			return "(lower(" + arg(0) + ") = " + sqlString(strings.ToLower(s)) + ")", nil
		}
		return "(lower(" + arg(0) + ") = lower(" + arg(1) + "))", nil
	case "contains", "startswith", "endswith":
		// lower() with DuckDB's string functions is about twice as fast
		// as ILIKE here.
		f := map[string]string{"contains": "contains", "startswith": "starts_with", "endswith": "suffix"}[fn]
		if s, ok := a[1].ConstString(); ok {
			return f + "(lower(" + arg(0) + "), " + sqlString(strings.ToLower(s)) + ")", nil
		}
		return f + "(lower(" + arg(0) + "), lower(" + arg(1) + "))", nil
	case "contains_cs":
		return "contains(" + arg(0) + ", " + arg(1) + ")", nil
	case "startswith_cs":
		return "starts_with(" + arg(0) + ", " + arg(1) + ")", nil
	case "endswith_cs":
		return "suffix(" + arg(0) + ", " + arg(1) + ")", nil
	case "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs":
		cs := strings.HasSuffix(fn, "_cs")
		base := strings.TrimSuffix(fn, "_cs")
		prefix, suffix := base != "hassuffix", base != "hasprefix"
		flags := "(?i)"
		if cs {
			flags = ""
		}
		if s, ok := a[1].ConstString(); ok {
			// A substring test first: cheap, and it rejects most rows
			// before the term-boundary regular expression runs.
			re := flags + termRegex(s, prefix, suffix)
			pre := "contains(lower(" + arg(0) + "), " + sqlString(strings.ToLower(s)) + ")"
			if cs {
				pre = "contains(" + arg(0) + ", " + sqlString(s) + ")"
			}
			return "(" + pre + " AND regexp_matches(" + arg(0) + ", " + sqlString(re) + "))", nil
		}
		return "regexp_matches(" + arg(0) + ", " + sqlString(flags) + " || " + dynTermRegex(arg(1), prefix, suffix) + ")", nil
	case "has_any", "has_any_cs", "has_all", "has_all_cs":
		return d.hasList(fn, a)
	case "matches_regex":
		return "regexp_matches(" + arg(0) + ", " + arg(1) + ")", nil
	case "like":
		return "(" + arg(0) + " LIKE " + arg(1) + ")", nil

	// ---- conversions
	case "tostring":
		return d.toString(a[0]), nil
	case "toint", "tolong":
		return d.toLong(a[0]), nil
	case "todouble":
		return d.toDouble(a[0]), nil
	case "tobool":
		return d.toBool(a[0]), nil
	case "todatetime":
		return d.toDatetime(a[0]), nil
	case "totimespan":
		return d.toTimespan(a[0]), nil
	case "totimespan_us":
		return "CAST(" + arg(0) + " AS BIGINT)", nil
	case "toguid":
		if a[0].Type.IsDynamic() {
			return "lower(json_extract_string(" + arg(0) + ", '$'))", nil
		}
		return "lower(CAST(" + arg(0) + " AS VARCHAR))", nil
	case "todynamic", "parse_json":
		return d.toDynamic(a[0]), nil
	case "gettype":
		return d.getType(a[0]), nil

	// ---- strings
	case "tolower":
		return "lower(" + d.text(a[0]) + ")", nil
	case "toupper":
		return "upper(" + d.text(a[0]) + ")", nil
	case "strlen":
		return "CAST(length(coalesce(" + d.text(a[0]) + ", '')) AS BIGINT)", nil
	case "substring":
		start := "greatest(" + arg(1) + ", 0) + 1"
		if len(a) == 3 {
			return "substr(coalesce(" + d.text(a[0]) + ", ''), " + start + ", greatest(" + arg(2) + ", 0))", nil
		}
		return "substr(coalesce(" + d.text(a[0]) + ", ''), " + start + ")", nil
	case "strcat":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = arg(i)
		}
		if len(parts) == 1 {
			return "coalesce(" + parts[0] + ", '')", nil
		}
		return "concat(" + strings.Join(parts, ", ") + ")", nil
	case "strcat_delim":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = arg(i)
		}
		return "concat_ws(" + strings.Join(parts, ", ") + ")", nil
	case "strcat_array":
		return "array_to_string(" + d.stringList(arg(0)) + ", " + d.text(a[1]) + ")", nil
	case "split":
		l := "string_split(coalesce(" + d.text(a[0]) + ", ''), " + d.text(a[1]) + ")"
		if len(a) == 3 {
			return "(CASE WHEN " + arg(2) + " >= 0 AND len(" + l + ") > " + arg(2) + " THEN to_json([" + l + "[" + arg(2) + " + 1]])" +
				" WHEN " + arg(2) + " < 0 AND len(" + l + ") >= -(" + arg(2) + ") THEN to_json([" + l + "[" + arg(2) + "]])" +
				" ELSE CAST('[]' AS JSON) END)", nil
		}
		return "to_json(" + l + ")", nil
	case "trim", "trim_start", "trim_end":
		s := d.text(a[1])
		if fn != "trim_end" {
			s = "regexp_replace(" + s + ", '^(?:' || " + arg(0) + " || ')+', '')"
		}
		if fn != "trim_start" {
			s = "regexp_replace(" + s + ", '(?:' || " + arg(0) + " || ')+$', '')"
		}
		return s, nil
	case "replace_regex":
		// replace_regex(source, lookup_regex, rewrite); replace() is its alias.
		return "regexp_replace(" + d.text(a[0]) + ", " + arg(1) + ", " + arg(2) + ", 'g')", nil
	case "replace_string":
		return "replace(" + d.text(a[0]) + ", " + arg(1) + ", " + arg(2) + ")", nil
	case "regex_group":
		return "regexp_extract(" + arg(0) + ", " + arg(1) + ", " + arg(2) + ")", nil
	case "extract":
		if a[1].Const == nil {
			return "", fmt.Errorf("duckdb: extract() needs a constant capture group")
		}
		s := "regexp_extract(" + d.text(a[2]) + ", " + arg(0) + ", " + arg(1) + ")"
		if len(a) == 4 {
			t, _ := kql.ParseType(a[3].Const.V.(string))
			if t != kql.TString {
				return d.Func(kql.ConvFunc(t), []Arg{{SQL: "NULLIF(" + s + ", '')", Type: kql.TString, Nullable: true}}, t)
			}
		}
		return s, nil
	case "extract_all":
		return d.extractAll(a)
	case "indexof":
		if len(a) > 3 {
			return "", fmt.Errorf("duckdb: indexof() with length or occurrence is not supported")
		}
		if len(a) == 3 {
			sub := "substr(" + d.text(a[0]) + ", greatest(" + arg(2) + ", 0) + 1)"
			return "(CASE WHEN instr(" + sub + ", " + d.text(a[1]) + ") = 0 THEN -1 ELSE instr(" + sub + ", " + d.text(a[1]) + ") + greatest(" + arg(2) + ", 0) - 1 END)", nil
		}
		return "(instr(" + d.text(a[0]) + ", " + d.text(a[1]) + ") - 1)", nil
	case "reverse":
		return "reverse(" + d.text(a[0]) + ")", nil
	case "countof":
		if len(a) == 3 {
			if k, ok := a[2].ConstString(); ok && k == "regex" {
				return "CAST(len(regexp_extract_all(" + arg(0) + ", " + arg(1) + ")) AS BIGINT)", nil
			}
		}
		return "CAST(len(list_filter(range(0, greatest(length(" + arg(0) + ") - length(" + arg(1) + ") + 1, 0)), lambda i: length(" + arg(1) + ") > 0 AND substr(" + arg(0) + ", i + 1, length(" + arg(1) + ")) = " + arg(1) + ")) AS BIGINT)", nil
	case "url_decode":
		return "url_decode(" + arg(0) + ")", nil
	case "url_encode":
		return "url_encode(" + arg(0) + ")", nil
	case "base64_decode_tostring":
		return "try(decode(from_base64(" + arg(0) + ")))", nil
	case "base64_encode_tostring":
		return "to_base64(encode(" + arg(0) + "))", nil
	case "hash":
		h := "CAST(hash(" + arg(0) + ") % 9223372036854775807 AS BIGINT)"
		if len(a) == 2 {
			return "(" + h + " % " + arg(1) + ")", nil
		}
		return h, nil
	case "hash_sha256":
		return "sha256(" + d.text(a[0]) + ")", nil
	case "hash_md5":
		return "md5(" + d.text(a[0]) + ")", nil
	case "hash_sha1":
		return "sha1(" + d.text(a[0]) + ")", nil
	case "isascii":
		return "regexp_matches(" + arg(0) + `, '^[\x00-\x7f]*$')`, nil

	// ---- numbers
	case "round":
		if len(a) == 2 {
			return "round(" + arg(0) + ", " + arg(1) + ")", nil
		}
		return "round(" + arg(0) + ")", nil
	case "abs", "sign", "sqrt", "exp", "log10", "log2", "isnan", "isinf", "isfinite":
		return fn + "(" + arg(0) + ")", nil
	case "log":
		return "ln(" + arg(0) + ")", nil
	case "pow":
		return "pow(" + arg(0) + ", " + arg(1) + ")", nil
	case "rand":
		if len(a) == 1 {
			return "CAST(floor(random() * " + arg(0) + ") AS BIGINT)", nil
		}
		return "random()", nil
	case "max_of", "min_of":
		f := map[string]string{"max_of": "greatest", "min_of": "least"}[fn]
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = arg(i)
		}
		return f + "(" + strings.Join(parts, ", ") + ")", nil
	case "binary_and":
		return "(" + arg(0) + " & " + arg(1) + ")", nil
	case "binary_or":
		return "(" + arg(0) + " | " + arg(1) + ")", nil
	case "binary_xor":
		return "xor(" + arg(0) + ", " + arg(1) + ")", nil
	case "binary_not":
		return "(~" + arg(0) + ")", nil
	case "binary_shift_left":
		return "(" + arg(0) + " << " + arg(1) + ")", nil
	case "binary_shift_right":
		return "(" + arg(0) + " >> " + arg(1) + ")", nil
	case "new_guid":
		return "CAST(uuid() AS VARCHAR)", nil
	case "tohex":
		return "lower(hex(" + arg(0) + "))", nil

	// ---- time
	case "bin", "floor":
		return d.bin(a[0], a[1], ret)
	case "bin_at":
		return d.binAt(a[0], a[1], a[2], ret)
	case "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear":
		return d.startEnd(fn, a), nil
	case "datetime_diff":
		return d.datetimeDiff(a)
	case "datetime_add":
		return d.datetimeAdd(a)
	case "datetime_part":
		part, _ := a[0].ConstString()
		if part == "week" {
			return "weekofyear(" + arg(1) + ")", nil
		}
		if part == "nanosecond" {
			return "(microsecond(" + arg(1) + ") % 1000000 * 1000)", nil
		}
		return "date_part('" + part + "', " + arg(1) + ")", nil
	case "dayofweek":
		return "(CAST(dayofweek(" + arg(0) + ") AS BIGINT) * 86400000000)", nil
	case "dayofmonth":
		return "day(" + arg(0) + ")", nil
	case "dayofyear":
		return "dayofyear(" + arg(0) + ")", nil
	case "hourofday":
		return "hour(" + arg(0) + ")", nil
	case "getmonth", "monthofyear":
		return "month(" + arg(0) + ")", nil
	case "getyear":
		return "year(" + arg(0) + ")", nil
	case "weekofyear":
		return "weekofyear(" + arg(0) + ")", nil
	case "format_datetime":
		f, ok := a[1].ConstString()
		if !ok {
			return "", fmt.Errorf("duckdb: format_datetime() needs a constant format")
		}
		return "strftime(" + arg(0) + ", " + sqlString(strftimeFormat(f)) + ")", nil
	case "unixtime_seconds_todatetime":
		return "make_timestamp(CAST(" + arg(0) + " * 1000000 AS BIGINT))", nil
	case "unixtime_milliseconds_todatetime":
		return "make_timestamp(CAST(" + arg(0) + " * 1000 AS BIGINT))", nil
	case "unixtime_microseconds_todatetime":
		return "make_timestamp(CAST(" + arg(0) + " AS BIGINT))", nil
	case "range_series":
		return d.rangeSeries(a, ret)

	// ---- dynamic
	case "dyn_path":
		return d.dynPath(a)
	case "dyn_get", "dyn_index":
		return d.dynPath(a)
	case "array_length":
		return "(CASE WHEN json_type(" + arg(0) + ") = 'ARRAY' THEN CAST(json_array_length(" + arg(0) + ") AS BIGINT) END)", nil
	case "array_slice":
		s := "(CASE WHEN " + arg(1) + " >= 0 THEN " + arg(1) + " + 1 ELSE " + arg(1) + " END)"
		e := "(CASE WHEN " + arg(2) + " >= 0 THEN " + arg(2) + " + 1 ELSE " + arg(2) + " END)"
		return "to_json(list_slice(" + d.jsonList(arg(0)) + ", " + s + ", " + e + "))", nil
	case "array_index_of":
		return "coalesce(list_position(" + d.stringList(arg(0)) + ", " + d.toString(a[1]) + ") - 1, -1)", nil
	case "array_concat":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = d.jsonList(arg(i))
		}
		return "to_json(flatten([" + strings.Join(parts, ", ") + "]))", nil
	case "array_sort_asc":
		return "to_json(list_sort(" + d.jsonList(arg(0)) + "))", nil
	case "array_sort_desc":
		return "to_json(list_reverse_sort(" + d.jsonList(arg(0)) + "))", nil
	case "array_reverse":
		return "to_json(list_reverse(" + d.jsonList(arg(0)) + "))", nil
	case "array_sum":
		return "list_sum(list_transform(" + d.stringList(arg(0)) + ", lambda x: TRY_CAST(x AS DOUBLE)))", nil
	case "set_difference", "set_union", "set_intersect":
		return d.setOp(fn, a), nil
	case "set_has_element":
		return "list_contains(" + d.stringList(arg(0)) + ", " + d.toString(a[1]) + ")", nil
	case "pack":
		if len(a)%2 != 0 {
			return "", fmt.Errorf("duckdb: pack() needs key/value pairs")
		}
		if len(a) == 0 {
			return "CAST('{}' AS JSON)", nil
		}
		parts := make([]string, len(a))
		for i := range a {
			if i%2 == 0 {
				parts[i] = d.text(a[i])
			} else {
				parts[i] = d.jsonValue(a[i])
			}
		}
		return "json_object(" + strings.Join(parts, ", ") + ")", nil
	case "pack_array":
		if len(a) == 0 {
			return "CAST('[]' AS JSON)", nil
		}
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = d.jsonValue(a[i])
		}
		return "json_array(" + strings.Join(parts, ", ") + ")", nil
	case "bag_keys":
		return "(CASE WHEN json_type(" + arg(0) + ") = 'OBJECT' THEN to_json(json_keys(" + arg(0) + ")) END)", nil
	case "bag_has_key":
		return "coalesce(list_contains(json_keys(" + arg(0) + "), " + arg(1) + "), false)", nil
	case "bag_merge":
		s := arg(len(a) - 1)
		for i := len(a) - 2; i >= 0; i-- {
			s = "json_merge_patch(" + s + ", " + arg(i) + ")"
		}
		return s, nil
	case "parse_xml":
		return d.parseXML(d.text(a[0])), nil
	case "eventdata_xml":
		return d.eventDataXML(arg(0)), nil
	case "parameter_xml":
		return d.parameterXML(arg(0)), nil
	case "parse_path":
		return d.parsePath(d.text(a[0])), nil
	case "parse_url":
		return d.parseURL(d.text(a[0])), nil

	// ---- networks
	case "parse_ipv4":
		return d.ipv4Num(d.text(a[0])), nil
	case "geo_info_from_ip_address":
		// wsec_geo_info is registered by the store (store/duckdb/geo.go)
		// over the server's GeoIP databases.
		return "CAST(wsec_geo_info(" + d.text(a[0]) + ") AS JSON)", nil
	case "ipv4_is_private":
		ip := d.text(a[0])
		return "(CASE WHEN " + d.ipv4Num(ip) + " IS NULL THEN NULL ELSE regexp_matches(" + ip + `, '^(10\.|172\.(1[6-9]|2[0-9]|3[01])\.|192\.168\.)') END)`, nil
	case "ipv4_is_in_range":
		ip, rng := d.text(a[0]), d.text(a[1])
		bits := "coalesce(TRY_CAST(NULLIF(split_part(" + rng + ", '/', 2), '') AS BIGINT), 32)"
		net := d.ipv4Num("split_part(" + rng + ", '/', 1)")
		return "((" + d.ipv4Num(ip) + " >> (32 - " + bits + ")) = (" + net + " >> (32 - " + bits + ")))", nil
	}
	if s, ok := d.ip(fn, a); ok {
		return s, nil
	}
	if s, ok, err := d.series(fn, a); ok {
		return s, err
	}
	return "", fmt.Errorf("duckdb: function %s() is not supported", fn)
}

// text is the argument as a string (dynamic values unwrapped).
func (d DuckDB) text(a Arg) string {
	if a.Type == kql.TString {
		return a.SQL
	}
	return d.toString(a)
}

func (d DuckDB) jsonList(j string) string { return "json_extract(" + j + ", '$[*]')" }

func (d DuckDB) stringList(j string) string { return "json_extract_string(" + j + ", '$[*]')" }

func (d DuckDB) arith(op string, l, r Arg, ret kql.Type) (string, error) {
	lt, rt := l.Type, r.Type
	num := func(a Arg) string {
		if a.Type.IsDynamic() {
			return d.toDouble(a)
		}
		return a.SQL
	}
	switch {
	case lt == kql.TDateTime && rt == kql.TTimeSpan:
		return "(" + l.SQL + " " + op + " to_microseconds(" + r.SQL + "))", nil
	case lt == kql.TTimeSpan && rt == kql.TDateTime && op == "+":
		return "(" + r.SQL + " + to_microseconds(" + l.SQL + "))", nil
	case lt == kql.TDateTime && rt == kql.TDateTime:
		return "(epoch_us(" + l.SQL + ") - epoch_us(" + r.SQL + "))", nil
	case lt == kql.TTimeSpan && rt == kql.TTimeSpan:
		if op == "/" {
			return "(CAST(" + l.SQL + " AS DOUBLE) / " + r.SQL + ")", nil
		}
		return "(" + l.SQL + " " + op + " " + r.SQL + ")", nil
	case lt == kql.TTimeSpan || rt == kql.TTimeSpan:
		return "CAST(round(" + num(l) + " " + op + " " + num(r) + ") AS BIGINT)", nil
	}
	if op == "/" && (ret == kql.TLong || ret == kql.TInt) {
		return "(" + num(l) + " // " + num(r) + ")", nil
	}
	if op == "/" {
		return "(CAST(" + num(l) + " AS DOUBLE) / " + num(r) + ")", nil
	}
	return "(" + num(l) + " " + op + " " + num(r) + ")", nil
}

// GuardedFunc implements GuardedFuncWriter: has and has_any with constant
// terms are their regular expression alone, which reads the column once.
func (d DuckDB) GuardedFunc(fn string, a []Arg, ret kql.Type) (string, error) {
	switch fn {
	case "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs":
		if s, ok := a[1].ConstString(); ok {
			base := strings.TrimSuffix(fn, "_cs")
			flags := "(?i)"
			if strings.HasSuffix(fn, "_cs") {
				flags = ""
			}
			return "regexp_matches(" + a[0].SQL + ", " + sqlString(flags+termRegex(s, base != "hassuffix", base != "hasprefix")) + ")", nil
		}
	case "has_any", "has_any_cs":
		var alts []string
		for _, t := range a[1:] {
			s, ok := t.ConstString()
			if !ok {
				return d.Func(fn, a, ret)
			}
			alts = append(alts, termRegex(s, true, true))
		}
		flags := "(?i)"
		if fn == "has_any_cs" {
			flags = ""
		}
		return "regexp_matches(" + a[0].SQL + ", " + sqlString(flags+"(?:"+strings.Join(alts, "|")+")") + ")", nil
	}
	return d.Func(fn, a, ret)
}

func (d DuckDB) hasList(fn string, a []Arg) (string, error) {
	cs := strings.HasSuffix(fn, "_cs")
	all := strings.HasPrefix(fn, "has_all")
	one := "has"
	if cs {
		one = "has_cs"
	}
	// Constant terms of has_any become one regular expression.
	if !all {
		var alts []string
		allConst := true
		for _, t := range a[1:] {
			s, ok := t.ConstString()
			if !ok {
				allConst = false
				break
			}
			alts = append(alts, termRegex(s, true, true))
		}
		if allConst {
			flags := "(?i)"
			if cs {
				flags = ""
			}
			var pre []string
			for _, t := range a[1:] {
				term, _ := t.ConstString()
				if cs {
					pre = append(pre, "contains("+a[0].SQL+", "+sqlString(term)+")")
				} else {
					pre = append(pre, "contains(lower("+a[0].SQL+"), "+sqlString(strings.ToLower(term))+")")
				}
			}
			return "((" + strings.Join(pre, " OR ") + ") AND regexp_matches(" + a[0].SQL + ", " + sqlString(flags+"(?:"+strings.Join(alts, "|")+")") + "))", nil
		}
	}
	var parts []string
	for _, t := range a[1:] {
		s, err := d.Func(one, []Arg{a[0], t}, kql.TBool)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	op := " OR "
	if all {
		op = " AND "
	}
	return "(" + strings.Join(parts, op) + ")", nil
}

func (d DuckDB) toString(a Arg) string {
	switch a.Type {
	case kql.TString, kql.TGuid:
		return a.SQL
	case kql.TDynamic, kql.TUnknown:
		return "json_extract_string(" + a.SQL + ", '$')"
	case kql.TDateTime:
		return isoDatetime(a.SQL)
	case kql.TTimeSpan:
		return spanText(a.SQL)
	case kql.TReal:
		return "(CASE WHEN " + a.SQL + " = trunc(" + a.SQL + ") AND abs(" + a.SQL + ") < 1e15 THEN CAST(CAST(" + a.SQL + " AS BIGINT) AS VARCHAR) ELSE CAST(" + a.SQL + " AS VARCHAR) END)"
	}
	return "CAST(" + a.SQL + " AS VARCHAR)"
}

// isoDatetime renders a TIMESTAMP as KQL does: 2026-01-01T10:00:00Z, with
// seven fractional digits when there is a fraction.
func isoDatetime(x string) string {
	return "(strftime(" + x + ", '%Y-%m-%dT%H:%M:%S') || CASE WHEN microsecond(" + x + ") % 1000000 = 0 THEN 'Z' ELSE '.' || lpad(CAST(microsecond(" + x + ") % 1000000 AS VARCHAR), 6, '0') || '0Z' END)"
}

// spanText renders microseconds as [-][d.]hh:mm:ss[.fffffff].
func spanText(x string) string {
	ax := "abs(" + x + ")"
	two := func(e string) string { return "lpad(CAST(" + e + " AS VARCHAR), 2, '0')" }
	return "(CASE WHEN " + x + " IS NULL THEN NULL ELSE (CASE WHEN " + x + " < 0 THEN '-' ELSE '' END) || " +
		"(CASE WHEN " + ax + " >= 86400000000 THEN CAST(" + ax + " // 86400000000 AS VARCHAR) || '.' ELSE '' END) || " +
		two("("+ax+" // 3600000000) % 24") + " || ':' || " + two("("+ax+" // 60000000) % 60") + " || ':' || " + two("("+ax+" // 1000000) % 60") +
		" || (CASE WHEN " + ax + " % 1000000 = 0 THEN '' ELSE '.' || lpad(CAST(" + ax + " % 1000000 AS VARCHAR), 6, '0') || '0' END) END)"
}

func (d DuckDB) toLong(a Arg) string {
	switch a.Type {
	case kql.TInt, kql.TLong:
		return "CAST(" + a.SQL + " AS BIGINT)"
	case kql.TReal:
		return "TRY_CAST(trunc(" + a.SQL + ") AS BIGINT)"
	case kql.TBool:
		return "CAST(" + a.SQL + " AS BIGINT)"
	case kql.TDateTime:
		return "((epoch_us(" + a.SQL + ") + " + kqlEpochOffsetUS + ") * 10)"
	case kql.TTimeSpan:
		return "(" + a.SQL + " * 10)"
	case kql.TDynamic, kql.TUnknown:
		return "TRY_CAST(trunc(TRY_CAST(json_extract_string(" + a.SQL + ", '$') AS DOUBLE)) AS BIGINT)"
	}
	return "TRY_CAST(trim(" + a.SQL + ") AS BIGINT)"
}

func (d DuckDB) toDouble(a Arg) string {
	switch a.Type {
	case kql.TInt, kql.TLong, kql.TReal, kql.TBool:
		return "CAST(" + a.SQL + " AS DOUBLE)"
	case kql.TDynamic, kql.TUnknown:
		return "TRY_CAST(json_extract_string(" + a.SQL + ", '$') AS DOUBLE)"
	case kql.TTimeSpan:
		return "CAST(" + a.SQL + " * 10 AS DOUBLE)"
	}
	return "TRY_CAST(trim(" + a.SQL + ") AS DOUBLE)"
}

func (d DuckDB) toBool(a Arg) string {
	switch a.Type {
	case kql.TBool:
		return a.SQL
	case kql.TInt, kql.TLong, kql.TReal:
		return "(" + a.SQL + " <> 0)"
	}
	s := d.text(a)
	return "(CASE lower(trim(" + s + ")) WHEN 'true' THEN true WHEN 'false' THEN false ELSE TRY_CAST(TRY_CAST(trim(" + s + ") AS BIGINT) AS BOOLEAN) END)"
}

func (d DuckDB) toDatetime(a Arg) string {
	switch a.Type {
	case kql.TDateTime:
		return a.SQL
	case kql.TInt, kql.TLong:
		return "make_timestamp(" + a.SQL + " // 10 - " + kqlEpochOffsetUS + ")"
	}
	s := "trim(" + d.text(a) + ")"
	return "coalesce(TRY_CAST(regexp_replace(" + s + ", '(Z|[+-]00:?00)$', '') AS TIMESTAMP), " +
		"try_strptime(" + s + ", '%m/%d/%Y %H:%M:%S'), try_strptime(" + s + ", '%m/%d/%Y %H:%M'), try_strptime(" + s + ", '%m/%d/%Y'), " +
		"try_strptime(" + s + ", '%Y/%m/%d %H:%M:%S'), try_strptime(" + s + ", '%a, %d %b %Y %H:%M:%S GMT'))"
}

func (d DuckDB) toTimespan(a Arg) string {
	switch a.Type {
	case kql.TTimeSpan:
		return a.SQL
	case kql.TInt, kql.TLong, kql.TReal:
		return "CAST(" + a.SQL + " / 10 AS BIGINT)"
	}
	s := d.text(a)
	return "CAST(epoch(TRY_CAST(" + s + " AS INTERVAL)) * 1000000 AS BIGINT)"
}

func (d DuckDB) toDynamic(a Arg) string {
	switch a.Type {
	case kql.TDynamic, kql.TUnknown:
		return a.SQL
	case kql.TString:
		return "(CASE WHEN json_valid(" + a.SQL + ") THEN CAST(" + a.SQL + " AS JSON) ELSE to_json(" + a.SQL + ") END)"
	}
	return "to_json(" + d.jsonValue(a) + ")"
}

// jsonValue is a value as it should appear inside a dynamic: datetimes and
// timespans as KQL's strings, others as themselves.
func (d DuckDB) jsonValue(a Arg) string {
	switch a.Type {
	case kql.TDateTime, kql.TTimeSpan:
		return d.toString(a)
	}
	return a.SQL
}

func (d DuckDB) getType(a Arg) string {
	switch a.Type {
	case kql.TDynamic, kql.TUnknown:
		return "(CASE json_type(" + a.SQL + ") WHEN 'VARCHAR' THEN 'string' WHEN 'BIGINT' THEN 'long' WHEN 'UBIGINT' THEN 'long' WHEN 'DOUBLE' THEN 'real' WHEN 'BOOLEAN' THEN 'bool' WHEN 'ARRAY' THEN 'array' WHEN 'OBJECT' THEN 'dictionary' ELSE 'null' END)"
	case kql.TReal:
		return "'real'"
	}
	return sqlString(a.Type.String())
}

func (d DuckDB) bin(x, size Arg, ret kql.Type) (string, error) {
	switch x.Type {
	case kql.TDateTime:
		return "make_timestamp(((epoch_us(" + x.SQL + ") + " + kqlEpochOffsetUS + ") // " + size.SQL + ") * " + size.SQL + " - " + kqlEpochOffsetUS + ")", nil
	case kql.TTimeSpan:
		return "(floor(" + x.SQL + " / " + size.SQL + ") * " + size.SQL + ")::BIGINT", nil
	case kql.TInt, kql.TLong:
		if ret == kql.TReal {
			return "(floor(" + x.SQL + " / " + size.SQL + ") * " + size.SQL + ")", nil
		}
		return "CAST(floor(" + x.SQL + " / " + size.SQL + ") * " + size.SQL + " AS BIGINT)", nil
	}
	return "(floor(" + d.toDouble(x) + " / " + size.SQL + ") * " + size.SQL + ")", nil
}

func (d DuckDB) binAt(x, size, at Arg, ret kql.Type) (string, error) {
	switch x.Type {
	case kql.TDateTime:
		return "make_timestamp(epoch_us(" + at.SQL + ") + CAST(floor((epoch_us(" + x.SQL + ") - epoch_us(" + at.SQL + ")) / " + size.SQL + ") AS BIGINT) * " + size.SQL + ")", nil
	case kql.TTimeSpan, kql.TInt, kql.TLong:
		return "CAST(" + at.SQL + " + floor((" + x.SQL + " - " + at.SQL + ") / " + size.SQL + ") * " + size.SQL + " AS BIGINT)", nil
	}
	return "(" + at.SQL + " + floor((" + x.SQL + " - " + at.SQL + ") / " + size.SQL + ") * " + size.SQL + ")", nil
}

func (d DuckDB) startEnd(fn string, a []Arg) string {
	x := a[0].SQL
	off := "0"
	if len(a) == 2 {
		off = a[1].SQL
	}
	unit := strings.TrimPrefix(strings.TrimPrefix(fn, "startof"), "endof")
	start := func(off string) string {
		switch unit {
		case "day":
			return "(date_trunc('day', " + x + ") + to_days(CAST(" + off + " AS INTEGER)))"
		case "week":
			return "(date_trunc('day', " + x + ") - to_days(CAST(dayofweek(" + x + ") AS INTEGER)) + to_days(CAST(7 * (" + off + ") AS INTEGER)))"
		case "month":
			return "(date_trunc('month', " + x + ") + to_months(CAST(" + off + " AS INTEGER)))"
		}
		return "(date_trunc('year', " + x + ") + to_years(CAST(" + off + " AS INTEGER)))"
	}
	if strings.HasPrefix(fn, "endof") {
		return "CAST(" + start("("+off+") + 1") + " - INTERVAL 1 MICROSECOND AS TIMESTAMP)"
	}
	return "CAST(" + start(off) + " AS TIMESTAMP)"
}

func (d DuckDB) datetimeDiff(a []Arg) (string, error) {
	part, _ := a[0].ConstString()
	x, y := a[1].SQL, a[2].SQL
	switch part {
	case "week":
		w := func(t string) string {
			return "epoch_us(date_trunc('day', " + t + ") - to_days(CAST(dayofweek(" + t + ") AS INTEGER)))"
		}
		return "((" + w(x) + " - " + w(y) + ") // 604800000000)", nil
	case "nanosecond":
		return "(date_diff('microsecond', " + y + ", " + x + ") * 1000)", nil
	}
	return "date_diff('" + part + "', " + y + ", " + x + ")", nil
}

func (d DuckDB) datetimeAdd(a []Arg) (string, error) {
	part, _ := a[0].ConstString()
	n, x := a[1].SQL, a[2].SQL
	f := map[string]string{"year": "to_years", "month": "to_months", "day": "to_days", "hour": "to_hours", "minute": "to_minutes",
		"second": "to_seconds", "millisecond": "to_milliseconds", "microsecond": "to_microseconds"}
	switch part {
	case "quarter":
		return "CAST(" + x + " + to_months(CAST(3 * (" + n + ") AS INTEGER)) AS TIMESTAMP)", nil
	case "week":
		return "CAST(" + x + " + to_days(CAST(7 * (" + n + ") AS INTEGER)) AS TIMESTAMP)", nil
	case "nanosecond":
		return "(" + x + " + to_microseconds(CAST((" + n + ") // 1000 AS BIGINT)))", nil
	case "year", "month", "day":
		return "CAST(" + x + " + " + f[part] + "(CAST(" + n + " AS INTEGER)) AS TIMESTAMP)", nil
	}
	return "(" + x + " + " + f[part] + "(" + n + "))", nil
}

// strftimeFormat translates a .NET-style KQL datetime format to strftime.
func strftimeFormat(f string) string {
	repl := []struct{ from, to string }{
		{"yyyy", "%Y"}, {"yy", "%y"}, {"MM", "%m"}, {"dd", "%d"}, {"HH", "%H"}, {"hh", "%I"},
		{"mm", "%M"}, {"ss", "%S"}, {"fffffff", "%f0"}, {"ffffff", "%f"}, {"fff", "%g"}, {"tt", "%p"},
		{"M", "%-m"}, {"d", "%-d"}, {"H", "%-H"}, {"h", "%-I"}, {"m", "%-M"}, {"s", "%-S"},
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		matched := false
		for _, r := range repl {
			if strings.HasPrefix(f[i:], r.from) {
				b.WriteString(r.to)
				i += len(r.from)
				matched = true
				break
			}
		}
		if !matched {
			if f[i] == '%' {
				b.WriteString("%%")
			} else {
				b.WriteByte(f[i])
			}
			i++
		}
	}
	return b.String()
}

func (d DuckDB) rangeSeries(a []Arg, t kql.Type) (string, error) {
	from, to, step, col := a[0].SQL, a[1].SQL, a[2].SQL, a[3].SQL
	var n, v string
	switch t {
	case kql.TDateTime:
		n = "CAST(floor((epoch_us(" + to + ") - epoch_us(" + from + ")) / " + step + ") AS BIGINT) + 1"
		v = "(" + from + " + to_microseconds(i * " + step + "))"
	case kql.TReal:
		n = "CAST(floor((" + to + " - " + from + ") / " + step + ") AS BIGINT) + 1"
		v = "(" + from + " + i * " + step + ")"
	default:
		n = "CAST(floor((" + to + " - " + from + ") / " + step + ") AS BIGINT) + 1"
		v = "CAST(" + from + " + i * " + step + " AS BIGINT)"
	}
	limit := strconv.Itoa(kql.MaxSeriesPoints)
	tooMany := sqlString(runtimeErrorPrefix + "range would make more than " + limit + " rows; narrow the bounds or widen the step")
	return "SELECT " + v + " AS " + col + " FROM range(0, CASE WHEN " + n + " > " + limit + " THEN CAST(error(" + tooMany + ") AS BIGINT) ELSE greatest(" + n + ", 0) END) AS r(i)", nil
}

// dynPath reads a path of keys and indexes below a dynamic value: one
// json_extract with a JSON pointer for constant steps.
func (d DuckDB) dynPath(a []Arg) (string, error) {
	base := a[0].SQL
	if a[0].Type == kql.TString {
		base = "CAST(" + base + " AS JSON)"
	}
	var ptr strings.Builder
	constPath := true
	for _, step := range a[1:] {
		if step.Const == nil {
			constPath = false
			break
		}
		switch v := step.Const.V.(type) {
		case string:
			ptr.WriteString("/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(v))
		case int64:
			if v < 0 {
				constPath = false
			} else {
				ptr.WriteString("/" + strconv.FormatInt(v, 10))
			}
		default:
			constPath = false
		}
		if !constPath {
			break
		}
	}
	if constPath {
		return "json_extract(" + base + ", " + sqlString(ptr.String()) + ")", nil
	}
	// Step by step, with $[#-n] for negative indexes.
	s := base
	for _, step := range a[1:] {
		if step.Type == kql.TString {
			s = "json_extract(" + s + ", '/' || replace(replace(" + step.SQL + ", '~', '~0'), '/', '~1'))"
			continue
		}
		s = "json_extract(" + s + ", CASE WHEN " + step.SQL + " < 0 THEN '$[#' || CAST(" + step.SQL + " AS VARCHAR) || ']' ELSE '$[' || CAST(" + step.SQL + " AS VARCHAR) || ']' END)"
	}
	return s, nil
}

// distinct removes repeated elements of a list, keeping the first of each
// in order (list_distinct does not keep order; KQL's set functions do).
func distinct(list string) string {
	return "list_filter(" + list + ", lambda x, i: list_position(" + list + ", x) = i)"
}

func (d DuckDB) setOp(fn string, a []Arg) string {
	first := distinct(d.jsonList(a[0].SQL))
	var others []string
	for _, x := range a[1:] {
		others = append(others, d.jsonList(x.SQL))
	}
	switch fn {
	case "set_union":
		return "to_json(" + distinct("flatten(["+d.jsonList(a[0].SQL)+", "+strings.Join(others, ", ")+"])") + ")"
	case "set_intersect":
		s := first
		for _, o := range others {
			s = "list_filter(" + s + ", lambda x: list_contains(" + o + ", x))"
		}
		return "to_json(" + s + ")"
	}
	return "to_json(list_filter(" + first + ", lambda x: NOT list_contains(flatten([" + strings.Join(others, ", ") + "]), x)))"
}

func (d DuckDB) extractAll(a []Arg) (string, error) {
	re := a[0]
	src := d.text(a[len(a)-1])
	pat, ok := re.ConstString()
	if !ok {
		return "", fmt.Errorf("duckdb: extract_all() needs a constant regular expression")
	}
	groups := countGroups(pat)
	switch {
	case len(a) == 3:
		return "", fmt.Errorf("duckdb: extract_all() with selected capture groups is not supported")
	case groups <= 1:
		return "to_json(regexp_extract_all(" + src + ", " + re.SQL + ", " + strconv.Itoa(groups) + "))", nil
	}
	var parts []string
	for g := 1; g <= groups; g++ {
		parts = append(parts, "regexp_extract(m, "+re.SQL+", "+strconv.Itoa(g)+")")
	}
	return "to_json(list_transform(regexp_extract_all(" + src + ", " + re.SQL + ", 0), lambda m: [" + strings.Join(parts, ", ") + "]))", nil
}

func countGroups(pat string) int {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return 0
	}
	return re.MaxCap()
}

func xmlUnescape(x string) string {
	return "replace(replace(replace(replace(replace(" + x + ", '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&apos;', ''''), '&amp;', '&')"
}

// parseXML converts the Windows EventData XML that SecurityEvent's
// EventData column holds into KQL's parse_xml shape:
// {"EventData": {"@xmlns": ..., "Data": [{"@Name": n, "#text": v}, ...]}},
// inside {"DataItem": ...} for the Event view's agent XML.
// Other XML is not supported (the result is an empty EventData).
func (d DuckDB) parseXML(x string) string {
	ed := d.parseEventDataXML(x)
	return "(CASE WHEN contains(" + x + ", '<DataItem') THEN json_object('DataItem', " + ed + ") ELSE " + ed + " END)"
}

func (d DuckDB) parseEventDataXML(x string) string {
	item := "(CASE WHEN regexp_extract(m, '>([^<]*)<', 1) = '' THEN json_object('@Name', " + xmlUnescape("regexp_extract(m, 'Name=\"([^\"]*)\"', 1)") + ")" +
		" ELSE json_object('@Name', " + xmlUnescape("regexp_extract(m, 'Name=\"([^\"]*)\"', 1)") + ", '#text', " + xmlUnescape("regexp_extract(m, '>([^<]*)<', 1)") + ") END)"
	data := "to_json(list_transform(regexp_extract_all(" + x + `, '<Data Name="[^"]*"\s*(?:/>|>[^<]*</Data>)', 0), lambda m: ` + item + "))"
	return "(CASE WHEN " + x + " IS NULL THEN NULL ELSE json_object('EventData', json_object('@xmlns', regexp_extract(" + x + `, '<EventData xmlns="([^"]*)"', 1), 'Data', ` + data + ")) END)"
}

func (d DuckDB) parsePath(x string) string {
	dir := "regexp_extract(" + x + `, '^(.*)[\\/][^\\/]*$', 1)`
	file := "regexp_extract(" + x + `, '([^\\/]*)$', 1)`
	return "json_object('Scheme', regexp_extract(" + x + ", '^([A-Za-z][A-Za-z0-9+.-]+)://', 1), " +
		"'RootPath', regexp_extract(" + x + `, '^([A-Za-z]:|\\\\[^\\]+\\[^\\]+|/)', 1), ` +
		"'DirectoryPath', " + dir + ", " +
		"'DirectoryName', regexp_extract(" + dir + `, '([^\\/]*)$', 1), ` +
		"'Filename', " + file + ", " +
		"'Extension', regexp_extract(" + file + `, '\.([^.]*)$', 1), ` +
		"'AlternateDataStreamName', regexp_extract(" + file + ", ':([^:]*)$', 1))"
}

func (d DuckDB) parseURL(x string) string {
	re := `'^([A-Za-z][A-Za-z0-9+.-]*)://(?:([^:@/]*)(?::([^@/]*))?@)?([^:/?#]*)(?::([0-9]+))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$'`
	g := func(i int) string { return "regexp_extract(" + x + ", " + re + ", " + strconv.Itoa(i) + ")" }
	q := g(7)
	params := "(CASE WHEN " + q + " = '' THEN CAST('{}' AS JSON) ELSE to_json(map_from_entries(list_transform(string_split(" + q + ", '&'), lambda p: {'k': url_decode(split_part(p, '=', 1)), 'v': url_decode(split_part(p, '=', 2))}))) END)"
	return "(CASE WHEN regexp_matches(" + x + ", " + re + ") THEN json_object('Scheme', " + g(1) + ", 'Host', " + g(4) + ", 'Port', " + g(5) +
		", 'Path', " + g(6) + ", 'Username', " + g(2) + ", 'Password', " + g(3) + ", 'Query Parameters', " + params + ", 'Fragment', " + g(8) + ") ELSE CAST('{}' AS JSON) END)"
}

func (d DuckDB) ipv4Num(x string) string {
	oct := func(i int) string { return "CAST(split_part(" + x + ", '.', " + strconv.Itoa(i) + ") AS BIGINT)" }
	return "(CASE WHEN regexp_matches(" + x + `, '^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}$') THEN ` +
		oct(1) + " * 16777216 + " + oct(2) + " * 65536 + " + oct(3) + " * 256 + " + oct(4) + " END)"
}

func xmlEscape(x string) string {
	return "replace(replace(replace(replace(" + x + ", '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '\"', '&quot;')"
}

// eventDataXML writes a WindowsEvent payload (a JSON object) as the XML
// the Log Analytics agent put in Event's EventData.
func (d DuckDB) eventDataXML(payload string) string {
	data := "array_to_string(list_transform(json_keys(" + payload + "), lambda k: '<Data Name=\"' || " + xmlEscape("k") +
		" || '\">' || " + xmlEscape("coalesce(json_extract_string("+payload+", '$.\"' || k || '\"'), '')") + " || '</Data>'), '')"
	return "(CASE WHEN json_type(" + payload + ") = 'OBJECT' THEN '<DataItem type=\"System.XmlData\"><EventData xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">' || " +
		data + " || '</EventData></DataItem>' ELSE '' END)"
}

// parameterXML writes the payload's values as Event's ParameterXml.
func (d DuckDB) parameterXML(payload string) string {
	return "(CASE WHEN json_type(" + payload + ") = 'OBJECT' THEN array_to_string(list_transform(json_keys(" + payload + "), lambda k: '<Param>' || " +
		xmlEscape("coalesce(json_extract_string("+payload+", '$.\"' || k || '\"'), '')") + " || '</Param>'), '') ELSE '' END)"
}
