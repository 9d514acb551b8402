package ship

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"wsec/internal/atomicfile"
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
		// A temp file of a park cut short by a crash (atomicfile names
		// them "<name>.tmp-<random>").
		if strings.Contains(e.Name(), ".tmp") {
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
	if err := atomicfile.WriteFile(filepath.Join(d.dir, base+deadLetterBodySuffix), body, 0o600); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(d.dir, base+deadLetterMetaSuffix), mb, 0o600); err != nil {
		return err
	}
	d.used += size
	return nil
}
