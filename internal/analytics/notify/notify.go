package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"wsec/internal/atomicfile"
)

// Limits and defaults.
const (
	DefaultRetryBase = 2 * time.Second
	DefaultRetryMax  = 10 * time.Minute
	// MaxAttempts is how often a delivery is tried (about a day at the
	// default backoff) before it moves to dead/.
	MaxAttempts = 150
	// MaxQueued bounds the deliveries waiting; Enqueue refuses more, so a
	// receiver down for long cannot fill the disk.
	MaxQueued = 100_000
	// Timeout bounds one attempt.
	Timeout = 15 * time.Second
	// MaxWebhooks bounds a workspace's webhooks.
	MaxWebhooks = 32
)

// Kinds of delivery.
const (
	KindAlert    = "alert"
	KindIncident = "incident"
)

// Header names of a delivery.
const (
	HeaderEvent       = "X-Wsec-Event"
	HeaderIdempotency = "X-Wsec-Idempotency-Key"
	HeaderTimestamp   = "X-Wsec-Timestamp"
	HeaderSignature   = "X-Wsec-Signature"
)

// Webhook is one receiver of a workspace.
type Webhook struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
	// Rules are the rule IDs or names it is for; none: every rule.
	Rules []string `json:"rules,omitempty"`
	// Kinds are KindAlert and/or KindIncident; none: both.
	Kinds []string `json:"kinds,omitempty"`
}

// Validate reports what is wrong with w.
func (w *Webhook) Validate() error {
	if w.Name == "" || len(w.Name) > 64 || strings.ContainsAny(w.Name, "/\\ ") {
		return fmt.Errorf("webhook name %q: want 1 to 64 characters without spaces or slashes", w.Name)
	}
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("webhook %s: url %q: want an http or https URL", w.Name, w.URL)
	}
	if len(w.Secret) < 16 {
		return fmt.Errorf("webhook %s: the secret must be at least 16 characters (the receiver checks the HMAC with it)", w.Name)
	}
	for _, k := range w.Kinds {
		if k != KindAlert && k != KindIncident {
			return fmt.Errorf("webhook %s: kind %q: want alert or incident", w.Name, k)
		}
	}
	return nil
}

// wants reports whether w takes a delivery of kind for the rule.
func (w *Webhook) wants(kind string, ruleIDs, ruleNames []string) bool {
	if len(w.Kinds) > 0 && !slices.Contains(w.Kinds, kind) {
		return false
	}
	if len(w.Rules) == 0 {
		return true
	}
	for _, r := range w.Rules {
		if slices.Contains(ruleIDs, r) || slices.Contains(ruleNames, r) {
			return true
		}
	}
	return false
}

// Sign returns the X-Wsec-Signature value of body sent at ts.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Options configure a Notifier.
type Options struct {
	Dir       string // required: one folder per workspace
	Client    *http.Client
	Now       func() time.Time
	RetryBase time.Duration
	RetryMax  time.Duration
	Tick      time.Duration // how often Run looks for due deliveries; 0: 1s
	Logger    *slog.Logger
}

// Notifier queues and delivers notifications.
type Notifier struct {
	o    Options
	log  *slog.Logger
	mu   sync.Mutex // serialises configuration changes and queue scans
	wake chan struct{}
}

// New returns a notifier over o.Dir.
func New(o Options) (*Notifier, error) {
	if o.Dir == "" {
		return nil, errors.New("notify: Dir is required")
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: Timeout}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RetryBase <= 0 {
		o.RetryBase = DefaultRetryBase
	}
	if o.RetryMax <= 0 {
		o.RetryMax = DefaultRetryMax
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	n := &Notifier{o: o, log: o.Logger, wake: make(chan struct{}, 1)}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	return n, nil
}

func (n *Notifier) wsDir(ws string) (string, error) {
	if ws == "" || strings.ContainsAny(ws, `/\.`) {
		return "", fmt.Errorf("notify: workspace ID %q is not a plain name", ws)
	}
	return filepath.Join(n.o.Dir, ws), nil
}

const configName = "webhooks.json"

// Webhooks returns the webhooks of ws.
func (n *Notifier) Webhooks(ws string) ([]Webhook, error) {
	dir, err := n.wsDir(ws)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, configName))
	if errors.Is(err, os.ErrNotExist) {
		return []Webhook{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read webhooks of workspace %s: %w", ws, err)
	}
	var out []Webhook
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("read %s: %w (fix or delete it)", filepath.Join(dir, configName), err)
	}
	return out, nil
}

