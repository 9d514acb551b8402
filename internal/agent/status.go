package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Status is what `wsec-agent status` shows: written to the status file
// every few seconds and served at GET /status.
type Status struct {
	AgentID      string              `json:"agentId"`
	Computer     string              `json:"computer"`
	Version      string              `json:"version"`
	PID          int                 `json:"pid"`
	Started      time.Time           `json:"started"`
	Updated      time.Time           `json:"updated"`
	Streams      []StreamStatus      `json:"streams"`
	Destinations []DestinationStatus `json:"destinations"`
}

// DestinationStatus is one workspace's delivery state.
type DestinationStatus struct {
	Name      string `json:"name"`
	Workspace string `json:"workspace"`
	URL       string `json:"url"`
	// Queued: events in the spool not yet acknowledged by the workspace.
	Queued        uint64 `json:"queued"`
	QueuedBytes   int64  `json:"queuedBytes"`
	SpoolBytes    int64  `json:"spoolBytes"`
	SpoolMaxBytes int64  `json:"spoolMaxBytes"`
	// Sent: events the workspace acknowledged since the agent started, in
	// SentBatches batches; AckedSeq is the spool's acknowledged cursor.
	Sent        uint64 `json:"sent"`
	SentBatches uint64 `json:"sentBatches"`
	AckedSeq    uint64 `json:"ackedSeq"`
	InFlightSeq uint64 `json:"inFlightSeq,omitempty"`
	Retries     uint64 `json:"retries"`
	Rejected    uint64 `json:"rejected,omitempty"`
	// Detached: the spool filled up; reading for this destination waits
	// until it drains.
	Detached       bool      `json:"detached,omitempty"`
	DetachedReason string    `json:"detachedReason,omitempty"`
	Healthy        bool      `json:"healthy"`
	LastError      string    `json:"lastError,omitempty"`
	LastErrorTime  time.Time `json:"lastErrorTime,omitzero"`
	LastSuccess    time.Time `json:"lastSuccess,omitzero"`

	Rules          RulesStatus `json:"rules"`
	LastHeartbeat  time.Time   `json:"lastHeartbeat,omitzero"`
	HeartbeatError string      `json:"heartbeatError,omitempty"`
}

func (a *agent) status() Status {
	st := Status{AgentID: a.id, Computer: a.computer, Version: Version(), PID: os.Getpid(),
		Started: a.started, Updated: a.now()}
	for _, s := range a.rd.streams {
		ss := s.status()
		ss.Bookmark, _ = a.bm.Get(s.name)
		st.Streams = append(st.Streams, ss)
	}
	for _, d := range a.dests {
		sh := d.sh.Status()
		ds := DestinationStatus{
			Name: d.cfg.Name, Workspace: sh.Workspace, URL: sh.URL,
			Queued: sh.QueuedRecords, QueuedBytes: sh.QueuedBytes, SpoolBytes: sh.SpoolBytes, SpoolMaxBytes: sh.SpoolMaxBytes,
			Sent: sh.SentRecords, SentBatches: sh.SentBatches, AckedSeq: sh.AckedSeq, InFlightSeq: sh.InFlightSeq,
			Retries: sh.Retries, Rejected: sh.Rejected, Detached: sh.Detached, DetachedReason: sh.DetachedReason,
			Healthy: sh.Healthy(), LastError: sh.LastError, LastErrorTime: sh.LastErrorTime, LastSuccess: sh.LastSuccess,
			Rules: d.rules.status(),
		}
		d.mu.Lock()
		ds.LastHeartbeat, ds.HeartbeatError = d.hbAt, d.hbErr
		d.mu.Unlock()
		st.Destinations = append(st.Destinations, ds)
	}
	return st
}

// writeStatus replaces the status file: a temporary file renamed over
// it, so a reader never sees half a file; not fsynced, because after a
// power loss the next write replaces whatever is left.
func (a *agent) writeStatus() {
	b, err := json.MarshalIndent(a.status(), "", "  ")
	if err == nil {
		path := StatusPath(a.cfg.DataDir)
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, append(b, '\n'), 0o644); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		a.log.Warn("write status file", "err", err)
	}
}

// ReadStatus reads the status file of the agent with this data directory.
func ReadStatus(dataDir string) (Status, error) {
	var st Status
	b, err := os.ReadFile(StatusPath(dataDir))
	if err != nil {
		return st, fmt.Errorf("read agent status (is the agent running with this data directory?): %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("parse agent status %s: %w", StatusPath(dataDir), err)
	}
	return st, nil
}

// FetchStatus asks a running agent's local endpoint (Config.Listen).
func FetchStatus(ctx context.Context, addr string) (Status, error) {
	var st Status
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/status", nil)
	if err != nil {
		return st, fmt.Errorf("build status request: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("ask agent at %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return st, fmt.Errorf("ask agent at %s: HTTP %d", addr, resp.StatusCode)
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 16<<20)).Decode(&st); err != nil {
		return st, fmt.Errorf("decode status from %s: %w", addr, err)
	}
	return st, nil
}

// serveLocal serves /status, /metrics and /healthz on the configured
// address until ctx is done.
func (a *agent) serveLocal(ctx context.Context, ln net.Listener) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(a.status())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.gatherer, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		for _, d := range a.dests {
			if s := d.sh.Status(); !s.Healthy() {
				http.Error(w, fmt.Sprintf("destination %s: %s%s", s.Name, s.LastError, s.DetachedReason), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve status endpoint: %w", err)
	}
	return nil
}
