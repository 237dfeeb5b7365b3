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
	"fmt"
	"log/slog"
	"slices"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/mongo"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/servicekit"
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

// ReferencesHealthService is the name under which the service's
// RescueReferenceService (for other services) reports its health.
var ReferencesHealthService = rescuev1.RescueReferenceService_ServiceDesc.ServiceName

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

// Config is the rescue binary's configuration, loaded from the environment:
// the platform's servicekit.Base (GRPC_ADDR defaults to 127.0.0.1:9001,
// MONGODB_DATABASE to "rescue"). The rescue service has no setting of its
// own; a service that has some embeds servicekit.Base in its Config.
type Config = servicekit.Base

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
// with its ServerOptions. Its methods ServerOptions, Register, Attach,
// Maintain and ReloadKeys are servicekit.Mount's: Register and Attach
// register the RescueService, the RescueReferenceService, the
// MetricsSourceService and the AuditService, and Attach reports them
// SERVING under HealthService, ReferencesHealthService,
// MetricsHealthService and AuditHealthService. ServerOptions install the
// interceptors that verify every caller's bearer token, check the policy
// table (Policy) and record every survivor access, and every denied
// attempt, in the audit log before the handler runs; without them every
// call is anonymous and finds nothing. Maintain does the periodic upkeep
// (servicekit.Upkeep.Maintain): every interval it deletes expired
// idempotency keys and makes a full repair pass over the metric counters,
// and every RepairInterval it repairs them at once if a counter update
// failed in this process since the last repair.
type Service struct {
	*servicekit.Mount
	metrics *mongodb.MetricsRepository
}

// SweepInterval is how often Maintain removes expired idempotency keys and
// makes a full repair pass over the metric counters.
const SweepInterval = servicekit.SweepInterval

// RepairInterval is how often, at most, Maintain looks whether a counter
// update failed in this process since the last repair and, if so, repairs
// the counters at once.
const RepairInterval = servicekit.RepairInterval

// RepairMinAge is how old a pending counter change must be for Maintain's
// full repair pass to apply it: longer than any request, so that the pass
// never applies a change whose write is still in flight.
const RepairMinAge = servicekit.RepairMinAge

// New wires the service on db: it opens the platform's pieces
// (servicekit.Open: the office registry, the token verifier, the offices'
// encryption keys, creating missing keys only with cfg.CreateKeys, the
// idempotency store and the audit log), creates the collections' indexes
// and the metric counters, repairs the counters (applying every change a
// stop or crash left pending, so the counters equal a recount from the
// records before the service serves), and builds the use cases and the
// gRPC ports. logger (nil means the context's) receives start-up and upkeep
// messages, and the warnings of counter updates that failed after a write.
func New(ctx context.Context, cfg Config, db *mongo.Database, logger *slog.Logger) (*Service, error) {
	kit, err := servicekit.Open(ctx, Name, cfg, db, logger)
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	repos, err := mongodb.New(ctx, db, kit.Pages, kit.Keys, mongodb.Options{Zones: kit.Zones, Logger: kit.Logger})
	if err != nil {
		return nil, fmt.Errorf("service.New: %w", err)
	}
	kit.Upkeep(repos.Metrics).RepairAtStart(ctx)
	application := app.New(repos.Locations, repos.Operations, repos.Survivors, repos.Metrics, app.SystemClock, kit.Zones,
		kit.Offices.Codes())
	kit.Logger.InfoContext(ctx, "rescue service ready", "database", db.Name(), "offices", kit.Offices.Codes(),
		"token_issuer", kit.Verifier.Issuer())
	mount := kit.Mount(grpcport.Policy(), repos.Metrics,
		servicekit.Registration{Desc: &rescuev1.RescueService_ServiceDesc, Impl: grpcport.New(application, kit.Offices, kit.Idempotency, kit.Keys)},
		servicekit.Registration{Desc: &rescuev1.RescueReferenceService_ServiceDesc, Impl: grpcport.NewReferences(application)},
		servicekit.Registration{Desc: &metricsv1.MetricsSourceService_ServiceDesc, Impl: grpcport.NewMetrics(application, kit.Offices)})
	return &Service{Mount: mount, metrics: repos.Metrics}, nil
}

// Run is the standalone binary (servicekit.Run): it sets up telemetry,
// connects to MongoDB (MONGODB_URI is required), serves the RescueService,
// its AuditService and its MetricsSourceService on cfg.GRPC.Addr (printing
// the address it listens on), authenticated, authorized and audited, with
// Maintain every SweepInterval, until ctx is done, then shuts down
// gracefully.
func Run(ctx context.Context, cfg Config) error {
	err := servicekit.Run(ctx, cfg, servicekit.Binary{
		Name: Name, ErrorDomain: ErrorDomain, Database: DefaultDatabase, MaintainInterval: SweepInterval,
		New: func(ctx context.Context, db *mongo.Database, logger *slog.Logger) (servicekit.Service, error) {
			return New(ctx, cfg, db, logger)
		},
	})
	if err != nil {
		return fmt.Errorf("service.Run: %w", err)
	}
	return nil
}
