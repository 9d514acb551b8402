package main

import (
	"fmt"
	"os"
	"sync"
)

// maxLogBytes bounds the log file: at this size it is renamed to
// <name>.1 (replacing the previous one) and a new one started, so the log
// takes at most twice this on an endpoint's disk.
const maxLogBytes = 16 << 20

// rotating is an append-only file that rotates at a size. Safe for
// concurrent use.
type rotating struct {
	path string
	max  int64

	mu   sync.Mutex
	f    *os.File
	size int64
}

func openRotating(path string, max int64) (*rotating, error) {
	r := &rotating{path: path, max: max}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *rotating) open() error {
	f, err := os.OpenFile(r.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log file: %w", err)
	}
	r.f, r.size = f, st.Size()
	return nil
}

func (r *rotating) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size+int64(len(p)) > r.max && r.size > 0 {
		// Close before renaming: Windows cannot rename an open file.
		r.f.Close()
		r.f = nil
		if err := os.Rename(r.path, r.path+".1"); err != nil && !os.IsNotExist(err) {
			// Keep logging into the same file rather than lose the line.
			fmt.Fprintf(os.Stderr, "wsec-agent: rotate log %s: %v\n", r.path, err)
		}
		if err := r.open(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

func (r *rotating) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
