package agent

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/source/wevtapi"
)

// Options configures Run. Config is required; every other zero value
// means the documented default.
type Options struct {
	// Config is the agent's configuration (LoadConfig).
	Config *Config

	// Logger receives the agent's logs. nil means no logging.
	Logger *slog.Logger

	// Registry receives every metric (agent, spools, shippers) and is what
	// GET /metrics serves. nil means a new registry of the agent's own.
	Registry *prometheus.Registry

	// Stdin is what an xml source with path "-" reads. nil means os.Stdin.
	Stdin io.Reader

	// EventLog is what eventlog sources read. nil means the host's
	// (wevtapi.System; eventlog sources then need Windows).
	EventLog wevtapi.EventLog

	// Now is the clock. nil means time.Now.
	Now func() time.Time

	// Ready, when set, is called once the spools are open and reading has
	// begun (a Windows service reports Running then).
	Ready func()
}
