package agent

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"wsec/internal/source"
	"wsec/internal/source/file"
	"wsec/internal/source/synthetic"
	"wsec/internal/source/wevtapi"
)

// streamEnv is what the streams are built with besides their configuration.
type streamEnv struct {
	stdin    io.Reader
	eventLog wevtapi.EventLog // nil: the host's
	log      *slog.Logger
	m        *wevtapi.Metrics
	now      func() time.Time
}

// openStreams builds the configured sources' streams. Stream names must be
// unique: positions are stored by name.
func openStreams(srcs []SourceConfig, env streamEnv) ([]source.Stream, error) {
	var out []source.Stream
	var errs []error
	for i, s := range srcs {
		ss, err := openSource(s, env)
		if err != nil {
			errs = append(errs, fmt.Errorf("sources[%d] (%s): %w", i, s.Kind, err))
			continue
		}
		out = append(out, ss...)
	}
	seen := map[string]bool{}
	for _, s := range out {
		if seen[s.Name()] {
			errs = append(errs, fmt.Errorf("stream %q is named by two sources; name each file or channel once", s.Name()))
		}
		seen[s.Name()] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func openSource(s SourceConfig, env streamEnv) ([]source.Stream, error) {
	switch s.Kind {
	case KindEventLog:
		if env.eventLog == nil && runtime.GOOS != "windows" {
			return nil, wevtapi.ErrUnsupported
		}
		chans := s.Channels
		if len(chans) == 0 {
			chans = DefaultChannels()
		}
		out := make([]source.Stream, 0, len(chans))
		for _, ch := range chans {
			out = append(out, wevtapi.NewStream(wevtapi.StreamOptions{Channel: ch, Query: s.Query, Log: env.eventLog, Logger: env.log, Metrics: env.m}))
		}
		return out, nil
	case KindEVTX, KindXML:
		return file.Open(s.Path, file.Options{Follow: s.Follow, Stdin: env.stdin, Logger: env.log, Now: env.now})
	case KindSynthetic:
		g := synthetic.Options{Computer: s.EventComputer, Seed: s.Seed}
		if s.Start != "" {
			t, err := time.Parse(time.RFC3339Nano, s.Start)
			if err != nil {
				return nil, fmt.Errorf("start %q: %w", s.Start, err)
			}
			g.Start = t.UTC()
		}
		return []source.Stream{synthetic.NewStream(synthetic.StreamOptions{Name: s.Name, Generator: g, Rate: s.Rate, Count: s.Count})}, nil
	}
	return nil, fmt.Errorf("unknown source kind %q", s.Kind)
}
