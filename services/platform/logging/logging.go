// Package logging builds the platform's structured logger: log/slog writing
// one JSON object per line, where every record logged with a context carries
// the ids that tie it to a call: trace_id and span_id of the OpenTelemetry
// span in the context, and request_id (package requestid).
//
// Log lines hold ids, codes and durations, never survivor identity (names,
// dates of birth, contacts, addresses) nor request or response bodies. Use
// the *Context methods (InfoContext, LogAttrs with ctx, ...) so the ids are
// attached.
package logging

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/trace"

	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/requestid"
)

// The keys of the ids added to every record.
const (
	TraceIDKey   = "trace_id"
	SpanIDKey    = "span_id"
	RequestIDKey = "request_id"
)

// Config selects the log level.
type Config struct {
	// Level is the minimum level logged: debug, info, warn or error.
	Level string `env:"LOG_LEVEL, default=info"`
}

var levels = map[string]slog.Level{
	"debug": slog.LevelDebug,
	"info":  slog.LevelInfo,
	"warn":  slog.LevelWarn,
	"error": slog.LevelError,
}

// Validate reports a LOG_LEVEL that is not one of debug, info, warn, error
// (in any case).
func (c Config) Validate() error {
	if _, ok := levels[strings.ToLower(c.Level)]; !ok {
		return config.Invalid("LOG_LEVEL", c.Level, "must be one of debug, info, warn, error")
	}
	return nil
}

// SlogLevel returns the configured level; info when Level is not valid.
func (c Config) SlogLevel() slog.Level {
	if l, ok := levels[strings.ToLower(c.Level)]; ok {
		return l
	}
	return slog.LevelInfo
}

// New returns a logger writing JSON lines to w at level and above. Records
// logged with a context get trace_id and span_id (when the context holds a
// valid span) and request_id (when it holds one), at the top level of the
// line even inside groups.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(&contextHandler{
		root: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}),
	})
}

type ctxKey struct{}

// WithLogger returns a context carrying logger.
func WithLogger(ctx context.Context, logger *slog.Logger) context.Context {
	return context.WithValue(ctx, ctxKey{}, logger)
}

// FromContext returns the logger in ctx or, when there is none, a default
// JSON logger on stderr at info level (which still adds the ids).
func FromContext(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(ctxKey{}).(*slog.Logger); ok && l != nil {
		return l
	}
	return defaultLogger()
}

var defaultLogger = sync.OnceValue(func() *slog.Logger {
	return New(os.Stderr, slog.LevelInfo)
})

// contextHandler adds the ids in the record's context to each record.
//
// Attributes added to a record land inside whatever groups the logger has
// opened, so while no group is open the ids are appended to the record, and
// once one is, the handler keeps the handler from before the first group
// (root) and the operations since (ops), and on each record rebuilds the
// chain with the ids added before the groups. The common case (no groups)
// costs one record clone.
type contextHandler struct {
	root  slog.Handler // the JSON handler with the attrs added before the first group
	inner slog.Handler // root with ops applied; nil while ops is empty
	ops   []handlerOp
}

type handlerOp struct {
	group string      // WithGroup(group) when attrs is nil
	attrs []slog.Attr // WithAttrs(attrs) otherwise
}

func (h *contextHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.root.Enabled(ctx, level)
}

func (h *contextHandler) Handle(ctx context.Context, r slog.Record) error {
	ids := idAttrs(ctx)
	if len(ids) == 0 {
		return h.current().Handle(ctx, r)
	}
	if h.inner == nil {
		// Clone: the record's attribute storage may be shared with the caller.
		r = r.Clone()
		r.AddAttrs(ids...)
		return h.root.Handle(ctx, r)
	}
	handler := h.root.WithAttrs(ids)
	for _, op := range h.ops {
		if op.attrs != nil {
			handler = handler.WithAttrs(op.attrs)
		} else {
			handler = handler.WithGroup(op.group)
		}
	}
	return handler.Handle(ctx, r)
}

func (h *contextHandler) current() slog.Handler {
	if h.inner != nil {
		return h.inner
	}
	return h.root
}

func (h *contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	if h.inner == nil {
		return &contextHandler{root: h.root.WithAttrs(attrs)}
	}
	return &contextHandler{
		root:  h.root,
		inner: h.inner.WithAttrs(attrs),
		ops:   append(h.ops[:len(h.ops):len(h.ops)], handlerOp{attrs: attrs}),
	}
}

func (h *contextHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &contextHandler{
		root:  h.root,
		inner: h.current().WithGroup(name),
		ops:   append(h.ops[:len(h.ops):len(h.ops)], handlerOp{group: name}),
	}
}

// idAttrs returns the correlation ids held by ctx.
func idAttrs(ctx context.Context) []slog.Attr {
	if ctx == nil {
		return nil
	}
	var attrs []slog.Attr
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		attrs = append(attrs,
			slog.String(TraceIDKey, sc.TraceID().String()),
			slog.String(SpanIDKey, sc.SpanID().String()))
	}
	if id := requestid.FromContext(ctx); id != "" {
		attrs = append(attrs, slog.String(RequestIDKey, id))
	}
	return attrs
}
