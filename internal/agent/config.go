package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"wsec/internal/auth"
	"wsec/internal/filter"
	"wsec/internal/ship"
)

// Config is the agent's configuration file (JSON). Unknown fields are
// errors, so a typo fails at load time instead of silently changing what
// is collected. Every field says what its zero value means.
type Config struct {
	// AgentID is the agent's stable identity (the batches' X-Wsec-Sender).
	// "" means generate one at first start and keep it in DataDir.
	AgentID string `json:"agentId,omitempty"`
	// DataDir holds spools, bookmarks, cached rules, status and logs.
	// Required.
	DataDir string `json:"dataDir"`
	// Computer is the name the heartbeat reports; "" means the host name.
	Computer string `json:"computer,omitempty"`
	// Groups are the machine groups this agent belongs to: the workspace
	// sends it the data collection rules assigned to any of them. No
	// groups: the configured event sets apply, and no rules are pulled.
	Groups []string `json:"groups,omitempty"`
	// EventSet is what a destination collects while its workspace assigns
	// no rule to the agent's groups (All, Common, Minimal, None); ""
	// means Common. XPathQueries are added to it ("Channel!XPath").
	EventSet     string   `json:"eventSet,omitempty"`
	XPathQueries []string `json:"xpathQueries,omitempty"`

	// Sources: what to read. At least one.
	Sources []SourceConfig `json:"sources"`
	// Destinations: the workspaces to send to. At least one.
	Destinations []DestinationConfig `json:"destinations"`

	// SpoolMaxBytes bounds each destination's spool; 0 means
	// spool.DefaultMaxBytes (1 GiB).
	SpoolMaxBytes int64 `json:"spoolMaxBytes,omitempty"`

	// SpoolMinFreeBytes is the free disk space the spools leave on their
	// filesystem (so that acknowledging, bookmarks and the machine itself
	// always have room); 0 means spool.DefaultMinFreeBytes (64 MiB). A
	// destination whose spool reaches it is detached like a full one, and
	// takes events again once there is room.
	SpoolMinFreeBytes int64 `json:"spoolMinFreeBytes,omitempty"`

	// SpoolSyncInterval is how often appended events are fsynced (group
	// commit); 0 means DefaultSpoolSyncInterval. SpoolSyncEachAppend
	// fsyncs every append instead. Either way an event is sent only once it
	// is on disk; see doc.go for what a power loss costs.
	SpoolSyncInterval   Duration `json:"spoolSyncInterval,omitempty"`
	SpoolSyncEachAppend bool     `json:"spoolSyncEachAppend,omitempty"`

	// Intervals; zero means the default in limits.go.
	RulesInterval     Duration `json:"rulesInterval,omitempty"`
	HeartbeatInterval Duration `json:"heartbeatInterval,omitempty"`
	StatusInterval    Duration `json:"statusInterval,omitempty"`
	BookmarkInterval  Duration `json:"bookmarkInterval,omitempty"`
	// FlushInterval is how long a batch waits for more events; 0 means
	// the shipper's default (1 s).
	FlushInterval Duration `json:"flushInterval,omitempty"`

	// Listen is the address of the local status and metrics endpoint
	// (GET /status, /metrics, /healthz), e.g. "127.0.0.1:9465"; "" means
	// none (the status file is still written).
	Listen string `json:"listen,omitempty"`

	// LogFile is where the agent logs (JSON lines); "" means
	// DataDir/wsec-agent.log; "-" means standard error. LogLevel is
	// debug, info (""), warn or error.
	LogFile  string `json:"logFile,omitempty"`
	LogLevel string `json:"logLevel,omitempty"`

	// ExitWhenDone makes Run return once every source has ended and every
	// destination has delivered everything (for one-shot imports and
	// tests). Live channels and followed files never end.
	ExitWhenDone bool `json:"exitWhenDone,omitempty"`
}

