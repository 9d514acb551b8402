package eventxml

// Default limits. Each bounds what one hostile or broken input can cost the
// reader; each can be overridden in Options. When a limit is hit the event is
// refused with a *LimitError (errors.Is(err, ErrLimit)) and the reader skips
// to the end of that event without buffering it.
const (
	// DefaultMaxValueBytes bounds one decoded value: element text or an
	// attribute value. Windows caps a single event at 64 KiB of payload in the
	// EVTX format and the largest real values (PowerShell 4104 script blocks,
	// CAPI2 certificate dumps) stay well below that; 1 MiB leaves room for
	// forwarded and re-rendered events while keeping one value from pinning
	// memory.
	DefaultMaxValueBytes = 1 << 20

	// DefaultMaxEventBytes bounds the raw XML of one <Event> element, which
	// the reader must hold in memory whole before parsing it. Rendered events
	// are a few KiB; RenderingInfo messages and UserData dumps reach tens of
	// KiB. 16 MiB is the reader's worst-case buffer.
	DefaultMaxEventBytes = 16 << 20

	// DefaultMaxDepth bounds element nesting, counting <Events> wrappers and
	// <Event> itself. Real events nest at most ~8 deep (Event/UserData/
	// wrapper/CAPI2 chains); 64 refuses nesting bombs long before the
	// parser's recursion could matter.
	DefaultMaxDepth = 64

	// DefaultMaxFields bounds the payload fields (Data, UserData leaves and
	// attributes, RenderingInfo keywords) of one event. Security events carry
	// up to ~30 Data fields and the EVTX format cannot express more than a
	// few thousand substitutions; 4096 bounds the []event.Field a single
	// event can allocate.
	DefaultMaxFields = 4096

	// DefaultMaxAttrs bounds the attributes on one element. The widest real
	// element (CAPI2 RegPolicySetting) has about ten; 64 keeps attribute
	// bookkeeping and the duplicate check small.
	DefaultMaxAttrs = 64

	// DefaultMaxNameBytes bounds an element or attribute name. EVTX stores
	// names with a 16-bit UTF-16 length and real ones are under 64 bytes;
	// 256 refuses garbage without cost.
	DefaultMaxNameBytes = 256
)

// Internal bounds that are not worth an option.
const (
	// readChunkBytes is how much the reader asks its source for at a time.
	readChunkBytes = 64 << 10

	// internMaxEntries and internMaxBytes bound the per-Reader table that
	// shares repeated strings (provider, channel, computer, field names)
	// between events. Past the bound new strings are simply not shared.
	internMaxEntries = 4096
	internMaxBytes   = 128
)
