package settings

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestRetentionSetAndReopen(t *testing.T) {
	dir := t.TempDir()
	ret, err := OpenRetention(dir)
	if err != nil {
		t.Fatal(err)
	}
	const ws, other = "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a", "7e1b3e1c-9a8f-4a5e-8a55-1f2c3d4e5f60"
	do := serve(t, Routes{Retention: ret, DefaultRetentionDays: 90, Verifier: pathVerifier{}})
	path := "/v1/workspaces/" + ws + "/retention"

	st, body := do("PUT", path, `{"tables":{"SecurityEvent":30,"Heartbeat":7,"Fw_CL":400}}`)
	var got RetentionBody
	if err := json.Unmarshal(body, &got); st != 200 || err != nil || got.DefaultDays != 90 || got.MaxDays != MaxRetentionDays ||
		got.Tables["SecurityEvent"] != 30 || got.Tables["Heartbeat"] != 7 || got.Tables["Fw_CL"] != 400 {
		t.Fatalf("PUT retention: %d %s", st, body)
	}
	for _, bad := range []struct{ body, says string }{
		{`{"tables":{"SecurityEvent":0}}`, "1 to 4383"},
		{`{"tables":{"SecurityEvent":5000}}`, "1 to 4383"},
		{`{"tables":{"Security Event":5}}`, "not a table name"},
		{`{"tables":["SecurityEvent"]}`, "is not"},
	} {
		if st, body := do("PUT", path, bad.body); st != 400 || !strings.Contains(string(body), bad.says) {
			t.Errorf("PUT %s: %d %s, want 400 saying %q", bad.body, st, body, bad.says)
		}
	}
	if d := ret.Days(other); len(d) != 0 {
		t.Errorf("another workspace has retention %v", d)
	}

	reopened, err := OpenRetention(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d := reopened.Days(ws); len(d) != 3 || d["Fw_CL"] != 400 {
		t.Errorf("after reopening: %v (refused changes must not have been kept)", d)
	}
	do = serve(t, Routes{Retention: reopened, DefaultRetentionDays: 90, Verifier: pathVerifier{}})
	if st, body := do("PUT", path, `{"tables":{}}`); st != 200 || len(reopened.Days(ws)) != 0 {
		t.Errorf("clearing: %d %s", st, body)
	}
}
