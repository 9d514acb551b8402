package ingest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wsec/internal/store"
)

// TestUnstorableDataIsRefusedNotRetried (issue 9 item 12): when the store
// says the data can never be stored as sent (a name it refuses, a table at
// its column limit), the client gets a 4xx saying why, not a 503 that a
// client retrying on 5xx would retry forever. A store that merely failed
// still answers 503.
func TestUnstorableDataIsRefusedNotRetried(t *testing.T) {
	for _, c := range []struct {
		name   string
		err    error
		status int
	}{
		{"name refused", fmt.Errorf("append to custom table %s: %w", strings.Repeat("L", 100)+"_CL", store.ErrInvalidName), http.StatusBadRequest},
		{"table full", fmt.Errorf("append to Wide_CL: column x_s: %w", store.ErrTableFull), http.StatusBadRequest},
		{"store down", errStoreDown, http.StatusServiceUnavailable},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Limits{})
			e.store.fail = c.err
			st, b := postDataCollector(t, e, "Wide", `[{"a":"b"}]`)
			if st != c.status {
				t.Fatalf("answered %d %s, want %d", st, b, c.status)
			}
			if c.status == http.StatusBadRequest && !strings.Contains(b, c.err.Error()) {
				t.Errorf("the answer %s does not say why (%v)", b, c.err)
			}
			st, nb, _ := e.do(e.nativeReq(e.a, e.a.PrimaryKey, "agent", 1, batchBody(synthEvents(0, 2)), ContentTypeBatch, ""))
			if st != c.status {
				t.Fatalf("native batch answered %d %s, want %d", st, nb, c.status)
			}
		})
	}
}
