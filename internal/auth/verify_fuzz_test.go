package auth

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzVerifyAuthorization: the Authorization and x-ms-date headers come
// from anyone who can reach the server. Any pair is refused or accepted,
// never a panic; a forged header is refused; and the same date signed
// with the workspace key is accepted exactly when it parses and is within
// MaxClockSkew of the server clock.
func FuzzVerifyAuthorization(f *testing.F) {
	clk := newClock()
	reg, err := Open(f.TempDir(), Options{Now: clk.Now})
	if err != nil {
		f.Fatal(err)
	}
	ws, err := reg.Create("fuzz")
	if err != nil {
		f.Fatal(err)
	}
	v := NewVerifier(reg, clk.Now)
	const path, ct, n = "/api/logs", "application/json", 17
	now := clk.Now().UTC().Format(http.TimeFormat)
	good, _ := Signature(ws.PrimaryKey, StringToSign(http.MethodPost, n, ct, now, path))
	for _, s := range [][2]string{
		{"SharedKey " + ws.ID + ":" + good, now},
		{"sharedkey " + strings.ToUpper(ws.ID) + ":" + good, now},
		{"SharedKey " + ws.ID + ":" + good, "Mon, 04 Apr 2016 08:00:00 GMT"},
		{"SharedKey " + ws.ID + ":AAAA", now},
		{"SharedKey :", ""},
		{"Bearer abc", now},
		{"SharedKey{" + ws.ID + "}:" + good, now},
		{"SharedKey  " + ws.ID + " : " + good, "yesterday"},
	} {
		f.Add(s[0], s[1])
	}
	verify := func(authz, date string) (string, error) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1"+path, nil)
		r.Header.Set("Content-Type", ct)
		r.Header.Set(HeaderAuthorization, authz)
		r.Header.Set(HeaderDate, date)
		return v.Verify(r, n, path)
	}
	f.Fuzz(func(t *testing.T, authz, date string) {
		sts := StringToSign(http.MethodPost, n, ct, date, path)
		p, _ := Signature(ws.PrimaryKey, sts)
		s, _ := Signature(ws.SecondaryKey, sts)
		if id, err := verify(authz, date); err == nil {
			_, sig, _ := parseAuthorization(authz)
			if id != ws.ID || sig != p && sig != s {
				t.Fatalf("accepted %q (date %q) as %s: not signed with the workspace's keys", authz, date, id)
			}
		}
		when, perr := http.ParseTime(date)
		wantOK := perr == nil && clk.Now().Sub(when).Abs() <= MaxClockSkew
		_, err := verify("SharedKey "+ws.ID+":"+p, date)
		if (err == nil) != wantOK {
			t.Fatalf("signed request dated %q: err %v, want accepted %v", date, err, wantOK)
		}
	})
}
