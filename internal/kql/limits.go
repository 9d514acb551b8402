package kql

// Limits bound the work a single query can make the compiler do. Queries come
// from analysts and from rule content over the network, so every recursion and
// every list is capped; hitting a cap is a positioned error, never a panic or
// a stack overflow.
const (
	// MaxQueryBytes is the longest query text accepted. The longest Sentinel
	// rule in the corpus is under 8 KiB; 1 MiB leaves room for generated
	// queries with long literal lists while keeping lexing trivially cheap.
	MaxQueryBytes = 1 << 20

	// MaxNestingDepth caps parser recursion (parentheses, nested calls,
	// nested pipelines, dynamic literals). Past it the parser reports
	// "expression nested too deeply" instead of growing the Go stack.
	MaxNestingDepth = 200

	// MaxErrors is how many errors one parse or check reports before it
	// stops; later errors are usually consequences of earlier ones.
	MaxErrors = 10

	// MaxFunctionExpansion caps how deep user-defined functions may call
	// each other while they are inlined; it stops recursive lets.
	MaxFunctionExpansion = 32

	// MaxPlanNodes caps the size of the checked plan (after inlining lets and
	// functions), so a small query cannot expand into a huge one.
	MaxPlanNodes = 20000

	// MaxSeriesPoints caps the points make-series may produce per row, and
	// range the rows it may produce when its bounds are constants.
	MaxSeriesPoints = 100000
)
