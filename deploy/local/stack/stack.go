// Package stack runs the whole justice backend in one process for local use
// and end-to-end tests: the embedded MongoDB-compatible store (FerretDB on
// SQLite files), every service on its own gRPC port with its own database
// (rescue, prosecution), and the REST edge in front of them.
//
// The prosecution service asks rescue whether the survivors and operations
// its cases link exist, over gRPC, with its own service identity: a token
// of the stack's issuer for subject "svc:prosecution", role "service",
// every office, minted and renewed by the stack (never an end user's
// token).
//
// The stack is its own token issuer: an ES256 signing key kept in the keys
// directory (DATA_DIR/keys unless KEYS_DIR says otherwise) signs the tokens
// `justice-local token` mints, and the edge and every service verify them
// against the issuer's public keys (issuer-jwks.json, beside the key). The
// same directory holds the Tink keysets that encrypt survivors' identity at
// rest, wrapped by the master key (master-key.json unless MASTER_KEY_FILE).
package stack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"

	"github.com/justiceops/justice/gateway/edge"
	"github.com/justiceops/justice/gateway/insights"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/embedstore"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/ratelimit"
	"github.com/justiceops/justice/services/platform/servicekit"
	prosecution "github.com/justiceops/justice/services/prosecution/service"
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
	// ProsecutionAddr is the prosecution service's gRPC address.
	ProsecutionAddr string `env:"PROSECUTION_GRPC_ADDR, default=127.0.0.1:9002"`
	// HTTPAddr is the REST edge's address.
	HTTPAddr string `env:"HTTP_ADDR, default=127.0.0.1:8080"`
	// GatewayGRPCAddr is the edge's own gRPC address (InsightsService).
	GatewayGRPCAddr string `env:"GATEWAY_GRPC_ADDR, default=127.0.0.1:9090"`
	// CORS says which browser origins may call the REST edge (CORS_ALLOWED_ORIGINS).
	CORS edge.CORSConfig
	// RouteTimeouts gives REST routes their own timeouts (HTTP_ROUTE_TIMEOUTS).
	RouteTimeouts string `env:"HTTP_ROUTE_TIMEOUTS"`
	// Insights configures the cross-office metrics fan-out.
	Insights insights.Config
	// Reflection turns gRPC reflection on for the services.
	Reflection bool `env:"GRPC_REFLECTION, default=true"`
	// KeysDir holds the issuer's signing key and the encrypted Tink keysets;
	// empty means DATA_DIR/keys.
	KeysDir string `env:"KEYS_DIR"`
	// MasterKeyFile is the Tink master keyset wrapping the others; empty
	// means KEYS_DIR/master-key.json.
	MasterKeyFile string `env:"MASTER_KEY_FILE"`
	// AuthIssuer is the "iss" of the tokens the local issuer mints; empty
	// means DefaultAuthIssuer.
	AuthIssuer string `env:"AUTH_ISSUER, default=justice-local"`
	// AuthAudience is the "aud" of the tokens the local issuer mints; empty
	// means DefaultAuthAudience.
	AuthAudience string `env:"AUTH_AUDIENCE, default=justice"`
	// RateLimit bounds each caller's request rate at the REST edge
	// (RATE_LIMIT_RPS, RATE_LIMIT_BURST); the zero value means DefaultRateLimit.
	RateLimit ratelimit.Config
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
		{"STORE_ADDR", c.StoreAddr}, {"RESCUE_GRPC_ADDR", c.RescueAddr},
		{"PROSECUTION_GRPC_ADDR", c.ProsecutionAddr}, {"HTTP_ADDR", c.HTTPAddr},
		{"GATEWAY_GRPC_ADDR", c.GatewayGRPCAddr},
	} {
		if _, _, err := net.SplitHostPort(a.value); err != nil {
			return fmt.Errorf("%s=%q: must be host:port, e.g. 127.0.0.1:8080", a.name, a.value)
		}
	}
	if c.AuthIssuer != "" && strings.TrimSpace(c.AuthIssuer) == "" {
		return fmt.Errorf("AUTH_ISSUER=%q: must not be blank, e.g. justice-local", c.AuthIssuer)
	}
	if c.AuthAudience != "" && strings.TrimSpace(c.AuthAudience) == "" {
		return fmt.Errorf("AUTH_AUDIENCE=%q: must not be blank, e.g. justice", c.AuthAudience)
	}
	return nil
}

// Defaults of the local issuer, used for a Config whose field is empty.
const (
	DefaultAuthIssuer   = "justice-local"
	DefaultAuthAudience = auth.DefaultAudience
)

// DefaultRateLimit is the edge's per-caller rate limit when Config.RateLimit
// is zero (as RATE_LIMIT_RPS and RATE_LIMIT_BURST default to).
var DefaultRateLimit = ratelimit.Config{RPS: 20, Burst: 40}

// withDefaults fills the empty fields that have a default, so that a Config
// literal (a test's, the benchmark's) works like one loaded from the
// environment.
func (c Config) withDefaults() Config {
	if c.AuthIssuer == "" {
		c.AuthIssuer = DefaultAuthIssuer
	}
	if c.AuthAudience == "" {
		c.AuthAudience = DefaultAuthAudience
	}
	if c.RateLimit == (ratelimit.Config{}) {
		c.RateLimit = DefaultRateLimit
	}
	return c
}

