package filter

// Limits bound what a policy from the workspace can make an agent spend. A
// DCR arrives over the network, so a hostile or broken one must fail to
// compile rather than exhaust an endpoint's memory or stack. Each limit, when
// hit, fails compilation with an error naming it; nothing is truncated.
const (
	// DefaultMaxQueryBytes bounds the text of one query ("Channel!XPath" or a
	// QueryList document). Real DCR queries are well under 4 KiB; 64 KiB
	// leaves room for generated ID lists while keeping compile memory small.
	DefaultMaxQueryBytes = 64 << 10

	// DefaultMaxQueries bounds the queries in one policy. Azure caps a DCR's
	// data sources far lower; 1024 only stops runaway generated configs.
	DefaultMaxQueries = 1024

	// maxNesting bounds the depth of parentheses, predicates and function
	// arguments. The parser and the compiled matcher recurse once per level,
	// so this is what keeps a crafted "((((...": from exhausting the stack.
	// Windows queries nest 3-4 levels.
	maxNesting = 32

	// maxExprNodes bounds the expression nodes (comparisons, paths, calls,
	// literals) in one XPath, so evaluation cost per event is bounded too.
	// 4096 is far above the 22-term queries Windows itself accepts.
	maxExprNodes = 4096

	// maxStepPredicates bounds the predicates on one location step; position
	// counters for them live in a fixed array on the stack so matching does
	// not allocate.
	maxStepPredicates = 8

	// maxQueryListQueries bounds the <Query>, <Select> and <Suppress>
	// elements of one QueryList document.
	maxQueryListElements = 256
)
