package sql

import (
	"fmt"

	"wsec/internal/kql"
)

// makeSeries is not compiled yet: it needs per-bin default filling that
// wsec has not implemented.
func (c *compiler) makeSeries(m *kql.MakeSeries) (*relSQL, error) {
	return nil, fmt.Errorf("compile: make-series is not supported yet")
}
