package embedstore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestFilterHandlerPassesWarningsAndDropsTheRest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := newFilterHandler(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	logger := slog.New(h).With("component", "ferretdb").WithGroup("g")

	logger.Debug("debug record")
	logger.Info("info record")
	logger.Warn("warn record", "k", "v")
	logger.Error("error record")
	logger.Warn("Response message:\n{ errmsg: \"secret\" }")
	logger.Error("Response header: x")
	logger.Warn("Proxy response message")

	out := buf.String()
	for _, want := range []string{"warn record", "error record", "component=ferretdb", "g.k=v"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"debug record", "info record", "Response", "secret"} {
		if strings.Contains(out, unwanted) {
			t.Errorf("output contains %q:\n%s", unwanted, out)
		}
	}
}

func TestFilterHandlerWithoutLoggerDiscardsEverything(t *testing.T) {
	t.Parallel()
	h := newFilterHandler(nil)
	if h.Enabled(context.Background(), slog.LevelError) {
		t.Error("Enabled(error) = true for a nil logger")
	}
	if err := h.Handle(context.Background(), slog.NewRecord(time.Time{}, slog.LevelError, "x", 0)); err != nil {
		t.Errorf("Handle() = %v", err)
	}
	if h.WithAttrs([]slog.Attr{slog.String("a", "b")}) == nil || h.WithGroup("g") == nil {
		t.Error("WithAttrs/WithGroup returned nil")
	}
}

func TestFilterHandlerRespectsTheLoggersOwnLevel(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	h := newFilterHandler(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelError})))
	if h.Enabled(context.Background(), slog.LevelWarn) {
		t.Error("Enabled(warn) = true although the logger only takes errors")
	}
}

func TestSQLiteURLIsAFileURLOfTheDirectoryWithATrailingSlash(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"/var/lib/justice":  "file:/var/lib/justice/",
		"/var/lib/justice/": "file:/var/lib/justice/",
		"/tmp/local data":   "file:/tmp/local%20data/",
	}
	for dir, want := range tests {
		if got := sqliteURL(dir); got != want {
			t.Errorf("sqliteURL(%q) = %q, want %q", dir, got, want)
		}
	}
}