// SourceConfig is one source. Kind chooses which other fields apply.
type SourceConfig struct {
	// Kind is "eventlog" (live Windows channels), "evtx" (EVTX files or
	// folders), "xml" (event XML file, or "-" for standard input) or
	// "synthetic".
	Kind string `json:"kind"`

	// eventlog: the channels to read; none means Security and the four
	// AppLocker channels. Query is a structured XPath query Windows
	// evaluates ("" = every event).
	Channels []string `json:"channels,omitempty"`
	Query    string   `json:"query,omitempty"`

	// evtx, xml: a file or folder; "-" is standard input (xml only).
	Path string `json:"path,omitempty"`
	// evtx: keep reading the file as it grows.
	Follow bool `json:"follow,omitempty"`

	// synthetic: Rate events per second (0 = as fast as they are taken),
	// Count events in all (0 = endless), Seed varies the mix, Start is
	// the first event's time (RFC 3339; "" = 2026-01-05T08:00:00Z),
	// Computer the events' computer ("" = SRV-APP01.contoso.local).
	Rate          float64 `json:"rate,omitempty"`
	Count         uint64  `json:"count,omitempty"`
	Seed          uint64  `json:"seed,omitempty"`
	Start         string  `json:"start,omitempty"`
	EventComputer string  `json:"eventComputer,omitempty"`
	// Name is the synthetic stream's name ("" = "synthetic"); give two
	// synthetic sources different names.
	Name string `json:"name,omitempty"`
}

// DestinationConfig is one workspace.
type DestinationConfig struct {
	// Name identifies the destination in status, metrics and on disk
	// (letters, digits, '.', '_', '-'). Required and unique.
	Name string `json:"name"`
	// URL is the workspace's (or a gateway's) base URL. Required.
	URL string `json:"url"`
	// Workspace is the workspace ID (a GUID); Key its key (base64).
	// KeyFile, when set, is a file holding the key instead.
	Workspace string `json:"workspace"`
	Key       string `json:"key,omitempty"`
	KeyFile   string `json:"keyFile,omitempty"`
	// CAFile pins the CA certificates (PEM) trusted for the workspace;
	// "" means the system roots.
	CAFile string `json:"caFile,omitempty"`
	// Proxy is an HTTP proxy URL; "" means a direct connection. A `wsec
	// gateway --mode proxy` is one (https URLs only: the tunnel keeps TLS
	// end to end).
	Proxy string `json:"proxy,omitempty"`
	// Gateway is the base URL of a `wsec gateway --mode relay` that stores
	// and forwards to this workspace (for sites without a steady link):
	// batches, heartbeats and rule polls go there instead of to URL,
	// signed for the workspace as ever. "" means send to URL.
	Gateway string `json:"gateway,omitempty"`
	// EventSet and XPathQueries replace the agent's defaults for this
	// destination (while its workspace assigns no rule).
	EventSet     string   `json:"eventSet,omitempty"`
	XPathQueries []string `json:"xpathQueries,omitempty"`
	// SpoolMaxBytes overrides the agent's SpoolMaxBytes.
	SpoolMaxBytes int64 `json:"spoolMaxBytes,omitempty"`
	// Compression of the batches: "zstd", "s2" or "gzip"; "" means s2
	// for a workspace on this machine (a loopback URL, no proxy or
	// gateway) and zstd for any other. s2 costs a third of zstd's CPU for
	// half again the bytes: for a workspace on the same machine or LAN (a
	// workspace older than s2 refuses it, and the agent sends zstd until
	// it restarts); not with a relay gateway, whose workspace is far away.
	// gzip is for proxies that know no other (internal/ship compress.go
	// has the measurements).
	Compression string `json:"compression,omitempty"`
}

// compression is the destination's Compression, its default resolved.
func (d DestinationConfig) compression() ship.Compression {
	if d.Compression != "" {
		return ship.Compression(d.Compression)
	}
	if u, err := url.Parse(d.URL); err == nil && d.Gateway == "" && d.Proxy == "" && isLoopback(u.Hostname()) {
		return ship.S2
	}
	return ship.Zstd
}

// isLoopback reports whether host names this machine: localhost or a
// loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sendURL is where the destination's requests go: its gateway, if any.
func (d DestinationConfig) sendURL() string {
	if d.Gateway != "" {
		return d.Gateway
	}
	return d.URL
}

// Duration is a time.Duration written as "30s", "1m", "250ms" in JSON.
type Duration time.Duration

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil || v < 0 {
		return &valueError{text: string(b), msg: "want a non-negative number with a unit, such as 30s or 1m"}
	}
	*d = Duration(v)
	return nil
}

// valueError is a bad value in the config; positioned finds it in the text.
type valueError struct{ text, msg string }

func (e *valueError) Error() string { return fmt.Sprintf("value %q: %s", e.text, e.msg) }

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Source kinds.
const (
	KindEventLog  = "eventlog"
	KindEVTX      = "evtx"
	KindXML       = "xml"
	KindSynthetic = "synthetic"
)

