package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"wsec/internal/agent"
)

// progressInterval is how often `wsec-agent run` in the foreground prints
// what it has read and delivered (when that changed).
const progressInterval = 2 * time.Second

// reportProgress prints a progress line from the agent's status file every
// progressInterval while ctx lasts, and once more when it ends.
func reportProgress(ctx context.Context, w io.Writer, dataDir string) {
	last := ""
	show := func() {
		st, err := agent.ReadStatus(dataDir)
		if err != nil {
			return
		}
		if line := progressLine(st); line != last {
			fmt.Fprintln(w, line)
			last = line
		}
	}
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			show()
			return
		case <-t.C:
			show()
		}
	}
}

// progressLine is "read N events; dest: sent S, queued Q[, detached: why]".
func progressLine(st agent.Status) string {
	var read uint64
	for _, s := range st.Streams {
		read += s.Events
	}
	parts := []string{fmt.Sprintf("read %d events", read)}
	for _, d := range st.Destinations {
		p := fmt.Sprintf("%s: sent %d, queued %d", d.Name, d.Sent, d.Queued)
		if d.Detached {
			p += ", detached: " + d.DetachedReason
		} else if d.LastError != "" && !d.Healthy {
			p += ", retrying: " + d.LastError
		}
		parts = append(parts, p)
	}
	return "wsec-agent: " + strings.Join(parts, "; ")
}
