// Package embedstore runs FerretDB v1 in-process, with its SQLite backend, as
// the MongoDB-compatible store of the local stack and of tests. Clients reach
// it through the real MongoDB wire protocol with the official driver, exactly
// as they reach MongoDB in production, so repository code is the same for both.
//
// FerretDB v1 is a subset of MongoDB: no multi-document transactions, no
// change streams, no $lookup, no TTL indexes (createIndexes rejects
// expireAfterSeconds and partialFilterExpression, and ignores sparse), and an
// aggregation pipeline limited to $match, $group, $sort, $project, $unwind,
// $limit, $skip, $count and $unset. Code that must run on both keeps to that.
package embedstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Store is a running embedded FerretDB. Close it when done.
type Store struct {
	uri    string
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// newMu serialises ferretdb.New: it writes a package-level variable of
// FerretDB (the build's package name), which would race between two stores
// started at the same time.
var newMu sync.Mutex

// Start starts FerretDB with its SQLite database files in dir (created with
// mode 0700 if missing, and restricted to 0700 if it exists with wider
// permissions, because the files hold survivors' records) listening on the
// TCP address addr ("127.0.0.1:0" picks a free port). It returns once the
// store has answered a ping through the MongoDB driver, or with an error if
// that does not happen before ctx is done.
//
// FerretDB's own records at warn level and above go to logger (nil discards
// them); its lower-level logs and its dumps of failed command responses,
// which can contain stored values, are dropped.
func Start(ctx context.Context, dir, addr string, logger *slog.Logger) (*Store, error) {
	if dir == "" {
		return nil, errors.New("embedstore.Start: dir is empty; give the directory for the database files")
	}
	if addr == "" {
		return nil, errors.New("embedstore.Start: addr is empty; give a TCP address such as 127.0.0.1:0")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedstore.Start: %w", err)
	}
	if strings.ContainsAny(abs, "?#%") {
		// FerretDB puts the path into SQLite URIs unescaped, where these
		// characters would start a query or fragment or an escape.
		return nil, fmt.Errorf("embedstore.Start: dir %q contains one of ?, # or %%; choose a path without them", abs)
	}
	if err := prepareDir(abs); err != nil {
		return nil, fmt.Errorf("embedstore.Start: %w", err)
	}

	// ferretdb.New leaks its SQLite backend when it cannot listen, and
	// FerretDB's leak detector then panics from a finalizer, crashing the
	// process at a later garbage collection. Check the address first.
	if err := checkAddr(addr); err != nil {
		return nil, fmt.Errorf("embedstore.Start: %w", err)
	}

	newMu.Lock()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    slog.New(newFilterHandler(logger)).With("component", "ferretdb"),
		Handler:   "sqlite",
		SQLiteURL: sqliteURL(abs),
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("embedstore.Start: %w", err)
	}

	// The store runs until Close, not until the ctx of Start ends: ctx only
	// bounds the wait for readiness.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Store{uri: f.MongoDBURI(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		// Run always returns nil; it stops when runCtx is canceled.
		_ = f.Run(runCtx)
	}()

	if err := s.ping(ctx); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("embedstore.Start: store did not become ready: %w", err)
	}
	return s, nil
}

// URI returns the MongoDB connection string of the store, e.g.
// "mongodb://127.0.0.1:40117/".
func (s *Store) URI() string { return s.uri }

// Close stops FerretDB, closes its connections and database files, and waits
// for all of that to finish. It is safe to call more than once.
func (s *Store) Close() error {
	s.once.Do(s.cancel)
	<-s.done
	return nil
}

// ping connects with the driver and pings, retrying until ctx is done.
func (s *Store) ping(ctx context.Context) error {
	client, err := mongo.Connect(options.Client().
		ApplyURI(s.uri).
		SetServerSelectionTimeout(5 * time.Second).
		SetRetryReads(true))
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	for {
		err := client.Ping(ctx, nil)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.Join(ctx.Err(), err)
		case <-s.done:
			return errors.New("ferretdb stopped")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkAddr reports whether a TCP listener can be opened on addr now.
func checkAddr(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// prepareDir creates dir with mode 0700, or restricts an existing one to 0700.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	return nil
}

// sqliteURL returns the "file:" URI of directory dir that FerretDB's SQLite
// backend expects: an absolute path ending with a slash, escaped as a URL.
func sqliteURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	u := url.URL{Scheme: "file", Path: p, OmitHost: true}
	return u.String()
}

// filterHandler passes FerretDB's records at warn level and above to the
// configured handler, except its dumps of failed command responses.
type filterHandler struct {
	next slog.Handler // nil discards everything
}

func newFilterHandler(logger *slog.Logger) *filterHandler {
	if logger == nil {
		return &filterHandler{}
	}
	return &filterHandler{next: logger.Handler()}
}

func (h *filterHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next != nil && level >= slog.LevelWarn && h.next.Enabled(ctx, level)
}

// droppedPrefixes are the messages FerretDB uses when it dumps a response
// that was not ok. Those bodies may echo document values (for example the
// key of a duplicate), which must never reach logs.
var droppedPrefixes = []string{"Response header", "Response message", "Proxy response", "Header diff"}

func (h *filterHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.next == nil || r.Level < slog.LevelWarn {
		return nil
	}
	for _, p := range droppedPrefixes {
		if strings.HasPrefix(r.Message, p) {
			return nil
		}
	}
	return h.next.Handle(ctx, r)
}

func (h *filterHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if h.next == nil {
		return h
	}
	return &filterHandler{next: h.next.WithAttrs(attrs)}
}

func (h *filterHandler) WithGroup(name string) slog.Handler {
	if h.next == nil {
		return h
	}
	return &filterHandler{next: h.next.WithGroup(name)}
}
