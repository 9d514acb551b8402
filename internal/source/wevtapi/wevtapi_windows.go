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
	procEvtUpdateBookmark = modWevtapi.NewProc("EvtUpdateBookmark")
	procEvtOpenLog        = modWevtapi.NewProc("EvtOpenLog")
	procEvtGetLogInfo     = modWevtapi.NewProc("EvtGetLogInfo")
)

const (
	evtSubscribeStartAtOldestRecord = 2
	evtSubscribeStartAfterBookmark  = 3
	evtSubscribeStrict              = 0x10000
	evtRenderEventXML               = 1
	evtRenderBookmark               = 2
	evtOpenChannelPath              = 1
	evtLogOldestRecordNumber        = 6
	evtVarTypeUInt64                = 10
)

// System returns the host's event log.
func System() EventLog { return systemLog{} }

type systemLog struct{}

type subscription struct {
	signal windows.Handle
	h      uintptr
	bm     uintptr // updated to each event for Bookmark
	buf    []uint16
}

func (systemLog) Subscribe(channel, query, bookmarkXML string) (Subscription, error) {
	if err := modWevtapi.Load(); err != nil {
		return nil, fmt.Errorf("load wevtapi.dll: %w", err)
	}
	ch, err := windows.UTF16PtrFromString(channel)
	if err != nil {
		return nil, err
	}
	q, err := windows.UTF16PtrFromString(query)
	if err != nil {
		return nil, err
	}
	var start uintptr
	flags := uintptr(evtSubscribeStartAtOldestRecord)
	if bookmarkXML != "" {
		if start, err = createBookmark(bookmarkXML); err != nil {
			return nil, err
		}
		defer procEvtClose.Call(start)
		flags = evtSubscribeStartAfterBookmark | evtSubscribeStrict
	}
	s := &subscription{buf: make([]uint16, 8192)}
	if s.bm, err = createBookmark(""); err != nil {
		return nil, err
	}
	if s.signal, err = windows.CreateEvent(nil, 1, 1, nil); err != nil {
		s.Close()
		return nil, fmt.Errorf("create signal event: %w", err)
	}
	h, _, err := procEvtSubscribe.Call(0, uintptr(s.signal), uintptr(unsafe.Pointer(ch)), uintptr(unsafe.Pointer(q)), start, 0, 0, flags)
	if h == 0 {
		s.Close()
		return nil, err
	}
	s.h = h
	return s, nil
}

// createBookmark is EvtCreateBookmark of x ("" for an empty bookmark).
func createBookmark(x string) (uintptr, error) {
	var p *uint16
	if x != "" {
		var err error
		if p, err = windows.UTF16PtrFromString(x); err != nil {
			return 0, err
		}
	}
	h, _, err := procEvtCreateBookmark.Call(uintptr(unsafe.Pointer(p)))
	if h == 0 {
		return 0, fmt.Errorf("create bookmark: %w", err)
	}
	return h, nil
}

func (systemLog) OldestRecord(channel string) (uint64, error) {
	if err := modWevtapi.Load(); err != nil {
		return 0, fmt.Errorf("load wevtapi.dll: %w", err)
	}
	ch, err := windows.UTF16PtrFromString(channel)
	if err != nil {
		return 0, err
	}
	h, _, err := procEvtOpenLog.Call(0, uintptr(unsafe.Pointer(ch)), evtOpenChannelPath)
	if h == 0 {
		return 0, fmt.Errorf("open log %s: %w", channel, err)
	}
	defer procEvtClose.Call(h)
	var v struct { // EVT_VARIANT
		value uint64
		count uint32
		typ   uint32
	}
	var used uint32
	ok, _, err := procEvtGetLogInfo.Call(h, evtLogOldestRecordNumber, unsafe.Sizeof(v), uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&used)))
	if ok == 0 {
		return 0, fmt.Errorf("oldest record of %s: %w", channel, err)
	}
	if v.typ != evtVarTypeUInt64 {
		return 0, nil // EvtVarTypeNull: an empty log
	}
	return v.value, nil
}

func (s *subscription) Next(dst []Handle) (int, error) {
	windows.ResetEvent(s.signal)
	var n uint32
	ok, _, err := procEvtNext.Call(s.h, uintptr(len(dst)), uintptr(unsafe.Pointer(&dst[0])), 0, 0, uintptr(unsafe.Pointer(&n)))
	if ok == 0 {
		return 0, err
	}
	return int(n), nil
}

func (s *subscription) Wait(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil
		}
		ev, err := windows.WaitForSingleObject(s.signal, uint32(min(left, 100*time.Millisecond)/time.Millisecond))
		if err != nil {
			return fmt.Errorf("wait for events: %w", err)
		}
		if ev == windows.WAIT_OBJECT_0 {
			return nil
		}
	}
}

func (s *subscription) Render(h Handle) ([]byte, error) {
	return s.render(uintptr(h), evtRenderEventXML)
}

func (s *subscription) Bookmark(h Handle) (string, error) {
	if ok, _, err := procEvtUpdateBookmark.Call(s.bm, uintptr(h)); ok == 0 {
		return "", fmt.Errorf("update bookmark: %w", err)
	}
	x, err := s.render(s.bm, evtRenderBookmark)
	return string(x), err
}

// render is EvtRender of h as UTF-8, growing the buffer as asked.
func (s *subscription) render(h uintptr, flags uintptr) ([]byte, error) {
	for range 4 {
		var used, props uint32
		ok, _, err := procEvtRender.Call(0, h, flags, uintptr(len(s.buf)*2),
			uintptr(unsafe.Pointer(&s.buf[0])), uintptr(unsafe.Pointer(&used)), uintptr(unsafe.Pointer(&props)))
		if ok != 0 {
			u := s.buf[:used/2]
			for len(u) > 0 && u[len(u)-1] == 0 {
				u = u[:len(u)-1]
			}
			return []byte(string(utf16.Decode(u))), nil
		}
		if !errors.Is(err, ErrInsufficientBuffer) {
			return nil, err
		}
		s.buf = make([]uint16, used/2+1)
	}
	return nil, errors.New("render: buffer kept growing")
}

func (s *subscription) CloseEvent(h Handle) { procEvtClose.Call(uintptr(h)) }

func (s *subscription) Close() error {
	for _, h := range []*uintptr{&s.h, &s.bm} {
		if *h != 0 {
			procEvtClose.Call(*h)
			*h = 0
		}
	}
	if s.signal != 0 {
		windows.CloseHandle(s.signal)
		s.signal = 0
	}
	return nil
}
