// Package bookmark remembers, per source channel, the last event the agent
// may forget: the newest one every destination workspace has acknowledged.
//
// Why our own store instead of keeping Windows' bookmark handles: the
// position must move only after the workspace acknowledged (a spool ack can
// lag reading by seconds or, during an outage, by days), and it must survive
// kill -9. A Windows bookmark is fully described by its XML,
//
//	<BookmarkList><Bookmark Channel='Security' RecordId='1938471' IsCurrent='true'/></BookmarkList>
//
// so we keep (channel, record ID) pairs ourselves, persist them atomically,
// and hand wevtapi the XML rendered from them at start (EvtCreateBookmark).
// EVTX and XML file sources use the same positions.
//
// Promises: after Save returns, a crash leaves either the previous or the new
// set of positions on disk, never a mix or a torn file; Load of a missing
// file yields an empty store (start from the oldest record).
package bookmark
