package ship

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// compressor encodes batch bodies. It is used by one goroutine (the
// Shipper's) and reuses its state between batches.
type compressor interface {
	compress(dst, src []byte) ([]byte, error)
	close()
}

func newCompressor(c Compression) (compressor, error) {
	switch c {
	case Gzip:
		w, err := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
		if err != nil {
			return nil, fmt.Errorf("gzip writer: %w", err)
		}
		return &gzipCompressor{w: w}, nil
	default:
		// SpeedDefault (zstd level 3): ~10x on Security events at several
		// hundred MB/s; one encoder goroutine-free (concurrency 1).
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd encoder: %w", err)
		}
		return &zstdCompressor{enc: enc}, nil
	}
}

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
