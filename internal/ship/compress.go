package ship

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// compressor encodes batch bodies. It is used by one goroutine (the
// Shipper's) and reuses its state between batches.
type compressor interface {
	compress(dst, src []byte) ([]byte, error)
	close()
}

// Levels, measured on 5 MB batches of realistic 4624 events (framed binary
// form) on a 2-core EPYC: zstd SpeedFastest 711 MB/s at 21.8x, SpeedDefault
// 139 MB/s at 22.4x, SpeedBetterCompression 181 MB/s at 25.0x; gzip
// BestSpeed 239 MB/s at 17.8x, default 139 MB/s at 21.6x. Windows events
// are so repetitive that the fastest levels give away almost nothing, and
// the agent's CPU is the endpoint's, so both use their fastest level.
func newCompressor(c Compression) (compressor, error) {
	switch c {
	case S2:
		return s2Compressor{}, nil
	case Gzip:
		w, err := gzip.NewWriterLevel(nil, gzip.BestSpeed)
		if err != nil {
			return nil, fmt.Errorf("gzip writer: %w", err)
		}
		return &gzipCompressor{w: w}, nil
	default:
		// Concurrency 1: EncodeAll runs on the caller's goroutine only.
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd encoder: %w", err)
		}
		return &zstdCompressor{enc: enc}, nil
	}
}

// s2Compressor writes one S2 block (the workspace checks its declared
// length before allocating). The same 5 MB batch of synthetic events
// (BenchmarkCompress, one run, loaded 2-core machine): zstd SpeedFastest
// 1750 ns/event at 37 wire bytes per event, S2 480 ns/event at 56; the
// workspace decodes them in 520 and 210 ns/event. An agent shipping to a
// workspace on the same machine spends about 40 % of its CPU compressing
// with zstd (issue 14's profiles); with s2, 500k synthetic events to a real
// `wsec serve`, 5 alternated pairs at load 7-14: the agent's CPU per
// million events 3.56 → 2.90 s (median; lower in every pair), the
// server's within noise (10.6 vs 11.8 s, pairs either way).
type s2Compressor struct{}

func (s2Compressor) compress(dst, src []byte) ([]byte, error) {
	return s2.Encode(dst[:cap(dst)], src), nil
}

func (s2Compressor) close() {}

type zstdCompressor struct{ enc *zstd.Encoder }

func (z *zstdCompressor) compress(dst, src []byte) ([]byte, error) {
	return z.enc.EncodeAll(src, dst[:0]), nil
}

func (z *zstdCompressor) close() { _ = z.enc.Close() }

type gzipCompressor struct {
	w   *gzip.Writer
	buf bytes.Buffer
}

func (g *gzipCompressor) compress(dst, src []byte) ([]byte, error) {
	g.buf = *bytes.NewBuffer(dst[:0])
	g.w.Reset(&g.buf)
	if _, err := g.w.Write(src); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := g.w.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return g.buf.Bytes(), nil
}

func (g *gzipCompressor) close() {}
