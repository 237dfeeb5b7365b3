package edge

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/justiceops/justice/gateway/internal/grpctest"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// fakeRescue answers GetSurvivor (and, in headers_test.go, the calls that
// take request_id and etag) and remembers the metadata of each call and the
// requests it got.
type fakeRescue struct {
	rescuev1.UnimplementedRescueServiceServer
	mu       sync.Mutex
	calls    []metadata.MD
	requests []proto.Message
	// deadline is how long the last GetSurvivor call had left.
	deadline time.Duration
}

func (f *fakeRescue) GetSurvivor(ctx context.Context, req *rescuev1.GetSurvivorRequest) (*rescuev1.Survivor, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.calls = append(f.calls, md)
	f.requests = append(f.requests, req)
	if d, ok := ctx.Deadline(); ok {
		f.deadline = time.Until(d)
	}
	f.mu.Unlock()
	if strings.HasSuffix(req.GetName(), "/slow") {
		<-ctx.Done()
		return nil, status.FromContextError(ctx.Err()).Err()
	}
	return &rescuev1.Survivor{Name: req.GetName(), Pseudonym: "Asha", Etag: "v1"}, nil
}

func (f *fakeRescue) metadata(t *testing.T) []metadata.MD {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]metadata.MD(nil), f.calls...)
}

// fakeAudit answers ListAuditEntries with its entries and remembers the
// request.
type fakeAudit struct {
	auditv1.UnimplementedAuditServiceServer
	entries []*auditv1.AuditEntry
	mu      sync.Mutex
	last    *auditv1.ListAuditEntriesRequest
	tokens  []string
}

func (f *fakeAudit) ListAuditEntries(ctx context.Context, req *auditv1.ListAuditEntriesRequest) (*auditv1.ListAuditEntriesResponse, error) {
	f.mu.Lock()
	f.last = req
	f.tokens = append(f.tokens, metadata.ValueFromIncomingContext(ctx, "authorization")...)
	f.mu.Unlock()
	return &auditv1.ListAuditEntriesResponse{AuditEntries: f.entries}, nil
}

// auditEntry is an entry of service's audit log, minute minutes past 9:00.
func auditEntry(service, id, action, resource string, minute int) *auditv1.AuditEntry {
	return &auditv1.AuditEntry{
		Name: "offices/mumbai/auditEntries/" + id, Time: timestamppb.New(time.Date(2026, 3, 1, 9, minute, 0, 0, time.UTC)),
		Subject: "priya", Action: action, Resource: resource, Outcome: auditv1.Outcome_OUTCOME_ALLOWED, Code: "OK", Service: service,
	}
}

type testEdge struct {
	url         string
	issuer      *auth.Issuer
	rescue      *fakeRescue
	audit       *fakeAudit // rescue's
	prosecution *fakeProsecution
	pAudit      *fakeAudit // prosecution's
	metrics     map[string]*fakeMetrics
	edge        *Edge
}

// startBackend serves register's services on 127.0.0.1:0, reporting
// services SERVING, until the test ends, and returns the address and the
// health server.
func startBackend(t *testing.T, register func(*grpc.Server), services ...string) (string, *health.Server) {
	t.Helper()
	hs := health.NewServer()
	for _, s := range services {
		hs.SetServingStatus(s, healthpb.HealthCheckResponse_SERVING)
	}
	_, conn := grpctest.Serve(t, func(gs *grpc.Server) {
		register(gs)
		healthpb.RegisterHealthServer(gs, hs)
	})
	return conn.Target(), hs
}

