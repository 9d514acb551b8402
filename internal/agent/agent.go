package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/bookmark"
	"wsec/internal/ship"
)

// agent is one running agent (Run's state).
type agent struct {
	cfg      *Config
	log      *slog.Logger
	now      func() time.Time
	gatherer prometheus.Gatherer
	m        *metrics

	id, computer             string
	osName, osMajor, osMinor string
	started                  time.Time

	heartbeatInterval, rulesInterval, statusInterval, bookmarkInterval time.Duration

	bm    *bookmark.Store
	dests []*destination
	fan   *ship.Fanout
	rd    *reader
}

// Run runs the agent until ctx is done (it then returns nil once the
// sources stopped, the bookmarks were saved and the shippers stopped) or,
// with Config.ExitWhenDone, until everything read was delivered. It
// returns an error when it cannot start (configuration, data directory,
// spools), when a spool fails in a way only a restart repairs, or when a
// source's configuration is refused while running (the error then wraps
// source.ErrConfig: a query the event log refuses).
func Run(ctx context.Context, o Options) error {
	a, err := open(o)
	if err != nil {
		return err
	}
	defer a.close()
	return a.run(ctx, o)
}

func open(o Options) (a *agent, err error) {
	if o.Config == nil {
		return nil, errors.New("agent: no configuration")
	}
	c := o.Config
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("agent configuration: %w", err)
	}
	a = &agent{cfg: c, log: o.Logger, now: o.Now, m: newMetrics()}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.started = a.now()
	reg := o.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	a.gatherer = reg
	a.heartbeatInterval = orDefault(c.HeartbeatInterval, DefaultHeartbeatInterval)
	a.rulesInterval = orDefault(c.RulesInterval, DefaultRulesInterval)
	a.statusInterval = orDefault(c.StatusInterval, DefaultStatusInterval)
	a.bookmarkInterval = orDefault(c.BookmarkInterval, DefaultBookmarkInterval)

	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if a.id, err = agentID(c.AgentID, c.DataDir); err != nil {
		return nil, err
	}
	a.computer = computerName(c.Computer)
	a.osName, a.osMajor, a.osMinor = osInfo()
	a.log = a.log.With("agent", a.id)
	if err := a.m.register(reg); err != nil {
		return nil, fmt.Errorf("register agent metrics: %w", err)
	}
	opened := a
	defer func() {
		if err != nil {
			opened.close() // a itself is nil here: every failure returns nil, err
		}
	}()
	if a.bm, err = bookmark.Load(filepath.Join(c.DataDir, bookmarksFile)); err != nil {
		return nil, err
	}
	streams, err := openStreams(c.Sources, streamEnv{stdin: o.Stdin, eventLog: o.EventLog, log: a.log, m: a.m.eventlog, now: a.now})
	if err != nil {
		return nil, err
	}
	var shippers []*ship.Shipper
	for _, dc := range c.Destinations {
		d, err := openDestination(c, dc, a.id, reg, a.log, a.now)
		if err != nil {
			return nil, err
		}
		a.dests = append(a.dests, d)
		shippers = append(shippers, d.sh)
	}
	if a.fan, err = ship.NewFanout(shippers...); err != nil {
		return nil, err
	}
	a.rd = newReader(a.fan, a.bm, streams, maxOfferBytes(c), a.log, a.m, a.now, c.ExitWhenDone)
	return a, nil
}

// maxOfferBytes bounds one offer to an eighth of the smallest spool, so
// a spool that has drained to its resume mark always has room for it.
func maxOfferBytes(c *Config) int {
	smallest := int64(MaxOfferBytes * 8)
	for _, d := range c.Destinations {
		if m := c.spoolMaxBytes(d); m > 0 {
			smallest = min(smallest, m)
		}
	}
	return int(max(smallest/8, 1))
}

func orDefault(d Duration, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return time.Duration(d)
}

func (a *agent) close() {
	if a.fan != nil {
		a.fan.Close()
	}
	for _, d := range a.dests {
		d.close()
	}
}

