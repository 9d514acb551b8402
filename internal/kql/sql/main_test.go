package sql

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the tests; the benchmark's
// shared database is closed first.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB.db != nil {
		benchDB.db.Close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
