package settings

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"wsec/internal/auth"
)

// pathVerifier vouches for the workspace in the path, as the access Gate
// does for a user it let through.
type pathVerifier struct{}

func (pathVerifier) Verify(r *http.Request, _ int64, _ string) (string, error) {
	return r.PathValue("id"), nil
}

func serve(t *testing.T, rt Routes) func(method, path, body string) (int, []byte) {
	mux := http.NewServeMux()
	rt.Register(mux)
	return func(method, path, body string) (int, []byte) {
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		return w.Code, w.Body.Bytes()
	}
}

func TestKeysListRevealRotate(t *testing.T) {
	reg, err := auth.Open(t.TempDir(), auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := reg.Create("contoso")
	if err != nil {
		t.Fatal(err)
	}
	do := serve(t, Routes{Keys: reg, Verifier: pathVerifier{}})
	base := "/v1/workspaces/" + ws.ID + "/keys"

	st, body := do("GET", base, "")
	if st != 200 || strings.Contains(string(body), ws.PrimaryKey) || strings.Contains(string(body), ws.SecondaryKey) {
		t.Fatalf("GET keys: %d %s (must not show the keys)", st, body)
	}
	var list struct{ Keys []KeyView }
	if err := json.Unmarshal(body, &list); err != nil || len(list.Keys) != 2 || !strings.HasSuffix(ws.PrimaryKey, strings.TrimPrefix(list.Keys[0].Hint, "…")) {
		t.Fatalf("GET keys: %s %v", body, err)
	}

	st, body = do("POST", base+"/reveal", "")
	if err := json.Unmarshal(body, &list); st != 200 || err != nil || list.Keys[0].Key != ws.PrimaryKey || list.Keys[1].Key != ws.SecondaryKey {
		t.Fatalf("reveal: %d %s", st, body)
	}

	st, body = do("POST", base+"/secondary/rotate", "")
	var rotated KeyView
	if err := json.Unmarshal(body, &rotated); st != 200 || err != nil || rotated.Kind != auth.Secondary || rotated.Rotated.IsZero() {
		t.Fatalf("rotate secondary: %d %s", st, body)
	}
	now, _ := reg.Lookup(ws.ID)
	if now.SecondaryKey != rotated.Key || now.SecondaryKey == ws.SecondaryKey || now.PrimaryKey != ws.PrimaryKey {
		t.Errorf("after rotating the secondary key: primary changed %v, secondary %q (answered %q, was %q)",
			now.PrimaryKey != ws.PrimaryKey, now.SecondaryKey, rotated.Key, ws.SecondaryKey)
	}

	if st, body = do("POST", base+"/tertiary/rotate", ""); st != 404 || !strings.Contains(string(body), "primary or secondary") {
		t.Errorf("rotate tertiary: %d %s", st, body)
	}
	other := "/v1/workspaces/0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a/keys"
	if st, body = do("GET", other, ""); st != 404 {
		t.Errorf("keys of a workspace that does not exist: %d %s", st, body)
	}
	if st, body = do("POST", other+"/primary/rotate", ""); st != 404 {
		t.Errorf("rotating a key of a workspace that does not exist: %d %s", st, body)
	}
}
