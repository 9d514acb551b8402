package access

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzParseToken: any bearer value a client sends is either refused with
// an error or yields the 16-hex-digit ID that the token itself carries.
func FuzzParseToken(f *testing.F) {
	tok, _, err := newToken(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{tok, "", "wsec_", "Bearer x", tok[:len(tok)-1], strings.ToUpper(tok), tok + "=", "wsec_0123456789abcdef_" + strings.Repeat("-", 43)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseToken(s)
		if err != nil {
			if id != "" {
				t.Fatalf("refused %q but returned id %q", s, id)
			}
			return
		}
		if _, herr := hex.DecodeString(id); herr != nil || len(id) != 16 || !strings.HasPrefix(s, tokenPrefix+id+"_") {
			t.Fatalf("accepted %q with id %q that it does not carry", s, id)
		}
	})
}

// FuzzParseHash: a stored password hash (the access file may be damaged or
// edited) is refused or parsed within the cost bounds, never a panic or an
// unbounded argon2 run.
func FuzzParseHash(f *testing.F) {
	h, err := hashPassword("seed password", PasswordCost{Time: 1, MemKiB: 64, Threads: 1}, bytes.NewReader(make([]byte, 64)))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{h, "", "$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "$argon2i$v=19$m=64,t=1,p=1$a$b", "$argon2id$v=19$m=64,t=1,p=1,p=2$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseHash(s)
		if err != nil {
			return
		}
		c := p.cost
		if c.Time == 0 || c.Time > maxHashTime || c.MemKiB > maxHashMemKiB || c.Threads == 0 || c.Threads > maxHashThreads ||
			len(p.salt) < 8 || len(p.key) < 16 {
			t.Fatalf("accepted %q with cost %+v, salt %d, key %d bytes", s, c, len(p.salt), len(p.key))
		}
	})
}

func TestPasswordRoundTrip(t *testing.T) {
	h, err := hashPassword("correct horse", PasswordCost{Time: 1, MemKiB: 64, Threads: 1}, bytes.NewReader(make([]byte, 64)))
	if err != nil {
		t.Fatal(err)
	}
	for pw, want := range map[string]bool{"correct horse": true, "correct hors": false, "": false} {
		if got, err := checkPassword(h, pw); err != nil || got != want {
			t.Errorf("checkPassword(%q) = %v, %v; want %v", pw, got, err, want)
		}
	}
}