// Keys returns where the Tink keysets and their master key live:
// KEYS_DIR (default DATA_DIR/keys) and MASTER_KEY_FILE.
func (c Config) Keys() fieldcrypt.Config {
	dir := c.KeysDir
	if dir == "" {
		dir = filepath.Join(c.DataDir, "keys")
	}
	return fieldcrypt.Config{KeysDir: dir, MasterKeyFile: c.MasterKeyFile}
}

// Issuer loads the local token issuer, creating its signing key in the keys
// directory on first use. The running stack and `justice-local token` load
// the same key, so tokens minted by one are accepted by the other.
func (c Config) Issuer() (*auth.Issuer, error) {
	c = c.withDefaults()
	issuer, err := auth.LoadOrCreateIssuer(c.Keys().KeysDir, c.AuthIssuer, c.AuthAudience)
	if err != nil {
		return nil, fmt.Errorf("stack.Config.Issuer: %w", err)
	}
	return issuer, nil
}

// Addresses says where each part of a started stack listens.
type Addresses struct {
	Store       string // mongodb:// URI of the embedded store
	Rescue      string // host:port of the rescue gRPC service
	Prosecution string // host:port of the prosecution gRPC service
	HTTP        string // host:port of the REST edge
	Gateway     string // host:port of the edge's own gRPC API (insights, merged audit log)
}

// The names of the stack's services, for StopService.
const (
	Rescue      = "rescue"
	Prosecution = "prosecution"
)

// Stack is a running local stack.
type Stack struct {
	// Addrs says where each part listens.
	Addrs Addresses
	// Issuer is the stack's token issuer: tests and tools mint tokens with it.
	Issuer *auth.Issuer

	cancel     context.CancelFunc
	wg         sync.WaitGroup
	once       sync.Once
	mu         sync.Mutex
	errs       []error
	store      *embedstore.Store
	client     *mongo.Client
	services   []*mounted
	rescueConn *grpc.ClientConn
	edge       *edge.Edge
}

// service is what the stack needs of a service package's Service.
type service interface {
	servicekit.Service
	ReloadKeys() error
}

// mounted is one service the stack serves: its gRPC server and upkeep run
// under a context of their own, so that StopService stops them alone.
type mounted struct {
	name    string
	svc     service
	cancel  context.CancelFunc
	stopped sync.WaitGroup
}

// Start starts the store, the services and the edge, and returns once all of
// them accept connections. Stop (or cancelling ctx, then Wait) shuts it down.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (_ *Stack, err error) {
	cfg = cfg.withDefaults()
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

	// The local issuer: its key is created on first start and kept.
	s.Issuer, err = cfg.Issuer()
	if err != nil {
		return s, fmt.Errorf("stack.Start: %w", err)
	}

	mcfg := mongostore.Config{URI: s.store.URI(), ConnectTimeout: 10 * time.Second, OperationTimeout: 10 * time.Second}
	s.client, err = mongostore.Connect(ctx, mcfg)
	if err != nil {
		return s, fmt.Errorf("stack.Start: %w", err)
	}

	// Rescue, on its own database.
	rcfg := cfg.serviceBase(cfg.RescueAddr, rescue.DefaultDatabase, s.Issuer)
	rsvc, err := rescue.New(ctx, rcfg, s.client.Database(rcfg.Mongo.Database), logger)
	if err != nil {
		return s, fmt.Errorf("stack.Start: rescue: %w", err)
	}
	s.Addrs.Rescue, err = s.serve(ctx, Rescue, "RESCUE_GRPC_ADDR", rcfg.GRPC, rescue.ErrorDomain, rsvc, logger)
	if err != nil {
		return s, err
	}

	// Prosecution, on its own database, asking rescue about the survivors
	// and operations its cases link with its own service identity.
	pcfg := prosecution.Config{
		Base:       cfg.serviceBase(cfg.ProsecutionAddr, prosecution.DefaultDatabase, s.Issuer),
		RescueAddr: s.Addrs.Rescue,
		// As RESCUE_TIMEOUT defaults to.
		RescueTimeout: 3 * time.Second,
	}
	s.rescueConn, err = grpcclient.Dial(s.Addrs.Rescue,
		grpc.WithPerRPCCredentials(auth.PerRPCCredentials(s.Issuer.ServiceTokenSource(prosecution.Name, nil, true))))
	if err != nil {
		return s, fmt.Errorf("stack.Start: prosecution: rescue connection: %w", err)
	}
	psvc, err := prosecution.New(ctx, pcfg, s.client.Database(pcfg.Mongo.Database), s.rescueConn, logger)
	if err != nil {
		return s, fmt.Errorf("stack.Start: prosecution: %w", err)
	}
	s.Addrs.Prosecution, err = s.serve(ctx, Prosecution, "PROSECUTION_GRPC_ADDR", pcfg.GRPC, prosecution.ErrorDomain, psvc, logger)
	if err != nil {
		return s, err
	}

	// The REST edge.
	ecfg := edge.Config{
		HTTPAddr: cfg.HTTPAddr, RescueAddr: s.Addrs.Rescue, ProsecutionAddr: s.Addrs.Prosecution, MaxBodyBytes: 1 << 20,
		RequestTimeout: 15 * time.Second, ShutdownTimeout: 10 * time.Second,
		Auth: s.Issuer.Config(), RateLimit: cfg.RateLimit, Log: cfg.Log,
		GRPCAddr: cfg.GatewayGRPCAddr, CORS: cfg.CORS, RouteTimeouts: cfg.RouteTimeouts,
		Offices: cfg.Offices, Insights: cfg.Insights,
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

	// The edge's own gRPC API (cross-office insights, the merged audit log).
	gsrv := grpcserver.New(grpcserver.Config{Addr: cfg.GatewayGRPCAddr, Reflection: cfg.Reflection}, logger,
		edge.ErrorDomain, s.edge.GRPCServerOptions()...)
	s.edge.AttachGRPC(gsrv)
	glis, err := gsrv.Listen()
	if err != nil {
		return s, fmt.Errorf("stack.Start: gateway gRPC on GATEWAY_GRPC_ADDR %s: %w", cfg.GatewayGRPCAddr, err)
	}
	s.Addrs.Gateway = glis.Addr().String()
	s.run("gateway grpc", func() error { return gsrv.Serve(ctx, glis) })
	return s, nil
}

