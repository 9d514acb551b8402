package ship

import (
	"os"
	"path/filepath"
	"testing"
)

// A park cut short by a crash leaves an atomicfile temp file; reopening the
// directory removes it and does not count it against the limit.
func TestDeadLetterDropsCrashTemps(t *testing.T) {
	dir := t.TempDir()
	d, err := openDeadLetter(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("batch body")
	if err := d.park(deadLetterMeta{Seq: 7, LastSeq: 9, Records: 3}, body); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "00000000000000000010-00000000000000000012"+deadLetterBodySuffix+".tmp-123456")
	if err := os.WriteFile(stale, make([]byte, 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	d2, err := openDeadLetter(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temp file still there (stat err %v)", err)
	}
	if d2.used != d.used {
		t.Fatalf("reopened dir counts %d bytes, the parked batch took %d", d2.used, d.used)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("dir holds %d files, want the body and its .json", len(entries))
	}
}
