package file

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"wsec/internal/logfile"
	"wsec/internal/source"
)

// Options configures the streams of Open. The zero value is ready to use.
type Options struct {
	// Follow keeps reading EVTX files as they grow; Read then returns only
	// when its ctx is done. XML files cannot be followed.
	Follow bool
	// Poll is how often a followed file is checked; 0 means DefaultPoll.
	Poll time.Duration
	// Workers decode EVTX chunks in parallel; 0 means GOMAXPROCS.
	Workers int
	// BatchSize bounds an XML batch; 0 means DefaultBatchSize.
	BatchSize int
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
	// Logger receives warnings about damaged input (rate: once per read of
	// a file). nil means no logging.
	Logger *slog.Logger
	// Now is the clock for standard input's positions; nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Stdin == nil {
		o.Stdin = os.Stdin
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Open returns one stream per file named by path: "-" for event XML on
// standard input, a file (EVTX or XML, told by content), or a folder
// (expanded to its *.evtx and *.xml files, recursively, sorted).
func Open(path string, o Options) ([]source.Stream, error) {
	o = o.withDefaults()
	if path == "-" {
		return []source.Stream{&stdinStream{r: o.Stdin, o: o}}, nil
	}
	files, err := logfile.Expand([]string{path})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("open %s: no *.evtx or *.xml files in the folder", path)
	}
	var out []source.Stream
	for _, f := range files {
		s, err := openFile(f, o)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func openFile(path string, o Options) (source.Stream, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", path, err)
	}
	format, err := detect(abs)
	if err != nil {
		if o.Follow && errors.Is(err, os.ErrNotExist) {
			// A followed file may appear later; it must then be EVTX.
			return &evtxStream{path: abs, name: streamName("evtx:", abs), o: o}, nil
		}
		return nil, err
	}
	switch format {
	case logfile.EVTX:
		return &evtxStream{path: abs, name: streamName("evtx:", abs), o: o}, nil
	case logfile.XML:
		if o.Follow {
			return nil, fmt.Errorf("open %s: event XML files cannot be followed; read it once, or pipe new events to standard input", path)
		}
		return &xmlStream{path: abs, name: streamName("xml:", abs), o: o}, nil
	}
	return nil, fmt.Errorf("open %s: neither an EVTX file nor event XML", path)
}

func detect(path string) (logfile.Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return logfile.Unknown, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return logfile.Unknown, fmt.Errorf("read %s: %w", path, err)
	}
	return logfile.Detect(head[:n]), nil
}

// streamName is prefix + path, shortened to maxNameBytes by keeping the
// path's tail and a hash of the whole (so two long paths never share a
// name).
func streamName(prefix, path string) string {
	name := prefix + path
	if len(name) <= maxNameBytes {
		return name
	}
	sum := sha256.Sum256([]byte(path))
	tag := "#" + hex.EncodeToString(sum[:8])
	keep := maxNameBytes - len(prefix) - len(tag) - 3
	return prefix + "..." + path[len(path)-keep:] + tag
}

// warnDamage logs, once per read, what a read of path stepped around; each
// argument is a damage counter's value before and after the read.
func (o Options) warnDamage(path string, problems, outOfOrder [2]uint64) {
	if problems[1] == problems[0] && outOfOrder[1] == outOfOrder[0] {
		return
	}
	o.Logger.Warn("damaged input skipped", "path", path,
		"problems", problems[1]-problems[0], "out_of_order", outOfOrder[1]-outOfOrder[0])
}
