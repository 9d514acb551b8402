package kql

import (
	"fmt"
	"regexp/syntax"
	"sort"
	"strings"

	"wsec/internal/suggest"
)

// Builtin functions: argument counts and result types. The sql package
// translates each canonical name; a function listed here without a
// translation there is reported at compile time.

// fnSpec describes a scalar builtin. ret checks the arguments and returns
// the result type, or an error message.
type fnSpec struct {
	min, max int // max < 0: variadic
	ret      func(args []Scalar) (Type, string)
}

func fixed(t Type) func([]Scalar) (Type, string) {
	return func([]Scalar) (Type, string) { return t, "" }
}

// sameAs returns the type of argument i.
func sameAs(i int) func([]Scalar) (Type, string) {
	return func(a []Scalar) (Type, string) {
		t := a[i].Type()
		if t == TUnknown {
			t = TDynamic
		}
		return t, ""
	}
}

// needArg wraps ret with a check that argument i has one of the types.
func needArg(i int, what string, ok func(Type) bool, ret func([]Scalar) (Type, string)) func([]Scalar) (Type, string) {
	return func(a []Scalar) (Type, string) {
		if i < len(a) && !ok(a[i].Type()) && !a[i].Type().IsDynamic() && !isNullConst(a[i]) {
			return TUnknown, fmt.Sprintf("argument %d must be %s, got %s", i+1, what, a[i].Type())
		}
		return ret(a)
	}
}

func isTime(t Type) bool     { return t == TDateTime }
func isSpan(t Type) bool     { return t == TTimeSpan }
func isNumber(t Type) bool   { return t.IsNumeric() }
func isText(t Type) bool     { return t == TString || t == TGuid }
func isBoolType(t Type) bool { return t == TBool }

// commonOf returns the common type of the arguments from index i on, every
// step-th (iff: 1,2; case: values).
func commonOf(idx []int) func([]Scalar) (Type, string) {
	return func(a []Scalar) (Type, string) {
		var t Type
		first := true
		for _, i := range idx {
			if i >= len(a) {
				continue
			}
			at := a[i].Type()
			if isNullConst(a[i]) {
				continue
			}
			if first {
				t, first = at, false
				continue
			}
			p := promote(t, at)
			if p == TUnknown && !(t.IsDynamic() && at.IsDynamic()) {
				return TUnknown, fmt.Sprintf("branches have different types (%s and %s)", t, at)
			}
			t = p
		}
		if first {
			for _, i := range idx {
				if i < len(a) {
					return a[i].Type(), ""
				}
			}
		}
		if t == TUnknown {
			t = TDynamic
		}
		return t, ""
	}
}

func iffRet(a []Scalar) (Type, string) {
	if t := a[0].Type(); t != TBool && !t.IsDynamic() {
		return TUnknown, "the condition must be bool, got " + t.String()
	}
	return commonOf([]int{1, 2})(a)
}

func caseRet(a []Scalar) (Type, string) {
	if len(a)%2 == 0 {
		return TUnknown, "case() needs condition/value pairs and a final else value"
	}
	var vals []int
	for i := 0; i < len(a)-1; i += 2 {
		if t := a[i].Type(); t != TBool && !t.IsDynamic() {
			return TUnknown, fmt.Sprintf("argument %d must be a bool condition, got %s", i+1, t)
		}
		vals = append(vals, i+1)
	}
	vals = append(vals, len(a)-1)
	return commonOf(vals)(a)
}

func coalesceRet(a []Scalar) (Type, string) {
	idx := make([]int, len(a))
	for i := range a {
		idx[i] = i
	}
	return commonOf(idx)(a)
}

func binRet(a []Scalar) (Type, string) {
	v, s := a[0].Type(), a[1].Type()
	switch {
	case v == TDateTime && (s == TTimeSpan || s.IsDynamic()):
		return TDateTime, ""
	case v == TTimeSpan && (s == TTimeSpan || s.IsDynamic()):
		return TTimeSpan, ""
	case v.IsNumeric() && (s.IsNumeric() || s.IsDynamic()):
		if v == TInt {
			v = TLong
		}
		return promote(v, s), ""
	case v.IsDynamic():
		return TReal, ""
	}
	return TUnknown, fmt.Sprintf("cannot bin a %s by a %s", v, s)
}

