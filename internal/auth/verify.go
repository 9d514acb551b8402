package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"
)

// KeySource finds a workspace's keys; *Registry is one.
type KeySource interface {
	Lookup(id string) (Workspace, bool)
}

// Verifier checks SharedKey and WsecKey signatures. It is safe for
// concurrent use.
type Verifier struct {
	keys   KeySource
	now    func() time.Time
	nonces *ReplayCache
}

// NewVerifier returns a Verifier over keys. now is the clock (nil:
// time.Now); the allowed skew is MaxClockSkew, and the nonces of WsecKey
// requests are remembered (at most MaxNonces) until their date leaves it.
func NewVerifier(keys KeySource, now func() time.Time) *Verifier {
	if now == nil {
		now = time.Now
	}
	return &Verifier{keys: keys, now: now, nonces: NewReplayCache(MaxNonces)}
}

// unknownKey stands in for the keys of a workspace that does not exist, so
// that refusing it costs the same two HMACs as refusing a wrong key.
const unknownKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

// Verify authenticates r and returns the canonical ID of the workspace
// whose key signed it. contentLength is the length of the body as sent (on
// the wire, compressed or not; r.ContentLength when known) and resource the
// signed path: r.URL.Path for wsec's own endpoints, DataCollectorResource
// for the Data Collector API. A WsecKey request does not depend on
// contentLength (its signature covers the body's digest, which the caller
// checks with CheckBody once it has read the body), and its nonce is
// claimed here: a second request with it is refused as a replay. A
// refusal is an *Error.
//
// A request naming a workspace this server does not know is refused
// exactly as one signed with a wrong key (same Message, after the same
// header checks, after the same work), so a stranger cannot tell which
// workspace IDs exist; only Reason, for metrics and logs, differs.
//
// Verify does not check that the workspace is the one the request
// addresses; the caller compares the returned ID with the path.
func (v *Verifier) Verify(r *http.Request, contentLength int64, resource string) (string, error) {
	return v.verify(r, contentLength, resource, false)
}

// VerifyBatch is Verify for a request whose replay is harmless: an events
// batch, which the store keeps once per (sender, seq) and once per event
// identity. A WsecKey request may then carry an x-ms-date up to
// MaxBatchAge in the past (a gateway may have held it that long), and its
// nonce is neither claimed nor checked, so a gateway may forward the very
// same signed request again after a lost answer. Everything else is
// checked as Verify does: the signature (over the body's digest, the
// sender, the sequence number, the path), a date at most MaxClockSkew in
// the future. A SharedKey request gets Verify's rules unchanged. Never use
// it for a request with another effect (heartbeats, rules, queries).
func (v *Verifier) VerifyBatch(r *http.Request, contentLength int64, resource string) (string, error) {
	return v.verify(r, contentLength, resource, true)
}

func (v *Verifier) verify(r *http.Request, contentLength int64, resource string, batch bool) (string, error) {
	now := v.now()
	maxAge := MaxClockSkew
	if batch && BodySigned(r) {
		maxAge = MaxBatchAge
	}
	c, err := parseCredentials(r, now, maxAge)
	if err != nil {
		return "", err
	}
	var sts string
	if c.bodySigned {
		sts = StringToSignContent(r, resource)
	} else {
		sts = StringToSign(r.Method, contentLength, r.Header.Get("Content-Type"), c.date, resource)
	}
	w, known := v.keys.Lookup(c.id)
	if !known {
		w = Workspace{PrimaryKey: unknownKey, SecondaryKey: unknownKey}
	}
	// Both keys are always computed and compared, so the time taken does
	// not tell which key matched.
	okP := keyMatches(w.PrimaryKey, sts, c.sig)
	okS := keyMatches(w.SecondaryKey, sts, c.sig)
	if !known || (!okP && !okS) {
		reason := ReasonBadSignature
		if !known {
			reason = ReasonUnknownWorkspace
		}
		return "", refuse(reason, c.id,
			"the signature matches neither key of workspace %s, or there is no such workspace; sign the string %q (%s) "+
				"with HMAC-SHA256 keyed by the base64-decoded primary or secondary key", c.id, sts, c.signedParts())
	}
	if c.bodySigned && !batch {
		if err := v.nonces.Claim(c.id+":"+c.nonce, c.at.Add(MaxClockSkew), now); err != nil {
			if errors.Is(err, ErrReplayCacheFull) {
				return "", refuse(ReasonReplayCacheFull, c.id,
					"the server remembers %d recent nonces, its limit; retry in a minute", MaxNonces)
			}
			return "", refuse(ReasonReplayed, c.id,
				"x-wsec-nonce %q was used before: refused as a replay. Sign every request, retries included, with a new nonce", c.nonce)
		}
		v.nonces.Settle(c.id + ":" + c.nonce)
	}
	return c.id, nil
}

// credentials are the parts of a request's signature that can be checked
// before anything else.
type credentials struct {
	id, date   string
	at         time.Time
	sig        []byte
	bodySigned bool   // WsecKey: the signature covers the body's digest
	nonce      string // WsecKey only
}

func (c *credentials) signedParts() string {
	if c.bodySigned {
		return "scheme, method, path, query, content type, content encoding, x-ms-date, x-ms-content-sha256, x-wsec-nonce and every x-wsec-* header"
	}
	return "method, content length, content type, x-ms-date, path"
}

