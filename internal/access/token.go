package access

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
)

// An API token is "wsec_<id>_<secret>": id is 16 hex digits, public (it
// names the token in lists, the audit log and revocation), secret is 32
// random bytes in unpadded base64url. Only the SHA-256 of the whole token
// is stored: the secret is shown once, at creation. A plain hash suffices
// (no argon2) because the secret has 256 bits of entropy.
const (
	tokenPrefix      = "wsec_"
	tokenIDBytes     = 8
	tokenSecretBytes = 32
	tokenLen         = len(tokenPrefix) + 2*tokenIDBytes + 1 + 43
)

// newToken returns a fresh token and its ID.
func newToken(rand io.Reader) (token, id string, err error) {
	var b [tokenIDBytes + tokenSecretBytes]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", "", fmt.Errorf("read random token: %w", err)
	}
	id = hex.EncodeToString(b[:tokenIDBytes])
	return tokenPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(b[tokenIDBytes:]), id, nil
}

// parseToken checks a bearer token's shape and returns its ID. It is the
// only parser of the token a client sends.
func parseToken(s string) (id string, err error) {
	if len(s) != tokenLen || !strings.HasPrefix(s, tokenPrefix) {
		return "", errors.New("the bearer token is not a wsec API token (wsec_<id>_<secret>, from 'wsec token create')")
	}
	rest := s[len(tokenPrefix):]
	id, secret := rest[:2*tokenIDBytes], rest[2*tokenIDBytes:]
	if _, err := hex.DecodeString(id); err != nil || strings.ToLower(id) != id || secret[0] != '_' {
		return "", errors.New("the bearer token is malformed: its ID is not 16 lowercase hex digits")
	}
	if b, err := base64.RawURLEncoding.DecodeString(secret[1:]); err != nil || len(b) != tokenSecretBytes {
		return "", errors.New("the bearer token is malformed: its secret is not 32 bytes of base64url")
	}
	return id, nil
}

// tokenHash is what the access file stores for a token.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// bearer returns the token of an "Authorization: Bearer <token>" header
// (scheme in any case); ok is false for other schemes.
func bearer(h string) (token string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// hashMatches compares two token hashes in constant time.
func hashMatches(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
