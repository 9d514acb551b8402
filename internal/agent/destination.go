package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/client"
	"wsec/internal/ship"
	"wsec/internal/spool"
)

// destination is one workspace: its spool, shipper, rules and control
// client (heartbeats, rule polls).
type destination struct {
	cfg   DestinationConfig
	q     *spool.Queue
	sh    *ship.Shipper
	cl    *client.Client
	hc    *http.Client
	rules *rules

	mu         sync.Mutex
	hbAt       time.Time // last heartbeat sent
	hbErr      string    // last heartbeat error ("" after a success)
	lastEvents uint64    // events read when the last heartbeat was sent
	lastHBTime time.Time
}

// openDestination opens the spool (repairing it when damaged), the rules
// and the shipper of one destination.
func openDestination(c *Config, d DestinationConfig, id string, reg prometheus.Registerer, log *slog.Logger, now func() time.Time) (_ *destination, err error) {
	key, currentKey := d.Key, func() string { return d.Key }
	if d.KeyFile != "" {
		kf, err := openKeyFile(d.KeyFile, log.With("destination", d.Name))
		if err != nil {
			return nil, fmt.Errorf("destination %s: %w", d.Name, err)
		}
		key, currentKey = kf.key, kf.current
	}
	dir := destDir(c.DataDir, d.Name)
	dreg := prometheus.WrapRegistererWith(prometheus.Labels{"destination": d.Name}, reg)
	dlog := log.With("destination", d.Name)
	sync := orDefault(c.SpoolSyncInterval, DefaultSpoolSyncInterval)
	if c.SpoolSyncEachAppend {
		sync = 0
	}
	q, err := openSpool(filepath.Join(dir, spoolDir), spool.Options{MaxBytes: c.spoolMaxBytes(d), MinFreeBytes: c.SpoolMinFreeBytes, SyncInterval: sync, Logger: dlog, Registerer: dreg})
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	var sh *ship.Shipper
	defer func() {
		if err != nil {
			if sh != nil {
				sh.Close()
			}
			q.Close()
		}
	}()
	set, queries := c.EventSet, c.XPathQueries
	if d.EventSet != "" || len(d.XPathQueries) > 0 {
		set, queries = d.EventSet, d.XPathQueries
	}
	base, err := policyOf(set, queries)
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	r, err := newRules(d.Name, base, filepath.Join(dir, rulesFile), c.readsChannel, log, now)
	if err != nil {
		return nil, err
	}
	sh, err = ship.New(q, ship.Options{
		Name: d.Name, URL: d.sendURL(), WorkspaceID: d.Workspace, Key: key, CurrentKey: currentKey, SenderID: id,
		Filter: r.Keep, CAFile: d.CAFile, ProxyURL: d.Proxy, Compression: d.compression(),
		FlushInterval: time.Duration(c.FlushInterval),
		Logger:        log, Registerer: dreg, Now: now,
	})
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	hc, err := controlClient(d)
	if err != nil {
		return nil, err
	}
	cl, err := client.New(d.sendURL(), d.Workspace, key, client.Options{HTTP: hc, CurrentKey: currentKey})
	if err != nil {
		return nil, fmt.Errorf("destination %s: %w", d.Name, err)
	}
	return &destination{cfg: d, q: q, sh: sh, cl: cl, hc: hc, rules: r}, nil
}

// openSpool opens a spool, and repairs it first when it is damaged: an
// endpoint agent must come back by itself after a crash. What the repair
// gave up is logged with its count. Those records are not sent again: the
// shipper's positions say the destination held them (see doc.go, "What
// is not promised").
func openSpool(dir string, o spool.Options) (*spool.Queue, error) {
	q, err := spool.Open(dir, o)
	var ce *spool.CorruptionError
	if !errors.As(err, &ce) {
		return q, err
	}
	o.Logger.Error("spool damaged; repairing it", "err", err)
	rep, rerr := spool.Repair(dir, o)
	if rerr != nil {
		return nil, fmt.Errorf("repair spool after %v: %w", err, rerr)
	}
	o.Logger.Warn("spool repaired", "lost_records", rep.LostRecords, "truncated_bytes", rep.TruncatedBytes,
		"cursor_rebuilt", rep.CursorRebuilt, "segments", strings.Join(rep.Segments, ","))
	return spool.Open(dir, o)
}

func (d *destination) close() {
	d.hc.CloseIdleConnections()
	d.sh.Close()
	_ = d.q.Close() // an error is in the spool's own log; nothing more to do at exit
}