func roundRet(a []Scalar) (Type, string) {
	t := a[0].Type()
	if !t.IsNumeric() && !t.IsDynamic() {
		return TUnknown, "round() needs a number, got " + t.String()
	}
	if t == TInt {
		return TLong, ""
	}
	if t.IsDynamic() {
		return TReal, ""
	}
	return t, ""
}

func numRet(a []Scalar) (Type, string) {
	t := a[0].Type()
	if !t.IsNumeric() && !t.IsDynamic() && t != TTimeSpan {
		return TUnknown, "needs a number, got " + t.String()
	}
	if t.IsDynamic() {
		return TReal, ""
	}
	return t, ""
}

var scalarFuncs = map[string]fnSpec{
	// time
	"ago":          {1, 1, needArg(0, "a timespan", isSpan, fixed(TDateTime))},
	"now":          {0, 1, fixed(TDateTime)},
	"bin":          {2, 2, binRet},
	"floor":        {2, 2, binRet},
	"bin_at":       {3, 3, binRet},
	"startofday":   {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"startofweek":  {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"startofmonth": {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"startofyear":  {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"endofday":     {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"endofweek":    {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"endofmonth":   {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"endofyear":    {1, 2, needArg(0, "a datetime", isTime, fixed(TDateTime))},
	"datetime_diff": {3, 3, needArg(0, "a part name", isText,
		needArg(1, "a datetime", isTime, needArg(2, "a datetime", isTime, fixed(TLong))))},
	"datetime_add":                     {3, 3, needArg(0, "a part name", isText, needArg(1, "a number", isNumber, needArg(2, "a datetime", isTime, fixed(TDateTime))))},
	"datetime_part":                    {2, 2, needArg(0, "a part name", isText, needArg(1, "a datetime", isTime, fixed(TInt)))},
	"dayofweek":                        {1, 1, needArg(0, "a datetime", isTime, fixed(TTimeSpan))},
	"dayofmonth":                       {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"dayofyear":                        {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"hourofday":                        {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"getmonth":                         {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"monthofyear":                      {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"getyear":                          {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"weekofyear":                       {1, 1, needArg(0, "a datetime", isTime, fixed(TInt))},
	"format_datetime":                  {2, 2, needArg(0, "a datetime", isTime, needArg(1, "a format string", isText, fixed(TString)))},
	"unixtime_seconds_todatetime":      {1, 1, needArg(0, "a number", isNumber, fixed(TDateTime))},
	"unixtime_milliseconds_todatetime": {1, 1, needArg(0, "a number", isNumber, fixed(TDateTime))},
	"unixtime_microseconds_todatetime": {1, 1, needArg(0, "a number", isNumber, fixed(TDateTime))},
	// conversions
	"tostring":   {1, 1, fixed(TString)},
	"toint":      {1, 1, fixed(TInt)},
	"tolong":     {1, 1, fixed(TLong)},
	"todouble":   {1, 1, fixed(TReal)},
	"tobool":     {1, 1, fixed(TBool)},
	"todatetime": {1, 1, fixed(TDateTime)},
	"totimespan": {1, 1, fixed(TTimeSpan)},
	"toguid":     {1, 1, fixed(TGuid)},
	"parse_json": {1, 1, fixed(TDynamic)},
	"parse_xml":  {1, 1, fixed(TDynamic)},
	"parse_path": {1, 1, fixed(TDynamic)},
	"parse_url":  {1, 1, fixed(TDynamic)},
	"gettype":    {1, 1, fixed(TString)},
	"tohex":      {1, 2, needArg(0, "a number", isNumber, fixed(TString))},
	// strings
	"tolower":                {1, 1, fixed(TString)},
	"toupper":                {1, 1, fixed(TString)},
	"strlen":                 {1, 1, fixed(TLong)},
	"substring":              {2, 3, needArg(1, "a number", isNumber, needArg(2, "a number", isNumber, fixed(TString)))},
	"strcat":                 {1, 64, fixed(TString)},
	"strcat_delim":           {3, 64, fixed(TString)},
	"strcat_array":           {2, 2, fixed(TString)},
	"split":                  {2, 3, fixed(TDynamic)},
	"trim":                   {2, 2, fixed(TString)},
	"trim_start":             {2, 2, fixed(TString)},
	"trim_end":               {2, 2, fixed(TString)},
	"replace_regex":          {3, 3, fixed(TString)},
	"replace_string":         {3, 3, fixed(TString)},
	"extract":                {3, 4, fixed(TString)},
	"extract_all":            {2, 3, fixed(TDynamic)},
	"indexof":                {2, 5, fixed(TLong)},
	"reverse":                {1, 1, fixed(TString)},
	"countof":                {2, 3, fixed(TLong)},
	"url_decode":             {1, 1, fixed(TString)},
	"url_encode":             {1, 1, fixed(TString)},
	"base64_decode_tostring": {1, 1, fixed(TString)},
	"base64_encode_tostring": {1, 1, fixed(TString)},
	"hash":                   {1, 2, fixed(TLong)},
	"hash_sha256":            {1, 1, fixed(TString)},
	"hash_md5":               {1, 1, fixed(TString)},
	"hash_sha1":              {1, 1, fixed(TString)},
	"isascii":                {1, 1, fixed(TBool)},
	// logic
	"iff":        {3, 3, iffRet},
	"case":       {3, 255, caseRet},
	"coalesce":   {1, 64, coalesceRet},
	"isempty":    {1, 1, fixed(TBool)},
	"isnotempty": {1, 1, fixed(TBool)},
	"isnull":     {1, 1, fixed(TBool)},
	"isnotnull":  {1, 1, fixed(TBool)},
	"not":        {1, 1, needArg(0, "a bool", isBoolType, fixed(TBool))},
	"max_of":     {2, 64, coalesceRet},
	"min_of":     {2, 64, coalesceRet},
	// numbers
	"round":              {1, 2, roundRet},
	"abs":                {1, 1, numRet},
	"sign":               {1, 1, numRet},
	"sqrt":               {1, 1, needArg(0, "a number", isNumber, fixed(TReal))},
	"log":                {1, 1, needArg(0, "a number", isNumber, fixed(TReal))},
	"log10":              {1, 1, needArg(0, "a number", isNumber, fixed(TReal))},
	"log2":               {1, 1, needArg(0, "a number", isNumber, fixed(TReal))},
	"exp":                {1, 1, needArg(0, "a number", isNumber, fixed(TReal))},
	"pow":                {2, 2, needArg(0, "a number", isNumber, needArg(1, "a number", isNumber, fixed(TReal)))},
	"isnan":              {1, 1, fixed(TBool)},
	"isinf":              {1, 1, fixed(TBool)},
	"isfinite":           {1, 1, fixed(TBool)},
	"rand":               {0, 1, fixed(TReal)},
	"binary_and":         {2, 2, fixed(TLong)},
	"binary_or":          {2, 2, fixed(TLong)},
	"binary_xor":         {2, 2, fixed(TLong)},
	"binary_not":         {1, 1, fixed(TLong)},
	"binary_shift_left":  {2, 2, fixed(TLong)},
	"binary_shift_right": {2, 2, fixed(TLong)},
	"new_guid":           {0, 0, fixed(TGuid)},
	// dynamic
	"array_length":    {1, 1, fixed(TLong)},
	"array_slice":     {3, 3, fixed(TDynamic)},
	"array_index_of":  {2, 2, fixed(TLong)},
	"array_concat":    {1, 64, fixed(TDynamic)},
	"array_sort_asc":  {1, 1, fixed(TDynamic)},
	"array_sort_desc": {1, 1, fixed(TDynamic)},
	"array_reverse":   {1, 1, fixed(TDynamic)},
	"array_sum":       {1, 1, fixed(TReal)},
	"set_difference":  {2, 64, fixed(TDynamic)},
	"set_union":       {2, 64, fixed(TDynamic)},
	"set_intersect":   {2, 64, fixed(TDynamic)},
	"set_has_element": {2, 2, fixed(TBool)},
	"pack":            {0, 128, fixed(TDynamic)},
	"pack_array":      {0, 128, fixed(TDynamic)},
	"bag_keys":        {1, 1, fixed(TDynamic)},
	"bag_has_key":     {2, 2, fixed(TBool)},
	"bag_merge":       {2, 64, fixed(TDynamic)},
	// series (dynamic arrays of numbers, as make-series writes them)
	"series_fit_line":            {1, 1, fixed(TDynamic)},
	"series_fit_line_dynamic":    {1, 1, fixed(TDynamic)},
	"series_stats":               {1, 2, fixed(TDynamic)},
	"series_stats_dynamic":       {1, 2, fixed(TDynamic)},
	"series_decompose":           {1, 5, fixed(TDynamic)},
	"series_decompose_anomalies": {1, 7, fixed(TDynamic)},
	"series_outliers":            {1, 5, fixed(TDynamic)},
	"series_fill_const":          {2, 3, fixed(TDynamic)},
	"series_fill_forward":        {1, 2, fixed(TDynamic)},
	"series_fill_backward":       {1, 2, fixed(TDynamic)},
	"series_add":                 {2, 2, fixed(TDynamic)},
	"series_subtract":            {2, 2, fixed(TDynamic)},
	"series_multiply":            {2, 2, fixed(TDynamic)},
	"series_divide":              {2, 2, fixed(TDynamic)},
	"series_greater":             {2, 2, fixed(TDynamic)},
	"series_greater_equals":      {2, 2, fixed(TDynamic)},
	"series_less":                {2, 2, fixed(TDynamic)},
	"series_less_equals":         {2, 2, fixed(TDynamic)},
	"series_equals":              {2, 2, fixed(TDynamic)},
	"series_not_equals":          {2, 2, fixed(TDynamic)},
	"series_abs":                 {1, 1, fixed(TDynamic)},
	"series_sign":                {1, 1, fixed(TDynamic)},
	"series_floor":               {1, 1, fixed(TDynamic)},
	"series_ceiling":             {1, 1, fixed(TDynamic)},
	"series_log":                 {1, 1, fixed(TDynamic)},
	"series_exp":                 {1, 1, fixed(TDynamic)},
	"series_sum":                 {1, 1, fixed(TReal)},
	// networks
	"ipv4_is_private":          {1, 1, fixed(TBool)},
	"ipv4_is_in_range":         {2, 2, fixed(TBool)},
	"parse_ipv4":               {1, 1, fixed(TLong)},
	"ipv4_compare":             {2, 3, fixed(TLong)},
	"ipv4_is_match":            {2, 3, fixed(TBool)},
	"ipv4_is_in_any_range":     {2, 64, fixed(TBool)},
	"ipv4_netmask_suffix":      {1, 1, fixed(TInt)},
	"parse_ipv4_mask":          {2, 2, fixed(TLong)},
	"format_ipv4":              {1, 2, fixed(TString)},
	"format_ipv4_mask":         {1, 2, fixed(TString)},
	"ipv6_compare":             {2, 3, fixed(TLong)},
	"ipv6_is_match":            {2, 3, fixed(TBool)},
	"ipv6_is_in_range":         {2, 2, fixed(TBool)},
	"ipv6_is_in_any_range":     {2, 64, fixed(TBool)},
	"parse_ipv6":               {1, 1, fixed(TString)},
	"has_ipv4":                 {2, 2, fixed(TBool)},
	"has_ipv4_prefix":          {2, 2, fixed(TBool)},
	"has_any_ipv4":             {2, 64, fixed(TBool)},
	"geo_info_from_ip_address": {1, 1, fixed(TDynamic)},
}

// funcAliases map alternative and deprecated names to canonical ones.
var funcAliases = map[string]string{
	"iif": "iff", "todynamic": "parse_json", "toobject": "parse_json", "toreal": "todouble", "todecimal": "todouble",
	"toboolean": "tobool", "replace": "replace_regex", "makeset": "make_set", "makelist": "make_list",
	"make_set_if": "make_set_if", "any": "take_any", "anyif": "take_anyif", "bag_pack": "pack",
	"array_pack": "pack_array", "base64_decodestring": "base64_decode_tostring",
	"base64_encodestring": "base64_encode_tostring", "make_dictionary": "make_bag", "makebag": "make_bag",
	"count_distinct": "dcount", "count_distinctif": "dcountif", "stdevp": "stdevp", "varp": "variancep",
	"percentilew": "percentile", "typeof": "gettype", "timespan": "totimespan", "min_of": "min_of",
	"strrep": "strrep",
	// Deprecated spellings Kusto still accepts (Kusto.Language marks them
	// obsolete and names the replacement).
	"extractall": "extract_all", "totime": "totimespan", "parsejson": "parse_json", "parseurl": "parse_url",
	"week_of_year": "weekofyear", "datepart": "datetime_part", "notnull": "isnotnull", "notempty": "isnotempty",
	"columnifexists": "column_ifexists", "arraylength": "array_length", "pack_dictionary": "pack",
	"argmin": "arg_min", "argmax": "arg_max", "cnt": "count",
}

// aggSpec describes an aggregate: argument counts, the prefix of its
// default output name, and its result type.
type aggSpec struct {
	min, max int
	prefix   string
	ret      func(args []Scalar) (Type, string)
}

func sumRet(a []Scalar) (Type, string) {
	t := a[0].Type()
	switch {
	case t == TInt || t == TLong:
		return TLong, ""
	case t == TReal, t == TTimeSpan:
		return t, ""
	case t.IsDynamic(), t == TBool:
		return TReal, ""
	}
	return TUnknown, "needs a number, got " + t.String()
}

func avgRet(a []Scalar) (Type, string) {
	t := a[0].Type()
	if t == TTimeSpan {
		return TTimeSpan, ""
	}
	if t.IsNumeric() || t.IsDynamic() || t == TBool {
		return TReal, ""
	}
	return TUnknown, "needs a number, got " + t.String()
}

var aggFuncs = map[string]aggSpec{
	"count":        {0, 1, "count_", fixed(TLong)},
	"countif":      {1, 1, "countif_", needArg(0, "a bool", isBoolType, fixed(TLong))},
	"dcount":       {1, 2, "dcount_", fixed(TLong)},
	"dcountif":     {2, 3, "dcountif_", fixed(TLong)},
	"sum":          {1, 1, "sum_", sumRet},
	"sumif":        {2, 2, "sumif_", sumRet},
	"avg":          {1, 1, "avg_", avgRet},
	"avgif":        {2, 2, "avgif_", avgRet},
	"min":          {1, 1, "min_", sameAs(0)},
	"max":          {1, 1, "max_", sameAs(0)},
	"minif":        {2, 2, "minif_", sameAs(0)},
	"maxif":        {2, 2, "maxif_", sameAs(0)},
	"make_set":     {1, 2, "set_", fixed(TDynamic)},
	"make_set_if":  {2, 3, "set_", fixed(TDynamic)},
	"make_list":    {1, 2, "list_", fixed(TDynamic)},
	"make_list_if": {2, 3, "list_", fixed(TDynamic)},
	"make_bag":     {1, 2, "bag_", fixed(TDynamic)},
	"make_bag_if":  {2, 3, "bag_", fixed(TDynamic)},
	"take_any":     {1, 1, "any_", sameAs(0)},
	"take_anyif":   {2, 2, "anyif_", sameAs(0)},
	"percentile":   {2, 2, "percentile_", sameAs(0)},
	"percentiles":  {2, 32, "percentile_", sameAs(0)},
	"stdev":        {1, 1, "stdev_", fixed(TReal)},
	"stdevif":      {2, 2, "stdevif_", fixed(TReal)},
	"stdevp":       {1, 1, "stdevp_", fixed(TReal)},
	"variance":     {1, 1, "variance_", fixed(TReal)},
	"varianceif":   {2, 2, "varianceif_", fixed(TReal)},
	"variancep":    {1, 1, "variancep_", fixed(TReal)},
	"arg_max":      {1, 128, "", nil},
	"arg_min":      {1, 128, "", nil},
}

// windowFuncs need a serialized input.
var windowFuncs = map[string]fnSpec{
	"prev":               {1, 3, sameAs(0)},
	"next":               {1, 3, sameAs(0)},
	"row_number":         {0, 2, fixed(TLong)},
	"row_cumsum":         {1, 2, sumRet},
	"row_window_session": {3, 4, needArg(0, "a datetime", isTime, fixed(TDateTime))},
}

// IsAggregate reports whether name (or its alias) is an aggregate.
func IsAggregate(name string) bool {
	if a, ok := funcAliases[name]; ok {
		name = a
	}
	_, ok := aggFuncs[name]
	return ok
}

func allFuncNames() []string {
	var names []string
	for n := range scalarFuncs {
		names = append(names, n)
	}
	for n := range aggFuncs {
		names = append(names, n)
	}
	for n := range windowFuncs {
		names = append(names, n)
	}
	for n := range funcAliases {
		names = append(names, n)
	}
	names = append(names, "column_ifexists", "toscalar", "pack_all")
	sort.Strings(names)
	return names
}

// call checks a function call in a row context.
func (c *checker) call(x *CallExpr, sc *scope, e *env) Scalar {
	name := x.Fun.Name
	if b := e.lookup(name); b != nil && b.kind == bFunc {
		return c.invokeScalar(b, x, sc, e)
	}
	if a, ok := funcAliases[name]; ok {
		name = a
	}
	x, ok := c.positional(x, builtinParams[name])
	if !ok {
		return nil
	}
	multi := c.multiCall
	c.multiCall = false
	if outs, ok := multiOutputs[name]; ok && !multi {
		c.multiOnly(x, outs)
		return nil
	}
	switch name {
	case "column_ifexists":
		return c.columnIfExists(x, sc, e)
	case "toscalar":
		if len(x.Args) != 1 {
			c.errorf(x.Pos(), "toscalar() takes one argument")
			return nil
		}
		if !c.isTabular(x.Args[0], e) {
			return c.scalar(x.Args[0], sc, e)
		}
		r := c.tabular(x.Args[0], e)
		if r == nil {
			return nil
		}
		cols := r.Columns()
		if len(cols) == 0 {
			c.errorf(x.Pos(), "toscalar() of a table without columns")
			return nil
		}
		return &Subquery{Rel: r, T: cols[0].Type}
	case "materialize", "table", "view":
		c.errorf(x.Pos(), "%s() returns a table, not a scalar", name)
		return nil
	case "pack_all":
		if sc == nil {
			c.errorf(x.Pos(), "pack_all() needs a row")
			return nil
		}
		var args []Scalar
		for _, col := range sc.cols {
			if col.Name == BagColumn {
				continue
			}
			args = append(args, constString(col.Name), &ColRef{Name: col.Name, T: col.Type})
		}
		return &Call{Fn: "pack", Args: args, T: TDynamic}
	}
	if spec, ok := aggFuncs[name]; ok {
		if sc == nil || sc.aggs == nil {
			c.errorf(x.Pos(), "aggregate %s() is only allowed in summarize (and make-series)", x.Fun.Name)
			return nil
		}
		return sc.aggs.nested(c, x, name, spec, sc, e)
	}
	spec, ok := scalarFuncs[name]
	window := false
	if !ok {
		spec, ok = windowFuncs[name]
		window = ok
	}
	if !ok && (inReference("scalar", name) || inReference("aggregate", name)) {
		c.errorf(x.Pos(), "function '%s' is part of KQL but not supported by wsec (internal/kql/COVERAGE.md lists what is)", x.Fun.Name)
		return nil
	}
	if !ok {
		msg := fmt.Sprintf("unknown function '%s'", x.Fun.Name)
		if s := suggest.Nearest(x.Fun.Name, allFuncNames()); s != "" {
			msg += fmt.Sprintf(" (did you mean '%s'?)", s)
		}
		c.errorf(x.Pos(), "%s", msg)
		return nil
	}
	if window && (sc == nil || !sc.ordered) {
		c.errorf(x.Pos(), "%s() needs serialized rows: sort, serialize or top before it", name)
		return nil
	}
	if len(x.Args) < spec.min || spec.max >= 0 && len(x.Args) > spec.max {
		c.errorf(x.Pos(), "%s() takes %s, got %d", x.Fun.Name, argCount(spec.min, spec.max), len(x.Args))
		return nil
	}
	var extractType Type
	args := make([]Scalar, 0, len(x.Args))
	for i, a := range x.Args {
		if name == "extract" && i == 3 {
			t, ok := c.typeofArg(a)
			if !ok {
				return nil
			}
			extractType = t
			continue
		}
		v := c.scalar(a, sc, e)
		if v == nil {
			return nil
		}
		args = append(args, v)
	}
	t, msg := spec.ret(args)
	if msg != "" {
		c.errorf(x.Pos(), "%s(): %s", x.Fun.Name, msg)
		return nil
	}
	switch name {
	case "extract":
		if extractType != TUnknown {
			t = extractType
			args = append(args, &Const{T: TString, V: extractType.String()})
		}
		if err := constRegexArg(args[0]); err != nil {
			c.errorf(x.Args[0].Pos(), "invalid regular expression: %v", err)
			return nil
		}
	case "datetime_diff", "datetime_add", "datetime_part":
		k, ok := args[0].(*Const)
		s, _ := k.V.(string)
		if !ok || !validPart(strings.ToLower(s)) {
			c.errorf(x.Args[0].Pos(), "%s() needs a constant part name (year, quarter, month, week, day, hour, minute, second, millisecond, microsecond, nanosecond)", name)
			return nil
		}
		args[0] = constString(strings.ToLower(s))
	case "extract_all", "trim", "trim_start", "trim_end":
		if err := constRegexArg(args[0]); err != nil {
			c.errorf(x.Args[0].Pos(), "invalid regular expression: %v", err)
			return nil
		}
	case "series_decompose_anomalies", "series_decompose", "series_outliers":
		if args, ok = c.seriesOptions(name, x, args); !ok {
			return nil
		}
	case "replace_regex":
		if err := constRegexArg(args[1]); err != nil {
			c.errorf(x.Args[1].Pos(), "invalid regular expression: %v", err)
			return nil
		}
	}
	return &Call{Fn: name, Args: args, T: t}
}

func validPart(s string) bool {
	switch s {
	case "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond", "microsecond", "nanosecond":
		return true
	}
	return false
}

func argCount(min, max int) string {
	switch {
	case max < 0:
		return fmt.Sprintf("at least %d arguments", min)
	case min == max:
		return fmt.Sprintf("%d arguments", min)
	}
	return fmt.Sprintf("%d to %d arguments", min, max)
}

// typeofArg reads typeof(T).
func (c *checker) typeofArg(a Expr) (Type, bool) {
	call, ok := a.(*CallExpr)
	if ok && call.Fun.Name == "typeof" && len(call.Args) == 1 {
		if id, ok := call.Args[0].(*Ident); ok {
			if t, ok := ParseType(id.Name); ok {
				return t, true
			}
		}
	}
	c.errorf(a.Pos(), "expected typeof(type)")
	return TUnknown, false
}

func constRegexArg(x Scalar) error {
	k, ok := x.(*Const)
	if !ok {
		return nil
	}
	s, ok := k.V.(string)
	if !ok {
		return nil
	}
	return checkRegex(s)
}

// checkRegex validates a regular expression with the RE2 syntax KQL uses.
func checkRegex(s string) error {
	_, err := syntax.Parse(s, syntax.Perl)
	return err
}

// columnIfExists resolves column_ifexists(name, default) at compile time:
// the column when the row has it, a bag property on an open row, else the
// default.
func (c *checker) columnIfExists(x *CallExpr, sc *scope, e *env) Scalar {
	if len(x.Args) != 2 {
		c.errorf(x.Pos(), "column_ifexists() takes a column name and a default value")
		return nil
	}
	lit, ok := x.Args[0].(*BasicLit)
	if !ok || lit.Kind != LitString {
		c.errorf(x.Args[0].Pos(), "column_ifexists() needs a constant column name")
		return nil
	}
	if col, ok := sc.lookup(lit.Value); ok {
		return &ColRef{Name: col.Name, T: col.Type}
	}
	def := c.scalar(x.Args[1], sc, e)
	if def == nil {
		return nil
	}
	if sc != nil && sc.open {
		prop := &Call{Fn: "bag_get", Args: []Scalar{&ColRef{Name: BagColumn, T: TDynamic}, constString(lit.Value)}, T: TUnknown}
		t := def.Type()
		var v Scalar = prop
		if !t.IsDynamic() {
			v = &Call{Fn: ConvFunc(t), Args: []Scalar{prop}, T: t}
		}
		return &Call{Fn: "coalesce", Args: []Scalar{v, def}, T: t}
	}
	return def
}

// ConvFunc names the plan's conversion function to t (tolong, todatetime,
// ...; parse_json for dynamic and unknown), as Call.Fn spells it.
func ConvFunc(t Type) string {
	switch t {
	case TString:
		return "tostring"
	case TInt:
		return "toint"
	case TLong:
		return "tolong"
	case TReal:
		return "todouble"
	case TBool:
		return "tobool"
	case TDateTime:
		return "todatetime"
	case TTimeSpan:
		return "totimespan"
	case TGuid:
		return "toguid"
	}
	return "parse_json"
}
