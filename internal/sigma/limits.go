package sigma

// Limits on untrusted rule text. A rule over a limit is refused with an
// error naming it; none is near what a real rule needs (SigmaHQ's largest
// Windows rule is ~20 KB with ~40 searches).
const (
	// MaxRuleBytes bounds one rule file: YAML decoding holds it whole.
	MaxRuleBytes = 1 << 20
	// MaxRulesPerFile bounds the documents of one file.
	MaxRulesPerFile = 1000
	// MaxConditionBytes and MaxConditionTokens bound a condition's text.
	MaxConditionBytes  = 16 << 10
	MaxConditionTokens = 4096
	// MaxConditionDepth bounds nesting of parentheses and not, so that the
	// recursive-descent parser cannot exhaust the stack.
	MaxConditionDepth = 64
	// MaxVariants bounds the values one rule value expands to (windash,
	// base64offset, utf16 variants multiply).
	MaxVariants = 256
	// MaxCorrelationGroups bounds the group-by keys a correlation rule
	// tracks while hunting; past it the rule stops tracking new groups and
	// says so in its problems.
	MaxCorrelationGroups = 1 << 20
)

// UnsupportedError says why wsec cannot run a rule that is valid Sigma: an
// unmapped log source, a modifier or regular expression feature wsec does
// not implement, a placeholder without a value.
type UnsupportedError struct {
	Reason string
}

func (e *UnsupportedError) Error() string { return "unsupported: " + e.Reason }
