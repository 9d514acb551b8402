package kql

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Fold evaluates the constant parts of x: arithmetic on constants, ago()
// and now() (with the given now), datetime and timespan conversions of
// constants, startof*/endof*, bin of constants. Folding makes ago(1d) a
// datetime literal, so time filters reach the store as plain comparisons
// on TimeGenerated. Expressions that cannot be folded are returned with
// their foldable arguments folded.
func Fold(x Scalar, now time.Time) Scalar {
	call, ok := x.(*Call)
	if !ok {
		return x
	}
	args := make([]Scalar, len(call.Args))
	changed := false
	allConst := true
	for i, a := range call.Args {
		args[i] = Fold(a, now)
		if args[i] != a {
			changed = true
		}
		if _, ok := args[i].(*Const); !ok {
			allConst = false
		}
	}
	if changed {
		call = &Call{Fn: call.Fn, Args: args, T: call.T}
	}
	if !allConst {
		// ago(x) and now(x) read the query's clock even when x is not
		// constant.
		switch call.Fn {
		case "ago":
			return &Call{Fn: "-", Args: []Scalar{constTime(now), call.Args[0]}, T: TDateTime}
		case "now":
			return &Call{Fn: "+", Args: []Scalar{constTime(now), call.Args[0]}, T: TDateTime}
		}
		return call
	}
	if v, ok := foldCall(call, now.UTC()); ok {
		return v
	}
	return call
}

func foldCall(c *Call, now time.Time) (*Const, bool) {
	k := func(i int) *Const { return c.Args[i].(*Const) }
	for _, a := range c.Args {
		if a.(*Const).V == nil {
			switch c.Fn {
			case "+", "-", "*", "/", "neg", "ago", "startofday", "startofweek", "startofmonth", "startofyear",
				"endofday", "endofweek", "endofmonth", "endofyear", "bin", "floor":
				return Null(c.T), true
			}
			return nil, false
		}
	}
	switch c.Fn {
	case "now":
		if len(c.Args) == 0 {
			return constTime(now), true
		}
		if d, ok := k(0).V.(time.Duration); ok {
			return constTime(now.Add(d)), true
		}
	case "ago":
		if d, ok := k(0).V.(time.Duration); ok {
			return constTime(now.Add(-d)), true
		}
	case "neg":
		switch v := k(0).V.(type) {
		case int64:
			return &Const{T: c.T, V: -v}, true
		case float64:
			return &Const{T: c.T, V: -v}, true
		case time.Duration:
			return &Const{T: c.T, V: -v}, true
		}
	case "+", "-", "*", "/":
		return foldArith(c.Fn, k(0), k(1), c.T)
	case "todatetime":
		switch v := k(0).V.(type) {
		case time.Time:
			return k(0), true
		case string:
			if t, ok := ParseDatetime(v); ok {
				return constTime(t), true
			}
			return Null(TDateTime), true
		}
	case "totimespan":
		switch v := k(0).V.(type) {
		case time.Duration:
			return k(0), true
		case string:
			if d, ok := ParseTimespan(v); ok {
				return constSpan(d), true
			}
			return Null(TTimeSpan), true
		}
	case "tostring":
		if k(0).T != TDynamic {
			return constString(constText(k(0))), true
		}
	case "tolong", "toint":
		switch v := k(0).V.(type) {
		case int64:
			return &Const{T: c.T, V: v}, true
		case float64:
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return &Const{T: c.T, V: int64(v)}, true
			}
		case string:
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return &Const{T: c.T, V: n}, true
			}
			return Null(c.T), true
		}
	case "todouble":
		switch v := k(0).V.(type) {
		case int64:
			return &Const{T: TReal, V: float64(v)}, true
		case float64:
			return k(0), true
		}
	case "startofday", "startofweek", "startofmonth", "startofyear", "endofday", "endofweek", "endofmonth", "endofyear":
		t, ok := k(0).V.(time.Time)
		if !ok {
			return nil, false
		}
		off := int64(0)
		if len(c.Args) == 2 {
			n, ok := k(1).V.(int64)
			if !ok {
				return nil, false
			}
			off = n
		}
		return constTime(startEnd(c.Fn, t, int(off))), true
	case "bin", "floor":
		if t, ok := k(0).V.(time.Time); ok {
			if d, ok := k(1).V.(time.Duration); ok && d > 0 {
				return constTime(BinTime(t, d)), true
			}
		}
	}
	return nil, false
}

