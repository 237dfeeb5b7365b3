// Package service is the prosecution service's composition root:
// configuration, the wiring of adapters, use cases and the gRPC ports, and
// Run, the whole standalone binary. It is importable so that the
// one-process local stack (another module) can mount the service on its own
// server and store.
//
// Besides the ProsecutionService and its AuditService, the service serves
// its part of the cross-office metrics (justice.metrics.v1.MetricsSourceService:
// criminals_restrained, convictions, acquittals, cases_charge_sheeted) from
// pre-aggregated counters that its writes keep up to date. New repairs the
// counters before the service serves; Maintain repairs them again
// periodically.
//
// The service authenticates every call itself (bearer JWT), authorizes it
// against its policy table (Policy) and records every access that touches
// a survivor link in its audit log. It calls rescue's
// RescueReferenceService, with its own service identity, to check the
// survivors and operations a case links: the connection New is given must
// carry that identity (Run dials RESCUE_ADDR with the token of
// SERVICE_TOKEN_FILE). Its database holds rescue resource names, never
// survivor identity.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/servicekit"
	"github.com/justiceops/justice/services/prosecution/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/prosecution/internal/adapters/rescueclient"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/ports/grpcport"
)

// Name is the service's name in telemetry and its audit entries.
const Name = "prosecution"

// ErrorDomain is the google.rpc.ErrorInfo domain of the service's errors.
const ErrorDomain = "prosecution.justice.example"

// DefaultDatabase is the service's database when MONGODB_DATABASE is unset.
const DefaultDatabase = "prosecution"

// HealthService is the name under which the service reports its health.
var HealthService = prosecutionv1.ProsecutionService_ServiceDesc.ServiceName

// AuditHealthService is the name under which the service's AuditService
// reports its health.
var AuditHealthService = auditv1.AuditService_ServiceDesc.ServiceName

// MetricsHealthService is the name under which the service's
// MetricsSourceService reports its health.
var MetricsHealthService = metricsv1.MetricsSourceService_ServiceDesc.ServiceName

// Policy returns the prosecution service's access policy: the roles
// allowed to call each RPC of the ProsecutionService, its AuditService and
// its MetricsSourceService, and which calls are audited. It is the table
// the service enforces.
func Policy() auth.Policy { return grpcport.Policy() }

// Defaults are the prosecution binary's own defaults for the shared
// platform variables (see config.WithDefaults).
var Defaults = map[string]string{
	"GRPC_ADDR":        "127.0.0.1:9002",
	"MONGODB_DATABASE": DefaultDatabase,
}

// MaxRescueTimeout bounds RESCUE_TIMEOUT: a lookup waits at most this long
// for rescue, within the caller's own deadline.
const MaxRescueTimeout = time.Minute

// Config is the prosecution binary's configuration, loaded from the
// environment: the platform's servicekit.Base (GRPC_ADDR defaults to
// 127.0.0.1:9002, MONGODB_DATABASE to "prosecution") and how to reach
// rescue.
type Config struct {
	servicekit.Base
	// RescueAddr is rescue's gRPC address (RESCUE_ADDR), dialled by Run.
	RescueAddr string `env:"RESCUE_ADDR, default=127.0.0.1:9001"`
	// ServiceTokenFile is a file holding the bearer token of the
	// prosecution service's own identity (role "service"), issued by the
	// identity provider (SERVICE_TOKEN_FILE). Run requires it; the file is
	// read again whenever it changes, so a renewed token is used without a
	// restart.
	ServiceTokenFile string `env:"SERVICE_TOKEN_FILE"`
	// RescueTimeout bounds each reference lookup in rescue (RESCUE_TIMEOUT).
	RescueTimeout time.Duration `env:"RESCUE_TIMEOUT, default=3s"`
}

// Validate checks the service's own settings (config.Load validates the
// Base's parts itself).
func (c Config) Validate() error {
	var problems []error
	if _, _, err := net.SplitHostPort(c.RescueAddr); err != nil || c.RescueAddr == "" {
		problems = append(problems, config.Invalid("RESCUE_ADDR", c.RescueAddr, "must be rescue's gRPC address as host:port, e.g. 127.0.0.1:9001"))
	}
	if c.RescueTimeout <= 0 || c.RescueTimeout > MaxRescueTimeout {
		problems = append(problems, config.Invalid("RESCUE_TIMEOUT", c.RescueTimeout.String(),
			fmt.Sprintf("must be a duration above 0 and at most %s, e.g. 3s", MaxRescueTimeout)))
	}
	return errors.Join(problems...)
}

