package access

import "fmt"

// Role is what a user or token may do in one workspace. Each role includes
// the ones before it.
type Role string

const (
	// Reader runs queries, lists tables, reads dashboards, workbooks,
	// incidents, rules and DCRs.
	Reader Role = "reader"
	// Responder also changes incidents (assign, comment, close, reopen)
	// and saves workbooks.
	Responder Role = "responder"
	// Admin also manages analytics rules, DCRs, users, tokens and settings.
	Admin Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case Reader:
		return 1
	case Responder:
		return 2
	case Admin:
		return 3
	}
	return 0
}

// Allows reports whether r includes need.
func (r Role) Allows(need Role) bool { return r.rank() > 0 && r.rank() >= need.rank() }

// ParseRole accepts reader, responder or admin.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if r.rank() == 0 {
		return "", fmt.Errorf("role %q: want reader, responder or admin", s)
	}
	return r, nil
}

// lower returns the lesser of a and b.
func lower(a, b Role) Role {
	if a.rank() < b.rank() {
		return a
	}
	return b
}
