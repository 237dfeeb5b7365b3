// Package service is the rescue service's composition root: configuration,
// the wiring of adapters, use cases and the gRPC port, and Run, the whole
// standalone binary. It is importable so that the one-process local stack
// (another module) can mount the service on its own server and store.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/telemetry"
	"github.com/justiceops/justice/services/rescue/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/ports/grpcport"
)

// Name is the service's name in telemetry.
const Name = "rescue"

// ErrorDomain is the google.rpc.ErrorInfo domain of the service's errors.
const ErrorDomain = "rescue.justice.example"

// HealthService is the name under which the service reports its health.
var HealthService = rescuev1.RescueService_ServiceDesc.ServiceName

// DefaultDatabase is the service's database when MONGODB_DATABASE is unset.
const DefaultDatabase = "rescue"

// Defaults are the rescue binary's own defaults for the shared platform
// variables (see config.WithDefaults).
var Defaults = map[string]string{
	"GRPC_ADDR":        "127.0.0.1:9001",
	"MONGODB_DATABASE": DefaultDatabase,
}

// Config is the rescue binary's configuration, loaded from the environment.
type Config struct {
	// GRPC configures the server (GRPC_ADDR defaults to 127.0.0.1:9001).
	GRPC grpcserver.Config
	// Mongo says where the store is (MONGODB_URI, required by Run;
	// MONGODB_DATABASE defaults to "rescue").
	Mongo mongostore.Config
	// Offices says which offices exist (OFFICES_FILE; default Mumbai and Kolkata).
	Offices office.Config
	// Pages configures page tokens (PAGE_TOKEN_KEY).
	Pages pagination.Config
	// Log configures logging (LOG_LEVEL).
	Log logging.Config
}

// LoadConfig loads and validates the configuration from lookuper (nil means
// the process environment), with the rescue binary's Defaults.
func LoadConfig(ctx context.Context, lookuper envconfig.Lookuper) (Config, error) {
	var cfg Config
	if err := config.Load(ctx, &cfg, config.WithDefaults(lookuper, Defaults)); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Service is the rescue service, ready to be mounted on a gRPC server.
type Service struct {
	server *grpcport.Server
	idem   *idempotency.Store
	logger *slog.Logger
}

// SweepInterval is how often Maintain removes expired idempotency keys.
const SweepInterval = 10 * time.Minute

// New wires the service on db: it loads the office registry, creates the
// collections' indexes and the idempotency store, and builds the use cases
// and the gRPC port. logger (nil means the context's) receives start-up and
// upkeep messages only.
func New(ctx context.Context, cfg Config, db *mongo.Database, logger *slog.Logger) (*Service, error) {
	registry, err := office.LoadRegistry(cfg.Offices)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	codec, err := pagination.NewCodecFromConfig(cfg.Pages)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	repos, err := mongodb.New(ctx, db, codec)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	idem, err := idempotency.NewStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	zones, err := officeZones(registry)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	application := app.New(repos.Locations, repos.Operations, repos.Survivors, app.SystemClock, zones)
	if logger == nil {
		logger = logging.FromContext(ctx)
	}
	logger.InfoContext(ctx, "rescue service ready", "database", db.Name(), "offices", registry.Codes())
	return &Service{server: grpcport.New(application, registry, idem), idem: idem, logger: logger}, nil
}

// officeZones loads each office's time zone once.
func officeZones(registry *office.Registry) (app.TimeZones, error) {
	zones := make(map[string]*time.Location)
	for _, o := range registry.All() {
		loc, err := time.LoadLocation(o.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("office %s: time zone %q: %w", o.Code, o.TimeZone, err)
		}
		zones[o.Code] = loc
	}
	return func(code string) *time.Location {
		if loc, ok := zones[code]; ok {
			return loc
		}
		return time.UTC
	}, nil
}

// Maintain does the service's periodic upkeep until ctx is done: every
// interval it deletes expired idempotency keys (MongoDB's TTL index does so
// too; FerretDB v1 has none, so without this the keys would pile up).
func (s *Service) Maintain(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.idem.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.logger.WarnContext(ctx, "sweeping expired idempotency keys failed", "error", err)
		} else if n > 0 {
			s.logger.InfoContext(ctx, "swept expired idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Register registers the RescueService on gs.
func (s *Service) Register(gs *grpc.Server) {
	rescuev1.RegisterRescueServiceServer(gs, s.server)
}

// Attach registers the RescueService on a platform server and reports it
// SERVING under HealthService.
func (s *Service) Attach(srv *grpcserver.Server) {
	s.Register(srv.GRPC())
	srv.Health().SetServingStatus(HealthService, healthpb.HealthCheckResponse_SERVING)
}

// Run is the standalone binary: it sets up telemetry, connects to MongoDB,
// serves the RescueService on cfg.GRPC.Addr (printing the address it
// listens on) until ctx is done, then shuts down gracefully.
func Run(ctx context.Context, cfg Config) (err error) {
	logger := logging.New(os.Stderr, cfg.Log.SlogLevel())
	ctx = logging.WithLogger(ctx, logger)
	if cfg.Mongo.URI == "" {
		return errors.New("service.Run: MONGODB_URI is required; set it to a mongodb:// connection string")
	}
	if cfg.Mongo.Database == "" {
		cfg.Mongo.Database = DefaultDatabase
	}

	shutdownTelemetry, err := telemetry.Setup(ctx, Name)
	if err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = errors.Join(err, shutdownTelemetry(sctx))
	}()

	client, err := mongostore.Connect(ctx, cfg.Mongo)
	if err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = errors.Join(err, client.Disconnect(dctx))
	}()

	svc, err := New(ctx, cfg, client.Database(cfg.Mongo.Database), logger)
	if err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	srv := grpcserver.New(cfg.GRPC, logger, ErrorDomain)
	svc.Attach(srv)
	maintainCtx, stopMaintaining := context.WithCancel(ctx)
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		svc.Maintain(maintainCtx, SweepInterval)
	}()
	defer func() {
		stopMaintaining()
		<-maintained
	}()
	lis, err := srv.Listen()
	if err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	fmt.Fprintf(os.Stdout, "rescue: serving gRPC on %s\n", lis.Addr())
	logger.InfoContext(ctx, "serving", "addr", lis.Addr().String())
	if err := srv.Serve(ctx, lis); err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	return nil
}
