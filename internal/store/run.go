package store

import (
	"context"
	"log/slog"
	"time"
)

// RunRetention calls b.EnforceRetention now and every interval until ctx
// ends, and returns ctx's error. The errors of one pass are logged and the
// next pass tries again.
func RunRetention(ctx context.Context, b Backend, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := b.EnforceRetention(ctx); err != nil && ctx.Err() == nil {
			log.Error("retention pass failed", slog.Any("err", err))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
