package ship

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/auth"
	"wsec/internal/event"
	"wsec/internal/protocol"
)

// Compression names a request body encoding (the Content-Encoding header).
type Compression string

const (
	Zstd Compression = "zstd" // the default: 3x faster than gzip at a better ratio (compress.go)
	Gzip Compression = "gzip" // for receivers or proxies that do not know zstd
	// S2 costs the agent a third of zstd's CPU and the workspace less than
	// half, for half again the bytes (compress.go): for a workspace on the
	// same machine or LAN. A workspace older than S2 refuses it; the
	// Shipper then sends zstd until it restarts (deliver).
	S2 Compression = "s2"
)

// Options configures the Shipper of one destination workspace. Zero values
// mean the documented default; URL, WorkspaceID, Key and SenderID are
// required.
type Options struct {
	// Name identifies the destination in logs, metrics and Status. "" means
	// WorkspaceID.
	Name string

	// URL is the workspace's base URL, e.g. "https://wsec.example:8443" or a
	// gateway's; batches go to URL + "/v1/workspaces/{id}/events".
	URL string

	// WorkspaceID is the workspace GUID; Key its primary or secondary key
	// (base64), used to sign requests (SharedKey, internal/auth).
	WorkspaceID string
	Key         string
	// CurrentKey, when set, gives the key for each request instead of Key
	// (a key file rotated while running); Key is still the first one.
	CurrentKey func() string

	// SenderID is the agent's stable identity (X-Wsec-Sender): 1 to
	// MaxSenderBytes letters, digits and . _ - : @ { }. With the batch
	// sequence number it is what the workspace deduplicates on, so it must
	// not change across restarts.
	SenderID string

	// Compression is Zstd (""), S2 or Gzip.
	Compression Compression

	// Filter chooses the events this destination takes (used by Fanout).
	// nil means every event.
	Filter func(*event.Event) bool

	// Batching: a batch is sent when it holds MaxBatchRecords events or
	// MaxBatchBytes of uncompressed body, or FlushInterval after its first
	// event was read, whichever comes first. 0 means DefaultMaxBatchRecords,
	// DefaultMaxBatchBytes (at most MaxBatchBytes), DefaultFlushInterval.
	MaxBatchRecords int
	MaxBatchBytes   int
	FlushInterval   time.Duration

	// MaxInFlight is how many batches may be sent and not yet answered at
	// once. The spool's cursor still moves in order: only over batches
	// whose predecessors are all acknowledged. 0 means DefaultMaxInFlight;
	// at most MaxInFlight.
	MaxInFlight int

	// Retries: full-jitter exponential backoff between RetryBase and
	// RetryMax; every failure except a rejection is retried for ever (the
	// spool holds the records meanwhile). 0 means DefaultRetryBase,
	// DefaultRetryMax.
	RetryBase time.Duration
	RetryMax  time.Duration

	// RequestTimeout bounds one attempt. 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration

	// CAFile is a PEM file of the CA certificates to trust for the
	// workspace's TLS certificate; when set, no other CA is trusted
	// (pinning a private CA). "" means the system roots.
	CAFile string

	// ProxyURL is an HTTP proxy ("http://gateway:3128"); https workspaces
	// are reached through a CONNECT tunnel, so TLS stays end to end. ""
	// means a direct connection (environment variables are not consulted:
	// a service's environment is rarely what the operator meant).
	ProxyURL string

	// DeadLetterDir receives batches the workspace rejected (ErrRejected).
	// "" means "deadletter" inside the spool directory. MaxDeadLetterBytes
	// bounds it; 0 means DefaultMaxDeadLetterBytes.
	DeadLetterDir      string
	MaxDeadLetterBytes int64

	// ResumeFraction: after its spool filled up, the destination takes
	// records again once the spool is at most this full. 0 means
	// DefaultResumeFraction.
	ResumeFraction float64

	// Logger receives warnings and errors (never one per event). nil means
	// no logging.
	Logger *slog.Logger

	// Registerer receives the wsec_ship_* metrics. nil means none. Wrap it
	// per destination (prometheus.WrapRegistererWith, e.g.
	// destination=<Name>) when several Shippers share a registry.
	Registerer prometheus.Registerer

	// Now is the clock used for x-ms-date and Status. nil means time.Now.
	Now func() time.Time

	// Transport replaces the HTTP transport built from the options above
	// (CAFile, ProxyURL and the timeouts are then the caller's business).
	// nil means build one.
	Transport http.RoundTripper
}