// serviceBase is the platform configuration of a service of the stack:
// its gRPC server on addr, its own database, the stack's offices, page
// tokens, logging, issuer and keys. The offices' keysets and their master
// key are created on first start, for every configured office.
func (c Config) serviceBase(addr, database string, issuer *auth.Issuer) servicekit.Base {
	return servicekit.Base{
		GRPC: grpcserver.Config{
			Addr: addr, Reflection: c.Reflection, ShutdownTimeout: 10 * time.Second,
			DefaultDeadline: 10 * time.Second, MaxRecvMsgBytes: 1 << 20,
		},
		Mongo:      mongostore.Config{Database: database},
		Offices:    c.Offices,
		Pages:      c.Pages,
		Auth:       issuer.Config(),
		Keys:       c.Keys(),
		CreateKeys: true,
		Log:        c.Log,
	}
}

// serve serves svc on a gRPC server of its own (gcfg; variable names its
// address in errors) and runs its upkeep, until the stack stops or
// StopService stops it. It returns the address the server listens on.
func (s *Stack) serve(ctx context.Context, name, variable string, gcfg grpcserver.Config, domain string, svc service,
	logger *slog.Logger) (string, error) {
	srv := grpcserver.New(gcfg, logger, domain, svc.ServerOptions()...)
	svc.Attach(srv)
	lis, err := srv.Listen()
	if err != nil {
		return "", fmt.Errorf("stack.Start: %s on %s %s: %w", name, variable, gcfg.Addr, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	m := &mounted{name: name, svc: svc, cancel: cancel}
	s.mu.Lock()
	s.services = append(s.services, m)
	s.mu.Unlock()
	m.stopped.Add(2)
	s.run(name, func() error { defer m.stopped.Done(); return srv.Serve(sctx, lis) })
	s.run(name+" upkeep", func() error {
		defer m.stopped.Done()
		svc.Maintain(sctx, servicekit.SweepInterval)
		return nil
	})
	return lis.Addr().String(), nil
}

// StopService stops one service of the running stack alone (Rescue or
// Prosecution), gracefully, and waits until it has stopped; the rest runs
// on. It is for seeing, and testing, how the rest copes with a service
// down: the edge answers that service's routes 503 and /readyz 503, and
// prosecution refuses what needs rescue (UNAVAILABLE, with a retry delay).
// A stopped service stays stopped until the stack is started again.
func (s *Stack) StopService(name string) error {
	s.mu.Lock()
	var names []string
	var target *mounted
	for _, m := range s.services {
		names = append(names, m.name)
		if m.name == name {
			target = m
		}
	}
	s.mu.Unlock()
	if target == nil {
		return fmt.Errorf("stack.StopService: no service %q; the stack's services: %s", name, strings.Join(names, ", "))
	}
	target.cancel()
	target.stopped.Wait()
	return nil
}

// ReloadKeys makes the running services re-read the offices' keysets, after
// `justice-local keys rotate` (fieldcrypt.Rotate) added a new primary key:
// new writes use it from then on, and records written before stay readable.
func (s *Stack) ReloadKeys() error {
	s.mu.Lock()
	services := slices.Clone(s.services)
	s.mu.Unlock()
	if len(services) == 0 {
		return errors.New("stack.ReloadKeys: the stack is not running")
	}
	for _, m := range services {
		if err := m.svc.ReloadKeys(); err != nil {
			return fmt.Errorf("stack.ReloadKeys: %s: %w", m.name, err)
		}
	}
	return nil
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
		if s.rescueConn != nil {
			_ = s.rescueConn.Close()
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
