package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"wsec/internal/testtool"
)

// The documented example string to sign (Data Collector API, "Authorization").
func TestStringToSignDocumentedExample(t *testing.T) {
	got := StringToSign("POST", 1024, "application/json", "Mon, 04 Apr 2016 08:00:00 GMT", "/api/logs")
	want := "POST\n1024\napplication/json\nx-ms-date:Mon, 04 Apr 2016 08:00:00 GMT\n/api/logs"
	if got != want {
		t.Fatalf("StringToSign = %q, want %q", got, want)
	}
}

// Signature against two independent computations: crypto/hmac used
// directly, and the openssl command line (when installed).
func TestSignatureOracle(t *testing.T) {
	rawKey := bytes.Repeat([]byte{0x5a, 0x01, 0xfe}, 22)[:64]
	key := base64.StdEncoding.EncodeToString(rawKey)
	sts := "POST\n1024\napplication/json\nx-ms-date:Mon, 04 Apr 2016 08:00:00 GMT\n/api/logs"
	got, err := Signature(key, sts)
	if err != nil {
		t.Fatal(err)
	}
	h := hmac.New(sha256.New, rawKey)
	h.Write([]byte(sts))
	if want := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("Signature = %s, crypto/hmac says %s", got, want)
	}
	if _, err := Signature("not base64!", sts); err == nil {
		t.Errorf("Signature with a non-base64 key succeeded")
	}
	testtool.Need(t, testtool.OpenSSL, testtool.Base64)
	cmd := exec.Command("sh", "-c", `printf '%s' "$STS" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$HEXKEY" -binary | base64`)
	cmd.Env = append(cmd.Environ(), "STS="+sts, "HEXKEY="+hex.EncodeToString(rawKey))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v", err)
	}
	if want := strings.TrimSpace(string(out)); got != want {
		t.Errorf("Signature = %s, openssl says %s", got, want)
	}
}

type verifyEnv struct {
	clk  *fakeClock
	reg  *Registry
	v    *Verifier
	a, b Workspace
}

