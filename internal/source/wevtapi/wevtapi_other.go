//go:build !windows

package wevtapi

import "context"

// Subscription is unavailable off Windows.
type Subscription struct{}

// Subscribe returns ErrUnsupported off Windows.
func Subscribe(Options) (*Subscription, error) { return nil, ErrUnsupported }

// Next returns ErrUnsupported off Windows.
func (*Subscription) Next(context.Context, [][]byte) ([][]byte, error) { return nil, ErrUnsupported }

// Close does nothing off Windows.
func (*Subscription) Close() error { return nil }
