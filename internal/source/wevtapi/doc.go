// Package wevtapi reads live Windows event log channels (Security,
// Microsoft-Windows-AppLocker/*, ...) through the Windows Event Log API:
// EvtSubscribe in pull mode with a signal event, EvtNext in batches, and
// EvtRender to event XML, which the caller parses (package eventxml) into
// events.
//
// Why pull mode and XML rendering: pull mode lets the agent stop reading when
// its spool is full (back-pressure; the bookmark stays behind) instead of
// buffering callbacks, and rendered XML is the one form whose parser we also
// run on Linux, so everything after this thin layer is tested everywhere.
// Values-only rendering (EvtRenderEventValues) would be faster but gives no
// EventData names without a per-provider metadata lookup.
//
// Positions: a subscription starts after a bookmark.Position (rendered as
// Windows bookmark XML for EvtCreateBookmark), or at the oldest record when
// there is none. If the bookmarked record is gone (log cleared or wrapped),
// Windows starts at the oldest record still present; the workspace drops what
// it already has.
//
// On other operating systems Subscribe returns ErrUnsupported.
package wevtapi
