package sql

import (
	"fmt"
	"strconv"
	"strings"

	"wsec/internal/kql"
)

// dt is a datetime (µs) as a ClickHouse DateTime in UTC, for calendar
// functions (whole seconds).
func dt(x string) string { return "toDateTime(intDiv(" + x + ", 1000000), 'UTC')" }

// usOf is a ClickHouse DateTime or Date as µs.
func usOf(x string) string { return "(toInt64(toUnixTimestamp(" + x + ")) * 1000000)" }

// Func implements Dialect.
func (d ClickHouse) Func(fn string, a []Arg, ret kql.Type) (string, error) {
	arg := func(i int) string { return a[i].SQL }
	args := func() string {
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = arg(i)
		}
		return strings.Join(parts, ", ")
	}
	lowerConst := func(i int) string {
		if s, ok := a[i].ConstString(); ok {
			return chString(strings.ToLower(s))
		}
		return "lowerUTF8(" + d.text(a[i]) + ")"
	}
	switch fn {
	case "+", "-", "*", "/", "%":
		return d.arith(fn, a[0], a[1], ret), nil
	case "distinct_from":
		return "(isNull(" + arg(0) + ") != isNull(" + arg(1) + ") OR ifNull(" + arg(0) + " != " + arg(1) + ", 0))", nil
	case "neg":
		return "(-(" + arg(0) + "))", nil

	case "=~":
		return "(lowerUTF8(" + arg(0) + ") = " + lowerConst(1) + ")", nil
	case "contains":
		return "(positionCaseInsensitiveUTF8(" + arg(0) + ", " + d.text(a[1]) + ") > 0)", nil
	case "startswith":
		return "startsWith(lowerUTF8(" + arg(0) + "), " + lowerConst(1) + ")", nil
	case "endswith":
		return "endsWith(lowerUTF8(" + arg(0) + "), " + lowerConst(1) + ")", nil
	case "contains_cs":
		return "(position(" + arg(0) + ", " + arg(1) + ") > 0)", nil
	case "startswith_cs":
		return "startsWith(" + arg(0) + ", " + arg(1) + ")", nil
	case "endswith_cs":
		return "endsWith(" + arg(0) + ", " + arg(1) + ")", nil
	case "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs":
		s, ok := a[1].ConstString()
		if !ok {
			return "", fmt.Errorf("clickhouse: %s() needs a constant term on this store", fn)
		}
		cs := strings.HasSuffix(fn, "_cs")
		base := strings.TrimSuffix(fn, "_cs")
		re := termRegex(s, base != "hassuffix", base != "hasprefix")
		pre := "positionCaseInsensitiveUTF8(" + arg(0) + ", " + chString(s) + ") > 0"
		if cs {
			pre = "position(" + arg(0) + ", " + chString(s) + ") > 0"
		} else {
			re = "(?i)" + re
		}
		return "(" + pre + " AND match(" + arg(0) + ", " + chString(re) + "))", nil
	case "has_any", "has_any_cs", "has_all", "has_all_cs":
		var parts []string
		for _, t := range a[1:] {
			p, err := d.Func(strings.Replace(strings.Replace(fn, "_any", "", 1), "_all", "", 1), []Arg{a[0], t}, kql.TBool)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		if len(parts) == 0 {
			return "0", nil
		}
		op := " OR "
		if strings.HasPrefix(fn, "has_all") {
			op = " AND "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case "matches_regex":
		return "match(" + arg(0) + ", " + arg(1) + ")", nil
	case "like":
		return "(" + arg(0) + " LIKE " + arg(1) + ")", nil

	case "tostring":
		return d.toString(a[0]), nil
	case "toint", "tolong":
		return d.toLong(a[0]), nil
	case "todouble":
		return d.toDouble(a[0]), nil
	case "tobool":
		return d.toBool(a[0]), nil
	case "todatetime":
		switch a[0].Type {
		case kql.TDateTime:
			return arg(0), nil
		case kql.TInt, kql.TLong:
			return "(intDiv(" + arg(0) + ", 10) - " + kqlEpochOffsetUS + ")", nil
		}
		return usOf("parseDateTimeBestEffortOrNull(" + d.text(a[0]) + ")"), nil
	case "totimespan":
		switch a[0].Type {
		case kql.TTimeSpan:
			return arg(0), nil
		case kql.TInt, kql.TLong, kql.TReal:
			return "toInt64(" + arg(0) + " / 10)", nil
		}
		return "", fmt.Errorf("clickhouse: totimespan() of a %s is not supported on this store", a[0].Type)
	case "totimespan_us":
		return "toInt64(" + arg(0) + ")", nil
	case "toguid":
		return "lowerUTF8(" + d.text(a[0]) + ")", nil
	case "todynamic", "parse_json":
		return d.text(a[0]), nil
	case "gettype":
		if a[0].Type.IsDynamic() {
			return "", fmt.Errorf("clickhouse: gettype() of a dynamic value is not supported on this store")
		}
		return chString(a[0].Type.String()), nil

	case "tolower":
		return "lowerUTF8(" + d.text(a[0]) + ")", nil
	case "toupper":
		return "upperUTF8(" + d.text(a[0]) + ")", nil
	case "strlen":
		return "toInt64(lengthUTF8(ifNull(" + d.text(a[0]) + ", '')))", nil
	case "substring":
		s := "ifNull(" + d.text(a[0]) + ", '')"
		start := "toUInt64(greatest(" + arg(1) + ", 0) + 1)"
		if len(a) == 3 {
			return "substringUTF8(" + s + ", " + start + ", toUInt64(greatest(" + arg(2) + ", 0)))", nil
		}
		return "substringUTF8(" + s + ", " + start + ", toUInt64(1000000000))", nil
	case "strcat":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = "ifNull(" + d.text(a[i]) + ", '')"
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		return "concat(" + strings.Join(parts, ", ") + ")", nil
	case "strcat_delim":
		parts := make([]string, 0, len(a)-1)
		for i := 1; i < len(a); i++ {
			parts = append(parts, "ifNull("+d.text(a[i])+", '')")
		}
		return "arrayStringConcat([" + strings.Join(parts, ", ") + "], " + d.text(a[0]) + ")", nil
	case "split":
		l := "splitByString(" + d.text(a[1]) + ", ifNull(" + d.text(a[0]) + ", ''))"
		if len(a) == 3 {
			return "", fmt.Errorf("clickhouse: split() with an index is not supported on this store")
		}
		return d.jsonArray(l), nil
	case "replace_regex":
		return "replaceRegexpAll(" + d.text(a[0]) + ", " + arg(1) + ", replaceRegexpAll(" + arg(2) + ", '\\\\$([0-9])', '\\\\\\\\\\\\1'))", nil
	case "replace_string":
		return "replaceAll(" + d.text(a[0]) + ", " + arg(1) + ", " + arg(2) + ")", nil
	case "extract":
		g, ok := a[1].Const.V.(int64)
		if a[1].Const == nil || !ok || g > 1 {
			return "", fmt.Errorf("clickhouse: extract() supports capture group 0 or 1 on this store")
		}
		re := arg(0)
		if g == 0 {
			re = "concat('(', " + re + ", ')')"
		}
		s := "extract(" + d.text(a[2]) + ", " + re + ")"
		if len(a) == 4 {
			t, _ := kql.ParseType(a[3].Const.V.(string))
			if t != kql.TString {
				return d.Func(kql.ConvFunc(t), []Arg{{SQL: "nullIf(" + s + ", '')", Type: kql.TString, Nullable: true}}, t)
			}
		}
		return s, nil
	case "indexof":
		if len(a) > 2 {
			return "", fmt.Errorf("clickhouse: indexof() with a start, length or occurrence is not supported on this store")
		}
		return "(toInt64(positionUTF8(" + d.text(a[0]) + ", " + d.text(a[1]) + ")) - 1)", nil
	case "reverse":
		return "reverseUTF8(" + d.text(a[0]) + ")", nil
	case "countof":
		if len(a) == 3 {
			return "", fmt.Errorf("clickhouse: countof() with a kind is not supported on this store")
		}
		return "toInt64(length(splitByString(" + arg(1) + ", " + arg(0) + ")) - 1)", nil
	case "base64_decode_tostring":
		return "base64Decode(" + arg(0) + ")", nil
	case "base64_encode_tostring":
		return "base64Encode(" + arg(0) + ")", nil
	case "hash_md5":
		return "lower(hex(MD5(" + d.text(a[0]) + ")))", nil
	case "hash_sha1":
		return "lower(hex(SHA1(" + d.text(a[0]) + ")))", nil
	case "hash_sha256":
		return "lower(hex(SHA256(" + d.text(a[0]) + ")))", nil

	case "round":
		if len(a) == 2 {
			return "round(" + arg(0) + ", " + arg(1) + ")", nil
		}
		return "round(" + arg(0) + ")", nil
	case "abs", "sqrt", "exp", "log10", "log2":
		return fn + "(" + arg(0) + ")", nil
	case "isnan":
		return "isNaN(" + arg(0) + ")", nil
	case "isinf":
		return "isInfinite(" + arg(0) + ")", nil
	case "isfinite":
		return "isFinite(" + arg(0) + ")", nil
	case "log":
		return "log(" + arg(0) + ")", nil
	case "pow":
		return "pow(" + arg(0) + ", " + arg(1) + ")", nil
	case "max_of":
		return d.fold("greatest", a), nil
	case "min_of":
		return d.fold("least", a), nil
	case "binary_and":
		return "bitAnd(" + args() + ")", nil
	case "binary_or":
		return "bitOr(" + args() + ")", nil
	case "binary_xor":
		return "bitXor(" + args() + ")", nil
	case "binary_not":
		return "bitNot(" + arg(0) + ")", nil
	case "binary_shift_left":
		return "bitShiftLeft(" + args() + ")", nil
	case "binary_shift_right":
		return "bitShiftRight(" + args() + ")", nil
	case "new_guid":
		return "toString(generateUUIDv4())", nil

	case "bin", "floor":
		switch a[0].Type {
		case kql.TDateTime:
			return "(intDiv(" + arg(0) + " + " + kqlEpochOffsetUS + ", " + arg(1) + ") * " + arg(1) + " - " + kqlEpochOffsetUS + ")", nil
		case kql.TTimeSpan, kql.TInt, kql.TLong:
			if ret == kql.TReal {
				return "(floor(" + arg(0) + " / " + arg(1) + ") * " + arg(1) + ")", nil
			}
			return "toInt64(floor(" + arg(0) + " / " + arg(1) + ") * " + arg(1) + ")", nil
		}
		return "(floor(" + d.toDouble(a[0]) + " / " + arg(1) + ") * " + arg(1) + ")", nil
	case "startofday", "endofday":
		if len(a) > 1 {
			return "", fmt.Errorf("clickhouse: %s() with an offset is not supported on this store", fn)
		}
		s := "(intDiv(" + arg(0) + " + " + kqlEpochOffsetUS + ", 86400000000) * 86400000000 - " + kqlEpochOffsetUS + ")"
		if fn == "endofday" {
			return "(" + s + " + 86399999999)", nil
		}
		return s, nil
	case "startofmonth":
		return usOf("toDateTime(toStartOfMonth(" + dt(arg(0)) + "), 'UTC')"), nil
	case "startofyear":
		return usOf("toDateTime(toStartOfYear(" + dt(arg(0)) + "), 'UTC')"), nil
	case "datetime_diff":
		part, _ := a[0].ConstString()
		unit := map[string]string{"day": "86400000000", "hour": "3600000000", "minute": "60000000", "second": "1000000", "millisecond": "1000", "microsecond": "1"}[part]
		if unit == "" {
			return "", fmt.Errorf("clickhouse: datetime_diff('%s') is not supported on this store", part)
		}
		// Boundaries crossed, as KQL counts: the difference of the floors.
		return "(intDiv(" + arg(1) + " + " + kqlEpochOffsetUS + ", " + unit + ") - intDiv(" + arg(2) + " + " + kqlEpochOffsetUS + ", " + unit + "))", nil
	case "datetime_add":
		part, _ := a[0].ConstString()
		unit := map[string]string{"week": "604800000000", "day": "86400000000", "hour": "3600000000", "minute": "60000000", "second": "1000000", "millisecond": "1000", "microsecond": "1"}[part]
		if unit == "" {
			return "", fmt.Errorf("clickhouse: datetime_add('%s') is not supported on this store", part)
		}
		return "(" + arg(2) + " + " + arg(1) + " * " + unit + ")", nil
	case "datetime_part":
		part, _ := a[0].ConstString()
		f := map[string]string{"year": "toYear", "month": "toMonth", "day": "toDayOfMonth", "hour": "toHour", "minute": "toMinute", "second": "toSecond"}[part]
		if f == "" {
			return "", fmt.Errorf("clickhouse: datetime_part('%s') is not supported on this store", part)
		}
		return "toInt64(" + f + "(" + dt(arg(1)) + "))", nil
	case "dayofweek":
		return "(toInt64(toDayOfWeek(" + dt(arg(0)) + ") % 7) * 86400000000)", nil
	case "dayofmonth":
		return "toInt64(toDayOfMonth(" + dt(arg(0)) + "))", nil
	case "hourofday":
		return "toInt64(toHour(" + dt(arg(0)) + "))", nil
	case "getmonth", "monthofyear":
		return "toInt64(toMonth(" + dt(arg(0)) + "))", nil
	case "getyear":
		return "toInt64(toYear(" + dt(arg(0)) + "))", nil
	case "unixtime_seconds_todatetime":
		return "toInt64(" + arg(0) + " * 1000000)", nil
	case "unixtime_milliseconds_todatetime":
		return "toInt64(" + arg(0) + " * 1000)", nil
	case "unixtime_microseconds_todatetime":
		return "toInt64(" + arg(0) + ")", nil
	case "range_series":
		// range_series(from, to, step, name): one row per value.
		if a[0].Type == kql.TReal || a[2].Type == kql.TReal {
			return "", fmt.Errorf("clickhouse: range of reals is not supported on this store")
		}
		n := "toUInt64(greatest(intDiv(" + arg(1) + " - " + arg(0) + ", " + arg(2) + ") + 1, 0))"
		return "SELECT toInt64(" + arg(0) + " + toInt64(arrayJoin(range(" + n + "))) * " + arg(2) + ") AS " + arg(3), nil

	case "dyn_path", "dyn_get", "dyn_index":
		return d.dynPath(a)
	case "pack_array":
		parts := make([]string, len(a))
		for i := range a {
			parts[i] = d.jsonValue(a[i])
		}
		return "concat('[', arrayStringConcat([" + strings.Join(parts, ", ") + "], ','), ']')", nil
	case "pack":
		if len(a)%2 != 0 {
			return "", fmt.Errorf("clickhouse: pack() needs key/value pairs")
		}
		parts := make([]string, 0, len(a)/2)
		for i := 0; i < len(a); i += 2 {
			parts = append(parts, "concat("+d.jsonString(d.text(a[i]))+", ':', "+d.jsonValue(a[i+1])+")")
		}
		return "concat('{', arrayStringConcat([" + strings.Join(parts, ", ") + "], ','), '}')", nil
	case "ipv4_is_private":
		ip := d.text(a[0])
		return "(CASE WHEN toIPv4OrNull(" + ip + ") IS NULL THEN NULL ELSE match(" + ip + `, '^(10\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|192\\.168\\.)') END)`, nil
	case "parse_ipv4":
		return "toInt64(IPv4StringToNum(" + d.text(a[0]) + "))", nil
	}
	return "", fmt.Errorf("clickhouse: %s() is not supported by this store yet", fn)
}

// fold writes f over many arguments as nested pairs (18.16's greatest and
// least take two).
func (ClickHouse) fold(f string, a []Arg) string {
	s := a[0].SQL
	for _, x := range a[1:] {
		s = f + "(" + s + ", " + x.SQL + ")"
	}
	return s
}

func (d ClickHouse) text(a Arg) string {
	if a.Type == kql.TString {
		return a.SQL
	}
	return d.toString(a)
}

func (ClickHouse) arith(op string, l, r Arg, ret kql.Type) string {
	lt, rt := l.Type, r.Type
	switch {
	case lt == kql.TTimeSpan && rt == kql.TTimeSpan && op == "/":
		return "(" + l.SQL + " / " + r.SQL + ")"
	case (lt == kql.TTimeSpan) != (rt == kql.TTimeSpan) && lt != kql.TDateTime && rt != kql.TDateTime:
		return "toInt64(round(" + l.SQL + " " + op + " " + r.SQL + "))"
	}
	if op == "/" && (ret == kql.TLong || ret == kql.TInt) {
		return "intDiv(" + l.SQL + ", " + r.SQL + ")"
	}
	if op == "%" {
		return "modulo(" + l.SQL + ", " + r.SQL + ")"
	}
	return "(" + l.SQL + " " + op + " " + r.SQL + ")"
}

func (d ClickHouse) toString(a Arg) string {
	x := a.SQL
	switch a.Type {
	case kql.TString, kql.TGuid:
		return x
	case kql.TDynamic, kql.TUnknown:
		// A JSON string's text without its quotes; other JSON as written.
		return "if(match(" + x + `, '^".*"$'), visitParamExtractString(concat('{"v":', ` + x + `, '}'), 'v'), ` + x + ")"
	case kql.TBool:
		return "if(" + x + ", 'true', 'false')"
	case kql.TDateTime:
		s := "replaceOne(toString(" + dt(x) + "), ' ', 'T')"
		frac := "modulo(" + x + ", 1000000)"
		return "if(isNull(" + x + "), NULL, concat(" + s + ", if(" + frac + " = 0, 'Z', concat('.', substring(toString(" + frac + " + 1000000), 2, 6), '0Z'))))"
	case kql.TTimeSpan:
		ax := "abs(" + x + ")"
		two := func(e string) string { return "substring(toString(100 + " + e + "), 2, 2)" }
		return "if(isNull(" + x + "), NULL, concat(if(" + x + " < 0, '-', ''), if(" + ax + " >= 86400000000, concat(toString(intDiv(" + ax + ", 86400000000)), '.'), ''), " +
			two("modulo(intDiv("+ax+", 3600000000), 24)") + ", ':', " + two("modulo(intDiv("+ax+", 60000000), 60)") + ", ':', " + two("modulo(intDiv("+ax+", 1000000), 60)") +
			", if(modulo(" + ax + ", 1000000) = 0, '', concat('.', substring(toString(modulo(" + ax + ", 1000000) + 1000000), 2, 6), '0'))))"
	}
	return "toString(" + x + ")"
}

func (d ClickHouse) toLong(a Arg) string {
	switch a.Type {
	case kql.TInt, kql.TLong, kql.TBool:
		return "toInt64(" + a.SQL + ")"
	case kql.TReal:
		return "toInt64(trunc(" + a.SQL + "))"
	case kql.TDateTime:
		return "((" + a.SQL + " + " + kqlEpochOffsetUS + ") * 10)"
	case kql.TTimeSpan:
		return "(" + a.SQL + " * 10)"
	}
	return "toInt64OrNull(" + d.text(a) + ")"
}

func (d ClickHouse) toDouble(a Arg) string {
	switch a.Type {
	case kql.TInt, kql.TLong, kql.TReal, kql.TBool:
		return "toFloat64(" + a.SQL + ")"
	case kql.TTimeSpan:
		return "toFloat64(" + a.SQL + " * 10)"
	}
	return "toFloat64OrNull(" + d.text(a) + ")"
}

func (d ClickHouse) toBool(a Arg) string {
	switch a.Type {
	case kql.TBool:
		return a.SQL
	case kql.TInt, kql.TLong, kql.TReal:
		return "(" + a.SQL + " != 0)"
	}
	s := "lowerUTF8(" + d.text(a) + ")"
	return "multiIf(" + s + " = 'true', 1, " + s + " = 'false', 0, toInt64OrNull(" + d.text(a) + ") != 0)"
}

// jsonString quotes a string expression as JSON text.
func (ClickHouse) jsonString(s string) string {
	return "concat('\"', replaceAll(replaceAll(" + s + `, '\\', '\\\\'), '"', '\\"'), '"')`
}

// jsonValue is a value as JSON text.
func (d ClickHouse) jsonValue(a Arg) string {
	switch a.Type {
	case kql.TDynamic, kql.TUnknown:
		return "ifNull(" + a.SQL + ", 'null')"
	case kql.TInt, kql.TLong, kql.TReal:
		return "ifNull(toString(" + a.SQL + "), 'null')"
	case kql.TBool:
		return "ifNull(if(" + a.SQL + ", 'true', 'false'), 'null')"
	}
	return "ifNull(" + d.jsonString(d.toString(a)) + ", 'null')"
}

// jsonScalars matches the elements of a JSON array of scalars: strings
// (with escapes) and bare tokens.
const jsonScalars = `"(?:[^"\\\\]|\\\\.)*"|[^,\\[\\]\\s]+`

// dynPath reads one step into JSON text: an object key
// (visitParamExtractRaw) or a constant index into an array of scalars.
// Deeper paths, computed steps and arrays of objects need a JSON parser
// 18.16 lacks.
func (d ClickHouse) dynPath(a []Arg) (string, error) {
	if len(a) != 2 || a[1].Const == nil {
		return "", fmt.Errorf("clickhouse: nested or computed dynamic access is not supported by this store")
	}
	switch k := a[1].Const.V.(type) {
	case string:
		return "nullIf(visitParamExtractRaw(" + a[0].SQL + ", " + chString(k) + "), '')", nil
	case int64:
		i := k + 1
		if k < 0 {
			i = k
		}
		return "nullIf(arrayElement(extractAll(" + a[0].SQL + ", '" + jsonScalars + "'), " + strconv.FormatInt(i, 10) + "), '')", nil
	}
	return "", fmt.Errorf("clickhouse: dynamic access by a %T is not supported by this store", a[1].Const.V)
}

// Agg implements Dialect with ClickHouse's -If combinator for filters.
func (d ClickHouse) Agg(fn string, a []Arg, ret kql.Type, filter string) (string, error) {
	if filter != "" {
		// NULL is false for a filter; -If aggregates over a nullable
		// condition would answer NULL for a group where none holds.
		filter = "ifNull(" + filter + ", 0)"
	}
	call := func(f string, xs ...string) string {
		if filter != "" {
			return f + "If(" + strings.Join(append(xs, filter), ", ") + ")"
		}
		return f + "(" + strings.Join(xs, ", ") + ")"
	}
	arg := func(i int) string { return a[i].SQL }
	switch fn {
	case "count":
		if filter != "" {
			return "toInt64(countIf(" + filter + "))", nil
		}
		return "toInt64(count())", nil
	case "dcount":
		return "toInt64(" + call("uniqExact", arg(0)) + ")", nil
	case "sum":
		s := call("sum", arg(0))
		if ret == kql.TLong || ret == kql.TInt || ret == kql.TTimeSpan {
			return "toInt64(" + s + ")", nil
		}
		return "toFloat64(" + s + ")", nil
	case "avg":
		s := call("avg", arg(0))
		if ret == kql.TTimeSpan {
			return "toInt64(" + s + ")", nil
		}
		return s, nil
	case "min", "max":
		return call(fn, arg(0)), nil
	case "take_any":
		return call("any", arg(0)), nil
	case "stdev":
		return call("stddevSamp", d.toDouble(a[0])), nil
	case "stdevp":
		return call("stddevPop", d.toDouble(a[0])), nil
	case "variance":
		return call("varSamp", d.toDouble(a[0])), nil
	case "variancep":
		return call("varPop", d.toDouble(a[0])), nil
	case "percentile":
		p, ok := constFloat(a[1])
		if !ok {
			return "", fmt.Errorf("clickhouse: percentile needs a constant")
		}
		return fmt.Sprintf("quantileExact(%v)(%s)", p/100, arg(0)), nil
	case "make_set", "make_list":
		f := "groupArray"
		if fn == "make_set" {
			f = "groupUniqArray"
		}
		if len(a) > 1 {
			f += "(" + arg(1) + ")"
		}
		if filter != "" {
			return d.jsonArray(f + "If(" + arg(0) + ", (" + filter + ") AND isNotNull(" + arg(0) + "))"), nil
		}
		return d.jsonArray(f + "(" + arg(0) + ")"), nil
	case "arg_max", "arg_min":
		f := map[string]string{"arg_max": "argMax", "arg_min": "argMin"}[fn]
		return call(f, arg(0), arg(1)), nil
	}
	return "", fmt.Errorf("clickhouse: aggregate %s() is not supported by this store yet", fn)
}