// kqlEpochOffset is the distance from 0001-01-01 (where KQL's ticks start)
// to the Unix epoch; bins of datetimes are aligned to 0001-01-01.
const kqlEpochOffsetMicros = 62135596800000000

// BinTime rounds t down to a multiple of d counted from 0001-01-01, as KQL's
// bin() does (so 7d bins start on Mondays).
func BinTime(t time.Time, d time.Duration) time.Time {
	us := t.UnixMicro() + kqlEpochOffsetMicros
	w := d.Microseconds()
	if w <= 0 {
		return t
	}
	us = us - ((us%w)+w)%w
	return time.UnixMicro(us - kqlEpochOffsetMicros).UTC()
}

func startEnd(fn string, t time.Time, off int) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	var start, next time.Time
	switch strings.TrimPrefix(strings.TrimPrefix(fn, "startof"), "endof") {
	case "day":
		start = time.Date(y, m, d+off, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(0, 0, 1)
	case "week":
		wd := int(t.Weekday()) // Sunday = 0: KQL weeks start on Sunday
		start = time.Date(y, m, d-wd+7*off, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(0, 0, 7)
	case "month":
		start = time.Date(y, m+time.Month(off), 1, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(0, 1, 0)
	case "year":
		start = time.Date(y+off, 1, 1, 0, 0, 0, 0, time.UTC)
		next = start.AddDate(1, 0, 0)
	}
	if strings.HasPrefix(fn, "endof") {
		return next.Add(-100 * time.Nanosecond)
	}
	return start
}

func foldArith(op string, a, b *Const, t Type) (*Const, bool) {
	switch av := a.V.(type) {
	case time.Time:
		switch bv := b.V.(type) {
		case time.Duration:
			if op == "+" {
				return constTime(av.Add(bv)), true
			}
			if op == "-" {
				return constTime(av.Add(-bv)), true
			}
		case time.Time:
			if op == "-" {
				return constSpan(av.Sub(bv)), true
			}
		}
	case time.Duration:
		switch bv := b.V.(type) {
		case time.Duration:
			switch op {
			case "+":
				return constSpan(av + bv), true
			case "-":
				return constSpan(av - bv), true
			case "/":
				if bv != 0 {
					return &Const{T: TReal, V: float64(av) / float64(bv)}, true
				}
			}
		case time.Time:
			if op == "+" {
				return constTime(bv.Add(av)), true
			}
		case int64:
			if op == "*" {
				return constSpan(av * time.Duration(bv)), true
			}
			if op == "/" && bv != 0 {
				return constSpan(av / time.Duration(bv)), true
			}
		case float64:
			if op == "*" {
				return constSpan(time.Duration(float64(av) * bv)), true
			}
			if op == "/" && bv != 0 {
				return constSpan(time.Duration(float64(av) / bv)), true
			}
		}
	case int64:
		switch bv := b.V.(type) {
		case int64:
			switch op {
			case "+":
				return &Const{T: t, V: av + bv}, true
			case "-":
				return &Const{T: t, V: av - bv}, true
			case "*":
				return &Const{T: t, V: av * bv}, true
			case "/":
				if bv != 0 {
					return &Const{T: t, V: av / bv}, true
				}
			}
		case float64:
			return foldFloat(op, float64(av), bv)
		case time.Duration:
			if op == "*" {
				return constSpan(time.Duration(av) * bv), true
			}
		}
	case float64:
		switch bv := b.V.(type) {
		case int64:
			return foldFloat(op, av, float64(bv))
		case float64:
			return foldFloat(op, av, bv)
		}
	}
	return nil, false
}

func foldFloat(op string, a, b float64) (*Const, bool) {
	switch op {
	case "+":
		return &Const{T: TReal, V: a + b}, true
	case "-":
		return &Const{T: TReal, V: a - b}, true
	case "*":
		return &Const{T: TReal, V: a * b}, true
	case "/":
		if b != 0 {
			return &Const{T: TReal, V: a / b}, true
		}
	}
	return nil, false
}
