// Package suggest finds the name a user probably meant: the "did you mean"
// of KQL errors and of the command line. A suggestion is offered only
// when the typed name is within a small edit distance of a candidate, so
// a wild guess is never presented as a likely typo.
package suggest

import "strings"

// Nearest returns the candidate nearest to name (edit distance, case
// folded) when it is close enough to be a likely typo, else "".
func Nearest(name string, candidates []string) string {
	best, bestD := "", -1
	ln := strings.ToLower(name)
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := editDistance(ln, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 {
		return ""
	}
	limit := len(name)/3 + 1
	if limit > 4 {
		limit = 4
	}
	if bestD <= limit || strings.EqualFold(best, name) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
