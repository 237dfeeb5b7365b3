package edge

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

// rescueServer is a platform gRPC server standing in for rescue: the
// health service with rescue's, audit's and metrics' statuses, and the fake
// services.
type rescueServer struct {
	srv    *grpcserver.Server
	cancel context.CancelFunc
	done   chan error
}

// startRescueServer serves on addr ("127.0.0.1:0" for a free port).
func startRescueServer(t *testing.T, addr string) (*rescueServer, string) {
	t.Helper()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := grpcserver.New(grpcserver.Config{Addr: addr, ShutdownTimeout: time.Second}, logger, "rescue.justice.example")
	rescuev1.RegisterRescueServiceServer(srv.GRPC(), &fakeRescue{})
	auditv1.RegisterAuditServiceServer(srv.GRPC(), &fakeAudit{})
	metricsv1.RegisterMetricsSourceServiceServer(srv.GRPC(), rescueMetrics())
	for _, name := range []string{rescuev1.RescueService_ServiceDesc.ServiceName, auditv1.AuditService_ServiceDesc.ServiceName,
		metricsv1.MetricsSourceService_ServiceDesc.ServiceName} {
		srv.Health().SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rs := &rescueServer{srv: srv, cancel: cancel, done: make(chan error, 1)}
	go func() { rs.done <- srv.Serve(ctx, lis) }()
	t.Cleanup(rs.stop)
	return rs, lis.Addr().String()
}

// stop shuts the server down as on SIGTERM and waits for it.
func (rs *rescueServer) stop() {
	if rs.cancel == nil {
		return
	}
	rs.cancel()
	<-rs.done
	rs.cancel = nil
}

type readiness struct {
	Ready    bool
	Services []struct{ Backend, Service, Status string }
}

func getReady(t *testing.T, url string) (int, readiness) {
	t.Helper()
	res, err := http.Get(url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body readiness
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

// waitReady polls /readyz until it answers want, for at most 15 seconds
// (the client reconnects with backoff).
func waitReady(t *testing.T, url string, want int) readiness {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := getReady(t, url)
		if code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz stayed %d (%+v), want %d", code, body, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestReadinessFollowsTheServices(t *testing.T) {
	rs, addr := startRescueServer(t, "127.0.0.1:0")
	issuer, err := auth.LoadOrCreateIssuer(t.TempDir(), "edge-test", "justice")
	if err != nil {
		t.Fatal(err)
	}
	prosecutionAddr, prosecution := startBackend(t, func(*grpc.Server) {}, prosecutionv1.ProsecutionService_ServiceDesc.ServiceName,
		auditv1.AuditService_ServiceDesc.ServiceName, metricsv1.MetricsSourceService_ServiceDesc.ServiceName)
	cfg := Config{HTTPAddr: "127.0.0.1:0", RescueAddr: addr, ProsecutionAddr: prosecutionAddr, MaxBodyBytes: 1 << 20, RequestTimeout: 5 * time.Second,
		ShutdownTimeout: time.Second, Auth: issuer.Config(), RateLimit: generousLimit}
	e, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)

	body := waitReady(t, srv.URL, http.StatusOK)
	var got []string
	for _, s := range body.Services {
		got = append(got, s.Backend+" "+s.Service+" "+s.Status)
	}
	want := []string{
		"rescue justice.rescue.v1.RescueService SERVING",
		"rescue justice.audit.v1.AuditService SERVING",
		"rescue justice.metrics.v1.MetricsSourceService SERVING",
		"prosecution justice.prosecution.v1.ProsecutionService SERVING",
		"prosecution justice.audit.v1.AuditService SERVING",
		"prosecution justice.metrics.v1.MetricsSourceService SERVING",
	}
	if !body.Ready || !slices.Equal(got, want) {
		t.Errorf("ready: %v\nwant %v", got, want)
	}

	// A service of the other backend stops serving: not ready, and the
	// answer says which.
	prosecution.SetServingStatus(auditv1.AuditService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	body = waitReady(t, srv.URL, http.StatusServiceUnavailable)
	if body.Ready || body.Services[4].Backend != "prosecution" || body.Services[4].Status != "NOT_SERVING" || body.Services[1].Status != "SERVING" {
		t.Errorf("prosecution's audit log NOT_SERVING: %+v", body)
	}
	prosecution.SetServingStatus(auditv1.AuditService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	waitReady(t, srv.URL, http.StatusOK)

	// One service of the server stops serving: not ready.
	rs.srv.Health().SetServingStatus(auditv1.AuditService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_NOT_SERVING)
	body = waitReady(t, srv.URL, http.StatusServiceUnavailable)
	if body.Ready {
		t.Errorf("a NOT_SERVING service: %+v", body)
	}
	rs.srv.Health().SetServingStatus(auditv1.AuditService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	waitReady(t, srv.URL, http.StatusOK)

	// The server stops (as on SIGTERM): not ready; liveness is unaffected.
	rs.stop()
	body = waitReady(t, srv.URL, http.StatusServiceUnavailable)
	for _, s := range body.Services {
		if (s.Status == "SERVING") != (s.Backend == "prosecution") {
			t.Errorf("after rescue's stop, %s's %s is %s", s.Backend, s.Service, s.Status)
		}
	}
	if res, err := http.Get(srv.URL + "/healthz"); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("/healthz with the service down: %v %v", res, err)
	} else {
		res.Body.Close()
	}

	// It comes back on the same address: ready again.
	startRescueServer(t, addr)
	waitReady(t, srv.URL, http.StatusOK)
}
