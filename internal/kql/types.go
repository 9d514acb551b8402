package kql

import "wsec/internal/schema"

// Type is a KQL scalar type.
type Type uint8

const (
	TUnknown Type = iota // not known at compile time (a property of an open row); treated as dynamic
	TBool
	TInt
	TLong
	TReal
	TString
	TDateTime
	TTimeSpan
	TDynamic
	TGuid
)

var kqlTypeNames = [...]string{"unknown", "bool", "int", "long", "real", "string", "datetime", "timespan", "dynamic", "guid"}

func (t Type) String() string {
	if int(t) < len(kqlTypeNames) {
		return kqlTypeNames[t]
	}
	return "unknown"
}

// ParseType returns the type a KQL type word names (string, long, double,
// date, ...).
func ParseType(s string) (Type, bool) {
	switch canonicalTypeWord(s) {
	case "bool":
		return TBool, true
	case "int":
		return TInt, true
	case "long":
		return TLong, true
	case "real", "decimal":
		return TReal, true
	case "string":
		return TString, true
	case "datetime":
		return TDateTime, true
	case "timespan":
		return TTimeSpan, true
	case "dynamic":
		return TDynamic, true
	case "guid", "uniqueid":
		return TGuid, true
	}
	return TUnknown, false
}

// FromSchema converts a logical column type of package schema.
func FromSchema(t schema.Type) Type {
	switch t {
	case schema.String:
		return TString
	case schema.Int:
		return TInt
	case schema.Long:
		return TLong
	case schema.Real:
		return TReal
	case schema.Bool:
		return TBool
	case schema.DateTime:
		return TDateTime
	case schema.TimeSpan:
		return TTimeSpan
	case schema.Dynamic:
		return TDynamic
	case schema.GUID:
		return TGuid
	}
	return TUnknown
}

// IsNumeric reports int, long or real.
func (t Type) IsNumeric() bool { return t == TInt || t == TLong || t == TReal }

// IsDynamic reports dynamic or unknown (both are dynamic values at run time).
func (t Type) IsDynamic() bool { return t == TDynamic || t == TUnknown }

// IsStringLike reports types whose values are text in comparisons.
func (t Type) IsStringLike() bool { return t == TString || t == TGuid }

// promote returns the common type of two operands of arithmetic or of the
// branches of iff/case/coalesce.
func promote(a, b Type) Type {
	switch {
	case a == b:
		return a
	case a.IsDynamic() && b != TUnknown:
		if b.IsDynamic() {
			return TDynamic
		}
		return b
	case b.IsDynamic():
		return a
	case a.IsNumeric() && b.IsNumeric():
		if a == TReal || b == TReal {
			return TReal
		}
		return TLong
	}
	return TUnknown
}