// newTestEdge runs an edge in front of fake rescue and prosecution
// services (each with its audit log and metrics), with a local issuer's
// keys as the accepted tokens; edits change its configuration first.
func newTestEdge(t *testing.T, limit ratelimit.Config, edits ...func(*Config)) testEdge {
	t.Helper()
	issuer, err := auth.LoadOrCreateIssuer(t.TempDir(), "edge-test", "justice")
	if err != nil {
		t.Fatal(err)
	}
	te := testEdge{
		issuer: issuer, rescue: &fakeRescue{}, prosecution: &fakeProsecution{},
		audit: &fakeAudit{entries: []*auditv1.AuditEntry{auditEntry("rescue", "e1",
			rescuev1.RescueService_GetSurvivor_FullMethodName, "offices/mumbai/survivors/s1", 5)}},
		pAudit: &fakeAudit{entries: []*auditv1.AuditEntry{auditEntry("prosecution", "p1",
			prosecutionv1.ProsecutionService_GetWitness_FullMethodName, "offices/mumbai/cases/c1/witnesses/w1", 7)}},
		metrics: map[string]*fakeMetrics{"rescue": rescueMetrics(), "prosecution": prosecutionMetrics()},
	}
	rescueAddr, _ := startBackend(t, func(gs *grpc.Server) {
		rescuev1.RegisterRescueServiceServer(gs, te.rescue)
		auditv1.RegisterAuditServiceServer(gs, te.audit)
		metricsv1.RegisterMetricsSourceServiceServer(gs, te.metrics["rescue"])
	}, rescuev1.RescueService_ServiceDesc.ServiceName, auditv1.AuditService_ServiceDesc.ServiceName, metricsv1.MetricsSourceService_ServiceDesc.ServiceName)
	prosecutionAddr, _ := startBackend(t, func(gs *grpc.Server) {
		prosecutionv1.RegisterProsecutionServiceServer(gs, te.prosecution)
		auditv1.RegisterAuditServiceServer(gs, te.pAudit)
		metricsv1.RegisterMetricsSourceServiceServer(gs, te.metrics["prosecution"])
	}, prosecutionv1.ProsecutionService_ServiceDesc.ServiceName, auditv1.AuditService_ServiceDesc.ServiceName, metricsv1.MetricsSourceService_ServiceDesc.ServiceName)

	cfg := Config{
		HTTPAddr: "127.0.0.1:0", RescueAddr: rescueAddr, ProsecutionAddr: prosecutionAddr, MaxBodyBytes: 1 << 20,
		RequestTimeout: 5 * time.Second, ShutdownTimeout: time.Second,
		Auth: issuer.Config(), RateLimit: limit,
	}
	for _, edit := range edits {
		edit(&cfg)
	}
	e, err := New(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	srv := httptest.NewServer(e.Handler())
	t.Cleanup(srv.Close)
	te.url = srv.URL
	te.edge = e
	return te
}

var generousLimit = ratelimit.Config{RPS: 1000, Burst: 1000}

func (te testEdge) token(t *testing.T, subject string, roles []string, offices ...string) string {
	t.Helper()
	tok, err := te.issuer.Mint(identity.Principal{Subject: subject, Roles: roles, Offices: offices}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type reply struct {
	status int
	header http.Header
	body   errorBody
	raw    string
}

func (te testEdge) get(t *testing.T, path string, header http.Header) reply {
	t.Helper()
	req, err := http.NewRequest("GET", te.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if res.StatusCode >= 400 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("GET %s: error body is not JSON: %s", path, raw)
		}
	}
	return r
}

func bearer(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }

func detailReason(b errorBody) string {
	for _, d := range b.Details {
		var info struct {
			Type   string `json:"@type"`
			Reason string `json:"reason"`
		}
		if json.Unmarshal(d, &info) == nil && strings.HasSuffix(info.Type, "ErrorInfo") {
			return info.Reason
		}
	}
	return ""
}

func TestPublicPathsNeedNoToken(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	for _, path := range []string{"/healthz", "/readyz", "/openapi.json"} {
		if r := te.get(t, path, nil); r.status != http.StatusOK {
			t.Errorf("GET %s without a token: %d, want 200: %s", path, r.status, r.raw)
		}
	}
}

func TestEveryOtherRouteNeedsAToken(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	other, err := auth.LoadOrCreateIssuer(t.TempDir(), "edge-test", "justice")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Mint(identity.Principal{Subject: "mallory", Roles: []string{auth.RoleAdmin}, AllOffices: true}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "c2VjcmV0LXRva2VuLXRleHQ"
	cases := []struct {
		name      string
		header    http.Header
		challenge string // the WWW-Authenticate value's prefix
	}{
		{"no Authorization header", nil, `Bearer realm="justice"`},
		{"not a bearer token", http.Header{"Authorization": {"Basic " + secret}}, `Bearer realm="justice", error="invalid_token", error_description="`},
		{"not a JWT", bearer(secret), `Bearer realm="justice", error="invalid_token", error_description="`},
		{"another issuer's key", bearer(foreign), `Bearer realm="justice", error="invalid_token", error_description="`},
	}
	for _, path := range []string{"/v1/offices/mumbai/survivors/s1", "/v1/offices/mumbai/auditEntries", "/v1/nowhere", "/"} {
		for _, tc := range cases {
			r := te.get(t, path, tc.header)
			if r.status != http.StatusUnauthorized || r.body.Status != "UNAUTHENTICATED" || r.body.Code != 401 {
				t.Errorf("%s, GET %s: %d %s, want 401 UNAUTHENTICATED", tc.name, path, r.status, r.raw)
				continue
			}
			if r.body.Message == "" || detailReason(r.body) == "" {
				t.Errorf("%s: error body lacks a message or an ErrorInfo reason: %s", tc.name, r.raw)
			}
			challenge := r.header.Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, tc.challenge) {
				t.Errorf("%s: WWW-Authenticate %q, want it to start with %q", tc.name, challenge, tc.challenge)
			}
			for _, leak := range []string{secret, foreign, foreign[strings.LastIndexByte(foreign, '.')+1:]} {
				if strings.Contains(r.raw, leak) || strings.Contains(challenge, leak) {
					t.Errorf("%s: the response echoes the token", tc.name)
				}
			}
		}
	}
	if n := len(te.rescue.metadata(t)); n != 0 {
		t.Errorf("%d unauthenticated requests reached the service", n)
	}
}

func TestTheTokenAloneReachesTheServiceAsMetadata(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	tok := te.token(t, "priya", []string{auth.RoleSocialWorker}, "mumbai")
	admin := te.token(t, "root", []string{auth.RoleAdmin}, "*")
	h := bearer(tok)
	h.Set("X-Request-Id", "req-42")
	for k, v := range map[string]string{
		"Grpc-Metadata-Authorization": "Bearer " + admin,
		"Grpc-Metadata-Subject":       "root",
		"Grpc-Metadata-X-Roles":       auth.RoleAdmin,
		"Grpc-Metadata-Offices":       "*",
		"X-Roles":                     auth.RoleAdmin,
		"Subject":                     "root",
		"Cookie":                      "session=1",
	} {
		h.Set(k, v)
	}
	r := te.get(t, "/v1/offices/mumbai/survivors/s1", h)
	if r.status != http.StatusOK {
		t.Fatalf("GET with a valid token: %d %s", r.status, r.raw)
	}
	calls := te.rescue.metadata(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls reached the service, want 1", len(calls))
	}
	md := calls[0]
	if got := md.Get("authorization"); len(got) != 1 || got[0] != "Bearer "+tok {
		t.Errorf("authorization metadata = %d values, want exactly the caller's bearer token", len(got))
	}
	if got := md.Get("x-request-id"); len(got) != 1 || got[0] != "req-42" {
		t.Errorf("x-request-id metadata = %q, want [req-42]", got)
	}
	allowed := map[string]bool{
		"authorization": true, "x-request-id": true, "x-forwarded-for": true, "x-forwarded-host": true,
		// set by gRPC itself and by the OpenTelemetry propagator:
		":authority": true, "content-type": true, "user-agent": true, "grpc-accept-encoding": true, "traceparent": true, "tracestate": true,
	}
	for k := range md {
		if !allowed[k] {
			t.Errorf("metadata %q reached the service", k)
		}
	}
}

func TestSeveralAuthorizationHeadersAreRefused(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	tok := te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai")
	admin := te.token(t, "root", []string{auth.RoleAdmin}, "*")
	r := te.get(t, "/v1/offices/mumbai/survivors/s1", http.Header{"Authorization": {"Bearer " + tok, "Bearer " + admin}})
	if r.status != http.StatusUnauthorized || detailReason(r.body) != auth.ReasonTokenMalformed {
		t.Errorf("two Authorization headers: %d %s, want 401 %s", r.status, r.raw, auth.ReasonTokenMalformed)
	}
	if n := len(te.rescue.metadata(t)); n != 0 {
		t.Errorf("%d requests with two tokens reached the service", n)
	}
}

func TestEachCallerIsRateLimited(t *testing.T) {
	te := newTestEdge(t, ratelimit.Config{RPS: 0.5, Burst: 3})
	priya := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
	for i := 0; i < 3; i++ {
		if r := te.get(t, "/v1/offices/mumbai/survivors/s1", priya); r.status != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i+1, r.status, r.raw)
		}
	}
	r := te.get(t, "/v1/offices/mumbai/survivors/s1", priya)
	if r.status != http.StatusTooManyRequests || r.body.Status != "RESOURCE_EXHAUSTED" || detailReason(r.body) != ReasonRateLimited {
		t.Fatalf("request over the burst: %d %s, want 429 RESOURCE_EXHAUSTED %s", r.status, r.raw, ReasonRateLimited)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 2 {
		t.Errorf("Retry-After = %q, want 1 or 2 seconds", r.header.Get("Retry-After"))
	}
	if !strings.Contains(r.raw, "RetryInfo") {
		t.Errorf("429 body lacks RetryInfo: %s", r.raw)
	}
	// Another caller has its own budget; probes are never limited.
	ravi := bearer(te.token(t, "ravi", []string{auth.RoleInvestigator}, "mumbai"))
	if r := te.get(t, "/v1/offices/mumbai/survivors/s1", ravi); r.status != http.StatusOK {
		t.Errorf("another caller: %d %s, want 200", r.status, r.raw)
	}
	for i := 0; i < 5; i++ {
		if r := te.get(t, "/healthz", nil); r.status != http.StatusOK {
			t.Errorf("/healthz under load: %d", r.status)
		}
	}
}

func TestRequestsWithoutAValidTokenAreRateLimitedPerAddress(t *testing.T) {
	te := newTestEdge(t, ratelimit.Config{RPS: 0.5, Burst: 3})
	forged := bearer("not-a-token")
	for i := 0; i < 3; i++ {
		if r := te.get(t, "/v1/offices/mumbai/survivors/s1", forged); r.status != http.StatusUnauthorized {
			t.Fatalf("bad token %d within the burst: %d %s, want 401", i+1, r.status, r.raw)
		}
	}
	r := te.get(t, "/v1/offices/mumbai/survivors/s1", nil)
	if r.status != http.StatusTooManyRequests || detailReason(r.body) != ReasonAuthFailuresLimited || r.header.Get("Retry-After") == "" {
		t.Fatalf("request without a token over the burst: %d %s, want 429 %s with Retry-After", r.status, r.raw, ReasonAuthFailuresLimited)
	}
	if strings.Contains(r.raw, "not-a-token") {
		t.Errorf("the 429 echoes the token: %s", r.raw)
	}
	// A valid token from the same address is judged by its own subject's budget.
	priya := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
	if r := te.get(t, "/v1/offices/mumbai/survivors/s1", priya); r.status != http.StatusOK {
		t.Errorf("a valid token after the failures: %d %s, want 200", r.status, r.raw)
	}
	if n := len(te.rescue.metadata(t)); n != 1 {
		t.Errorf("%d requests reached the service, want only the valid one", n)
	}
}

// The audit log route is the edge's own: every service's entries, merged
// newest first, each service asked with the caller's token, filter and
// page size.
func TestAuditEntriesOfEveryServiceAreServedMergedOverREST(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	tok := te.token(t, "asha", []string{auth.RoleAuditor}, "mumbai")
	r := te.get(t, `/v1/offices/mumbai/auditEntries?filter=subject%20%3D%20%22priya%22&page_size=10`, bearer(tok))
	if r.status != http.StatusOK {
		t.Fatalf("GET auditEntries: %d %s", r.status, r.raw)
	}
	var body struct {
		AuditEntries  []map[string]any `json:"audit_entries"`
		NextPageToken string           `json:"next_page_token"`
	}
	if err := json.Unmarshal([]byte(r.raw), &body); err != nil || len(body.AuditEntries) != 2 {
		t.Fatalf("auditEntries body: %s", r.raw)
	}
	if body.AuditEntries[0]["service"] != "prosecution" || body.AuditEntries[1]["service"] != "rescue" ||
		body.AuditEntries[0]["outcome"] != "OUTCOME_ALLOWED" || body.NextPageToken != "" {
		t.Errorf("auditEntries body: %s, want prosecution's (9:07) then rescue's (9:05), no next page", r.raw)
	}
	for name, fake := range map[string]*fakeAudit{"rescue": te.audit, "prosecution": te.pAudit} {
		fake.mu.Lock()
		if fake.last.GetParent() != "offices/mumbai" || fake.last.GetFilter() != `subject = "priya"` || fake.last.GetPageSize() != 10 {
			t.Errorf("%s's audit log got %v", name, fake.last)
		}
		if len(fake.tokens) != 1 || fake.tokens[0] != "Bearer "+tok {
			t.Errorf("%s's audit log got %d authorization values, want the caller's token once", name, len(fake.tokens))
		}
		fake.mu.Unlock()
	}

	// A malformed page token is the edge's 400.
	r = te.get(t, "/v1/offices/mumbai/auditEntries?page_token=bm90LWEtdG9rZW4", bearer(tok))
	if r.status != http.StatusBadRequest || detailReason(r.body) != "INVALID_PAGE_TOKEN" {
		t.Errorf("bad page token: %d %s, want 400 INVALID_PAGE_TOKEN", r.status, r.raw)
	}
}

func TestBearerChallengeNeverBreaksTheHeader(t *testing.T) {
	t.Parallel()
	st := status.New(codes.Unauthenticated, "token \"x\\y\" expired\r\n at 12:00 — ünïcode")
	got := bearerChallenge(st)
	desc := strings.TrimSuffix(strings.TrimPrefix(got, `Bearer realm="justice", error="invalid_token", error_description="`), `"`)
	for _, r := range desc {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			t.Fatalf("challenge %q carries %q", got, r)
		}
	}
	if !strings.HasPrefix(desc, "token 'x'y' expired") {
		t.Errorf("description %q lost the message", desc)
	}
	long := bearerChallenge(status.New(codes.Unauthenticated, strings.Repeat("a", 1000)))
	if len(long) > 300 {
		t.Errorf("challenge is %d bytes long", len(long))
	}
}
