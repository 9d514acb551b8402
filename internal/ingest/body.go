package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"wsec/internal/server"
)

// maxZstdWindowBytes bounds the zstd window a client may ask for. The
// decoder allocates the window as soon as it reads a frame header, so a
// larger bound would let a body of a few bytes cost that much memory.
// 8 MiB is the window of zstd levels up to 19 and of every level of the
// Go encoder the agent uses; --ultra levels and --long are refused.
const maxZstdWindowBytes = 8 << 20

// newZstdReader returns a streaming decoder for one request: it starts no
// goroutine, refuses windows beyond maxZstdWindowBytes and frames declaring
// more than max bytes, and holds nothing once closed.
func newZstdReader(max int64) (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(uint64(max)),
		zstd.WithDecoderMaxWindow(maxZstdWindowBytes),
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true))
}

// errInflatedTooLarge: the decompressed body passed its bound.
var errInflatedTooLarge = errors.New("decompressed body too large")

// inflate decompresses r in two passes (reset restarts its output): the
// first counts the output, stopping as soon as it passes limit, without
// keeping any of it; the second reads it into a buffer of exactly that
// size. So a bomb costs CPU for at most limit bytes and no memory beyond
// the decoder's, and a valid body is allocated once.
func inflate(r io.Reader, reset func() error, limit int64) ([]byte, error) {
	n, err := io.Copy(io.Discard, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if n > limit {
		return nil, errInflatedTooLarge
	}
	if err := reset(); err != nil {
		return nil, err
	}
	out := make([]byte, n)
	if _, err := io.ReadFull(r, out); err != nil {
		return nil, err
	}
	return out, nil
}

// newZstdDecodeAll returns the decoder the one-pass path shares between
// requests: DecodeAll on it is safe for concurrent use by up to slots
// requests (one block decoder each, built once instead of per request:
// their tables were most of a batch's decode time), and with the cap
// limit it writes no more than the capacity it is given.
func newZstdDecodeAll(slots int, max int64) (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(uint64(max)),
		zstd.WithDecoderMaxWindow(maxZstdWindowBytes),
		zstd.WithDecoderConcurrency(slots),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderLowmem(true))
}

// inflateZstd decompresses raw. A body that declares its size (the
// agent's do) is decoded in one pass by the shared decoder straight into a
// buffer of that size, which the decoder will not grow; any other body,
// or one that pass fails on, goes through inflate with a decoder of its
// own (its window buffers are not kept between requests), whose answer
// stands.
func inflateZstd(shared *zstd.Decoder, raw []byte, limit int64) ([]byte, error) {
	if declared := zstdDeclaredSize(raw); declared >= 0 && declared <= limit {
		out, err := shared.DecodeAll(raw, make([]byte, 0, declared))
		if err == nil {
			return out, nil
		}
		// More than declared (several frames), or damage: the general
		// path decides.
	}
	zr, err := newZstdReader(limit)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	reset := func() error { return zr.Reset(bytes.NewReader(raw)) }
	if err := reset(); err != nil {
		return nil, err
	}
	return inflate(zr, reset, limit)
}

// inflateS2 decodes raw, one S2 block (github.com/klauspost/compress/s2,
// block format: uvarint(decoded length) then the compressed data). The
// length is checked against limit before anything is allocated, and the
// output is allocated once, at that length. The block format has no
// checksum of its own: what detects a damaged body is the body's SHA-256,
// which wsec's agents sign (WsecKey) and admit checks before decoding, or
// the transport. Decoding costs 0.4x zstd's CPU (ship/compress.go).
func inflateS2(raw []byte, limit int64) ([]byte, error) {
	n, err := s2.DecodedLen(raw)
	if err != nil {
		return nil, err
	}
	if int64(n) > limit {
		return nil, errInflatedTooLarge
	}
	return s2.Decode(make([]byte, n), raw)
}

// zstdDeclaredSize is the content size the first zstd frame of raw
// declares, -1 when it declares none.
func zstdDeclaredSize(raw []byte) int64 {
	var hdr zstd.Header
	if hdr.Decode(raw) != nil || !hdr.HasFCS || hdr.FrameContentSize > math.MaxInt64 {
		return -1
	}
	return int64(hdr.FrameContentSize)
}

