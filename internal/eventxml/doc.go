// Package eventxml reads rendered Windows event XML into event.Event: what
// `wevtutil qe <log> /f:xml` and `/f:RenderedXml` print, what
// `Get-WinEvent | % ToXml()` returns, what Windows Event Forwarding
// collectors export, and what EVTX tools (evtxexport, python-evtx) print.
//
// # Input
//
// NewReader accepts one <Event>, events one after another (wevtutil prints
// them with no root and no separator; other tools put whitespace or blank
// lines between them), or events inside <Events> wrappers (which may repeat
// and nest), with optional XML declarations and comments between them. The
// input may start with a UTF-8 BOM, or be UTF-16LE/BE with a BOM (Windows
// PowerShell's ">" and Out-File) or without one (recognised by the zero byte
// beside the leading '<'). The namespace of <Event> is not checked.
//
// From each event it reads (see event.Event for the fields):
//   - System: Provider Name/Guid/EventSourceName, EventID and Qualifiers (a
//     32-bit EventID is split into Qualifiers and ID as the event log does),
//     Version, Level, Task, Opcode, Keywords (decimal or 0x-hex),
//     TimeCreated/@SystemTime (1–9 fractional digits, "Z", an offset, or no
//     zone, "T" or space; truncated to 100 ns), EventRecordID,
//     Correlation, Execution ProcessID/ThreadID, Channel, Computer,
//     Security/@UserID. Empty attributes (python-evtx writes Qualifiers="")
//     mean absent.
//   - EventData: <Data Name="X"> in document order, unnamed <Data> with
//     Name "", <Binary>. A <Data> holding child elements (evtxexport prints
//     some XML-looking strings unescaped) gets its raw inner XML as value.
//   - UserData: the wrapper's local name and namespace, its descendants
//     flattened into fields named by their path below the wrapper
//     ("Params/Param"); attributes, which CAPI2 uses for all its data, become
//     "path/@attr" fields ("Result/@value"). See parser.flatten for the
//     exact rule.
//   - RenderingInfo: Culture, Message, Level, Task, Opcode, Channel,
//     Provider, Keywords/Keyword.
//
// ProcessingErrorData, DebugData and BinaryEventData have no place in
// event.Event and are skipped.
//
// Values are kept exactly as written once references are resolved: "-"
// stays "-", surrounding whitespace stays, and unlike a conforming XML
// processor the reader does not normalise line ends or attribute
// whitespace, because Windows values carry CR LF and detection content
// compares them byte for byte. Invalid UTF-8 is passed through as is.
//
// # Errors and recovery
//
// Next returns io.EOF at the end, or an *Error naming the 1-based ordinal of
// the top-level element and its byte offset. Recoverable (Error.Fatal false:
// the next call goes on with the next element):
//   - a malformed event (mismatched or broken tags, an undefined entity, an
//     unparsable System value, no <System>): the event is skipped whole;
//   - an event over a limit (MaxEventBytes, MaxDepth, MaxValueBytes,
//     MaxFields, MaxAttrs, MaxNameBytes): skipped whole, without buffering
//     the rest of it;
//   - an <Event> that never ends because another <Event> starts inside it
//     (a truncated file followed by more events): the cut-off one is
//     reported, the new one is read;
//   - stray text, CDATA, an unexpected element or end tag between events:
//     reported once and skipped;
//   - input that ends inside an event: reported, then io.EOF.
//
// Fatal (every later call returns the same error): a read error, and a
// DOCTYPE or any other markup declaration (ErrDTD).
//
// Reader.Offset gives the offset just past the last event, for resuming a
// file after a restart. Returned events share no memory with the reader's
// buffers.
//
// # Security
//
// Input is untrusted (files from compromised hosts, forwarded events). The
// reader never expands entities beyond &lt; &gt; &amp; &quot; &apos; and
// character references, refuses DTDs outright (so neither billion-laughs
// nor external entities can be expressed), and bounds every cost by the
// limits in limits.go: memory is at most about MaxEventBytes plus one read
// chunk whatever the input, and parsing is linear in the input. It never
// panics on any input (FuzzEventXML).
//
// # Why not encoding/xml
//
// encoding/xml (Strict, behind a bounded reader) would be correct for the
// well-formed part of the dialect, but: it allocates per token and per
// attribute and resolves namespaces we do not need; it normalises line ends,
// which changes values; it refuses python-evtx's version="1.1" declaration;
// it lets DOCTYPEs through as tokens (refusing them would be up to us); and
// once it reports a syntax error it cannot go on with the next event, so one
// bad event would cost the rest of a file. Rendered event XML is a small,
// regular dialect, so the package has its own tokenizer in two stages:
//
//   - the framer (frame.go) cuts the stream into top-level elements with a
//     resumable byte scanner that tracks only tag boundaries, quotes and
//     depth. It holds at most one event, never more than MaxEventBytes, can
//     skip anything it refuses without buffering it, and decides the same
//     whatever the read boundaries (FuzzEventXML checks this);
//   - the parser (token.go, parse.go, system.go, payload.go, rendering.go)
//     tokenizes one complete event in place and collects every string into a
//     single arena, so an event costs three or four allocations however many
//     fields it has; strings that repeat from event to event (provider,
//     channel, computer, field names) are shared through a bounded table.
//
// Measured (BenchmarkReader vs BenchmarkStdXML, the same mapping built on
// encoding/xml in stdxml_test.go) on the 4,300 real Security events of the
// corpus' two largest Security logs as evtxexport prints them (7.1 MB), in
// CPU time on a shared 2-core AMD EPYC: this reader 35 ms per pass (about
// 200 MB/s, 120,000 events/s, 3 allocations and 1.2 KB per event);
// encoding/xml 173 ms (41 MB/s, 25,000 events/s, 400 allocations and 14 KB
// per event). UTF-16 input adds about a third. Wall-clock benchmark output on
// that machine varies by a factor of two or more with load; the ratio holds.
// The second stage is checked against encoding/xml on every fixture, on the
// corpus (TestCorpusEvtxexport) and by the fuzzer.
package eventxml
