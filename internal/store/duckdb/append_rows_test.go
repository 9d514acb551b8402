package duckdb

import (
	"context"
	"errors"
	"testing"
	"time"

	"wsec/internal/schema"
	"wsec/internal/store"
)

func TestAppendRowsDetectionTables(t *testing.T) {
	s, _, dir := openTestStore(t, Options{})
	w := mustWorkspace(t, s, "ws")
	ctx := context.Background()
	at := s.cat.SecurityAlert
	when := time.Date(2019, 3, 19, 23, 0, 0, 0, time.UTC)
	rows := make([]schema.Row, 2)
	for i, id := range []string{"a-1", "a-2"} {
		rows[i].SetString(at.MustCol("SystemAlertId"), id)
		rows[i].SetString(at.MustCol("AlertName"), "Security log cleared")
		rows[i].SetTime(at.MustCol("TimeGenerated"), when)
		rows[i].SetInt(at.MustCol("IsIncident"), 1)
		rows[i].SetString(at.MustCol("Entities"), `[{"Type":"host","HostName":"DC01"}]`)
	}
	if err := w.AppendRows(ctx, schema.SecurityAlertTable, rows); err != nil {
		t.Fatal(err)
	}
	if err := w.AppendRows(ctx, schema.SecurityEventTable, rows); !errors.Is(err, store.ErrInvalidName) {
		t.Fatalf("append to SecurityEvent: %v, want ErrInvalidName", err)
	}
	check := func(w *Workspace) {
		t.Helper()
		res, err := w.Query(ctx, `SELECT SystemAlertId, "Type", IsIncident, TimeGenerated, Entities->>'$[0].HostName' FROM SecurityAlert ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 2 || res.Rows[1][0] != "a-2" || res.Rows[0][1] != "SecurityAlert" || res.Rows[0][2] != true ||
			!res.Rows[0][3].(time.Time).Equal(when) || res.Rows[0][4] != "DC01" {
			t.Fatalf("rows %v", res.Rows)
		}
	}
	check(w)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(mustWorkspace(t, s2, "ws"))
}
