package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"wsec/internal/metricset"
)

type logAttrsKey struct{}

// requestAttrs collects the fields handlers add to their request's line.
type requestAttrs struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

// LogAttrs adds attrs to the log line of the request ctx belongs to. It is a
// no-op outside a request served through LogRequests.
func LogAttrs(ctx context.Context, attrs ...slog.Attr) {
	ra, ok := ctx.Value(logAttrsKey{}).(*requestAttrs)
	if !ok {
		return
	}
	ra.mu.Lock()
	ra.attrs = append(ra.attrs, attrs...)
	ra.mu.Unlock()
}

// statusWriter records the status and size of a response. It forwards
// Flush so streaming handlers keep working.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ResponseStatus is the status a handler has answered on w so far (0: none
// yet, or w was not served through the server's request log). Middleware
// inside the server uses it to act on the outcome, as the access gate's
// audit log does.
func ResponseStatus(w http.ResponseWriter) int {
	for {
		switch x := w.(type) {
		case *statusWriter:
			return x.status
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return 0
		}
	}
}

// requestLog is the middleware state: logger, limiter, metrics.
type requestLog struct {
	log     *slog.Logger
	now     func() time.Time
	limiter *limiter

	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	suppressed prometheus.Counter
}

func newRequestLog(log *slog.Logger, reg prometheus.Registerer, now func() time.Time) (*requestLog, error) {
	rl := &requestLog{
		log:     log,
		now:     now,
		limiter: newLimiter(WarnLinesPerSecond, WarnLinesBurst, now),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wsec_http_requests_total",
			Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "wsec_http_request_duration_seconds",
			Help:    "Time from request headers to the end of the handler, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"route"}),
		suppressed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "wsec_http_log_lines_suppressed_total",
			Help: "Log lines of refused requests dropped by the rate limit.",
		}),
	}
	if err := metricset.Register(reg, []prometheus.Collector{rl.requests, rl.duration, rl.suppressed}); err != nil {
		return nil, fmt.Errorf("register server metrics: %w", err)
	}
	return rl, nil
}

// wrap returns next with one log line and metrics per request. next is
// expected to be a *http.ServeMux, which sets r.Pattern on the request.
func (rl *requestLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := rl.now()
		ra := &requestAttrs{}
		r = r.WithContext(context.WithValue(r.Context(), logAttrsKey{}, ra))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		elapsed := rl.now().Sub(start)
		route := r.Pattern
		if route == "" || route == patternFallback {
			route = "unmatched"
		}
		rl.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		rl.duration.WithLabelValues(route).Observe(elapsed.Seconds())

		level := slog.LevelInfo
		switch {
		case route == patternHealth || route == patternMetrics:
			level = slog.LevelDebug
		case sw.status >= 500:
			level = slog.LevelError
		case sw.status >= 400:
			level = slog.LevelWarn
		}
		ctx := r.Context()
		if !rl.log.Enabled(ctx, level) {
			return
		}
		var dropped int64
		if level == slog.LevelWarn {
			var ok bool
			if ok, dropped = rl.limiter.allow(); !ok {
				rl.suppressed.Inc()
				return
			}
		}
		ra.mu.Lock()
		attrs := make([]slog.Attr, 0, 8+len(ra.attrs))
		attrs = append(attrs,
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", sw.status),
			slog.Int64("bytes_in", r.ContentLength),
			slog.Int64("bytes_out", sw.bytes),
			slog.Duration("duration", elapsed),
			slog.String("remote", r.RemoteAddr),
		)
		attrs = append(attrs, ra.attrs...)
		ra.mu.Unlock()
		if dropped > 0 {
			attrs = append(attrs, slog.Int64("lines_suppressed_before", dropped))
		}
		rl.log.LogAttrs(ctx, level, "http request", attrs...)
	})
}

// limiter is a token bucket; allow also returns how many calls were
// refused since the last allowed one.
type limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	tokens  float64
	last    time.Time
	now     func() time.Time
	dropped int64
}

func newLimiter(perSecond, burst int, now func() time.Time) *limiter {
	return &limiter{rate: float64(perSecond), burst: float64(burst), tokens: float64(burst), last: now(), now: now}
}

func (l *limiter) allow() (bool, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := l.now()
	l.tokens = min(l.burst, l.tokens+t.Sub(l.last).Seconds()*l.rate)
	l.last = t
	if l.tokens < 1 {
		l.dropped++
		return false, 0
	}
	l.tokens--
	d := l.dropped
	l.dropped = 0
	return true, d
}
