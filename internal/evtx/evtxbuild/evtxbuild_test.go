package evtxbuild_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"wsec/internal/corpustest"
	"wsec/internal/event"
	"wsec/internal/evtx"
	"wsec/internal/evtx/evtxbuild"
)

func countEvents(t *testing.T, path string) (int, []evtx.Problem, evtx.Stats) {
	t.Helper()
	var probs []evtx.Problem
	f, err := evtx.Open(path, evtx.Options{OnProblem: func(p evtx.Problem) { probs = append(probs, p) }})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	st, err := f.Events(context.Background(), func(*event.Event) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n, probs, st
}

// TestBuildKeepsEveryRecord builds one file from several real logs and
// checks it reads cleanly with exactly the records of its sources.
func TestBuildKeepsEveryRecord(t *testing.T) {
	t.Run("fixture", func(t *testing.T) {
		checkBuildKeepsEveryRecord(t, []string{
			filepath.Join("..", "testdata", "security-4648-4624.evtx"),
			filepath.Join("..", "testdata", "capi2-chunk0-nested-userdata.evtx"),
			filepath.Join("..", "testdata", "rdp-1149-forwarded-userdata.evtx"),
			filepath.Join("..", "..", "source", "file", "testdata", "security-3chunks.evtx"),
		})
	})
	t.Run("corpus", func(t *testing.T) {
		dir := corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples")
		checkBuildKeepsEveryRecord(t, []string{filepath.Join(dir, "security.evtx"), filepath.Join(dir, "system.evtx"), filepath.Join(dir, "sysmon.evtx")})
	})
}

func checkBuildKeepsEveryRecord(t *testing.T, srcs []string) {
	want := 0
	for _, s := range srcs {
		n, _, _ := countEvents(t, s)
		want += n
	}
	out := filepath.Join(t.TempDir(), "built.evtx")
	info, err := evtxbuild.BuildFile(out, srcs, evtxbuild.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, probs, st := countEvents(t, out)
	if got != want {
		t.Errorf("built file holds %d events, sources %d", got, want)
	}
	if len(probs) != 0 {
		t.Errorf("built file reports problems: %v", probs)
	}
	if st.Chunks != info.Chunks {
		t.Errorf("reader saw %d chunks, builder wrote %d", st.Chunks, info.Chunks)
	}
	fi, _ := os.Stat(out)
	if fi.Size() != info.Bytes || info.Bytes != 4096+int64(info.Chunks)*65536 {
		t.Errorf("size %d, info %+v", fi.Size(), info)
	}
	f, err := evtx.Open(out, evtx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if h := f.Header(); !h.ChecksumOK || int(h.ChunkCount) != info.Chunks || h.LastChunk != uint64(info.Chunks-1) {
		t.Errorf("header %+v for %d chunks", h, info.Chunks)
	}
}

// TestBuildTargetSize cycles the sources up to a size and skips damaged
// chunks unless asked.
func TestBuildTargetSize(t *testing.T) {
	t.Run("fixture", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join("..", "..", "source", "file", "testdata", "security-3chunks.evtx"))
		if err != nil {
			t.Fatal(err)
		}
		b[4096+100] ^= 0xff          // chunk 0: its header's checksum fails
		b[4096+2*65536+1000] ^= 0xff // chunk 2: inside its records, so their CRC fails
		src := filepath.Join(t.TempDir(), "damaged.evtx")
		if err := os.WriteFile(src, b, 0o600); err != nil {
			t.Fatal(err)
		}
		checkBuildTargetSize(t, src)
	})
	t.Run("corpus", func(t *testing.T) {
		// Only chunk 8 of that sample is intact (the others fail CRC or signature).
		checkBuildTargetSize(t, filepath.Join(corpustest.Dir(t, "evtx", "omerbenamram-evtx", "samples"), "sample_with_a_bad_chunk_magic.evtx"))
	})
}

// checkBuildTargetSize builds from src, one intact chunk among damaged ones.
func checkBuildTargetSize(t *testing.T, src string) {
	out := filepath.Join(t.TempDir(), "big.evtx")
	info, err := evtxbuild.BuildFile(out, []string{src}, evtxbuild.Options{TargetBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if info.Chunks != 16 || info.Bytes < 1<<20 {
		t.Errorf("info %+v, want 16 chunks reaching 1 MiB", info)
	}
	if _, probs, _ := countEvents(t, out); len(probs) != 0 {
		t.Errorf("problems: %v", probs)
	}
	info, err = evtxbuild.BuildFile(out, []string{src}, evtxbuild.Options{IncludeDamaged: true, MaxChunks: 3})
	if err != nil {
		t.Fatal(err)
	}
	if info.Chunks != 3 {
		t.Errorf("MaxChunks 3 wrote %d", info.Chunks)
	}
	if _, probs, _ := countEvents(t, out); len(probs) == 0 {
		t.Error("damaged chunks copied but no problem reported")
	}
}

// TestBuildTinyTarget: a target no bigger than the file header, reached
// before any chunk was copied, must not end the build with no chunks.
func TestBuildTinyTarget(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.evtx") // a file header and no chunk
	if err := os.WriteFile(empty, append([]byte("ElfFile\x00"), make([]byte, 4088)...), 0o600); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join("..", "testdata", "security-4648-4624.evtx")
	want, _, _ := countEvents(t, src)
	out := filepath.Join(dir, "out.evtx")
	info, err := evtxbuild.BuildFile(out, []string{empty, src}, evtxbuild.Options{TargetBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if got, probs, _ := countEvents(t, out); info.Chunks == 0 || got != want || len(probs) != 0 {
		t.Errorf("info %+v: %d events (want %d), problems %v", info, got, want, probs)
	}
}
