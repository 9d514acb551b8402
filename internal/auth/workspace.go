package auth

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"
)

// Workspace is one tenant of the store: its data, its keys.
type Workspace struct {
	// ID is a random (version 4) GUID in lowercase, as Azure prints
	// workspace IDs: "0b7e3f3c-5d8a-4c5e-9a51-1f0c2d3e4f5a".
	ID   string `json:"id"`
	Name string `json:"name"`
	// PrimaryKey and SecondaryKey are base64 of KeyBytes random bytes. Both
	// are valid at every moment.
	PrimaryKey   string    `json:"primaryKey"`
	SecondaryKey string    `json:"secondaryKey"`
	Created      time.Time `json:"created"`
	// PrimaryRotated and SecondaryRotated are when each key was last
	// replaced (zero: never).
	PrimaryRotated   time.Time `json:"primaryRotated,omitzero"`
	SecondaryRotated time.Time `json:"secondaryRotated,omitzero"`
}

// KeyKind names one of a workspace's two keys.
type KeyKind string

const (
	Primary   KeyKind = "primary"
	Secondary KeyKind = "secondary"
)

// ParseKeyKind accepts "primary" or "secondary" (any case).
func ParseKeyKind(s string) (KeyKind, error) {
	switch strings.ToLower(s) {
	case "primary":
		return Primary, nil
	case "secondary":
		return Secondary, nil
	}
	return "", fmt.Errorf("parse key kind %q: want primary or secondary", s)
}

// newGUID returns a random version 4 GUID, lowercase with hyphens.
func newGUID(rand io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fmt.Errorf("read random bytes for workspace id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:]), nil
}

// CanonicalID returns id lowercased if it is a GUID in the 8-4-4-4-12 form
// (optionally in braces), and false otherwise.
func CanonicalID(id string) (string, bool) {
	if len(id) == 38 && id[0] == '{' && id[37] == '}' {
		id = id[1:37]
	}
	if len(id) != 36 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", false
			}
			continue
		}
		if !isHex(c) {
			return "", false
		}
	}
	return strings.ToLower(id), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// newKey returns base64 of KeyBytes random bytes.
func newKey(rand io.Reader) (string, error) {
	b := make([]byte, KeyBytes)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("read random bytes for key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