// DefaultChannels returns the channels an eventlog source reads when it
// names none: every channel an event set can admit.
func DefaultChannels() []string {
	return []string{
		"Security",
		"Microsoft-Windows-AppLocker/EXE and DLL",
		"Microsoft-Windows-AppLocker/MSI and Script",
		"Microsoft-Windows-AppLocker/Packaged app-Deployment",
		"Microsoft-Windows-AppLocker/Packaged app-Execution",
	}
}

var destNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// LoadConfig reads and checks the configuration file at path. Relative
// paths in it are resolved against the file's folder.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	c.resolve(filepath.Dir(path))
	return c, nil
}

// ParseConfig decodes and checks a configuration. Every problem is
// reported, not just the first.
func ParseConfig(b []byte) (*Config, error) {
	if len(b) > MaxConfigBytes {
		return nil, fmt.Errorf("%d bytes is over the limit of %d", len(b), MaxConfigBytes)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	c := new(Config)
	if err := d.Decode(c); err != nil {
		return nil, positioned(b, d, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%s: more than one JSON value", lineCol(b, d.InputOffset()))
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// positioned adds line:column to a decoding error.
func positioned(b []byte, d *json.Decoder, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("%s: %w", lineCol(b, se.Offset), err)
	case errors.As(err, &te):
		return fmt.Errorf("%s: field %q: want %s, have JSON %s", lineCol(b, te.Offset), te.Field, te.Type, te.Value)
	}
	// An unknown field: the decoder read the whole object; point at the
	// key itself.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if i := bytes.Index(b, []byte(name)); i >= 0 {
			return fmt.Errorf("%s: unknown field %s", lineCol(b, int64(i)), name)
		}
	}
	var ve *valueError
	if errors.As(err, &ve) {
		if i := bytes.Index(b, []byte(strconv.Quote(ve.text))); i >= 0 {
			return fmt.Errorf("%s: %w", lineCol(b, int64(i)), err)
		}
	}
	return fmt.Errorf("%s: %w", lineCol(b, d.InputOffset()), err)
}

func lineCol(b []byte, off int64) string {
	off = min(max(off, 0), int64(len(b)))
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := int(off) - bytes.LastIndexByte(b[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

func (c *Config) check() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.DataDir == "" {
		add("dataDir is required")
	}
	if _, err := policyOf(c.EventSet, c.XPathQueries); err != nil {
		add("default event set and queries: %v", err)
	}
	for _, g := range c.Groups {
		if !destNamePattern.MatchString(g) {
			add("group %q: use letters, digits, '.', '_' and '-' (at most 64)", g)
		}
	}
	if len(c.Sources) == 0 {
		add("sources: name at least one (kind eventlog, evtx, xml or synthetic)")
	}
	names := map[string]bool{}
	stdin := 0
	for i, s := range c.Sources {
		at := fmt.Sprintf("sources[%d]", i)
		switch s.Kind {
		case KindEventLog:
			for _, ch := range s.Channels {
				if ch == "" || len(ch) > 255 {
					add("%s: channel name %q: want 1 to 255 characters", at, ch)
				}
			}
			if s.Query != "" {
				if err := checkEventLogQuery(s); err != nil {
					add("%s: %v", at, err)
				}
			}
		case KindEVTX:
			if s.Path == "" || s.Path == "-" {
				add("%s: evtx needs a path to a file or folder", at)
			}
		case KindXML:
			if s.Path == "" {
				add(`%s: xml needs a path, or "-" for standard input`, at)
			}
			if s.Follow {
				add("%s: event XML files cannot be followed", at)
			}
			if s.Path == "-" {
				stdin++
			}
		case KindSynthetic:
			if s.Rate < 0 {
				add("%s: rate %v is negative", at, s.Rate)
			}
			if s.Start != "" {
				if _, err := time.Parse(time.RFC3339Nano, s.Start); err != nil {
					add("%s: start %q: want RFC 3339, e.g. 2026-01-05T08:00:00Z", at, s.Start)
				}
			}
			n := s.Name
			if n == "" {
				n = "synthetic"
			}
			if names[n] {
				add("%s: two synthetic sources named %q; give each a name", at, n)
			}
			names[n] = true
		default:
			add("%s: kind %q: want eventlog, evtx, xml or synthetic", at, s.Kind)
		}
	}
	if stdin > 1 {
		add("sources: standard input can be read by one source only")
	}
	if len(c.Destinations) == 0 {
		add("destinations: name at least one workspace")
	}
	if len(c.Destinations) > MaxDestinations {
		add("destinations: %d, over the limit of %d", len(c.Destinations), MaxDestinations)
	}
	dests := map[string]bool{}
	for i, d := range c.Destinations {
		at := fmt.Sprintf("destinations[%d]", i)
		if !destNamePattern.MatchString(d.Name) {
			add("%s: name %q: use letters, digits, '.', '_' and '-' (at most 64)", at, d.Name)
		} else if dests[strings.ToLower(d.Name)] {
			add("%s: name %q used twice", at, d.Name)
		}
		dests[strings.ToLower(d.Name)] = true
		if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("%s: url %q: want http(s)://host[:port]", at, d.URL)
		}
		if _, ok := auth.CanonicalID(d.Workspace); !ok {
			add("%s: workspace %q is not a workspace ID (a GUID)", at, d.Workspace)
		}
		if (d.Key == "") == (d.KeyFile == "") {
			add("%s: give the workspace key in key or keyFile (one of them)", at)
		}
		if d.Gateway != "" {
			if u, err := url.Parse(d.Gateway); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add("%s: gateway %q: want http(s)://host[:port]", at, d.Gateway)
			}
		}
		switch ship.Compression(d.Compression) {
		case "", ship.Zstd, ship.Gzip:
		case ship.S2:
			if d.Gateway != "" {
				add("%s: compression s2 with a relay gateway: use zstd (s2 trades bytes for CPU, for a workspace on the same machine or LAN)", at)
			}
		default:
			add("%s: compression %q: want zstd, s2 or gzip", at, d.Compression)
		}
		if d.Proxy != "" {
			if u, err := url.Parse(d.Proxy); err != nil || u.Host == "" {
				add("%s: proxy %q is not a URL with a host", at, d.Proxy)
			}
		}
		if d.EventSet != "" || len(d.XPathQueries) > 0 {
			if _, err := policyOf(d.EventSet, d.XPathQueries); err != nil {
				add("%s: event set and queries: %v", at, err)
			}
		}
		if d.SpoolMaxBytes < 0 || (d.SpoolMaxBytes > 0 && d.SpoolMaxBytes < MinSpoolBytes) {
			add("%s: spoolMaxBytes %d: want at least %d", at, d.SpoolMaxBytes, MinSpoolBytes)
		}
	}
	if c.SpoolMinFreeBytes < 0 {
		add("spoolMinFreeBytes %d: want 0 (the default reserve) or more", c.SpoolMinFreeBytes)
	}
	if c.SpoolMaxBytes < 0 || (c.SpoolMaxBytes > 0 && c.SpoolMaxBytes < MinSpoolBytes) {
		add("spoolMaxBytes %d: want at least %d", c.SpoolMaxBytes, MinSpoolBytes)
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		add("logLevel: %v", err)
	}
	return errors.Join(errs...)
}

// ParseLogLevel reads a LogLevel: debug, info (also ""), warn or error, in
// any case.
func ParseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(s) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("%q: want debug, info, warn or error", s)
}