func newVerifyEnv(t *testing.T) *verifyEnv {
	t.Helper()
	clk := newClock()
	reg := openTest(t, t.TempDir(), clk)
	a, err := reg.Create("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := reg.Create("b")
	if err != nil {
		t.Fatal(err)
	}
	return &verifyEnv{clk: clk, reg: reg, v: NewVerifier(reg, clk.Now), a: a, b: b}
}

func newReq(t *testing.T, method, path, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

// padAuthorization pads a signed Authorization header with trailing blanks
// (which the scheme ignores) to n bytes.
func padAuthorization(n int) func(*http.Request) {
	return func(r *http.Request) {
		h := r.Header.Get("Authorization")
		r.Header.Set("Authorization", h+strings.Repeat(" ", n-len(h)))
	}
}

func TestVerify(t *testing.T) {
	e := newVerifyEnv(t)
	now := e.clk.Now()
	body := `[{"a":1}]`
	signed := func(mod func(*http.Request)) *http.Request {
		req := newReq(t, "POST", "/api/logs", body)
		if err := SignAt(req, e.a.ID, e.a.PrimaryKey, now); err != nil {
			t.Fatal(err)
		}
		if mod != nil {
			mod(req)
		}
		return req
	}
	signWith := func(ws, key string, at time.Time) func(*http.Request) {
		return func(r *http.Request) {
			if err := SignAt(r, ws, key, at); err != nil {
				t.Fatal(err)
			}
		}
	}
	cases := []struct {
		name string
		req  *http.Request
		len  int64
		want Reason // "" = accepted
	}{
		{"primary", signed(nil), int64(len(body)), ""},
		{"secondary", signed(signWith(e.a.ID, e.a.SecondaryKey, now)), int64(len(body)), ""},
		{"id upper case", signed(signWith(strings.ToUpper(e.a.ID), e.a.PrimaryKey, now)), int64(len(body)), ""},
		{"scheme lower case", signed(func(r *http.Request) {
			r.Header.Set("Authorization", "sharedkey "+strings.TrimPrefix(r.Header.Get("Authorization"), "SharedKey "))
		}), int64(len(body)), ""},
		{"14 min old", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(-14*time.Minute))), int64(len(body)), ""},
		{"14 min ahead", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(14*time.Minute))), int64(len(body)), ""},
		{"no authorization", signed(func(r *http.Request) { r.Header.Del("Authorization") }), int64(len(body)), ReasonMissingAuthorization},
		{"bearer", signed(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+e.a.PrimaryKey) }), int64(len(body)), ReasonMalformedAuthorization},
		{"no colon", signed(func(r *http.Request) { r.Header.Set("Authorization", "SharedKey "+e.a.ID) }), int64(len(body)), ReasonMalformedAuthorization},
		{"id not guid", signed(func(r *http.Request) { r.Header.Set("Authorization", "SharedKey abc:AAAA") }), int64(len(body)), ReasonMalformedAuthorization},
		{"huge header", signed(func(r *http.Request) { r.Header.Set("Authorization", "SharedKey "+strings.Repeat("A", 600)) }), int64(len(body)), ReasonMalformedAuthorization},
		{"unknown workspace", signed(signWith("00000000-0000-4000-8000-000000000000", e.a.PrimaryKey, now)), int64(len(body)), ReasonUnknownWorkspace},
		{"no date", signed(func(r *http.Request) { r.Header.Del("x-ms-date") }), int64(len(body)), ReasonMissingDate},
		{"key of workspace b", signed(signWith(e.a.ID, e.b.PrimaryKey, now)), int64(len(body)), ReasonBadSignature},
		{"length differs", signed(nil), int64(len(body)) + 1, ReasonBadSignature},
		{"content type differs", signed(func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }), int64(len(body)), ReasonBadSignature},
		{"date differs from signed", signed(func(r *http.Request) { r.Header.Set("x-ms-date", now.Add(time.Second).Format(http.TimeFormat)) }), int64(len(body)), ReasonBadSignature},
		{"signature not base64", signed(func(r *http.Request) { r.Header.Set("Authorization", "SharedKey "+e.a.ID+":%%%") }), int64(len(body)), ReasonBadSignature},
		{"16 min old", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(-16*time.Minute))), int64(len(body)), ReasonStaleDate},
		{"16 min ahead", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(16*time.Minute))), int64(len(body)), ReasonStaleDate},
		{"exactly the allowed skew old", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(-MaxClockSkew))), int64(len(body)), ""},
		{"exactly the allowed skew ahead", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(MaxClockSkew))), int64(len(body)), ""},
		{"a second past the allowed skew", signed(signWith(e.a.ID, e.a.PrimaryKey, now.Add(-MaxClockSkew-time.Second))), int64(len(body)), ReasonStaleDate},
		{"header of the largest size", signed(padAuthorization(MaxAuthorizationBytes)), int64(len(body)), ""},
		{"header a byte too large", signed(padAuthorization(MaxAuthorizationBytes + 1)), int64(len(body)), ReasonMalformedAuthorization},
	}
	// A date that is not RFC 1123 but correctly signed.
	bad := newReq(t, "POST", "/api/logs", body)
	bad.Header.Set("x-ms-date", "yesterday")
	sig, _ := Signature(e.a.PrimaryKey, StringToSign("POST", int64(len(body)), "application/json", "yesterday", "/api/logs"))
	bad.Header.Set("Authorization", "SharedKey "+e.a.ID+":"+sig)
	cases = append(cases, struct {
		name string
		req  *http.Request
		len  int64
		want Reason
	}{"date not rfc1123", bad, int64(len(body)), ReasonMalformedDate})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, err := e.v.Verify(c.req, c.len, DataCollectorResource)
			if c.want == "" {
				if err != nil || id != e.a.ID {
					t.Fatalf("Verify = %q, %v; want %s accepted", id, err, e.a.ID)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Reason != c.want {
				t.Fatalf("Verify error %v, want reason %s", err, c.want)
			}
			if ae.Message == "" || strings.Contains(ae.Message, e.a.PrimaryKey) || strings.Contains(ae.Message, e.b.PrimaryKey) {
				t.Errorf("message %q is empty or leaks a key", ae.Message)
			}
		})
	}
}

// TestRotationWithoutDowntime walks the documented procedure: clients on
// the primary move to the secondary, the primary is rotated, clients move
// back. Some client is accepted at every step.
func TestRotationWithoutDowntime(t *testing.T) {
	e := newVerifyEnv(t)
	ok := func(key string) bool {
		req := newReq(t, "GET", "/v1/workspaces/"+e.a.ID+"/tables", "")
		if err := SignAt(req, e.a.ID, key, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		_, err := e.v.Verify(req, 0, req.URL.Path)
		return err == nil
	}
	oldPrimary, secondary := e.a.PrimaryKey, e.a.SecondaryKey
	if !ok(oldPrimary) || !ok(secondary) {
		t.Fatal("fresh keys refused")
	}
	w, err := e.reg.RotateKey(e.a.ID, Primary)
	if err != nil {
		t.Fatal(err)
	}
	if ok(oldPrimary) {
		t.Errorf("old primary still accepted after rotation")
	}
	if !ok(secondary) {
		t.Errorf("secondary refused while the primary was rotated")
	}
	if !ok(w.PrimaryKey) {
		t.Errorf("new primary refused")
	}
}

func TestSignNeedsLength(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://x/api/logs", struct{ *strings.Reader }{strings.NewReader("x")})
	if err := Sign(req, "00000000-0000-4000-8000-000000000000", "AAAA"); err == nil {
		t.Fatal("Sign with unknown content length succeeded")
	}
}
