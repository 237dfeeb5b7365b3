// Package servicekit is the part of every service's composition root that
// is the same in each: the configuration every service binary reads
// (Base), the platform pieces built from it on the service's database
// (Open: office registry and time zones, token verifier, the offices'
// encryption keys, page tokens, audit log, idempotency store), the periodic
// upkeep (Upkeep.Maintain: expired idempotency keys, metric counter
// repairs) and Run, the whole standalone binary around a service.
//
// A service's own package keeps what is its own: its repositories, use
// cases, gRPC ports, policy table and the services it registers.
package servicekit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/pagination"
)

// Base is the configuration every service binary reads from the
// environment. A service embeds it in its own Config, without a prefix, so
// the variables keep these names in every service:
//
//	type Config struct {
//		servicekit.Base
//		RescueAddr string `env:"RESCUE_GRPC_ADDR"`
//	}
//
// and loads it with config.Load and its own defaults for GRPC_ADDR and
// MONGODB_DATABASE (config.WithDefaults). Base has no Validate method of its
// own on purpose: config.Load calls each field's, and a Validate promoted
// into the embedding Config would run them twice.
type Base struct {
	// GRPC configures the server (GRPC_ADDR and the other GRPC_ variables).
	GRPC grpcserver.Config
	// Mongo says where the store is (MONGODB_URI, required by Run;
	// MONGODB_DATABASE, the service's own default).
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

// Kit is what Open builds for a service from its Base configuration and
// database: the platform pieces each service's own wiring starts from.
type Kit struct {
	// Name is the service's name, e.g. "rescue": its audit entries' service.
	Name string
	// Offices is the office registry (OFFICES_FILE).
	Offices *office.Registry
	// Zones gives each office's time zone (UTC for a code it does not know).
	Zones func(office string) *time.Location
	// Verifier verifies callers' bearer tokens.
	Verifier *auth.Verifier
	// Keys are the offices' encryption keys and the blind-index key.
	Keys *fieldcrypt.Keyring
	// Pages signs and checks page tokens.
	Pages *pagination.Codec
	// Audit is the service's audit log, listed with Pages.
	Audit *audit.Store
	// Idempotency keeps the request_ids of creates and transitions.
	Idempotency *idempotency.Store
	// Logger receives start-up and upkeep messages.
	Logger *slog.Logger
}

// Open builds the Kit of the service name on db: it loads the office
// registry and the offices' time zones, the token verifier and the offices'
// encryption keys (creating missing key files only with cfg.CreateKeys),
// the page token codec, and creates the audit log's and the idempotency
// store's collections and indexes. logger nil means the context's.
func Open(ctx context.Context, name string, cfg Base, db *mongo.Database, logger *slog.Logger) (*Kit, error) {
	if logger == nil {
		logger = logging.FromContext(ctx)
	}
	registry, err := office.LoadRegistry(cfg.Offices)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	zones, err := OfficeZones(registry)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	verifier, err := auth.NewVerifier(ctx, cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	keys, err := fieldcrypt.Open(cfg.Keys, registry.Codes(), cfg.CreateKeys)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	pages, err := pagination.NewCodecFromConfig(cfg.Pages)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	auditStore, err := audit.NewStore(ctx, db, name)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	idem, err := idempotency.NewStore(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("servicekit.Open: %w", err)
	}
	return &Kit{
		Name: name, Offices: registry, Zones: zones, Verifier: verifier, Keys: keys, Pages: pages,
		Audit: auditStore.WithPageCodec(pages), Idempotency: idem, Logger: logger,
	}, nil
}

// ServerOptions are the options a server mounting the service must be
// built with: interceptors that verify every caller's bearer token, check
// policy and record every audited call, and every denied attempt, in the
// service's audit log before the handler runs (auth.ServerOptions).
func (k *Kit) ServerOptions(policy auth.Policy) []grpc.ServerOption {
	return auth.ServerOptions(k.Verifier, policy, k.Audit, nil)
}

// AuditService is the service's justice.audit.v1.AuditService over its audit log.
func (k *Kit) AuditService() auditv1.AuditServiceServer {
	return audit.NewAuditService(k.Audit, k.Offices, k.Name)
}

// Upkeep is the service's periodic upkeep (Upkeep.Maintain): its
// idempotency store's sweep and, when counters is not nil, the repair of
// its metric counters.
func (k *Kit) Upkeep(counters Repairer) Upkeep {
	return Upkeep{Idempotency: k.Idempotency, Counters: counters, Logger: k.Logger}
}

// OfficeZones loads each office's time zone once and returns the lookup:
// the office's zone, or UTC for a code the registry does not hold.
func OfficeZones(registry *office.Registry) (func(office string) *time.Location, error) {
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

// SetServing reports each of services SERVING on the server's health service.
func SetServing(srv *grpcserver.Server, services ...string) {
	for _, name := range services {
		srv.Health().SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
}
