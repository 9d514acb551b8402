package spool

import "os"

// fsyncFile flushes f to stable storage (FlushFileBuffers on Windows).
func fsyncFile(f *os.File, o Options) error {
	if o.skipFsync {
		return nil
	}
	return f.Sync()
}