// resolve makes relative paths absolute against dir (the config file's
// folder), so a service started in System32 finds them.
func (c *Config) resolve(dir string) {
	abs := func(p string) string {
		if p == "" || p == "-" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	c.DataDir = abs(c.DataDir)
	if c.LogFile != "-" {
		c.LogFile = abs(c.LogFile)
	}
	for i := range c.Sources {
		c.Sources[i].Path = abs(c.Sources[i].Path)
	}
	for i := range c.Destinations {
		c.Destinations[i].KeyFile = abs(c.Destinations[i].KeyFile)
		c.Destinations[i].CAFile = abs(c.Destinations[i].CAFile)
	}
}

// policyOf builds and compiles a policy from a set name ("" = Common) and
// queries, to check them.
func policyOf(set string, queries []string) (filter.Policy, error) {
	p := filter.Policy{Set: filter.SetCommon, Queries: queries}
	if set != "" {
		s, err := filter.ParseSet(set)
		if err != nil {
			return p, err
		}
		p.Set = s
	}
	if _, err := filter.Compile(p, filter.Options{}); err != nil {
		return p, err
	}
	return p, nil
}

// spoolMaxBytes is d's spool bound: its own, else the agent's (0: the
// spool's default).
func (c *Config) spoolMaxBytes(d DestinationConfig) int64 {
	if d.SpoolMaxBytes > 0 {
		return d.SpoolMaxBytes
	}
	return c.SpoolMaxBytes
}
