package shiptest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"

	"wsec/internal/event"
)

// Decompress undoes a body's Content-Encoding: zstd, s2 or gzip, the ones
// a Shipper sends. Any other encoding, none included, is an error.
func Decompress(encoding string, body []byte) ([]byte, error) {
	switch encoding {
	case "zstd":
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		defer d.Close()
		return d.DecodeAll(body, nil)
	case "s2":
		return s2.Decode(nil, body)
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("content encoding %q", encoding)
}

// DecodeBatch decodes every event of a batch's framing (decompressed).
func DecodeBatch(raw []byte) ([]*event.Event, error) {
	var evs []*event.Event
	for d := event.NewBatchDecoder(raw); d.More(); {
		e, err := d.Next()
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, nil
}
