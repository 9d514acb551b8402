package schema

// Limits of the mapping. Events themselves are bounded upstream (the decoders
// cap fields per event and bytes per value); these bound what this package
// adds on top.
const (
	// maxTableColumns caps the columns of a built-in table. The mapper marks
	// the columns a row has set in a fixed-size bitset on the stack (no
	// allocation per event), which holds this many. NewMapper panics with a
	// BUG message if a table outgrows it: that is a programming error in this
	// package, not bad input.
	maxTableColumns = 512

	// dupScanFields is the number of payload fields up to which DataJSON finds
	// repeated field names by scanning the fields before each one (no
	// allocation, quadratic). Above it a map is used: one allocation, linear.
	// Real events have 0-40 fields; the scan of 64 is ~2k short compares.
	dupScanFields = 64

	// maxUserDataDepth caps the nesting rendered for UserData fields whose
	// names are paths ("Params/Param"). Deeper path segments are joined into
	// the leaf name with "/", so the output stays well-formed and bounded.
	maxUserDataDepth = 8
)