func (a *agent) run(ctx context.Context, o Options) error {
	var ln net.Listener
	if a.cfg.Listen != "" {
		var err error
		if ln, err = net.Listen("tcp", a.cfg.Listen); err != nil {
			return fmt.Errorf("listen for status and metrics: %w", err)
		}
	}
	a.log.Info("agent starting", "computer", a.computer, "version", Version(), "destinations", len(a.dests),
		"streams", len(a.rd.streams), "groups", a.cfg.Groups)

	// Rules first (bounded wait), so a fresh agent filters its first
	// events as its workspace says.
	a.firstRules(ctx)

	// Shippers run until the end; they stop last.
	shipCtx, stopShip := context.WithCancel(context.WithoutCancel(ctx))
	defer stopShip()
	shipDone := make(chan error, 1)
	go func() { shipDone <- a.fan.Run(shipCtx) }()

	ctlCtx, stopCtl := context.WithCancel(ctx)
	defer stopCtl()
	var wg sync.WaitGroup
	spawn := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctlCtx)
		}()
	}
	for _, d := range a.dests {
		spawn(func(ctx context.Context) { a.heartbeats(ctx, d) })
		if len(a.cfg.Groups) > 0 {
			spawn(func(ctx context.Context) { every(ctx, a.rulesInterval, func() { a.pollOnce(ctx, d) }) })
		}
	}
	spawn(func(ctx context.Context) { every(ctx, a.statusInterval, a.writeStatus) })
	spawn(func(ctx context.Context) { every(ctx, a.bookmarkInterval, a.saveBookmarks) })
	if ln != nil {
		spawn(func(ctx context.Context) {
			if err := a.serveLocal(ctx, ln); err != nil {
				a.log.Error("status endpoint stopped", "err", err)
			}
		})
	}

	readCtx, stopRead := context.WithCancel(ctx)
	defer stopRead()
	readDone := make(chan error, 1)
	go func() { readDone <- a.rd.run(readCtx) }()
	if o.Ready != nil {
		o.Ready()
	}

	var runErr error
	select {
	case <-ctx.Done():
		stopRead()
		<-readDone
	case err := <-readDone: // exitWhenDone: everything delivered; or a source's configuration refused
		runErr = err
	case err := <-shipDone:
		// A spool failed in a way only reopening it fixes: stop, and let
		// the service manager start the agent again (Open repairs).
		runErr = fmt.Errorf("delivery stopped: %w", err)
		if err == nil {
			runErr = errors.New("delivery stopped")
		}
		stopRead()
		<-readDone
	}
	a.saveBookmarks()
	stopShip()
	select {
	case <-shipDone:
	case <-time.After(ShutdownTimeout):
		a.log.Warn("shippers did not stop in time; their batches in flight are sent again at the next start")
	}
	stopCtl()
	wg.Wait()
	a.writeStatus()
	a.log.Info("agent stopped", "err", runErr)
	return runErr
}

// firstRules polls every destination's rules once, concurrently, for at
// most FirstRulesTimeout.
func (a *agent) firstRules(ctx context.Context) {
	if len(a.cfg.Groups) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, FirstRulesTimeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, d := range a.dests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.pollOnce(ctx, d)
		}()
	}
	wg.Wait()
}

func (a *agent) pollOnce(ctx context.Context, d *destination) {
	before := d.rules.cur.Load()
	err := d.rules.poll(ctx, d.cl, a.cfg.Groups)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			a.m.rulesPolls.WithLabelValues(d.cfg.Name, "error").Inc()
			a.log.Warn("data collection rules", "destination", d.cfg.Name, "err", err)
		}
	case d.rules.cur.Load() != before:
		a.m.rulesPolls.WithLabelValues(d.cfg.Name, "applied").Inc()
	default:
		a.m.rulesPolls.WithLabelValues(d.cfg.Name, "unchanged").Inc()
	}
}

// every calls f every interval until ctx is done: the agent's periodic
// work (heartbeats, rules, status file, bookmarks).
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// saveBookmarks moves the bookmarks to the fanout's durable positions
// (never back) and saves them when any moved.
func (a *agent) saveBookmarks() {
	changed := false
	for _, p := range a.fan.Durable() {
		if a.bm.Advance(p.Channel, p.RecordID) {
			changed = true
		}
	}
	if !changed {
		return
	}
	for _, p := range a.bm.Positions() {
		a.m.bookmark.WithLabelValues(p.Channel).Set(float64(p.RecordID))
	}
	if err := a.bm.Save(); err != nil {
		a.log.Warn("save bookmarks", "err", err)
	}
}

// eventsRead is the number of events read since start, over all streams.
func (a *agent) eventsRead() uint64 {
	var n uint64
	for _, s := range a.rd.streams {
		n += s.status().Events
	}
	return n
}

// latestStreamError is the most recent source error, or "".
func (a *agent) latestStreamError() string {
	var msg string
	var at time.Time
	for _, s := range a.rd.streams {
		st := s.status()
		if st.LastError != "" && st.ErrorTime.After(at) {
			msg, at = st.Name+": "+st.LastError, st.ErrorTime
		}
	}
	return msg
}
