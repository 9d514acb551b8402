package analytics

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"wsec/internal/analytics/incident"
	"wsec/internal/analytics/notify"
	"wsec/internal/analytics/rule"
	"wsec/internal/api"
	"wsec/internal/atomicfile"
	"wsec/internal/kql"
	"wsec/internal/schema"
	"wsec/internal/store"
)

// Workspace is what the engine needs of the workspace service
// (*workspace.Service is one).
type Workspace interface {
	// QueryAt runs KQL over [start, end) of TimeGenerated with ago() and
	// now() relative to now.
	QueryAt(ctx context.Context, ws, kql string, start, end, now time.Time) (*api.Table, error)
	// QueryReceived runs KQL over the rows received with after <
	// _TimeReceived <= until (near-real-time rules).
	QueryReceived(ctx context.Context, ws, kql string, after, until, now time.Time) (*api.Table, error)
	// AppendRows stores SecurityAlert or SecurityIncident rows, all or
	// nothing, durable on return.
	AppendRows(ctx context.Context, ws, table string, rows []schema.Row) error
	// Catalog lists the tables a query of ws may name.
	Catalog(ctx context.Context, ws string) (kql.Catalog, error)
}

// Options configure an Engine.
type Options struct {
	// Dir holds the engine's state: a directory per workspace with its
	// rules (as imported) and their schedule. Required.
	Dir       string
	Workspace Workspace // required
	// Workspaces lists the workspaces the scheduler runs; nil: none (rules
	// run only when asked: backfill, run).
	Workspaces func() []string
	// IngestionDelay is how far windows trail the clock; 0:
	// DefaultIngestionDelay, < 0: none.
	IngestionDelay time.Duration
	// Tick is how often Run looks for due windows; 0: DefaultTick.
	Tick time.Duration
	// Ingestion tracks the appends of the workspaces (Ingestion.Track on
	// the ingest appender), so NRT rules read every row once, as soon as
	// it is stored. nil: NRT rules read up to NRTSettle before the clock.
	Ingestion *Ingestion
	// NRTTick is how often NRT rules run when no append signals; 0:
	// DefaultNRTTick.
	NRTTick time.Duration
	// Now is the clock; nil: time.Now.
	Now    func() time.Time
	Logger *slog.Logger // nil: discard
	// Detectors are built-in detections by rule ID: before each window of
	// that rule the engine runs the detector over the window, which stores
	// what it finds (the RDP detector: Anomalies rows) for the rule's
	// query to read. A detector must store each finding once however often
	// a window runs.
	Detectors map[string]Detector
	// Notifier queues alerts and incident changes for the workspaces'
	// webhooks; nil: none.
	Notifier *notify.Notifier
	// Metrics, nil: not registered.
	Metrics *Metrics
	// Coordinator, when set, shares the rules with every node using the
	// same store ("Several nodes" in the package doc): a workspace's rules
	// run on the node holding its lease, from the cursors kept in the
	// store. nil: this node is the only one.
	Coordinator store.Coordinator
	// Node names this process in leases; "": host, process ID and a
	// random suffix.
	Node string
	// LeaseTTL is how long a lease lasts unrenewed: how long the rules of
	// a workspace pause when the node running them dies. 0:
	// DefaultLeaseTTL.
	LeaseTTL time.Duration

	// testStep, when set (tests), is called at each step of a window's
	// evaluation; an error stops the evaluation there, as a crash would.
	testStep func(step string) error
}

// Detector is a built-in detection run before the windows of its rule.
type Detector interface {
	Detect(ctx context.Context, ws string, from, to time.Time) error
}

// Engine imports analytics rules, runs them on schedule and on demand,
// stores their alerts and groups them into incidents. Safe for concurrent
// use; the work of one workspace is serialised.
type Engine struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time
	cat  *schema.Catalog
	mu   sync.Mutex
	ws   map[string]*wsState
}

