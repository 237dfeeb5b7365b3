package servicekit

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

// Registration is one gRPC service a service serves: its descriptor (e.g.
// &rescuev1.RescueService_ServiceDesc) and its implementation.
type Registration struct {
	Desc *grpc.ServiceDesc
	Impl any
}

// Mount is what a service's composition root hands to the server that
// serves it: its gRPC services (its own, the AuditService over its audit
// log, its MetricsSourceService), the server options that enforce its
// policy table, and its periodic upkeep. Its methods are the ones every
// service package exports (ServerOptions, Register, Attach, Maintain,
// ReloadKeys); a service's Service embeds a *Mount to get them.
type Mount struct {
	kit      *Kit
	policy   auth.Policy
	upkeep   Upkeep
	services []Registration
}

// Mount returns the mount of the service's gRPC services, which policy
// governs, with its AuditService added, and its upkeep repairing counters
// (nil for a service without metric counters).
func (k *Kit) Mount(policy auth.Policy, counters Repairer, services ...Registration) *Mount {
	services = append(services, Registration{Desc: &auditv1.AuditService_ServiceDesc, Impl: k.AuditService()})
	return &Mount{kit: k, policy: policy, upkeep: k.Upkeep(counters), services: services}
}

// ServerOptions are the options a server mounting the service must be
// built with (grpcserver.New(cfg, logger, domain, m.ServerOptions()...)):
// interceptors that verify every caller's bearer token, check the policy
// table and record every audited call, and every denied attempt, in the
// audit log before the handler runs. Without them every call is anonymous
// and finds nothing.
func (m *Mount) ServerOptions() []grpc.ServerOption { return m.kit.ServerOptions(m.policy) }

// Register registers the service's gRPC services on gs, which must have
// been built with ServerOptions.
func (m *Mount) Register(gs *grpc.Server) {
	for _, r := range m.services {
		gs.RegisterService(r.Desc, r.Impl)
	}
}

// Attach registers the service's gRPC services on a platform server built
// with ServerOptions, and reports each SERVING under its full service name
// (HealthNames).
func (m *Mount) Attach(srv *grpcserver.Server) {
	m.Register(srv.GRPC())
	SetServing(srv, m.HealthNames()...)
}

// HealthNames are the names under which Attach reports the services'
// health: their full service names, in registration order.
func (m *Mount) HealthNames() []string {
	names := make([]string, len(m.services))
	for i, r := range m.services {
		names[i] = r.Desc.ServiceName
	}
	return names
}

// Maintain does the service's periodic upkeep until ctx is done
// (Upkeep.Maintain).
func (m *Mount) Maintain(ctx context.Context, interval time.Duration) {
	m.upkeep.Maintain(ctx, interval)
}

// ReloadKeys re-reads the offices' keysets, after fieldcrypt.Rotate ran in
// another process: new writes then use the new primary keys, and records
// written before still decrypt.
func (m *Mount) ReloadKeys() error {
	if err := m.kit.Keys.Reload(); err != nil {
		return fmt.Errorf("servicekit.Mount.ReloadKeys: %w", err)
	}
	return nil
}
