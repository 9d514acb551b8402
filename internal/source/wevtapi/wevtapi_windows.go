//go:build windows

package wevtapi

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"
	"unsafe"

	"golang.org/x/sys/windows"

	"wsec/internal/bookmark"
)

// The wevtapi entry points, resolved lazily from the system directory only
// (never the current directory), as golang.org/x/sys/windows does for its
// own bindings; x/sys has no bindings for the Event Log API.
var (
	modWevtapi            = windows.NewLazySystemDLL("wevtapi.dll")
	procEvtSubscribe      = modWevtapi.NewProc("EvtSubscribe")
	procEvtNext           = modWevtapi.NewProc("EvtNext")
	procEvtRender         = modWevtapi.NewProc("EvtRender")
	procEvtClose          = modWevtapi.NewProc("EvtClose")
	procEvtCreateBookmark = modWevtapi.NewProc("EvtCreateBookmark")
)

const (
	evtSubscribeStartAtOldestRecord = 2
	evtSubscribeStartAfterBookmark  = 3
	evtRenderEventXML               = 1

	errNoMoreItems        = windows.Errno(259)
	errInsufficientBuffer = windows.Errno(122)
	errInvalidOperation   = windows.Errno(4317) // subscription ended (channel cleared)
)

// Subscription is a pull subscription to one channel. It is not safe for
// concurrent use.
type Subscription struct {
	o       Options
	signal  windows.Handle
	h       uintptr
	handles []uintptr
	buf     []uint16
}

// Subscribe starts reading o.Channel after o.After (or from the oldest
// record).
func Subscribe(o Options) (*Subscription, error) {
	o = o.withDefaults()
	if err := modWevtapi.Load(); err != nil {
		return nil, fmt.Errorf("load wevtapi.dll: %w", err)
	}
	sig, err := windows.CreateEvent(nil, 1, 1, nil)
	if err != nil {
		return nil, fmt.Errorf("create signal event: %w", err)
	}
	s := &Subscription{o: o, signal: sig, handles: make([]uintptr, o.BatchSize), buf: make([]uint16, 8192)}
	channel, err := windows.UTF16PtrFromString(o.Channel)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("channel %q: %w", o.Channel, err)
	}
	query, err := windows.UTF16PtrFromString(o.Query)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("query %q: %w", o.Query, err)
	}
	var bm uintptr
	flags := uintptr(evtSubscribeStartAtOldestRecord)
	if o.After != nil {
		x, err := windows.UTF16PtrFromString(bookmark.XML(*o.After))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("bookmark for %s: %w", o.Channel, err)
		}
		bm, _, err = procEvtCreateBookmark.Call(uintptr(unsafe.Pointer(x)))
		if bm == 0 {
			s.Close()
			return nil, fmt.Errorf("create bookmark for %s at record %d: %w", o.Channel, o.After.RecordID, err)
		}
		defer procEvtClose.Call(bm)
		flags = evtSubscribeStartAfterBookmark
	}
	h, _, err := procEvtSubscribe.Call(0, uintptr(sig), uintptr(unsafe.Pointer(channel)),
		uintptr(unsafe.Pointer(query)), bm, 0, 0, flags)
	if h == 0 {
		s.Close()
		return nil, fmt.Errorf("subscribe to channel %q with query %q: %w (check the channel exists and the agent runs as LocalSystem or a member of Event Log Readers)", o.Channel, o.Query, err)
	}
	s.h = h
	return s, nil
}

// Next appends to dst the XML of up to BatchSize pending events, in record
// order. When none are pending it waits up to Options.Wait (or until ctx is
// done) and may return dst unchanged.
func (s *Subscription) Next(ctx context.Context, dst [][]byte) ([][]byte, error) {
	// Reset before EvtNext: an event arriving after this sets the signal
	// again, so no wake-up is lost between "no more items" and the wait.
	windows.ResetEvent(s.signal)
	var n uint32
	ok, _, err := procEvtNext.Call(s.h, uintptr(len(s.handles)), uintptr(unsafe.Pointer(&s.handles[0])),
		0, 0, uintptr(unsafe.Pointer(&n)))
	if ok == 0 {
		switch {
		case errors.Is(err, errNoMoreItems):
			return dst, s.wait(ctx)
		case errors.Is(err, errInvalidOperation):
			return dst, fmt.Errorf("subscription to %s ended (was the log cleared?): %w", s.o.Channel, err)
		}
		return dst, fmt.Errorf("read next events of %s: %w", s.o.Channel, err)
	}
	var firstErr error
	for _, h := range s.handles[:n] {
		x, err := s.render(h)
		procEvtClose.Call(h)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		dst = append(dst, x)
	}
	return dst, firstErr
}

func (s *Subscription) wait(ctx context.Context) error {
	deadline := time.Now().Add(s.o.Wait)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		slice := min(left, 100*time.Millisecond)
		ev, err := windows.WaitForSingleObject(s.signal, uint32(slice/time.Millisecond))
		if err != nil {
			return fmt.Errorf("wait for events of %s: %w", s.o.Channel, err)
		}
		if ev == windows.WAIT_OBJECT_0 {
			return nil
		}
	}
}

// render returns the event's XML as UTF-8.
func (s *Subscription) render(h uintptr) ([]byte, error) {
	for range 4 {
		var used, props uint32
		ok, _, err := procEvtRender.Call(0, h, evtRenderEventXML, uintptr(len(s.buf)*2),
			uintptr(unsafe.Pointer(&s.buf[0])), uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
		if ok != 0 {
			u := s.buf[:used/2]
			for len(u) > 0 && u[len(u)-1] == 0 {
				u = u[:len(u)-1]
			}
			return []byte(string(utf16.Decode(u))), nil
		}
		if !errors.Is(err, errInsufficientBuffer) {
			return nil, fmt.Errorf("render event of %s: %w", s.o.Channel, err)
		}
		s.buf = make([]uint16, used/2+1)
	}
	return nil, fmt.Errorf("render event of %s: buffer kept growing", s.o.Channel)
}

// Close ends the subscription.
func (s *Subscription) Close() error {
	if s.h != 0 {
		procEvtClose.Call(s.h)
		s.h = 0
	}
	if s.signal != 0 {
		windows.CloseHandle(s.signal)
		s.signal = 0
	}
	return nil
}
