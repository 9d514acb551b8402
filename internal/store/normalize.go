package store

import (
	"encoding/json"
	"time"

	"wsec/internal/kql"
)

// Normalize turns the cells of column col into the representation Result
// documents for KQL type t, whatever way the engine returned them: a
// dialect may carry datetimes and timespans as integer microseconds, bools
// as 0/1 and dynamic values as JSON text. Cells already in Result's
// representation are left as they are.
func Normalize(rows [][]any, col int, t kql.Type) {
	for _, row := range rows {
		switch v := row[col].(type) {
		case int64:
			switch t {
			case kql.TTimeSpan:
				row[col] = time.Duration(v) * time.Microsecond
			case kql.TDateTime:
				row[col] = time.UnixMicro(v).UTC()
			case kql.TBool:
				row[col] = v != 0
			case kql.TReal:
				row[col] = float64(v)
			}
		case string:
			if t == kql.TDynamic || t == kql.TUnknown {
				row[col] = json.RawMessage(v)
			}
		}
	}
}