// Put adds or replaces a webhook of ws.
func (n *Notifier) Put(ws string, w Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	hooks, err := n.Webhooks(ws)
	if err != nil {
		return err
	}
	hooks = slices.DeleteFunc(hooks, func(h Webhook) bool { return h.Name == w.Name })
	if len(hooks) >= MaxWebhooks {
		return fmt.Errorf("workspace %s has %d webhooks, the most it may have", ws, MaxWebhooks)
	}
	return n.saveHooks(ws, append(hooks, w))
}

// ErrNotFound: no webhook of that name.
var ErrNotFound = errors.New("no such webhook")

// Delete removes a webhook of ws; its queued deliveries are dropped when
// they come due.
func (n *Notifier) Delete(ws, name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	hooks, err := n.Webhooks(ws)
	if err != nil {
		return err
	}
	kept := slices.DeleteFunc(slices.Clone(hooks), func(h Webhook) bool { return h.Name == name })
	if len(kept) == len(hooks) {
		return fmt.Errorf("webhook %q: %w", name, ErrNotFound)
	}
	return n.saveHooks(ws, kept)
}

func (n *Notifier) saveHooks(ws string, hooks []Webhook) error {
	dir, err := n.wsDir(ws)
	if err != nil {
		return err
	}
	sort.Slice(hooks, func(i, j int) bool { return hooks[i].Name < hooks[j].Name })
	b, err := json.MarshalIndent(hooks, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create webhook directory: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, configName), b, 0o600)
}

// delivery is one queued POST.
type delivery struct {
	Webhook  string          `json:"webhook"`
	Kind     string          `json:"kind"`
	Key      string          `json:"key"`
	Body     json.RawMessage `json:"body"`
	Attempts int             `json:"attempts"`
	Next     time.Time       `json:"next"`
	LastErr  string          `json:"lastError,omitempty"`
}

// Message is what Enqueue sends.
type Message struct {
	Kind      string // KindAlert or KindIncident
	Key       string // idempotency key
	RuleIDs   []string
	RuleNames []string
	Payload   any // the "alert" or "incident" object
}

// Enqueue queues msg for every webhook of ws that wants it, durably
// before it returns. Queuing a key already queued for a webhook replaces
// nothing: the delivery goes once more at most.
func (n *Notifier) Enqueue(ws string, msgs ...Message) error {
	hooks, err := n.Webhooks(ws)
	if err != nil || len(hooks) == 0 {
		return err
	}
	dir, _ := n.wsDir(ws)
	qdir := filepath.Join(dir, "queue")
	if err := os.MkdirAll(qdir, 0o700); err != nil {
		return fmt.Errorf("create webhook queue: %w", err)
	}
	queued, err := os.ReadDir(qdir)
	if err != nil {
		return fmt.Errorf("read webhook queue: %w", err)
	}
	count := len(queued)
	for _, m := range msgs {
		for _, h := range hooks {
			if !h.wants(m.Kind, m.RuleIDs, m.RuleNames) {
				continue
			}
			name := fileName(h.Name, m.Key)
			path := filepath.Join(qdir, name)
			if _, err := os.Stat(path); err == nil {
				continue
			}
			if count >= MaxQueued {
				return fmt.Errorf("webhook queue of workspace %s holds %d deliveries, the most it may; is %s down?", ws, count, h.URL)
			}
			body, err := json.Marshal(map[string]any{"type": m.Kind, "workspace": ws, "webhook": h.Name, m.Kind: m.Payload})
			if err != nil {
				return fmt.Errorf("encode %s %s: %w", m.Kind, m.Key, err)
			}
			d := delivery{Webhook: h.Name, Kind: m.Kind, Key: m.Key, Body: body, Next: n.o.Now().UTC()}
			b, _ := json.Marshal(d)
			if err := atomicfile.WriteFile(path, b, 0o600); err != nil {
				return fmt.Errorf("queue %s %s for webhook %s: %w", m.Kind, m.Key, h.Name, err)
			}
			count++
		}
	}
	select {
	case n.wake <- struct{}{}:
	default:
	}
	return nil
}

func fileName(hook, key string) string {
	h := sha256.Sum256([]byte(hook + "\x00" + key))
	return hex.EncodeToString(h[:16]) + ".json"
}

