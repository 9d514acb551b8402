//go:build !linux

package netns

import (
	"errors"
	"time"
)

// Do needs Linux (setns); New skips or fails before a test gets here.
func (l *Lab) Do(host string, f func() error) error {
	return errors.New("netns: namespaces need Linux")
}

// Delay needs Linux (setns).
func (l *Lab) Delay(host, listen, target string, d time.Duration) string {
	l.t.Helper()
	l.t.Fatal("netns: namespaces need Linux")
	return ""
}
