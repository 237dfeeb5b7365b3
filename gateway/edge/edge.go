package edge

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/justiceops/justice/gateway/auditmerge"
	"github.com/justiceops/justice/gateway/insights"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/ratelimit"
	"github.com/justiceops/justice/services/platform/requestid"
)

// backend is one gRPC server behind the edge, with the services it serves.
type backend struct {
	name     string   // the backend's name in errors, e.g. "rescue"
	services []string // the gRPC services it serves, for health checks
	conn     *grpc.ClientConn
	register []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error
}

// backendSpec says how to reach one service behind the edge.
type backendSpec struct {
	name string // the service's name, e.g. "prosecution"
	addr string // its gRPC address, from the configuration
	// service is its own gRPC service; it also serves the AuditService
	// (merged by the edge) and the MetricsSourceService (for insights).
	service  string
	register func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error
}

// backendSpecs are the services behind the edge, in the order of the
// insights sources and of the merged audit log's ties.
func backendSpecs(cfg Config) []backendSpec {
	return []backendSpec{
		{name: "rescue", addr: cfg.RescueAddr,
			service: rescuev1.RescueService_ServiceDesc.ServiceName, register: rescuev1.RegisterRescueServiceHandler},
		{name: "prosecution", addr: cfg.ProsecutionAddr,
			service: prosecutionv1.ProsecutionService_ServiceDesc.ServiceName, register: prosecutionv1.RegisterProsecutionServiceHandler},
	}
}

// Edge is the REST edge: an http.Handler in front of the services.
type Edge struct {
	cfg      Config
	logger   *slog.Logger
	timeouts []routeTimeout
	backends []backend
	handler  http.Handler
	verifier *auth.Verifier
	insights *insights.Server
	audit    *auditmerge.Server
}

