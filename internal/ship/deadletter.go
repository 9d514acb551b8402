package ship

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// deadLetter keeps batches the workspace rejected, so that nothing is lost
// silently: an operator can inspect them and replay them (the files are
// plain batch bodies, FORMAT.md "Dead letters").
type deadLetter struct {
	dir string
	max int64

	mu   sync.Mutex
	used int64
}

const (
	deadLetterBodySuffix = ".wsecbatch"
	deadLetterMetaSuffix = ".json"
)

func openDeadLetter(dir string, max int64) (*deadLetter, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create dead-letter dir %s: %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list dead-letter dir %s: %w", dir, err)
	}
	d := &deadLetter{dir: dir, max: max}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			_ = os.Remove(filepath.Join(dir, e.Name()))
			continue
		}
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			d.used += info.Size()
		}
	}
	return d, nil
}

// deadLetterMeta is the .json beside a parked batch.
type deadLetterMeta struct {
	Workspace string    `json:"workspace"`
	Sender    string    `json:"sender"`
	Seq       uint64    `json:"seq"`
	LastSeq   uint64    `json:"lastSeq"`
	Records   int       `json:"records"`
	Status    int       `json:"status,omitempty"`
	Reason    string    `json:"reason"`
	Time      time.Time `json:"time"`
}

// park stores body and its metadata durably, or returns errDeadLetterFull.
func (d *deadLetter) park(meta deadLetterMeta, body []byte) error {
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("encode dead-letter metadata: %w", err)
	}
	size := int64(len(body) + len(mb))
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.used+size > d.max {
		return fmt.Errorf("park batch %d (%d bytes; %d of %d used): %w", meta.Seq, size, d.used, d.max, errDeadLetterFull)
	}
	base := fmt.Sprintf("%020d-%020d", meta.Seq, meta.LastSeq)
	// Body first: a .json always has its body.
	if err := writeFileAtomic(d.dir, base+deadLetterBodySuffix, body); err != nil {
		return err
	}
	if err := writeFileAtomic(d.dir, base+deadLetterMetaSuffix, mb); err != nil {
		return err
	}
	d.used += size
	return nil
}

// writeFileAtomic: temp file, fsync, rename, fsync the directory.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	if runtime.GOOS == "windows" {
		return nil // NTFS journals the rename; a directory cannot be fsynced
	}
	df, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir %s for fsync: %w", dir, err)
	}
	serr = df.Sync()
	cerr = df.Close()
	if err := errors.Join(serr, cerr); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}