// Run delivers due deliveries of the workspaces ws lists every Tick and
// after each Enqueue, until ctx ends.
func (n *Notifier) Run(ctx context.Context, workspaces func() []string) error {
	t := time.NewTicker(n.o.Tick)
	defer t.Stop()
	for {
		for _, ws := range workspaces() {
			if _, err := n.DeliverDue(ctx, ws); err != nil && ctx.Err() == nil {
				n.log.Warn("webhook deliveries not run", slog.String("workspace", ws), slog.Any("err", err))
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-n.wake:
		}
	}
}

// DeliverDue tries every delivery of ws that is due, and returns how many
// the receivers took.
func (n *Notifier) DeliverDue(ctx context.Context, ws string) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	dir, err := n.wsDir(ws)
	if err != nil {
		return 0, err
	}
	qdir := filepath.Join(dir, "queue")
	ents, err := os.ReadDir(qdir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read webhook queue: %w", err)
	}
	hooks, err := n.Webhooks(ws)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, e := range ents {
		if ctx.Err() != nil {
			return done, ctx.Err()
		}
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		path := filepath.Join(qdir, e.Name())
		ok, err := n.attempt(ctx, ws, path, hooks)
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}

// attempt tries one delivery if it is due; ok when the receiver took it.
func (n *Notifier) attempt(ctx context.Context, ws, path string, hooks []Webhook) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("read queued delivery: %w", err)
	}
	var d delivery
	if err := json.Unmarshal(b, &d); err != nil {
		n.log.Error("damaged webhook delivery moved to dead/", slog.String("file", path), slog.Any("err", err))
		return false, n.bury(path)
	}
	now := n.o.Now().UTC()
	if d.Next.After(now) {
		return false, nil
	}
	i := slices.IndexFunc(hooks, func(h Webhook) bool { return h.Name == d.Webhook })
	if i < 0 { // the webhook was deleted
		return false, os.Remove(path)
	}
	h := hooks[i]
	retryAfter, err := n.post(ctx, &h, &d, now)
	if err == nil {
		return true, os.Remove(path)
	}
	d.Attempts++
	d.LastErr = err.Error()
	var perm *permanentError
	if errors.As(err, &perm) || d.Attempts >= MaxAttempts {
		n.log.Error("webhook delivery given up", slog.String("workspace", ws), slog.String("webhook", h.Name),
			slog.String("key", d.Key), slog.Int("attempts", d.Attempts), slog.Any("err", err))
		if err := n.rewrite(path, &d); err != nil {
			return false, err
		}
		return false, n.bury(path)
	}
	d.Next = now.Add(max(n.backoff(d.Attempts), retryAfter))
	n.log.Warn("webhook delivery failed; retrying", slog.String("webhook", h.Name), slog.String("key", d.Key),
		slog.Int("attempts", d.Attempts), slog.Time("next", d.Next), slog.Any("err", err))
	return false, n.rewrite(path, &d)
}

func (n *Notifier) rewrite(path string, d *delivery) error {
	b, _ := json.Marshal(d)
	return atomicfile.WriteFile(path, b, 0o600)
}

func (n *Notifier) bury(path string) error {
	dead := filepath.Join(filepath.Dir(filepath.Dir(path)), "dead")
	if err := os.MkdirAll(dead, 0o700); err != nil {
		return err
	}
	return os.Rename(path, filepath.Join(dead, filepath.Base(path)))
}

// backoff is the wait after the attempt-th failure: RetryBase doubling,
// at most RetryMax.
func (n *Notifier) backoff(attempt int) time.Duration {
	if attempt < 30 {
		if d := n.o.RetryBase << (attempt - 1); d > 0 && d < n.o.RetryMax {
			return d
		}
	}
	return n.o.RetryMax
}

// permanentError is an answer not worth retrying.
type permanentError struct{ status int }

func (e *permanentError) Error() string {
	return fmt.Sprintf("the receiver refused the delivery with HTTP %d; fix the webhook or the receiver", e.status)
}

// post sends d once; it returns the receiver's Retry-After when it gave one.
func (n *Notifier) post(ctx context.Context, h *Webhook, d *delivery, now time.Time) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, &permanentError{}
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "wsec-webhook/1")
	req.Header.Set(HeaderEvent, d.Kind)
	req.Header.Set(HeaderIdempotency, d.Key)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(h.Secret, ts, d.Body))
	resp, err := n.o.Client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post to %s: %w", h.URL, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return 0, nil
	case resp.StatusCode/100 == 4 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests:
		return 0, &permanentError{status: resp.StatusCode}
	}
	var ra time.Duration
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		ra = min(time.Duration(s)*time.Second, n.o.RetryMax)
	}
	return ra, fmt.Errorf("post to %s: HTTP %d", h.URL, resp.StatusCode)
}
