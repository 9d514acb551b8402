package wevtapi

import "errors"

// ErrUnsupported is returned by System's Subscribe on operating systems
// without the Windows Event Log.
var ErrUnsupported = errors.New("live event log channels can only be read on Windows; use an EVTX, XML or synthetic source here")
