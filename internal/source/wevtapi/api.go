package wevtapi

import (
	"context"
	"errors"
	"syscall"
	"time"
)

// EventLog is the part of the Windows Event Log API (wevtapi.dll) a Stream
// uses, one method per call or short fixed sequence of calls, so that the
// Windows implementation (System) is a thin syscall layer and everything
// that decides — positions, resets, gaps, batch sizes, retries — runs and
// is tested on every OS against a simulated log (package evtsim).
//
// Errors are the Windows error codes as syscall.Errno (the Err* values
// below), possibly wrapped.
type EventLog interface {
	// Subscribe is EvtSubscribe in pull mode with a signal event, for the
	// events of channel matching query (a structured XPath query). With
	// bookmark == "" it starts at the oldest record
	// (EvtSubscribeStartAtOldestRecord); else after the record the
	// bookmark XML names, strictly (EvtSubscribeStartAfterBookmark |
	// EvtSubscribeStrict): when that record is gone it fails with
	// ErrNotFound, ErrQueryResultStale or ErrInvalidPosition instead of
	// silently starting somewhere else.
	Subscribe(channel, query, bookmark string) (Subscription, error)
	// OldestRecord is the channel's EvtLogOldestRecordNumber
	// (EvtOpenLog, EvtGetLogInfo): the local record number of the oldest
	// record still in the log, 0 when the log is empty.
	OldestRecord(channel string) (uint64, error)
}

// Handle is an event handle returned by Subscription.Next.
type Handle uintptr

// Subscription is one pull subscription. It is not safe for concurrent use.
type Subscription interface {
	// Next is EvtNext without timeout: it fills dst with up to len(dst)
	// event handles and returns how many. With none pending it fails with
	// ErrNoMoreItems (or, after some clears, ErrInvalidOperation or
	// ErrTimeout). It resets the signal first, so an event written after
	// the call sets it again and Wait does not miss it.
	Next(dst []Handle) (int, error)
	// Wait returns when the signal is set (new events), after d, or when
	// ctx is done (ctx.Err()).
	Wait(ctx context.Context, d time.Duration) error
	// Render is EvtRender with EvtRenderEventXml: the event's XML as UTF-8.
	Render(h Handle) ([]byte, error)
	// Bookmark is EvtUpdateBookmark of the subscription's bookmark to h and
	// EvtRender with EvtRenderBookmark: the bookmark XML naming h's local
	// record (the RecordId attribute), which for forwarded events differs
	// from the EventRecordID inside the event.
	Bookmark(h Handle) (string, error)
	// CloseEvent is EvtClose of an event handle returned by Next.
	CloseEvent(h Handle)
	// Close ends the subscription.
	Close() error
}

// The Windows error codes the Stream acts on.
const (
	ErrInsufficientBuffer = syscall.Errno(122)   // ERROR_INSUFFICIENT_BUFFER
	ErrNoMoreItems        = syscall.Errno(259)   // ERROR_NO_MORE_ITEMS
	ErrNotFound           = syscall.Errno(1168)  // ERROR_NOT_FOUND: the bookmarked record is gone
	ErrTimeout            = syscall.Errno(1460)  // ERROR_TIMEOUT
	ErrInvalidBound       = syscall.Errno(1734)  // RPC_S_INVALID_BOUND: the batch is too large for one RPC
	ErrInvalidOperation   = syscall.Errno(4317)  // ERROR_INVALID_OPERATION
	ErrInvalidQuery       = syscall.Errno(15001) // ERROR_EVT_INVALID_QUERY
	ErrChannelNotFound    = syscall.Errno(15007) // ERROR_EVT_CHANNEL_NOT_FOUND
	ErrQueryResultStale   = syscall.Errno(15011) // ERROR_EVT_QUERY_RESULT_STALE
	ErrInvalidPosition    = syscall.Errno(15012) // ERROR_EVT_QUERY_RESULT_INVALID_POSITION
)

// bookmarkGone reports whether a strict subscription failed because the
// bookmarked record no longer exists (the log was cleared or wrapped).
func bookmarkGone(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrQueryResultStale) || errors.Is(err, ErrInvalidPosition)
}

// idle reports whether an EvtNext error means "nothing to read now".
func idle(err error) bool {
	return errors.Is(err, ErrNoMoreItems) || errors.Is(err, ErrInvalidOperation) || errors.Is(err, ErrTimeout)
}
