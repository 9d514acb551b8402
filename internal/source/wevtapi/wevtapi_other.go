//go:build !windows

package wevtapi

// System returns the host's event log; off Windows every call fails with
// ErrUnsupported.
func System() EventLog { return unsupported{} }

type unsupported struct{}

func (unsupported) Subscribe(string, string, string) (Subscription, error) {
	return nil, ErrUnsupported
}

func (unsupported) OldestRecord(string) (uint64, error) { return 0, ErrUnsupported }