// DefaultOptions returns the defaults spelled out (without the required
// fields).
func DefaultOptions() Options {
	return Options{
		Compression:        Zstd,
		MaxBatchRecords:    DefaultMaxBatchRecords,
		MaxBatchBytes:      DefaultMaxBatchBytes,
		MaxInFlight:        DefaultMaxInFlight,
		FlushInterval:      DefaultFlushInterval,
		RetryBase:          DefaultRetryBase,
		RetryMax:           DefaultRetryMax,
		RequestTimeout:     DefaultRequestTimeout,
		MaxDeadLetterBytes: DefaultMaxDeadLetterBytes,
		ResumeFraction:     DefaultResumeFraction,
	}
}

func (o Options) withDefaults() (Options, error) {
	var errs []error
	if o.URL == "" {
		errs = append(errs, errors.New("URL is required"))
	} else if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("URL %q is not an http(s) URL with a host", o.URL))
	}
	if id, ok := auth.CanonicalID(o.WorkspaceID); !ok {
		errs = append(errs, fmt.Errorf("WorkspaceID %q is not a GUID", o.WorkspaceID))
	} else {
		o.WorkspaceID = id
	}
	if _, err := base64.StdEncoding.DecodeString(o.Key); err != nil || o.Key == "" {
		errs = append(errs, errors.New("Key must be the workspace key in base64"))
	}
	if !protocol.ValidSender(o.SenderID) {
		errs = append(errs, fmt.Errorf("SenderID %q must be 1-%d letters, digits and . _ - : @ { } (the workspace refuses anything else)",
			o.SenderID, MaxSenderBytes))
	}
	switch o.Compression {
	case "":
		o.Compression = Zstd
	case Zstd, Gzip, S2:
	default:
		errs = append(errs, fmt.Errorf("Compression %q is not zstd, s2 or gzip", o.Compression))
	}
	if o.ProxyURL != "" {
		if u, err := url.Parse(o.ProxyURL); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("ProxyURL %q is not a URL with a host", o.ProxyURL))
		}
	}
	if o.MaxBatchBytes > MaxBatchBytes {
		errs = append(errs, fmt.Errorf("MaxBatchBytes %d exceeds %d", o.MaxBatchBytes, MaxBatchBytes))
	}
	if o.MaxInFlight > MaxInFlight {
		errs = append(errs, fmt.Errorf("MaxInFlight %d exceeds %d", o.MaxInFlight, MaxInFlight))
	}
	if len(errs) > 0 {
		return o, fmt.Errorf("ship options: %w", errors.Join(errs...))
	}
	if o.Name == "" {
		o.Name = o.WorkspaceID
	}
	if o.MaxBatchRecords <= 0 {
		o.MaxBatchRecords = DefaultMaxBatchRecords
	}
	if o.MaxBatchBytes <= 0 {
		o.MaxBatchBytes = DefaultMaxBatchBytes
	}
	if o.MaxInFlight <= 0 {
		o.MaxInFlight = DefaultMaxInFlight
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	o.RetryMax = max(o.RetryMax, o.RetryBase)
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxDeadLetterBytes <= 0 {
		o.MaxDeadLetterBytes = DefaultMaxDeadLetterBytes
	}
	if o.ResumeFraction <= 0 || o.ResumeFraction >= 1 {
		o.ResumeFraction = DefaultResumeFraction
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}
