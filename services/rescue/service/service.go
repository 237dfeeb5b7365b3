// Package service is the rescue service's composition root: configuration,
// the wiring of adapters, use cases and the gRPC port, and Run, the whole
// standalone binary. It is importable so that the one-process local stack
// (another module) can mount the service on its own server and store.
//
// Besides the RescueService and its AuditService, the service serves its
// part of the cross-office metrics (justice.metrics.v1.MetricsSourceService)
// from pre-aggregated counters that its writes keep up to date. New repairs
// the counters (applies the changes a crash left pending) before the
// service serves; Maintain repairs them again periodically.
//
// The service authenticates every call itself (bearer JWT, auth.Verifier),
// authorizes it against its policy table, records survivor accesses in its
// audit log (audit.Store, served to auditors by the AuditService) and keeps
// survivors' protected identity encrypted with the offices' keys
// (fieldcrypt.Keyring). A server that mounts it must be built with
// ServerOptions, which install those checks.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
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

// AuditHealthService is the name under which the service's AuditService
// reports its health.
var AuditHealthService = auditv1.AuditService_ServiceDesc.ServiceName

// MetricsHealthService is the name under which the service's
// MetricsSourceService reports its health.
var MetricsHealthService = metricsv1.MetricsSourceService_ServiceDesc.ServiceName

// Policy returns the rescue service's access policy: the roles allowed to
// call each RPC of the RescueService, its AuditService and its
// MetricsSourceService, and which calls are audited. It is the table the
// service enforces.
func Policy() auth.Policy { return grpcport.Policy() }

// IdentityRoles are the roles that see survivors' protected identity.
func IdentityRoles() []string { return slices.Clone(grpcport.IdentityRoles) }

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
	// Auth says how callers' tokens are verified (AUTH_ISSUER, AUTH_AUDIENCE,
	// AUTH_OIDC_ISSUER_URL or AUTH_KEYS_FILE, AUTH_CLOCK_SKEW, AUTH_ALGORITHMS).
	Auth auth.Config
	// Keys says where the offices' encryption keys are (KEYS_DIR, MASTER_KEY_FILE).
	Keys fieldcrypt.Config
	// CreateKeys makes missing key files at start-up (KEYS_CREATE): for the
	// local stack and first deployments. In production keys are provisioned
	// and mounted, and a missing key file must stop the service instead.
	CreateKeys bool `env:"KEYS_CREATE, default=false"`
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

// Service is the rescue service, ready to be mounted on a gRPC server built
// with its ServerOptions.
type Service struct {
	server     *grpcport.Server
	metricsAPI *grpcport.MetricsServer
	audit      *audit.Store
	auditAPI   auditv1.AuditServiceServer
	verifier   *auth.Verifier
	keys       *fieldcrypt.Keyring
	idem       *idempotency.Store
	metrics    *mongodb.MetricsRepository
	logger     *slog.Logger
}

// SweepInterval is how often Maintain removes expired idempotency keys and
// makes a full repair pass over the metric counters.
const SweepInterval = 10 * time.Minute

// RepairInterval is how often, at most, Maintain looks whether a counter
// update failed in this process since the last repair and, if so, repairs
// the counters at once.
const RepairInterval = time.Minute

// RepairMinAge is how old a pending counter change must be for Maintain's
// full repair pass to apply it: longer than any request, so that the pass
// never applies a change whose write is still in flight.
const RepairMinAge = time.Minute

