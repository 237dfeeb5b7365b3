// Package storetest gives tests a real MongoDB-compatible store: one embedded
// FerretDB per test package (started by Main from TestMain), and a fresh,
// uniquely named database per test, reached through the real driver with the
// production client settings of mongostore.Connect.
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		db := storetest.NewDatabase(t)
//		...
//	}
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/embedstore"
	"github.com/justiceops/justice/services/platform/mongostore"
)

// startTimeout bounds how long Main waits for the store to start.
const startTimeout = 60 * time.Second

var (
	mu  sync.RWMutex
	uri string
)

// Main starts one embedded store in a temporary directory, runs the tests,
// stops the store, removes the directory and exits with the tests' code. Call
// it from TestMain. FerretDB's warnings go to stderr.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "storetest-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest.Main: %v\n", err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()

	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := embedstore.Start(ctx, dir, "127.0.0.1:0", logger)
	if err != nil {
		fmt.Fprintf(os.Stderr, "storetest.Main: %v\n", err)
		return 1
	}
	defer func() { _ = store.Close() }()

	mu.Lock()
	uri = store.URI()
	mu.Unlock()
	defer func() {
		mu.Lock()
		uri = ""
		mu.Unlock()
	}()
	return m.Run()
}

// URI returns the connection string of the package's store. It fails the test
// if TestMain did not call Main.
func URI(t testing.TB) string {
	t.Helper()
	mu.RLock()
	defer mu.RUnlock()
	if uri == "" {
		t.Fatal("storetest: no store is running; call storetest.Main(m) from TestMain")
	}
	return uri
}

// NewDatabase connects a new client to the package's store with
// mongostore.Connect and returns a database whose name is unique to this
// call. The database is dropped and the client disconnected when the test
// ends.
func NewDatabase(t testing.TB) *mongo.Database {
	t.Helper()
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := mongostore.Connect(ctx, mongostore.Config{
		URI:              URI(t),
		Database:         name,
		ConnectTimeout:   10 * time.Second,
		OperationTimeout: 20 * time.Second,
	})
	if err != nil {
		t.Fatalf("storetest.NewDatabase: %v", err)
	}
	db := client.Database(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
		if err := client.Disconnect(ctx); err != nil {
			t.Errorf("storetest: disconnect: %v", err)
		}
	})
	return db
}

// databaseName derives a valid, unique database name (at most 63 characters
// of [a-z0-9_]) from a test name, so a leftover database says which test made it.
func databaseName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var suffix [8]byte
	_, _ = rand.Read(suffix[:]) // crypto/rand.Read never fails (Go 1.24+)
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}
