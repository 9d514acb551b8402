package agent

import (
	"context"
	"strings"

	"wsec/internal/client"
)

// heartbeats sends a destination's heartbeats: one at start, then every
// interval, each saying how the agent does (rate, queue, last error).
func (a *agent) heartbeats(ctx context.Context, d *destination) {
	a.sendHeartbeat(ctx, d)
	every(ctx, a.heartbeatInterval, func() { a.sendHeartbeat(ctx, d) })
}

func (a *agent) sendHeartbeat(ctx context.Context, d *destination) {
	now := a.now()
	total := a.eventsRead()
	d.mu.Lock()
	var rate float64
	if !d.lastHBTime.IsZero() {
		if secs := now.Sub(d.lastHBTime).Seconds(); secs > 0 && total >= d.lastEvents {
			rate = float64(total-d.lastEvents) / secs
		}
	}
	d.lastEvents, d.lastHBTime = total, now
	d.mu.Unlock()
	st := d.sh.Status()
	hb := client.Heartbeat{
		Computer:         a.computer,
		Category:         "Direct Agent",
		OSType:           osType(),
		OSName:           a.osName,
		OSMajorVersion:   a.osMajor,
		OSMinorVersion:   a.osMinor,
		Version:          "wsec-agent " + Version(),
		SourceComputerID: a.id,
		EventsPerSecond:  rate,
		QueueDepth:       int64(st.QueuedRecords),
		LastError:        a.lastError(d, st.LastError, st.Healthy()),
	}
	hctx, cancel := context.WithTimeout(ctx, HeartbeatTimeout)
	defer cancel()
	err := d.cl.SendHeartbeat(hctx, a.id, hb)
	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			d.hbErr = "heartbeat: " + err.Error()
			a.m.heartbeats.WithLabelValues(d.cfg.Name, "error").Inc()
			a.log.Warn("send heartbeat", "destination", d.cfg.Name, "err", err)
		}
		return
	}
	d.hbAt, d.hbErr = now, ""
	a.m.heartbeats.WithLabelValues(d.cfg.Name, "ok").Inc()
}

// lastError is what the heartbeat reports: the destination's rules error,
// its delivery error while unhealthy, and the latest source error.
func (a *agent) lastError(d *destination, shipErr string, healthy bool) string {
	var parts []string
	if e := d.rules.lastError(); e != "" {
		parts = append(parts, e)
	}
	if shipErr != "" && !healthy {
		parts = append(parts, "delivery: "+shipErr)
	}
	if e := a.latestStreamError(); e != "" {
		parts = append(parts, "source: "+e)
	}
	s := strings.Join(parts, "; ")
	if len(s) > maxLastErrorBytes {
		s = s[:maxLastErrorBytes]
	}
	return s
}

// maxLastErrorBytes: the workspace truncates Heartbeat values anyway; keep
// the request small.
const maxLastErrorBytes = 1024
