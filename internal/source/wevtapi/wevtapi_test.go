package wevtapi

import (
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	o := Options{Channel: "Security"}.withDefaults()
	if o.Query != "*" || o.BatchSize != 256 || o.Wait != 500*time.Millisecond {
		t.Errorf("defaults = %+v", o)
	}
}

func TestUnsupportedOffWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("live subscription is exercised on Windows hosts")
	}
	if _, err := Subscribe(Options{Channel: "Security"}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Subscribe off Windows: err = %v, want ErrUnsupported", err)
	}
}
