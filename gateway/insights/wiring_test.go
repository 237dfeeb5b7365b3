package insights_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/gateway/insights"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
)

// issuer returns a local token issuer and a verifier trusting it.
func issuer(t *testing.T) (*auth.Issuer, *auth.Verifier) {
	t.Helper()
	iss, err := auth.LoadOrCreateIssuer(t.TempDir(), "http://127.0.0.1:8080", "")
	if err != nil {
		t.Fatalf("LoadOrCreateIssuer: %v", err)
	}
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatalf("NewVerifierFromJWKS: %v", err)
	}
	return iss, v
}

// mint returns a token for p.
func mint(t *testing.T, iss *auth.Issuer, p identity.Principal) string {
	t.Helper()
	tok, err := iss.Mint(p, time.Hour)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	return tok
}

// The REST path as the edge wires it: auth.HTTPMiddleware in front of a
// grpc-gateway mux calling the server in-process. The principal comes from
// the middleware and the caller's token reaches the sources unchanged.
func TestRESTInProcessCarriesThePrincipalAndForwardsTheToken(t *testing.T) {
	t.Parallel()
	iss, verifier := issuer(t)
	token := mint(t, iss, partner)
	fake := rescueFake()
	fake.token = token
	r := serve(t, "rescue", fake)
	srv := insights.New(fastConfig(), registry(t), r.source)

	mux := runtime.NewServeMux()
	if err := insightsv1.RegisterInsightsServiceHandlerServer(context.Background(), mux, srv); err != nil {
		t.Fatalf("RegisterInsightsServiceHandlerServer: %v", err)
	}
	handler := auth.HTTPMiddleware(verifier, mux, nil)

	get := func(target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		return rec
	}

	rec := get("/v1/metrics?from=2024-01&to=2024-06&granularity=GRANULARITY_QUARTER&metrics=survivors_rescued")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /v1/metrics = %d %s", rec.Code, rec.Body)
	}
	var body struct {
		Values []struct {
			Office, Period, Metric, Value string
			Suppressed                    bool
		}
		SuppressionThreshold int32 `json:"suppressionThreshold"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	// The partner home holds mumbai only; 3 survivors in Q2 are withheld.
	if len(body.Values) != 2 || body.Values[0].Office != "mumbai" || body.Values[0].Value != "12" ||
		!body.Values[1].Suppressed || body.SuppressionThreshold != 11 {
		t.Errorf("body = %s, want mumbai Q1 12 and Q2 suppressed at k=11", rec.Body)
	}
	if _, tokens := fake.seen(); !slices.Equal(tokens, []string{"Bearer " + token}) {
		t.Errorf("rescue received %d authorization values, want exactly the caller's token", len(tokens))
	}

	if rec := get("/v1/metrics?offices=kolkata"); rec.Code != http.StatusNotFound {
		t.Errorf("GET /v1/metrics?offices=kolkata = %d %s, want 404", rec.Code, rec.Body)
	}
	if rec := get("/v1/metrics?from=2024-13"); rec.Code != http.StatusBadRequest {
		t.Errorf("GET /v1/metrics?from=2024-13 = %d %s, want 400", rec.Code, rec.Body)
	}
	if rec := get("/v1/milestones"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "first_survivor_rescued") {
		t.Errorf("GET /v1/milestones = %d %s, want 200 with mumbai's first survivor", rec.Code, rec.Body)
	}
}

// The gRPC path: the platform's auth interceptor with Policy sets the
// principal; the token in the call's metadata is forwarded.
func TestGRPCWithTheAuthInterceptorForwardsTheToken(t *testing.T) {
	t.Parallel()
	iss, verifier := issuer(t)
	token := mint(t, iss, director)
	fake := rescueFake()
	fake.token = token
	r := serve(t, "rescue", fake)
	srv := insights.New(fastConfig(), registry(t), r.source)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	// As grpcserver.New installs them: error mapping outside, auth inside.
	mapErrors := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, grpcserver.ToStatus(insights.ErrorDomain, err).Err()
		}
		return resp, nil
	}
	opts := append([]grpc.ServerOption{grpc.ChainUnaryInterceptor(mapErrors)}, auth.ServerOptions(verifier, insights.Policy(), nil, nil)...)
	gs := grpc.NewServer(opts...)
	insightsv1.RegisterInsightsServiceServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpcclient.Dial(lis.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := insightsv1.NewInsightsServiceClient(conn)

	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	resp, err := client.GetMetrics(ctx, &insightsv1.GetMetricsRequest{
		From: "2024-03", To: "2024-03", Metrics: []string{"survivors_rescued"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	diffCells(t, cells(resp), []cell{
		{"kolkata", "2024-03", "survivors_rescued", 12, false},
		{"mumbai", "2024-03", "survivors_rescued", 0, false},
	})
	if _, tokens := fake.seen(); !slices.Equal(tokens, []string{"Bearer " + token}) {
		t.Errorf("rescue received %d authorization values, want exactly the caller's token", len(tokens))
	}

	if _, err := client.ListMilestones(context.Background(), &insightsv1.ListMilestonesRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("ListMilestones without a token: err = %v, want UNAUTHENTICATED", err)
	}
}

func TestPolicyCoversEveryMethod(t *testing.T) {
	t.Parallel()
	if missing := insights.Policy().Missing(insightsv1.InsightsService_ServiceDesc); len(missing) > 0 {
		t.Errorf("methods without a policy entry: %v", missing)
	}
}

// mapEnv is an environment for config.Load (an envconfig.Lookuper).
type mapEnv map[string]string

// Lookup implements envconfig.Lookuper.
func (m mapEnv) Lookup(key string) (string, bool) {
	v, ok := m[key]
	return v, ok
}

func TestConfigLoadsDefaultsAndNamesBadVariables(t *testing.T) {
	t.Parallel()
	var cfg insights.Config
	if err := config.Load(context.Background(), &cfg, mapEnv(nil)); err != nil {
		t.Fatalf("Load with no variables: %v", err)
	}
	if cfg != insights.DefaultConfig() {
		t.Errorf("defaults = %+v, want %+v", cfg, insights.DefaultConfig())
	}

	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"INSIGHTS_SOURCE_TIMEOUT": "0s"}, `INSIGHTS_SOURCE_TIMEOUT="0s": must be a positive duration`},
		{map[string]string{"INSIGHTS_SOURCE_TIMEOUT": "2m"}, `INSIGHTS_SOURCE_TIMEOUT="2m0s": must be a positive duration of at most 1m`},
		{map[string]string{"INSIGHTS_SUPPRESSION_K": "-1"}, `INSIGHTS_SUPPRESSION_K="-1": must be between 0 and 1000`},
		{map[string]string{"INSIGHTS_SUPPRESSION_K": "eleven"}, `INSIGHTS_SUPPRESSION_K`},
	}
	for _, tt := range tests {
		var cfg insights.Config
		err := config.Load(context.Background(), &cfg, mapEnv(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%v) = %v, want an error containing %q", tt.env, err, tt.want)
		}
	}

	cfg = insights.DefaultConfig()
	cfg.SuppressionK = 0
	if err := cfg.Validate(); err != nil {
		t.Errorf("k = 0 (suppression disabled) should be valid: %v", err)
	}
}

func TestStaffRoles(t *testing.T) {
	t.Parallel()
	want := []string{"investigator", "lawyer", "social_worker", "trainer", "office_director", "regional_director"}
	if got := insights.StaffRoles(); !slices.Equal(got, want) {
		t.Errorf("StaffRoles() = %v, want %v", got, want)
	}
}

func TestNewRefusesProgrammingErrors(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	bad := insights.DefaultConfig()
	bad.SourceTimeout = 0
	for name, build := range map[string]func(){
		"invalid config":  func() { insights.New(bad, registry(t), r.source) },
		"nil registry":    func() { insights.New(insights.DefaultConfig(), nil, r.source) },
		"duplicate name":  func() { insights.New(insights.DefaultConfig(), registry(t), r.source, r.source) },
		"nameless source": func() { insights.New(insights.DefaultConfig(), registry(t), insights.Source{Client: r.source.Client}) },
		"nil client":      func() { insights.New(insights.DefaultConfig(), registry(t), insights.Source{Name: "x"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with %s did not panic", name)
				}
			}()
			build()
		}()
	}
}