// New wires the service on db: it loads the office registry, the token
// verifier and the offices' encryption keys (creating missing keys only with
// cfg.CreateKeys), creates the collections' indexes, the metric counters,
// the idempotency store and the audit log, repairs the metric counters
// (applying every change a stop or crash left pending, so the counters
// equal a recount from the records before the service serves), and builds
// the use cases and the gRPC ports. logger (nil means the context's)
// receives start-up and upkeep messages, and the warnings of counter
// updates that failed after a write.
func New(ctx context.Context, cfg Config, db *mongo.Database, logger *slog.Logger) (*Service, error) {
	registry, err := office.LoadRegistry(cfg.Offices)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	verifier, err := auth.NewVerifier(ctx, cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	keys, err := fieldcrypt.Open(cfg.Keys, registry.Codes(), cfg.CreateKeys)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	codec, err := pagination.NewCodecFromConfig(cfg.Pages)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	zones, err := officeZones(registry)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	if logger == nil {
		logger = logging.FromContext(ctx)
	}
	repos, err := mongodb.New(ctx, db, codec, keys, mongodb.Options{Zones: mongodb.TimeZones(zones), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	// A record written just before a stop may not be counted yet: count it
	// before serving. A record that cannot be settled now is left pending
	// (and logged); Maintain tries again.
	if n, err := repos.Metrics.Repair(ctx, 0); err != nil {
		logger.WarnContext(ctx, "repairing the metric counters at start-up failed for some records; upkeep will retry", "error", err)
	} else if n > 0 {
		logger.InfoContext(ctx, "repaired the metric counters at start-up", "records", n)
	}
	auditStore, err := audit.NewStore(ctx, db, Name)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	auditStore = auditStore.WithPageCodec(codec)
	idem, err := idempotency.NewStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	application := app.New(repos.Locations, repos.Operations, repos.Survivors, repos.Metrics, app.SystemClock, zones, registry.Codes())
	logger.InfoContext(ctx, "rescue service ready", "database", db.Name(), "offices", registry.Codes(),
		"token_issuer", verifier.Issuer())
	return &Service{
		server:     grpcport.New(application, registry, idem, keys),
		metricsAPI: grpcport.NewMetrics(application, registry),
		audit:      auditStore,
		auditAPI:   audit.NewAuditService(auditStore, registry, Name),
		verifier:   verifier,
		keys:       keys,
		idem:       idem,
		metrics:    repos.Metrics,
		logger:     logger,
	}, nil
}

// ServerOptions are the options a server mounting the service must be built
// with (grpcserver.New(cfg, logger, ErrorDomain, svc.ServerOptions()...)):
// interceptors that verify every caller's bearer token, check the policy
// table (grpcport.Policy) and record every survivor access, and every
// denied attempt, in the audit log before the handler runs. Without them
// every call is anonymous and finds nothing.
func (s *Service) ServerOptions() []grpc.ServerOption {
	return auth.ServerOptions(s.verifier, grpcport.Policy(), s.audit, nil)
}

// ReloadKeys re-reads the offices' keysets, after fieldcrypt.Rotate ran in
// another process: new writes then use the new primary keys, and records
// written before still decrypt.
func (s *Service) ReloadKeys() error {
	if err := s.keys.Reload(); err != nil {
		return fmt.Errorf("service.ReloadKeys: %w", err)
	}
	return nil
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

// Maintain does the service's periodic upkeep until ctx is done:
//
//   - every interval it deletes expired idempotency keys (MongoDB's TTL
//     index does so too; FerretDB v1 has none, so without this the keys
//     would pile up) and makes a full repair pass over the metric counters,
//     applying every change pending for at least RepairMinAge (which scans
//     the operations and survivors);
//   - every RepairInterval (or interval, if shorter) it repairs the
//     counters at once if a counter update failed in this process since
//     the last repair.
func (s *Service) Maintain(ctx context.Context, interval time.Duration) {
	sweep := time.NewTicker(interval)
	defer sweep.Stop()
	check := time.NewTicker(min(interval, RepairInterval))
	defer check.Stop()
	s.sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			s.sweep(ctx)
			s.repair(ctx, RepairMinAge)
		case <-check.C:
			if s.metrics.NeedsRepair() {
				s.repair(ctx, 0)
			}
		}
	}
}

// sweep deletes expired idempotency keys.
func (s *Service) sweep(ctx context.Context) {
	if n, err := s.idem.Sweep(ctx); err != nil && ctx.Err() == nil {
		s.logger.WarnContext(ctx, "sweeping expired idempotency keys failed", "error", err)
	} else if n > 0 {
		s.logger.InfoContext(ctx, "swept expired idempotency keys", "count", n)
	}
}

// repair applies the metric counter changes pending for at least minAge.
func (s *Service) repair(ctx context.Context, minAge time.Duration) {
	if n, err := s.metrics.Repair(ctx, minAge); err != nil && ctx.Err() == nil {
		s.logger.WarnContext(ctx, "repairing the metric counters failed for some records; upkeep will retry", "error", err)
	} else if n > 0 {
		s.logger.InfoContext(ctx, "repaired the metric counters", "records", n)
	}
}

// Register registers the RescueService, the AuditService and the
// MetricsSourceService on gs, which must have been built with ServerOptions.
func (s *Service) Register(gs *grpc.Server) {
	rescuev1.RegisterRescueServiceServer(gs, s.server)
	auditv1.RegisterAuditServiceServer(gs, s.auditAPI)
	metricsv1.RegisterMetricsSourceServiceServer(gs, s.metricsAPI)
}

// Attach registers the RescueService, the AuditService and the
// MetricsSourceService on a platform server built with ServerOptions, and
// reports them SERVING under HealthService, AuditHealthService and
// MetricsHealthService.
func (s *Service) Attach(srv *grpcserver.Server) {
	s.Register(srv.GRPC())
	srv.Health().SetServingStatus(HealthService, healthpb.HealthCheckResponse_SERVING)
	srv.Health().SetServingStatus(AuditHealthService, healthpb.HealthCheckResponse_SERVING)
	srv.Health().SetServingStatus(MetricsHealthService, healthpb.HealthCheckResponse_SERVING)
}

// Run is the standalone binary: it sets up telemetry, connects to MongoDB,
// serves the RescueService, its AuditService and its MetricsSourceService on
// cfg.GRPC.Addr (printing the address it listens on), authenticated,
// authorized and audited, until ctx is done, then shuts down gracefully.
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
	srv := grpcserver.New(cfg.GRPC, logger, ErrorDomain, svc.ServerOptions()...)
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
