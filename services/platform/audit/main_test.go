package audit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// base is the time of the first entry in tests.
var base = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: base} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newStore returns a store of service "rescue" on a fresh database, with a
// test clock, and the database.
func newStore(t *testing.T) (*audit.Store, *mongo.Database, *clock) {
	t.Helper()
	db := storetest.NewDatabase(t)
	s, err := audit.NewStore(t.Context(), db, "rescue")
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	c := newClock()
	return s.WithClock(c.Now), db, c
}

// tctx returns a context bounded for one test step.
func tctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// rawEntries returns every stored document, in insertion-independent id order.
func rawEntries(t *testing.T, db *mongo.Database) []bson.Raw {
	t.Helper()
	cur, err := db.Collection(audit.CollectionName).Find(tctx(t), bson.D{})
	if err != nil {
		t.Fatalf("find: %v", err)
	}
	var docs []bson.Raw
	for cur.Next(tctx(t)) {
		docs = append(docs, slices.Clone(cur.Current))
	}
	if err := cur.Err(); err != nil {
		t.Fatalf("cursor: %v", err)
	}
	return docs
}

// storedEntries decodes every stored entry.
func storedEntries(t *testing.T, db *mongo.Database) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for _, raw := range rawEntries(t, db) {
		var e audit.Entry
		if err := bson.Unmarshal(raw, &e); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		out = append(out, e)
	}
	return out
}

// storedEntry returns the one stored entry with id.
func storedEntry(t *testing.T, db *mongo.Database, id string) audit.Entry {
	t.Helper()
	var e audit.Entry
	if err := db.Collection(audit.CollectionName).FindOne(tctx(t), bson.D{{Key: "_id", Value: id}}).Decode(&e); err != nil {
		t.Fatalf("find entry %s: %v", id, err)
	}
	return e
}

// onlyEntry returns the single stored entry, failing if there is not exactly one.
func onlyEntry(t *testing.T, db *mongo.Database) audit.Entry {
	t.Helper()
	all := storedEntries(t, db)
	if len(all) != 1 {
		t.Fatalf("stored %d entries, want 1: %+v", len(all), all)
	}
	return all[0]
}

// wantErr checks that err is an *errs.Error of kind and reason.
func wantErr(t *testing.T, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v %s", kind, reason)
	}
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("got %v (%T), want an *errs.Error %v %s", err, err, kind, reason)
	}
	if e.Kind != kind || e.Reason != reason {
		t.Fatalf("got %v %s (%q), want %v %s", e.Kind, e.Reason, e.Message, kind, reason)
	}
	return e
}

// logBuffer is a concurrency-safe writer for a captured JSON log.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the captured log records.
func (b *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.Lines(b.buf.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, rec)
	}
	return out
}

func newLogger(b *logBuffer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
