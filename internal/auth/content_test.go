package auth

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// WsecKey: accepted once, with the body it was signed for; every signed
// part changed is a bad signature; a nonce is refused again.
func TestVerifyContent(t *testing.T) {
	e := newVerifyEnv(t)
	body := "framed events"
	path := "/v1/workspaces/" + e.a.ID + "/events"
	signed := func(mod func(*http.Request)) *http.Request {
		req := newReq(t, "POST", path, body)
		req.Header.Set("X-Wsec-Sender", "agent-1")
		req.Header.Set("X-Wsec-Seq", "42")
		if err := SignContent(req, []byte(body), e.a.ID, e.a.PrimaryKey, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if mod != nil {
			mod(req)
		}
		return req
	}
	verify := func(req *http.Request) Reason {
		t.Helper()
		id, err := e.v.Verify(req, -1, path)
		if err == nil {
			if id != e.a.ID {
				t.Fatalf("accepted as %s", id)
			}
			return ""
		}
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %v is not an *Error", err)
		}
		return ae.Reason
	}
	first := signed(nil)
	if r := verify(first); r != "" {
		t.Fatalf("signed request refused: %s", r)
	}
	if err := CheckBody(first, []byte(body)); err != nil {
		t.Errorf("CheckBody of the signed body: %v", err)
	}
	if err := CheckBody(first, []byte(strings.ToUpper(body))); err == nil || err.(*Error).Reason != ReasonBodyMismatch {
		t.Errorf("CheckBody of another body of the same length: %v", err)
	}
	if r := verify(first); r != ReasonReplayed {
		t.Errorf("the same nonce again: %q, want %s", r, ReasonReplayed)
	}
	for name, mod := range map[string]func(*http.Request){
		"seq":          func(r *http.Request) { r.Header.Set("X-Wsec-Seq", "43") },
		"added header": func(r *http.Request) { r.Header.Set("X-Wsec-Count", "1") },
		"digest": func(r *http.Request) {
			r.Header.Set(HeaderContentSHA256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
		},
		"encoding": func(r *http.Request) { r.Header.Set("Content-Encoding", "zstd") },
		"query":    func(r *http.Request) { r.URL.RawQuery = "x=1" },
		"nonce":    func(r *http.Request) { r.Header.Set(HeaderNonce, "0123456789abcdefXYZ") },
	} {
		if r := verify(signed(mod)); r != ReasonBadSignature {
			t.Errorf("%s changed after signing: %q, want %s", name, r, ReasonBadSignature)
		}
	}
	for name, mod := range map[string]func(*http.Request){
		"no digest":   func(r *http.Request) { r.Header.Del(HeaderContentSHA256) },
		"short nonce": func(r *http.Request) { r.Header.Set(HeaderNonce, "abc") },
		"odd nonce":   func(r *http.Request) { r.Header.Set(HeaderNonce, "0123456789abcdef/+") },
	} {
		if r := verify(signed(mod)); r != ReasonMalformedAuthorization {
			t.Errorf("%s: %q, want %s", name, r, ReasonMalformedAuthorization)
		}
	}
	e.clk.Add(16 * time.Minute)
	if r := verify(signed(nil)); r != "" {
		t.Errorf("a fresh request after the window moved: %q", r)
	}
}

// Unknown workspace and wrong key: one message, only the Reason differs.
func TestUnknownWorkspaceLikeWrongKey(t *testing.T) {
	e := newVerifyEnv(t)
	const unknown = "00000000-0000-4000-8000-000000000000"
	msg := func(id string) (Reason, string) {
		req := newReq(t, "POST", "/api/logs", `[{"a":1}]`)
		if err := SignAt(req, id, e.b.PrimaryKey, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		_, err := e.v.Verify(req, req.ContentLength, DataCollectorResource)
		var ae *Error
		if !errors.As(err, &ae) {
			t.Fatalf("accepted: %v", err)
		}
		return ae.Reason, strings.ReplaceAll(ae.Message, id, "{id}")
	}
	rk, known := msg(e.a.ID)
	ru, unk := msg(unknown)
	if known != unk {
		t.Errorf("messages differ:\n%s\n%s", known, unk)
	}
	if rk != ReasonBadSignature || ru != ReasonUnknownWorkspace {
		t.Errorf("reasons %s, %s", rk, ru)
	}
}

func TestReplayCache(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := NewReplayCache(2)
	claim := func(key string, ttl time.Duration) error { return c.Claim(key, now.Add(ttl), now) }
	if err := claim("a", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := claim("a", time.Minute); !errors.Is(err, ErrInProgress) {
		t.Errorf("claimed twice: %v", err)
	}
	c.Settle("a")
	if err := claim("a", time.Minute); !errors.Is(err, ErrReplayed) {
		t.Errorf("settled, claimed again: %v", err)
	}
	if err := claim("b", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := claim("c", time.Minute); !errors.Is(err, ErrReplayCacheFull) {
		t.Errorf("third key in a cache of 2: %v", err)
	}
	c.Forget("b")
	if err := claim("b", 2*time.Minute); err != nil {
		t.Errorf("forgotten, claimed again: %v", err)
	}
	now = now.Add(time.Minute)
	if err := claim("a", time.Minute); err != nil {
		t.Errorf("expired key claimed again: %v", err)
	}
	if err := claim("c", time.Minute); !errors.Is(err, ErrReplayCacheFull) {
		t.Errorf("full again: %v", err)
	}
	now = now.Add(2 * time.Minute)
	if err := claim("c", time.Minute); err != nil {
		t.Errorf("after every key expired: %v", err)
	}
}
