package access

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// PasswordCost is the argon2id work per password check. The stored hash
// records the cost it was made with, so changing it affects new and
// changed passwords only.
type PasswordCost struct {
	Time    uint32 // passes
	MemKiB  uint32 // memory in KiB
	Threads uint8
}

// DefaultPasswordCost is OWASP's argon2id minimum (19 MiB, 2 passes, 1
// lane): tens of milliseconds per login on a small server.
var DefaultPasswordCost = PasswordCost{Time: 2, MemKiB: 19 * 1024, Threads: 1}

// Bounds a stored hash's parameters must respect, so a damaged or hostile
// access file cannot make a login allocate gigabytes or loop for minutes.
const (
	maxHashTime    = 16
	maxHashMemKiB  = 1 << 20
	maxHashThreads = 16
	saltBytes      = 16
	keyBytes       = 32
)

// hashPassword returns the PHC string of an argon2id hash of password:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key> (unpadded
// standard base64).
func hashPassword(password string, cost PasswordCost, rand io.Reader) (string, error) {
	salt := make([]byte, saltBytes)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("read random salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, cost.Time, cost.MemKiB, cost.Threads, keyBytes)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, cost.MemKiB, cost.Time, cost.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phcHash is a parsed argon2id PHC string.
type phcHash struct {
	cost      PasswordCost
	salt, key []byte
}

// parseHash parses what hashPassword writes, refusing parameters outside
// the bounds above.
func parseHash(s string) (phcHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return phcHash{}, errors.New("not an argon2id hash ($argon2id$v=19$m=..,t=..,p=..$salt$key)")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phcHash{}, fmt.Errorf("argon2 version %q, want v=%d", parts[2], argon2.Version)
	}
	var h phcHash
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return phcHash{}, fmt.Errorf("argon2 parameter %q: want name=number", kv)
		}
		switch {
		case k == "m" && n > 0 && n <= maxHashMemKiB:
			h.cost.MemKiB, seen = uint32(n), seen|1
		case k == "t" && n > 0 && n <= maxHashTime:
			h.cost.Time, seen = uint32(n), seen|2
		case k == "p" && n > 0 && n <= maxHashThreads:
			h.cost.Threads, seen = uint8(n), seen|4
		default:
			return phcHash{}, fmt.Errorf("argon2 parameter %q: unknown or out of bounds", kv)
		}
	}
	if seen != 7 {
		return phcHash{}, errors.New("argon2 parameters: want m, t and p")
	}
	if h.cost.MemKiB < 8*uint32(h.cost.Threads) {
		return phcHash{}, errors.New("argon2 parameters: m must be at least 8 KiB per lane")
	}
	var err error
	if h.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return phcHash{}, errors.New("argon2 salt: want 8 to 64 bytes of unpadded base64")
	}
	if h.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return phcHash{}, errors.New("argon2 key: want 16 to 64 bytes of unpadded base64")
	}
	return h, nil
}

// checkPassword reports whether password matches the stored hash, in time
// independent of where they differ.
func checkPassword(stored, password string) (bool, error) {
	h, err := parseHash(stored)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.cost.Time, h.cost.MemKiB, h.cost.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

func validPassword(p string) error {
	switch {
	case len(p) < MinPasswordBytes:
		return fmt.Errorf("password is %d bytes; use at least %d", len(p), MinPasswordBytes)
	case len(p) > MaxPasswordBytes:
		return fmt.Errorf("password is %d bytes, more than %d", len(p), MaxPasswordBytes)
	}
	return nil
}

// NewPassword returns a random password (18 bytes, 24 characters of
// base64url) for a first admin or a user created without one; it is
// printed once and should be changed.
func NewPassword() (string, error) { return randomString(rand.Reader, 18) }
