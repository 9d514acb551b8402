package spool

import (
	"os"

	"wsec/internal/atomicfile"
)

// fsyncFile flushes f to stable storage (FlushFileBuffers on Windows).
func fsyncFile(f *os.File, o Options) error {
	if o.skipFsync {
		return nil
	}
	return f.Sync()
}

// syncDir makes the creation, rename or removal of a file in dir durable
// (a no-op on Windows, where NTFS journals those itself).
func syncDir(dir string, o Options) error {
	if o.skipFsync {
		return nil
	}
	return atomicfile.SyncDir(dir)
}
