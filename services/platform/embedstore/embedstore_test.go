package embedstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/embedstore"
)

func start(t *testing.T, dir string, logger *slog.Logger) *embedstore.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, err := embedstore.Start(ctx, dir, "127.0.0.1:0", logger)
	if err != nil {
		t.Fatalf("Start() = %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func connect(t *testing.T, uri string) *mongo.Client {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c
}

func TestStartServesTheWireProtocolFromAPrivateDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	s := start(t, dir, nil)

	if !strings.HasPrefix(s.URI(), "mongodb://127.0.0.1:") {
		t.Errorf("URI() = %q, want mongodb://127.0.0.1:<port>/", s.URI())
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatalf("data directory not created: %v", err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode = %o, want 700", perm)
	}

	coll := connect(t, s.URI()).Database("rescue").Collection("survivors")
	if _, err := coll.InsertOne(t.Context(), bson.M{"_id": "s1", "pseudonym": "Rani"}); err != nil {
		t.Fatalf("InsertOne() = %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if len(files) == 0 {
		t.Errorf("no SQLite files in %s after a write", dir)
	}
}

func TestStartRestrictsAnExistingDirectoryTo0700(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start(t, dir, nil)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o700 {
		t.Errorf("data directory mode = %o, want 700", perm)
	}
}

func TestStartAcceptsADirectoryWithSpaces(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "local data")
	s := start(t, dir, nil)
	coll := connect(t, s.URI()).Database("rescue").Collection("c")
	if _, err := coll.InsertOne(t.Context(), bson.M{"_id": 1}); err != nil {
		t.Fatalf("InsertOne() = %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if len(files) == 0 {
		t.Errorf("no SQLite files in %q after a write", dir)
	}
}

func TestDataSurvivesARestartOnTheSameDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := start(t, dir, nil)
	client := connect(t, first.URI())
	if _, err := client.Database("rescue").Collection("c").InsertOne(t.Context(), bson.M{"_id": "kept"}); err != nil {
		t.Fatal(err)
	}
	_ = client.Disconnect(t.Context())
	if err := first.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	second := start(t, dir, nil)
	n, err := connect(t, second.URI()).Database("rescue").Collection("c").CountDocuments(t.Context(), bson.M{"_id": "kept"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("documents after restart = %d, want 1", n)
	}
}

func TestCloseStopsServingAndIsSafeToRepeat(t *testing.T) {
	t.Parallel()
	s := start(t, t.TempDir(), nil)
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URI(), "mongodb://"), "/")
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close() = %v", err)
	}
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = conn.Close()
		t.Errorf("store still accepts connections on %s after Close", addr)
	}
}

func TestStartFailsWhenTheAddressIsTaken(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s, err := embedstore.Start(t.Context(), t.TempDir(), l.Addr().String(), nil)
	if err == nil {
		_ = s.Close()
		t.Fatal("Start() on a taken address = nil error")
	}
	if !strings.HasPrefix(err.Error(), "embedstore.Start: ") {
		t.Errorf("Start() error = %q, want it wrapped as embedstore.Start", err)
	}
}

func TestStartRejectsMissingArguments(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][2]string{
		"empty dir":               {"", "127.0.0.1:0"},
		"empty addr":              {t.TempDir(), ""},
		"dir with a #":            {filepath.Join(t.TempDir(), "data#1"), "127.0.0.1:0"},
		"dir with a ?":            {filepath.Join(t.TempDir(), "data?mode=memory"), "127.0.0.1:0"},
		"dir with a %":            {filepath.Join(t.TempDir(), "data%20"), "127.0.0.1:0"},
		"dir that is a file":      {os.Args[0], "127.0.0.1:0"},
		"addr that is no address": {t.TempDir(), "not-an-address"},
	} {
		if s, err := embedstore.Start(t.Context(), args[0], args[1], nil); err == nil {
			_ = s.Close()
			t.Errorf("%s: Start() = nil error", name)
		}
	}
}

func TestStartGivesUpWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s, err := embedstore.Start(ctx, t.TempDir(), "127.0.0.1:0", nil)
	if err == nil {
		_ = s.Close()
		t.Fatal("Start() with a canceled context = nil error")
	}
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestFerretDBLogsOnlyWarningsAndNeverResponseBodies(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := start(t, t.TempDir(), logger)

	db := connect(t, s.URI()).Database("rescue")
	const secret = "Asha Devi"
	// A failed command makes FerretDB dump the response at warn level.
	if err := db.RunCommand(t.Context(), bson.D{{Key: "count", Value: "c"}, {Key: "query", Value: secret}}).Err(); err == nil {
		t.Fatal("count with a string query succeeded; the test needs a failing command")
	}
	if _, err := db.Collection("c").InsertOne(t.Context(), bson.M{"name": secret}); err != nil {
		t.Fatal(err)
	}

	out := logs.String()
	if strings.Contains(out, secret) {
		t.Errorf("FerretDB logs contain a stored value:\n%s", out)
	}
	for _, level := range []string{`"level":"DEBUG"`, `"level":"INFO"`} {
		if strings.Contains(out, level) {
			t.Errorf("FerretDB logs contain %s records:\n%s", level, out)
		}
	}
}