// New builds the token verifier and the per-caller rate limiter, dials the
// services and builds the REST handler. Dialing is lazy: the edge starts even
// when a service is down, and answers 503 for its routes.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Edge, error) {
	if err := cfg.RateLimit.Validate(); err != nil {
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	if err := cfg.CORS.Validate(); err != nil {
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	table, err := routes()
	if err != nil {
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	timeouts, err := cfg.routeTimeouts()
	if err != nil {
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	verifier, err := auth.NewVerifier(ctx, cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	registry, err := office.LoadRegistry(cfg.Offices)
	if err != nil {
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	e := &Edge{cfg: cfg, logger: logger, timeouts: timeouts, verifier: verifier}
	// Each service's own API is proxied; its audit log and its metrics are
	// merged with the others' by the edge's own servers below.
	var metricSources []insights.Source
	var auditSources []auditmerge.Source
	for _, spec := range backendSpecs(cfg) {
		// The interceptor maps Idempotency-Key and If-Match onto the requests.
		conn, err := grpcclient.Dial(spec.addr, grpc.WithChainUnaryInterceptor(mapHeadersUnary(table)))
		if err != nil {
			e.Close()
			return nil, fmt.Errorf("edge.New: %s: %w", spec.name, err)
		}
		e.backends = append(e.backends, backend{
			name: spec.name,
			services: []string{spec.service, auditv1.AuditService_ServiceDesc.ServiceName,
				metricsv1.MetricsSourceService_ServiceDesc.ServiceName},
			conn:     conn,
			register: []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{spec.register},
		})
		metricSources = append(metricSources, insights.Source{Name: spec.name, Client: metricsv1.NewMetricsSourceServiceClient(conn)})
		auditSources = append(auditSources, auditmerge.Source{Name: spec.name, Client: auditv1.NewAuditServiceClient(conn)})
	}

	mux := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, &runtime.JSONPb{
			MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: false},
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}),
		runtime.WithErrorHandler(handleError),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithOutgoingHeaderMatcher(func(string) (string, bool) { return "", false }),
		runtime.WithForwardResponseOption(table.forwardResponse),
		runtime.WithDisableHTTPMethodOverride(),
	)
	for _, b := range e.backends {
		for _, register := range b.register {
			if err := register(ctx, mux, b.conn); err != nil {
				e.Close()
				return nil, fmt.Errorf("edge.New: register %s: %w", b.name, err)
			}
		}
	}
	// The cross-office API is the edge's own: it fans out to every service's
	// MetricsSourceService (one Source per backend, in backendSpecs order).
	icfg := cfg.Insights
	if icfg == (insights.Config{}) {
		// Built in code rather than loaded from the environment: the defaults.
		icfg = insights.DefaultConfig()
	}
	if err := icfg.Validate(); err != nil {
		e.Close()
		return nil, fmt.Errorf("edge.New: %w", err)
	}
	e.insights = insights.New(icfg, registry, metricSources...)
	if err := insightsv1.RegisterInsightsServiceHandlerServer(ctx, mux, e.insights); err != nil {
		e.Close()
		return nil, fmt.Errorf("edge.New: register insights: %w", err)
	}
	// Every service serves its audit log under the same route: the edge
	// answers it with all of them merged, newest first.
	e.audit = auditmerge.New(auditSources...)
	if err := auditv1.RegisterAuditServiceHandlerServer(ctx, mux, e.audit); err != nil {
		e.Close()
		return nil, fmt.Errorf("edge.New: register the audit log: %w", err)
	}

	root := http.NewServeMux()
	root.Handle("/v1/", mux)
	root.HandleFunc("GET /openapi.json", serveOpenAPI)
	root.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"SERVING"}` + "\n"))
	})
	root.HandleFunc("GET /readyz", e.ready)

	// Outermost first: trace, request id, access log, CORS (preflights carry
	// no token), deadline, then the caller's identity and rate, and only then
	// is the body read.
	var h http.Handler = withConditionalHeaders(root)
	h = limitBody(h, cfg.MaxBodyBytes)
	h = rateLimit(h, ratelimit.New(cfg.RateLimit), cfg.RateLimit)
	h = authenticate(h, verifier, ratelimit.New(cfg.RateLimit), cfg.RateLimit)
	h = withTimeouts(h, cfg.RequestTimeout, timeouts)
	h = cors(h, cfg.CORS.AllowedOrigins)
	h = accessLog(h, logger)
	h = withRequestID(h)
	e.handler = otelhttp.NewHandler(h, "edge",
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + routeOf(r) }))
	return e, nil
}

// AttachGRPC serves the InsightsService and the merged AuditService on srv,
// for gRPC callers, behind the same token verification and their policies.
// srv must have been built with GRPCServerOptions.
func (e *Edge) AttachGRPC(srv *grpcserver.Server) {
	insightsv1.RegisterInsightsServiceServer(srv.GRPC(), e.insights)
	auditv1.RegisterAuditServiceServer(srv.GRPC(), e.audit)
	for _, name := range []string{insightsv1.InsightsService_ServiceDesc.ServiceName, auditv1.AuditService_ServiceDesc.ServiceName} {
		srv.Health().SetServingStatus(name, grpc_health_v1.HealthCheckResponse_SERVING)
	}
}

// GRPCServerOptions are the interceptors of the edge's gRPC server: token
// verification, the insights policy and the audit log's (auditors only).
// The edge audits nothing itself: the insights touch no survivor record,
// and each service audits the listing of its own audit log; denials are
// logged.
func (e *Edge) GRPCServerOptions() []grpc.ServerOption {
	policy := insights.Policy()
	maps.Copy(policy, auditmerge.Policy())
	return auth.ServerOptions(e.verifier, policy, nil, nil)
}

// Handler returns the edge's http.Handler.
func (e *Edge) Handler() http.Handler { return e.handler }

// Close releases the connections to the services.
func (e *Edge) Close() {
	for _, b := range e.backends {
		_ = b.conn.Close()
	}
}

// ready answers 200 only when every service of every backend reports
// SERVING. The backends are asked concurrently.
func (e *Edge) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	type result struct {
		Backend string `json:"backend"`
		Service string `json:"service"`
		Status  string `json:"status"`
	}
	var results [][]result
	var wg sync.WaitGroup
	for _, b := range e.backends {
		out := make([]result, len(b.services))
		results = append(results, out)
		wg.Go(func() {
			client := grpc_health_v1.NewHealthClient(b.conn)
			for i, service := range b.services {
				st := "UNAVAILABLE"
				if res, err := client.Check(ctx, &grpc_health_v1.HealthCheckRequest{Service: service}); err == nil {
					st = res.GetStatus().String()
				}
				out[i] = result{Backend: b.name, Service: service, Status: st}
			}
		})
	}
	wg.Wait()
	all := []result{}
	ready := true
	for _, rs := range results {
		for _, res := range rs {
			ready = ready && res.Status == grpc_health_v1.HealthCheckResponse_SERVING.String()
			all = append(all, res)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = jsonEncode(w, map[string]any{"ready": ready, "services": all})
}

// incomingHeader decides which HTTP headers reach the services as gRPC
// metadata. Only an allowlist passes: X-Request-Id, and Authorization (the
// bearer token the services verify again), which grpc-gateway's runtime
// forwards itself as "authorization", ahead of this matcher; answering true
// here too would send it twice. Everything else is dropped, Grpc-Metadata-*
// headers in particular, so a caller cannot forge metadata (an identity, a
// role, a second token) that the services would read.
func incomingHeader(key string) (string, bool) {
	switch strings.ToLower(key) {
	case requestid.MetadataKey:
		return requestid.MetadataKey, true
	default:
		return "", false
	}
}

// forwardResponse shapes successful responses: 201 Created with Location for
// Create methods, and the resource's etag as the ETag header.
func (t routeTable) forwardResponse(ctx context.Context, w http.ResponseWriter, m proto.Message) error {
	fields := m.ProtoReflect().Descriptor().Fields()
	if f := fields.ByName("etag"); f != nil && f.Kind() == protoreflect.StringKind {
		if etag := m.ProtoReflect().Get(f).String(); etag != "" {
			w.Header().Set("ETag", `"`+etag+`"`)
		}
	}
	method, _ := runtime.RPCMethod(ctx)
	if rt := t[method]; rt != nil && rt.created {
		if f := fields.ByName("name"); f != nil && f.Kind() == protoreflect.StringKind {
			w.Header().Set("Location", "/v1/"+m.ProtoReflect().Get(f).String())
		}
		w.WriteHeader(http.StatusCreated)
	}
	return nil
}