// Entry is a rule as the engine holds it.
type Entry struct {
	Rule    *rule.Rule `json:"-"`
	Enabled bool       `json:"enabled"`
	// Problem says why the rule cannot run (its query needs a table or
	// function the workspace lacks); "" when it can.
	Problem string `json:"problem,omitempty"`
	// Cursor is the end of the last window evaluated; zero: none yet.
	// For an NRT rule it is a receive time: the rule has read every row
	// with _TimeReceived at or before it.
	Cursor time.Time `json:"cursor"`
	// Pending is the end of the NRT span being evaluated: after a crash,
	// the same span is evaluated again, so its alerts keep their IDs.
	Pending time.Time `json:"pending,omitzero"`
	// SuppressedUntil: windows ending before it raise no alerts.
	SuppressedUntil time.Time `json:"suppressedUntil"`
	Imported        time.Time `json:"imported"`
	// LastError is the last evaluation's error ("" when it succeeded).
	LastError string `json:"lastError,omitempty"`
}

// wsState is one workspace's rules and incidents.
type wsState struct {
	mu    sync.Mutex // serialises everything below and evaluations
	id    string
	dir   string
	rules map[string]*Entry
	book  *incident.Book // nil until first needed
	// term and until: the store lease on the rules this node holds (with
	// Options.Coordinator), and until when.
	term  uint64
	until time.Time
}

// stateFile is the persisted schedule of a workspace's rules.
type stateFile struct {
	Rules map[string]*Entry `json:"rules"`
}

const (
	stateName = "state.json"
	rulesDir  = "rules"
)

// New returns an engine; rules are loaded per workspace on first use.
func New(o Options) (*Engine, error) {
	if o.Dir == "" || o.Workspace == nil {
		return nil, errors.New("new analytics engine: Dir and Workspace are required")
	}
	if o.IngestionDelay == 0 {
		o.IngestionDelay = DefaultIngestionDelay
	} else if o.IngestionDelay < 0 {
		o.IngestionDelay = 0
	}
	if o.Tick <= 0 {
		o.Tick = DefaultTick
	}
	if o.NRTTick <= 0 {
		o.NRTTick = DefaultNRTTick
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = DefaultLeaseTTL
	}
	if o.Node == "" {
		o.Node = defaultNode()
	}
	e := &Engine{opts: o, log: o.Logger, now: o.Now, cat: schema.New(), ws: map[string]*wsState{}}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	return e, nil
}

// workspace returns the loaded state of ws, loading it on first use.
func (e *Engine) workspace(ws string) (*wsState, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if w, ok := e.ws[ws]; ok {
		return w, nil
	}
	if ws == "" || strings.ContainsAny(ws, `/\.`) {
		return nil, fmt.Errorf("analytics: workspace ID %q is not a plain name", ws)
	}
	w := &wsState{id: ws, dir: filepath.Join(e.opts.Dir, ws), rules: map[string]*Entry{}}
	b, err := os.ReadFile(filepath.Join(w.dir, stateName))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("read analytics state of workspace %s: %w", ws, err)
	default:
		var st stateFile
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, fmt.Errorf("read analytics state %s: %w (restore it from a backup, or delete it to start the rules afresh)", filepath.Join(w.dir, stateName), err)
		}
		for id, ent := range st.Rules {
			src, err := os.ReadFile(filepath.Join(w.dir, rulesDir, ruleFile(id)))
			if err != nil {
				return nil, fmt.Errorf("read rule %s of workspace %s: %w", id, ws, err)
			}
			if ent.Rule, err = rule.Parse(src); err != nil {
				return nil, fmt.Errorf("read rule %s of workspace %s: %w", id, ws, err)
			}
			w.rules[id] = ent
		}
	}
	e.ws[ws] = w
	return w, nil
}

// ruleFile is the file name of a rule's source: IDs are free text in the
// format, so the name is derived from a hash of it.
func ruleFile(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:12]) + ".yaml"
}