// readBody reads the body as sent within BodyTimeout, refusing more than
// MaxBodyBytes (admit has refused a larger Content-Length already).
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	max := h.limits.MaxBodyBytes
	// The deadline is on the connection, in wall-clock time. A writer
	// without deadlines (httptest.ResponseRecorder) reads unbounded.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.limits.BodyTimeout))
	body, err := server.ReadBody(w, r, max)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(-1, max)
		}
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			return nil, refused(http.StatusRequestTimeout, codeRequestTimeout, "body_timeout",
				"the body did not arrive within %s; send it at once, or in smaller batches on a slow link", h.limits.BodyTimeout)
		}
		return nil, refused(http.StatusBadRequest, codeInvalidDataFormat, "read_error",
			"the request body could not be read (%v); send the whole body with a correct Content-Length", err)
	}
	return body, nil
}

func tooLarge(n, max int64) *refusal {
	if n >= 0 {
		return refused(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "body_too_large",
			"the body is %d bytes, more than the %d allowed; split the data into smaller requests", n, max)
	}
	return refused(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "body_too_large",
		"the body is more than the %d bytes allowed; split the data into smaller requests", max)
}

type encoding uint8

const (
	encIdentity encoding = iota
	encGzip
	encZstd
	encS2
)

// parseEncoding reads Content-Encoding.
func parseEncoding(s string) (encoding, *refusal) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "identity":
		return encIdentity, nil
	case "gzip", "x-gzip":
		return encGzip, nil
	case "zstd":
		return encZstd, nil
	case "s2":
		return encS2, nil
	}
	return 0, refused(http.StatusBadRequest, codeUnsupportedEncoding, "unsupported_encoding",
		"Content-Encoding %q is not supported; send zstd, s2, gzip or no encoding", clip(s))
}

// decompress undoes the encoding as a stream, refusing output beyond
// MaxDecodedBytes as soon as it passes the bound and before allocating
// for it (zip bombs; see inflate). At most one decompression per CPU runs
// at once, so concurrent bombs cannot multiply the decoders' memory
// either; nothing is kept once it returns.
func (h *Handler) decompress(ctx context.Context, raw []byte, enc encoding) ([]byte, *refusal) {
	max := h.limits.MaxDecodedBytes
	bomb := func() *refusal {
		return refused(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "decoded_too_large",
			"the body decompresses to more than the %d bytes allowed; send smaller batches", max)
	}
	if enc == encIdentity {
		if int64(len(raw)) > max {
			return nil, bomb()
		}
		return raw, nil
	}
	release, ref := h.acquireFrom(ctx, h.inflating)
	if ref != nil {
		return nil, ref
	}
	defer release()
	var (
		out  []byte
		err  error
		kind string
	)
	switch enc {
	case encGzip:
		kind = "gzip"
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(raw)); err == nil {
			out, err = inflate(zr, func() error { return zr.Reset(bytes.NewReader(raw)) }, max)
		}
	case encZstd:
		kind = "zstd"
		out, err = inflateZstd(h.zstd, raw, max)
	case encS2:
		kind = "s2"
		out, err = inflateS2(raw, max)
	default:
		panic("BUG: ingest: unknown encoding")
	}
	switch {
	case errors.Is(err, errInflatedTooLarge), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return nil, bomb()
	case errors.Is(err, zstd.ErrWindowSizeExceeded) && max < maxZstdWindowBytes:
		return nil, bomb() // the window is bounded by MaxDecodedBytes too
	case errors.Is(err, zstd.ErrWindowSizeExceeded):
		return nil, refused(http.StatusBadRequest, codeInvalidDataFormat, "zstd_window_too_large",
			"the zstd frame asks for a window over %d bytes; compress with a level up to 19, without --long or --ultra", maxZstdWindowBytes)
	case err != nil:
		return nil, badCompression(kind, err)
	}
	return out, nil
}

func badCompression(kind string, err error) *refusal {
	return refused(http.StatusBadRequest, codeInvalidDataFormat, "malformed_compression",
		"the body is not valid %s (%v); compress the whole body once and set Content-Encoding to match", kind, err)
}

// clip shortens client-supplied text quoted in messages.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