// parseCredentials checks the form of the Authorization and date headers
// (and, for WsecKey, of the digest and nonce) and the freshness of the
// date (at most maxAge old, at most MaxClockSkew ahead): everything that
// does not need the workspace's key or the body.
func parseCredentials(r *http.Request, now time.Time, maxAge time.Duration) (*credentials, *Error) {
	h := r.Header.Get(HeaderAuthorization)
	if h == "" {
		return nil, refuse(ReasonMissingAuthorization, "",
			"the request has no Authorization header; sign it with a workspace key as "+
				"'Authorization: SharedKey <workspace-id>:<signature>' (the Log Analytics Data Collector API scheme)")
	}
	if len(h) > MaxAuthorizationBytes {
		return nil, refuse(ReasonMalformedAuthorization, "",
			"the Authorization header is %d bytes, more than %d; send 'SharedKey <workspace-id>:<base64 signature>'", len(h), MaxAuthorizationBytes)
	}
	c := &credentials{}
	rawID, sig, ok := parseAuthorization(h)
	if !ok {
		if rawID, sig, ok = parseAuthorizationScheme(h, SchemeContent); !ok {
			return nil, refuse(ReasonMalformedAuthorization, "",
				"the Authorization header must be 'SharedKey <workspace-id>:<base64 signature>'")
		}
		c.bodySigned = true
	}
	if c.id, ok = CanonicalID(rawID); !ok {
		return nil, refuse(ReasonMalformedAuthorization, "",
			"the workspace ID %q in the Authorization header is not a GUID like 0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a", clip(rawID))
	}
	c.date = r.Header.Get(HeaderDate)
	if c.date == "" {
		return nil, refuse(ReasonMissingDate, c.id,
			"the request has no x-ms-date header; send the date you signed in RFC 1123 form, e.g. 'Mon, 04 Apr 2016 08:00:00 GMT'")
	}
	var err error
	if c.at, err = http.ParseTime(c.date); err != nil {
		return nil, refuse(ReasonMalformedDate, c.id,
			"x-ms-date %q is not an RFC 1123 date like 'Mon, 04 Apr 2016 08:00:00 GMT'", clip(c.date))
	}
	if d := now.Sub(c.at); d > maxAge || -d > MaxClockSkew {
		allowed := MaxClockSkew
		if d > 0 {
			allowed = maxAge
		}
		return nil, refuse(ReasonStaleDate, c.id,
			"x-ms-date %q is %s from the server clock (%s), more than the %s allowed; refused as a possible replay. "+
				"Synchronise the client clock and sign every request, retries included, with the current time",
			c.date, d.Abs().Round(time.Second), now.UTC().Format(http.TimeFormat), allowed)
	}
	if c.sig, err = base64.StdEncoding.DecodeString(sig); err != nil || len(c.sig) != sha256.Size {
		return nil, refuse(ReasonBadSignature, c.id,
			"the signature is not base64 of a 32-byte HMAC-SHA256; compute it as base64(HMAC-SHA256(base64-decoded key, string to sign))")
	}
	if c.bodySigned {
		if d, err := base64.StdEncoding.DecodeString(r.Header.Get(HeaderContentSHA256)); err != nil || len(d) != sha256.Size {
			return nil, refuse(ReasonMalformedAuthorization, c.id,
				"a %s request needs %s: the base64 SHA-256 of the body as sent", SchemeContent, HeaderContentSHA256)
		}
		c.nonce = r.Header.Get(HeaderNonce)
		if !validNonce(c.nonce) {
			return nil, refuse(ReasonMalformedAuthorization, c.id,
				"a %s request needs %s: %d-%d letters, digits, '-' or '_', new for every request", SchemeContent, HeaderNonce, MinNonceBytes, MaxNonceBytes)
		}
	}
	return c, nil
}

func validNonce(s string) bool {
	if len(s) < MinNonceBytes || len(s) > MaxNonceBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// BodySigned reports whether r is signed with SchemeContent, whose
// signature covers the body's digest and can be verified before the body
// is read.
func BodySigned(r *http.Request) bool {
	_, _, ok := parseAuthorizationScheme(r.Header.Get(HeaderAuthorization), SchemeContent)
	return ok
}

// CheckBody checks the body of a request Verify accepted against the
// digest its signature covers (x-ms-content-sha256). A SharedKey request
// without that header has nothing to check. A mismatch is an *Error.
func CheckBody(r *http.Request, body []byte) error {
	want := r.Header.Get(HeaderContentSHA256)
	if want == "" && !BodySigned(r) {
		return nil
	}
	sum := sha256.Sum256(body)
	if got := base64.StdEncoding.EncodeToString(sum[:]); got != want {
		return refuse(ReasonBodyMismatch, "",
			"the body's SHA-256 is %s but %s says %q; the body was changed after signing, or the digest was computed over something else (it covers the body as sent, compressed)",
			got, HeaderContentSHA256, clip(want))
	}
	return nil
}

// parseAuthorization splits "SharedKey <id>:<sig>" (scheme in any case).
func parseAuthorization(h string) (id, sig string, ok bool) {
	return parseAuthorizationScheme(h, scheme)
}

// parseAuthorizationScheme splits "<scheme> <id>:<sig>" (scheme in any case).
func parseAuthorizationScheme(h, scheme string) (id, sig string, ok bool) {
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
