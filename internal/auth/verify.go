package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// KeySource finds a workspace's keys; *Registry is one.
type KeySource interface {
	Lookup(id string) (Workspace, bool)
}

// Verifier checks SharedKey signatures. It is safe for concurrent use.
type Verifier struct {
	keys KeySource
	now  func() time.Time
}

// NewVerifier returns a Verifier over keys. now is the clock (nil:
// time.Now); the allowed skew is MaxClockSkew.
func NewVerifier(keys KeySource, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, now: now}
}

// Verify authenticates r and returns the canonical ID of the workspace
// whose key signed it. contentLength is the length of the body as sent (on
// the wire, compressed or not; r.ContentLength when known) and resource the
// signed path: r.URL.Path for wsec's own endpoints, DataCollectorResource
// for the Data Collector API. A refusal is an *Error.
//
// Verify does not check that the workspace is the one the request
// addresses; the caller compares the returned ID with the path.
func (v *Verifier) Verify(r *http.Request, contentLength int64, resource string) (string, error) {
	h := r.Header.Get(HeaderAuthorization)
	if h == "" {
		return "", refuse(ReasonMissingAuthorization, "",
			"the request has no Authorization header; sign it with a workspace key as "+
				"'Authorization: SharedKey <workspace-id>:<signature>' (the Log Analytics Data Collector API scheme)")
	}
	if len(h) > MaxAuthorizationBytes {
		return "", refuse(ReasonMalformedAuthorization, "",
			"the Authorization header is %d bytes, more than %d; send 'SharedKey <workspace-id>:<base64 signature>'", len(h), MaxAuthorizationBytes)
	}
	rawID, sig, ok := parseAuthorization(h)
	if !ok {
		return "", refuse(ReasonMalformedAuthorization, "",
			"the Authorization header must be 'SharedKey <workspace-id>:<base64 signature>'")
	}
	id, ok := CanonicalID(rawID)
	if !ok {
		return "", refuse(ReasonMalformedAuthorization, "",
			"the workspace ID %q in the Authorization header is not a GUID like 0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a", clip(rawID))
	}
	w, ok := v.keys.Lookup(id)
	if !ok {
		return "", refuse(ReasonUnknownWorkspace, id,
			"workspace %s is not known to this server; check the workspace ID ('wsec workspace list')", id)
	}
	date := r.Header.Get(HeaderDate)
	if date == "" {
		return "", refuse(ReasonMissingDate, id,
			"the request has no x-ms-date header; send the date you signed in RFC 1123 form, e.g. 'Mon, 04 Apr 2016 08:00:00 GMT'")
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return "", refuse(ReasonBadSignature, id,
			"the signature is not base64 of a 32-byte HMAC-SHA256; compute it as base64(HMAC-SHA256(base64-decoded key, string to sign))")
	}
	sts := StringToSign(r.Method, contentLength, r.Header.Get("Content-Type"), date, resource)
	// Both keys are always computed and compared, so the time taken does
	// not tell which key matched.
	okP := keyMatches(w.PrimaryKey, sts, got)
	okS := keyMatches(w.SecondaryKey, sts, got)
	if !okP && !okS {
		return "", refuse(ReasonBadSignature, id,
			"the signature matches neither key of workspace %s; sign the string %q (method, content length, content type, x-ms-date, path) "+
				"with HMAC-SHA256 keyed by the base64-decoded primary or secondary key", id, sts)
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return "", refuse(ReasonMalformedDate, id,
			"x-ms-date %q is not an RFC 1123 date like 'Mon, 04 Apr 2016 08:00:00 GMT'", clip(date))
	}
	now := v.now()
	if d := now.Sub(t); d.Abs() > MaxClockSkew {
		return "", refuse(ReasonStaleDate, id,
			"x-ms-date %q is %s from the server clock (%s), more than the %s allowed; refused as a possible replay. "+
				"Synchronise the client clock and sign every request, retries included, with the current time",
			date, d.Abs().Round(time.Second), now.UTC().Format(http.TimeFormat), MaxClockSkew)
	}
	return id, nil
}

// parseAuthorization splits "SharedKey <id>:<sig>" (scheme in any case).
func parseAuthorization(h string) (id, sig string, ok bool) {
	h = strings.TrimSpace(h)
	sp := strings.IndexByte(h, ' ')
	if sp < 0 || !strings.EqualFold(h[:sp], scheme) {
		return "", "", false
	}
	rest := strings.TrimSpace(h[sp+1:])
	id, sig, ok = strings.Cut(rest, ":")
	if !ok || id == "" || sig == "" {
		return "", "", false
	}
	return id, sig, true
}

func keyMatches(key, sts string, got []byte) bool {
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(k) == 0 {
		return false
	}
	return hmac.Equal(mac(k, sts), got)
}

// clip shortens attacker-controlled text quoted in messages.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
