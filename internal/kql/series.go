package kql

import (
	"fmt"
	"time"
)

// seriesOptions checks the constant options of the anomaly functions and
// fills in their defaults, so the dialect sees every argument:
//
//	series_decompose_anomalies(Series, Threshold=1.5, Seasonality=-1, Trend='avg', Test_points=0, AD_method='ctukey', Seasonality_threshold=0.6)
//	series_decompose(Series, Seasonality=-1, Trend='avg', Test_points=0, Seasonality_threshold=0.6)
//	series_outliers(series, kind='ctukey', ignore_val=null, min_percentile=10, max_percentile=90)
//
// What wsec does not implement is refused here, or warned about when the
// Kusto result stays close: Seasonality -1 (autodetect) is taken as 0 (no
// seasonal component), with a warning; Test_points other than 0 and
// ignore_val are refused.
func (c *checker) seriesOptions(name string, x *CallExpr, args []Scalar) ([]Scalar, bool) {
	type opt struct {
		def   Scalar
		check func(Scalar) string
	}
	number := func(v Scalar) string {
		if _, ok := constFloat(v); !ok {
			return "must be a constant number"
		}
		return ""
	}
	oneOf := func(words ...string) func(Scalar) string {
		return func(v Scalar) string {
			if k, ok := v.(*Const); ok {
				s, _ := k.V.(string)
				for _, w := range words {
					if s == w {
						return ""
					}
				}
			}
			return fmt.Sprintf("must be one of %q", words)
		}
	}
	season := func(v Scalar) string {
		f, ok := constFloat(v)
		if !ok || f < -1 || f != float64(int64(f)) {
			return "must be -1 (autodetect), 0 (none) or a period in bins"
		}
		if f == -1 {
			c.warnf(x.Pos(), "%s(): seasonality autodetection (-1) is not implemented by wsec; no seasonal component is extracted (pass the period in bins to extract one)", name)
		}
		return ""
	}
	zero := func(v Scalar) string {
		if f, ok := constFloat(v); !ok || f != 0 {
			return "other than 0 is not supported by wsec"
		}
		return ""
	}
	percent := func(v Scalar) string {
		if f, ok := constFloat(v); !ok || f < 2 || f > 98 {
			return "must be a constant in [2, 98]"
		}
		return ""
	}
	var opts []opt
	var names []string
	switch name {
	case "series_decompose_anomalies":
		opts = []opt{{&Const{T: TReal, V: 1.5}, number}, {constLong(-1), season}, {constString("avg"), oneOf("avg", "linefit", "none")},
			{constLong(0), zero}, {constString("ctukey"), oneOf("ctukey", "tukey")}, {&Const{T: TReal, V: 0.6}, number}}
	case "series_decompose":
		opts = []opt{{constLong(-1), season}, {constString("avg"), oneOf("avg", "linefit", "none")}, {constLong(0), zero}, {&Const{T: TReal, V: 0.6}, number}}
	case "series_outliers":
		opts = []opt{{constString("ctukey"), oneOf("ctukey", "tukey")}, {Null(TReal), func(v Scalar) string {
			if !isNullConst(v) {
				return "(ignore_val) is not supported by wsec"
			}
			return ""
		}}, {constLong(10), percent}, {constLong(90), percent}}
	}
	names = builtinParams[name][1:]
	for i, o := range opts {
		j := i + 1
		if j >= len(args) {
			args = append(args, o.def)
			continue
		}
		args[j] = Fold(args[j], time.Time{})
		if msg := o.check(args[j]); msg != "" {
			c.errorf(x.Args[j].Pos(), "%s(): %s %s", name, names[i], msg)
			return nil, false
		}
	}
	return args, true
}