// save persists the workspace's schedule (atomically: a crash leaves the
// old or the new state).
func (w *wsState) save() error {
	b, err := json.MarshalIndent(stateFile{Rules: w.rules}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode analytics state: %w", err)
	}
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return fmt.Errorf("create analytics directory: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(w.dir, stateName), b, 0o600)
}

// ErrNotFound: no rule (or incident) of that ID in the workspace.
var ErrNotFound = errors.New("not found")

// Import adds or replaces a rule of workspace ws from its Sentinel YAML.
// A rule whose query does not compile is refused (*rule.QueryError); one
// whose query needs a table or function the workspace lacks is stored
// disabled, with the reason in Problem. A replaced rule keeps its schedule
// and enabled state; a new one is enabled unless disabled is set.
func (e *Engine) Import(ctx context.Context, ws string, src []byte, disabled bool) (*Entry, error) {
	r, err := rule.Parse(src)
	if err != nil {
		return nil, err
	}
	return e.Add(ctx, ws, r, disabled)
}

// Add is Import for a rule built by another front end (a Sigma compiler).
// A rule with Raw is stored and survives restarts; one without is held in
// memory and its front end adds it again at start (its schedule persists).
func (e *Engine) Add(ctx context.Context, ws string, r *rule.Rule, disabled bool) (*Entry, error) {
	if err := r.Validate(); err != nil {
		return nil, fmt.Errorf("rule %q: %w", r.Name, err)
	}
	cat, err := e.opts.Workspace.Catalog(ctx, ws)
	if err != nil {
		return nil, err
	}
	problem := ""
	if _, err := r.Check(cat); err != nil {
		var qe *rule.QueryError
		if !errors.As(err, &qe) || !qe.Unsupported {
			return nil, err
		}
		problem = qe.Error()
	}
	w, err := e.workspace(ws)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.Raw != nil {
		dir := filepath.Join(w.dir, rulesDir)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create rules directory: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, ruleFile(r.ID)), r.Raw, 0o600); err != nil {
			return nil, err
		}
	}
	ent, ok := w.rules[r.ID]
	if !ok {
		ent = &Entry{Enabled: !disabled, Imported: e.now().UTC()}
		w.rules[r.ID] = ent
	}
	ent.Rule, ent.Problem = r, problem
	if problem != "" || r.Kind == rule.Hunting {
		ent.Enabled = false
	}
	if r.Raw == nil {
		return ent, nil
	}
	return ent, w.save()
}

// Rules lists the rules of ws by name.
func (e *Engine) Rules(ws string) ([]*Entry, error) {
	w, err := e.workspace(ws)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*Entry, 0, len(w.rules))
	for _, ent := range w.rules {
		if ent.Rule != nil {
			cp := *ent
			out = append(out, &cp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rule.Name < out[j].Rule.Name })
	return out, nil
}

// find returns the rule whose ID, or else name, is idOrName. The caller
// holds w.mu.
func (w *wsState) find(idOrName string) (*Entry, error) {
	if ent, ok := w.rules[idOrName]; ok && ent.Rule != nil {
		return ent, nil
	}
	for _, ent := range w.rules {
		if ent.Rule != nil && ent.Rule.Name == idOrName {
			return ent, nil
		}
	}
	return nil, fmt.Errorf("analytics rule %q: %w", idOrName, ErrNotFound)
}

// SetEnabled enables or disables a rule. A rule enabled anew starts with
// the window that ends now (less the ingestion delay); one enabled again
// resumes after its last window, so no window is skipped.
func (e *Engine) SetEnabled(ws, idOrName string, enabled bool) (*Entry, error) {
	w, err := e.workspace(ws)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	ent, err := w.find(idOrName)
	if err != nil {
		return nil, err
	}
	if enabled && ent.Problem != "" {
		return nil, fmt.Errorf("enable %q: %s", ent.Rule.Name, ent.Problem)
	}
	if enabled && ent.Rule.Kind == rule.Hunting {
		return nil, fmt.Errorf("enable %q: a hunting query has no schedule; run it with 'wsec analytics run'", ent.Rule.Name)
	}
	ent.Enabled = enabled
	if err := w.save(); err != nil {
		return nil, err
	}
	cp := *ent
	return &cp, nil
}

// horizon is the latest window end the scheduler may evaluate now.
func (e *Engine) horizon() time.Time {
	return e.now().UTC().Add(-e.opts.IngestionDelay).Truncate(time.Second)
}
