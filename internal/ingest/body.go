package ingest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"wsec/internal/server"
)

// maxZstdWindowBytes bounds the zstd window a client may ask for: 64 MiB
// covers every standard level (the --long modes above it are refused).
const maxZstdWindowBytes = 64 << 20

// newZstdDecoder returns the shared decoder for DecodeAll (safe for
// concurrent use; it starts no goroutines), refusing output beyond max.
func newZstdDecoder(max int64) (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(uint64(max)),
		zstd.WithDecoderMaxWindow(uint64(min(max, maxZstdWindowBytes))),
		zstd.WithDecoderConcurrency(0))
}

// readBody reads the body as sent, refusing more than MaxBodyBytes (admit
// has refused a larger Content-Length already).
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	max := h.limits.MaxBodyBytes
	body, err := server.ReadBody(w, r, max)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(-1, max)
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
	}
	return 0, refused(http.StatusBadRequest, codeUnsupportedEncoding, "unsupported_encoding",
		"Content-Encoding %q is not supported; send zstd, gzip or no encoding", clip(s))
}

// decompress undoes the encoding, refusing output beyond MaxDecodedBytes
// without producing it (zip bombs).
func (h *Handler) decompress(raw []byte, enc encoding) ([]byte, *refusal) {
	max := h.limits.MaxDecodedBytes
	bomb := func() *refusal {
		return refused(http.StatusRequestEntityTooLarge, codePayloadTooLarge, "decoded_too_large",
			"the body decompresses to more than the %d bytes allowed; send smaller batches", max)
	}
	switch enc {
	case encGzip:
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, badCompression("gzip", err)
		}
		var out bytes.Buffer
		n, err := out.ReadFrom(io.LimitReader(zr, max+1))
		if n > max {
			return nil, bomb()
		}
		if err != nil {
			return nil, badCompression("gzip", err)
		}
		return out.Bytes(), nil
	case encZstd:
		out, err := h.zstd.DecodeAll(raw, nil)
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
			return nil, bomb()
		}
		if err != nil {
			return nil, badCompression("zstd", err)
		}
		return out, nil
	}
	if int64(len(raw)) > max {
		return nil, bomb()
	}
	return raw, nil
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
