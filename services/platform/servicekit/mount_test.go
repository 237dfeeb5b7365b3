package servicekit_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/metricsource/metricserver"
	"github.com/justiceops/justice/services/platform/servicekit"
)

func TestMount_ServesTheServicesUnderThePolicyWithTheAuditService(t *testing.T) {
	t.Parallel()
	env, issuer := securityEnv(t)
	env["GRPC_ADDR"] = "127.0.0.1:0"
	kit, cfg, err := openKit(t, env)
	if err != nil {
		t.Fatal(err)
	}
	metrics := metricserver.NewServer([]string{"cases_filed"}, metricsource.NewMetrics([]string{"cases_filed"}, nil, kit.Offices.Codes(), nil),
		kit.Offices)
	policy := auth.Policy{
		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName: {Roles: []string{auth.RoleLawyer}},
		auditv1.AuditService_ListAuditEntries_FullMethodName:       {Roles: []string{auth.RoleAuditor}, Audit: true},
	}
	m := kit.Mount(policy, nil, servicekit.Registration{Desc: &metricsv1.MetricsSourceService_ServiceDesc, Impl: metrics})
	want := []string{metricsv1.MetricsSourceService_ServiceDesc.ServiceName, auditv1.AuditService_ServiceDesc.ServiceName}
	if got := m.HealthNames(); !slices.Equal(got, want) {
		t.Errorf("HealthNames = %v, want %v", got, want)
	}
	srv := grpcserver.New(cfg.GRPC, slog.New(slog.DiscardHandler), "test.justice.example", m.ServerOptions()...)
	m.Attach(srv)
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	conn, err := grpcclient.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	call, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	for _, name := range want {
		resp, err := healthpb.NewHealthClient(conn).Check(call, &healthpb.HealthCheckRequest{Service: name})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health of %s: %v, %v", name, resp, err)
		}
	}
	as := func(role string) context.Context {
		tok, err := issuer.Mint(identity.Principal{Subject: role, Roles: []string{role}, Offices: []string{"mumbai"}}, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return metadata.AppendToOutgoingContext(call, "authorization", "Bearer "+tok)
	}
	client := metricsv1.NewMetricsSourceServiceClient(conn)
	if _, err := client.QueryMetrics(call, &metricsv1.QueryMetricsRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without a token: %v, want UNAUTHENTICATED", err)
	}
	if _, err := client.QueryMetrics(as(auth.RoleAuditor), &metricsv1.QueryMetricsRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a role the policy does not allow: %v, want PERMISSION_DENIED", err)
	}
	if _, err := auditv1.NewAuditServiceClient(conn).ListAuditEntries(as(auth.RoleAuditor), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"}); err != nil {
		t.Errorf("the audit service: %v", err)
	}
	if err := m.ReloadKeys(); err != nil {
		t.Errorf("ReloadKeys: %v", err)
	}
	upkeep, stopUpkeep := context.WithCancel(context.Background())
	stopUpkeep()
	m.Maintain(upkeep, time.Hour) // returns once its context is done
}