// LoadConfig loads and validates the configuration from lookuper (nil means
// the process environment), with the prosecution binary's Defaults.
func LoadConfig(ctx context.Context, lookuper envconfig.Lookuper) (Config, error) {
	var cfg Config
	if err := config.Load(ctx, &cfg, config.WithDefaults(lookuper, Defaults)); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// SweepInterval is how often Maintain, run by Run, removes expired
// idempotency keys and makes a full repair pass over the metric counters.
const SweepInterval = servicekit.SweepInterval

// Service is the prosecution service, ready to be mounted on a gRPC server
// built with its ServerOptions. Its methods ServerOptions, Register,
// Attach, Maintain and ReloadKeys are servicekit.Mount's.
type Service struct {
	*servicekit.Mount
	metrics *mongodb.MetricsRepository
}

// New wires the service on db: it opens the platform's pieces
// (servicekit.Open: the office registry, the token verifier, the offices'
// encryption keys, creating missing keys only with cfg.CreateKeys, the
// idempotency store and the audit log), creates the collections' indexes
// and the metric counters, repairs the counters (so they equal a recount
// from the records before the service serves), and builds the use cases
// and the gRPC ports. rescue is a connection to the rescue service that
// carries the prosecution service's own identity
// (grpc.WithPerRPCCredentials(auth.PerRPCCredentials(tokens))); each lookup
// on it waits at most cfg.RescueTimeout. logger (nil means the context's)
// receives start-up and upkeep messages.
func New(ctx context.Context, cfg Config, db *mongo.Database, rescue grpc.ClientConnInterface, logger *slog.Logger) (*Service, error) {
	kit, err := servicekit.Open(ctx, Name, cfg.Base, db, logger)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	repos, err := mongodb.New(ctx, db, kit.Pages, mongodb.Options{Zones: kit.Zones, Logger: kit.Logger})
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	kit.Upkeep(repos.Metrics).RepairAtStart(ctx)
	references := rescueclient.New(rescue, rescueclient.Options{Timeout: cfg.RescueTimeout, Logger: kit.Logger})
	application := app.New(app.Repositories{
		Cases: repos.Cases, Accused: repos.Accused, Hearings: repos.Hearings, Witnesses: repos.Witnesses,
		Compensations: repos.Compensations, Metrics: repos.Metrics,
	}, references, nil, kit.Zones, kit.Offices.Codes())
	kit.Logger.InfoContext(ctx, "prosecution service ready", "database", db.Name(), "offices", kit.Offices.Codes(),
		"token_issuer", kit.Verifier.Issuer())
	mount := kit.Mount(grpcport.Policy(), repos.Metrics,
		servicekit.Registration{Desc: &prosecutionv1.ProsecutionService_ServiceDesc,
			Impl: grpcport.New(application, kit.Offices, kit.Idempotency, kit.Keys)},
		servicekit.Registration{Desc: &metricsv1.MetricsSourceService_ServiceDesc, Impl: grpcport.NewMetrics(application, kit.Offices)})
	return &Service{Mount: mount, metrics: repos.Metrics}, nil
}

// Run is the standalone binary (servicekit.Run): it checks the service's
// token file (SERVICE_TOKEN_FILE is required), dials rescue at RESCUE_ADDR
// with that token, sets up telemetry, connects to MongoDB (MONGODB_URI is
// required), serves the ProsecutionService, its AuditService and its
// MetricsSourceService on cfg.GRPC.Addr (printing the address it listens
// on), authenticated, authorized and audited, with Maintain every
// SweepInterval, until ctx is done, then shuts down gracefully.
func Run(ctx context.Context, cfg Config) error {
	if cfg.ServiceTokenFile == "" {
		return fmt.Errorf("service.Run: SERVICE_TOKEN_FILE is required: set it to a file holding the bearer token of the " +
			"prosecution service's identity (role service), with which it asks rescue about the survivors and operations cases link")
	}
	tokens := auth.FileTokenSource(cfg.ServiceTokenFile)
	if _, err := tokens.Token(ctx); err != nil {
		return fmt.Errorf("service.Run: SERVICE_TOKEN_FILE: %w", err)
	}
	rescue, err := grpcclient.Dial(cfg.RescueAddr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(tokens)))
	if err != nil {
		return fmt.Errorf("service.Run: RESCUE_ADDR %s: %w", cfg.RescueAddr, err)
	}
	defer func() { _ = rescue.Close() }()
	err = servicekit.Run(ctx, cfg.Base, servicekit.Binary{
		Name: Name, ErrorDomain: ErrorDomain, Database: DefaultDatabase, MaintainInterval: SweepInterval,
		New: func(ctx context.Context, db *mongo.Database, logger *slog.Logger) (servicekit.Service, error) {
			return New(ctx, cfg, db, rescue, logger)
		},
	})
	if err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	return nil
}
