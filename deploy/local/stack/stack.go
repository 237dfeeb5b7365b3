// Package stack runs the whole justice backend in one process for local use
// and end-to-end tests: the embedded MongoDB-compatible store (FerretDB on
// SQLite files), every service on its own gRPC port, and the REST edge.
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/gateway/edge"
	"github.com/justiceops/justice/services/platform/embedstore"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/pagination"
	rescue "github.com/justiceops/justice/services/rescue/service"
)

// Config is the local stack's configuration, read from the environment.
type Config struct {
	// DataDir holds the store's SQLite files and local keys.
	DataDir string `env:"DATA_DIR, default=./data"`
	// StoreAddr is where the embedded store speaks the MongoDB wire protocol.
	StoreAddr string `env:"STORE_ADDR, default=127.0.0.1:27018"`
	// RescueAddr is the rescue service's gRPC address.
	RescueAddr string `env:"RESCUE_GRPC_ADDR, default=127.0.0.1:9001"`
	// HTTPAddr is the REST edge's address.
	HTTPAddr string `env:"HTTP_ADDR, default=127.0.0.1:8080"`
	// Reflection turns gRPC reflection on for the services.
	Reflection bool `env:"GRPC_REFLECTION, default=true"`
	// Offices lists the offices (defaults: Mumbai and Kolkata).
	Offices office.Config
	// Pages configures page tokens.
	Pages pagination.Config
	// Log configures the structured logger.
	Log logging.Config
}

// Validate reports the first invalid setting, naming its variable.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("DATA_DIR: must not be empty")
	}
	for _, a := range []struct{ name, value string }{
		{"STORE_ADDR", c.StoreAddr}, {"RESCUE_GRPC_ADDR", c.RescueAddr}, {"HTTP_ADDR", c.HTTPAddr},
	} {
		if _, _, err := net.SplitHostPort(a.value); err != nil {
			return fmt.Errorf("%s=%q: must be host:port, e.g. 127.0.0.1:8080", a.name, a.value)
		}
	}
	return nil
}

// Addresses says where each part of a started stack listens.
type Addresses struct {
	Store  string // mongodb:// URI of the embedded store
	Rescue string // host:port of the rescue gRPC service
	HTTP   string // host:port of the REST edge
}

// Stack is a running local stack.
type Stack struct {
	Addrs Addresses

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
	mu     sync.Mutex
	errs   []error
	store  *embedstore.Store
	client *mongo.Client
	edge   *edge.Edge
}

// Start starts the store, the services and the edge, and returns once all of
// them accept connections. Stop (or cancelling ctx, then Wait) shuts it down.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (_ *Stack, err error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stack{cancel: cancel}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()

	storeDir := filepath.Join(cfg.DataDir, "store")
	if err := os.MkdirAll(storeDir, 0o700); err != nil {
		return nil, fmt.Errorf("stack.Start: DATA_DIR %s: %w", cfg.DataDir, err)
	}
	s.store, err = embedstore.Start(ctx, storeDir, cfg.StoreAddr, logger)
	if err != nil {
		return s, fmt.Errorf("stack.Start: store on STORE_ADDR %s: %w", cfg.StoreAddr, err)
	}
	s.Addrs.Store = s.store.URI()

	mcfg := mongostore.Config{URI: s.store.URI(), ConnectTimeout: 10 * time.Second, OperationTimeout: 10 * time.Second}
	s.client, err = mongostore.Connect(ctx, mcfg)
	if err != nil {
		return s, fmt.Errorf("stack.Start: %w", err)
	}

	// Rescue.
	rcfg := rescue.Config{
		GRPC: grpcserver.Config{
			Addr: cfg.RescueAddr, Reflection: cfg.Reflection, ShutdownTimeout: 10 * time.Second,
			DefaultDeadline: 10 * time.Second, MaxRecvMsgBytes: 1 << 20,
		},
		Mongo:   mongostore.Config{Database: "rescue"},
		Offices: cfg.Offices,
		Pages:   cfg.Pages,
		Log:     cfg.Log,
	}
	rsvc, err := rescue.New(ctx, rcfg, s.client.Database("rescue"), logger)
	if err != nil {
		return s, fmt.Errorf("stack.Start: rescue: %w", err)
	}
	rsrv := grpcserver.New(rcfg.GRPC, logger, rescue.ErrorDomain)
	rsvc.Attach(rsrv)
	rlis, err := rsrv.Listen()
	if err != nil {
		return s, fmt.Errorf("stack.Start: rescue on RESCUE_GRPC_ADDR %s: %w", cfg.RescueAddr, err)
	}
	s.Addrs.Rescue = rlis.Addr().String()
	s.run("rescue", func() error { return rsrv.Serve(ctx, rlis) })

	// The REST edge.
	ecfg := edge.Config{
		HTTPAddr: cfg.HTTPAddr, RescueAddr: s.Addrs.Rescue, MaxBodyBytes: 1 << 20,
		RequestTimeout: 15 * time.Second, ShutdownTimeout: 10 * time.Second, Log: cfg.Log,
	}
	s.edge, err = edge.New(ctx, ecfg, logger)
	if err != nil {
		return s, fmt.Errorf("stack.Start: %w", err)
	}
	hlis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return s, fmt.Errorf("stack.Start: REST edge on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	s.Addrs.HTTP = hlis.Addr().String()
	s.run("edge", func() error { return s.edge.Serve(ctx, hlis) })
	return s, nil
}

// run runs one server until ctx ends, recording its error.
func (s *Stack) run(name string, serve func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := serve(); err != nil {
			s.mu.Lock()
			s.errs = append(s.errs, fmt.Errorf("%s: %w", name, err))
			s.mu.Unlock()
			s.cancel()
		}
	}()
}

// Wait blocks until every server has stopped (after ctx is cancelled or one
// server failed), then releases the store. It returns the servers' errors.
func (s *Stack) Wait() error {
	s.wg.Wait()
	s.once.Do(func() {
		if s.edge != nil {
			s.edge.Close()
		}
		if s.client != nil {
			_ = s.client.Disconnect(context.Background())
		}
		if s.store != nil {
			if err := s.store.Close(); err != nil {
				s.mu.Lock()
				s.errs = append(s.errs, fmt.Errorf("store: %w", err))
				s.mu.Unlock()
			}
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// Stop shuts the stack down and waits for it.
func (s *Stack) Stop() error {
	s.cancel()
	return s.Wait()
}
