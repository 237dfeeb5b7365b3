package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/requestid"
)

var (
	testTraceID = trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	testSpanID  = trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
)

func spanContext(t *testing.T) context.Context {
	t.Helper()
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: testTraceID, SpanID: testSpanID, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(context.Background(), sc)
}

// lines decodes buf as JSON lines, failing the test on anything that is not.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestNew_AddsIDsFromTheRecordContext(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		ctx  func(t *testing.T) context.Context
		want map[string]any // nil value: key must be absent
	}{
		{
			name: "span and request id",
			ctx: func(t *testing.T) context.Context {
				return requestid.WithRequestID(spanContext(t), "req-1")
			},
			want: map[string]any{"trace_id": testTraceID.String(), "span_id": testSpanID.String(), "request_id": "req-1"},
		},
		{
			name: "request id only",
			ctx: func(*testing.T) context.Context {
				return requestid.WithRequestID(context.Background(), "req-2")
			},
			want: map[string]any{"trace_id": nil, "span_id": nil, "request_id": "req-2"},
		},
		{
			name: "span only",
			ctx:  spanContext,
			want: map[string]any{"trace_id": testTraceID.String(), "span_id": testSpanID.String(), "request_id": nil},
		},
		{
			name: "neither",
			ctx:  func(*testing.T) context.Context { return context.Background() },
			want: map[string]any{"trace_id": nil, "span_id": nil, "request_id": nil},
		},
		{
			name: "invalid span context is ignored",
			ctx: func(*testing.T) context.Context {
				return trace.ContextWithSpanContext(context.Background(), trace.SpanContext{})
			},
			want: map[string]any{"trace_id": nil, "span_id": nil},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			var buf bytes.Buffer
			logger := logging.New(&buf, slog.LevelInfo)
			logger.InfoContext(tc.ctx(t), "hello", "k", "v")

			got := lines(t, &buf)
			if len(got) != 1 {
				t.Fatalf("got %d log lines, want 1: %s", len(got), buf.String())
			}
			line := got[0]
			if line["msg"] != "hello" || line["k"] != "v" || line["level"] != "INFO" {
				t.Errorf("line = %v, want msg hello, k v, level INFO", line)
			}
			for key, want := range tc.want {
				v, ok := line[key]
				switch {
				case want == nil && ok:
					t.Errorf("line has %s = %v, want it absent", key, v)
				case want != nil && v != want:
					t.Errorf("line %s = %v, want %v", key, v, want)
				}
			}
		})
	}
}

func TestNew_IDsStayAtTopLevelInsideGroupsAndWithAttrs(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	logger := logging.New(&buf, slog.LevelInfo).
		With("service", "rescue").
		WithGroup("rpc").
		With("method", "/x.v1.X/Get").
		WithGroup("detail")
	ctx := requestid.WithRequestID(spanContext(t), "req-3")
	logger.InfoContext(ctx, "done", "code", "OK")
	logger.InfoContext(context.Background(), "no ids", "code", "OK")

	got := lines(t, &buf)
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2: %s", len(got), buf.String())
	}
	first := got[0]
	if first["trace_id"] != testTraceID.String() || first["request_id"] != "req-3" || first["service"] != "rescue" {
		t.Errorf("ids or pre-group attrs not at top level: %v", first)
	}
	rpc, _ := first["rpc"].(map[string]any)
	detail, _ := rpc["detail"].(map[string]any)
	if rpc["method"] != "/x.v1.X/Get" || detail["code"] != "OK" {
		t.Errorf("grouped attrs misplaced: %v", first)
	}
	if _, ok := rpc["trace_id"]; ok {
		t.Errorf("trace_id duplicated inside group: %v", first)
	}
	second := got[1]
	if _, ok := second["trace_id"]; ok {
		t.Errorf("line without ids has trace_id: %v", second)
	}
	if rpc2, _ := second["rpc"].(map[string]any); rpc2["method"] != "/x.v1.X/Get" {
		t.Errorf("grouped attrs lost on a line without ids: %v", second)
	}
}

func TestNew_RespectsLevel(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	logger := logging.New(&buf, slog.LevelWarn)
	logger.InfoContext(context.Background(), "dropped")
	logger.WarnContext(context.Background(), "kept")
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["msg"] != "kept" {
		t.Errorf("lines = %v, want only the warn line", got)
	}
}

func TestNew_DoesNotMutateTheCallersRecord(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	h := logging.New(&buf, slog.LevelInfo).Handler()
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "m", 0)
	r.AddAttrs(slog.Int("a", 1), slog.Int("b", 2), slog.Int("c", 3), slog.Int("d", 4), slog.Int("e", 5), slog.Int("f", 6))
	before := r.NumAttrs()
	if err := h.Handle(requestid.WithRequestID(spanContext(t), "r"), r); err != nil {
		t.Fatal(err)
	}
	if r.NumAttrs() != before {
		t.Errorf("record has %d attrs after Handle, want %d", r.NumAttrs(), before)
	}
}

// TestHandler_ConformsToSlogRules runs the standard library's handler test suite.
func TestHandler_ConformsToSlogRules(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		return logging.New(&buf, slog.LevelInfo).Handler()
	}
	result := func(t *testing.T) map[string]any {
		got := lines(t, &buf)
		if len(got) != 1 {
			t.Fatalf("got %d lines, want 1", len(got))
		}
		return got[0]
	}
	slogtest.Run(t, newHandler, result)
}

func TestFromContext_ReturnsTheStoredLoggerOrADefault(t *testing.T) {
	t.Parallel()

	var buf bytes.Buffer
	logger := logging.New(&buf, slog.LevelInfo)
	if got := logging.FromContext(logging.WithLogger(context.Background(), logger)); got != logger {
		t.Errorf("FromContext() = %p, want the stored logger %p", got, logger)
	}
	def := logging.FromContext(context.Background())
	if def == nil {
		t.Fatal("FromContext(empty) = nil, want a default logger")
	}
	if def != logging.FromContext(context.Background()) {
		t.Error("FromContext(empty) returned a different default logger on each call")
	}
}

func TestConfig_ValidateAcceptsOnlyKnownLevels(t *testing.T) {
	t.Parallel()

	tests := []struct {
		level   string
		want    slog.Level
		wantErr string
	}{
		{level: "debug", want: slog.LevelDebug},
		{level: "info", want: slog.LevelInfo},
		{level: "warn", want: slog.LevelWarn},
		{level: "error", want: slog.LevelError},
		{level: "WARN", want: slog.LevelWarn},
		{level: "verbose", wantErr: `LOG_LEVEL="verbose": must be one of debug, info, warn, error`},
		{level: "", wantErr: `LOG_LEVEL="": must be one of debug, info, warn, error`},
		{level: "warning", wantErr: `LOG_LEVEL="warning": must be one of debug, info, warn, error`},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			t.Parallel()

			cfg := logging.Config{Level: tc.level}
			err := cfg.Validate()
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Errorf("Validate() = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v, want nil", err)
			}
			if got := cfg.SlogLevel(); got != tc.want {
				t.Errorf("SlogLevel() = %v, want %v", got, tc.want)
			}
		})
	}
}
