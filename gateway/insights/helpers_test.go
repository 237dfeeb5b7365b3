package insights_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/gateway/insights"
	"github.com/justiceops/justice/gateway/internal/grpctest"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
)

// testToken is the bearer token the tests' callers present.
const testToken = "caller-token"

// fakeSource is a MetricsSourceService answering from hand-made monthly
// values, filtered like a real source: by the request's offices, metrics
// and months.
type fakeSource struct {
	metricsv1.UnimplementedMetricsSourceServiceServer

	provided []string
	values   []*metricsv1.MonthlyValue
	// delay makes the source slow: it answers after delay, or fails when
	// the call's context ends first.
	delay time.Duration
	// token, when set, is the only bearer token accepted.
	token string
	// ignoreFilter makes the source misbehave: it answers every value
	// whatever the request asks for.
	ignoreFilter bool

	mu       sync.Mutex
	requests []*metricsv1.QueryMetricsRequest
	tokens   []string
}

// QueryMetrics implements metricsv1.MetricsSourceServiceServer.
func (f *fakeSource) QueryMetrics(ctx context.Context, req *metricsv1.QueryMetricsRequest) (*metricsv1.QueryMetricsResponse, error) {
	auths := metadata.ValueFromIncomingContext(ctx, "authorization")
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.tokens = append(f.tokens, auths...)
	f.mu.Unlock()
	if f.token != "" && (len(auths) != 1 || auths[0] != "Bearer "+f.token) {
		return nil, status.Errorf(codes.Unauthenticated, "a valid bearer token is required")
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	resp := &metricsv1.QueryMetricsResponse{ProvidedMetrics: f.provided}
	for _, v := range f.values {
		switch {
		case f.ignoreFilter:
		case len(req.GetOffices()) > 0 && !slices.Contains(req.GetOffices(), v.GetOffice()),
			len(req.GetMetrics()) > 0 && !slices.Contains(req.GetMetrics(), v.GetMetric()),
			req.GetFromMonth() != "" && v.GetMonth() < req.GetFromMonth(),
			req.GetToMonth() != "" && v.GetMonth() > req.GetToMonth():
			continue
		}
		resp.Values = append(resp.Values, v)
	}
	return resp, nil
}

// seen returns the requests and authorization values the source received.
func (f *fakeSource) seen() ([]*metricsv1.QueryMetricsRequest, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), slices.Clone(f.tokens)
}

// running is a fake source served on a real 127.0.0.1 listener.
type running struct {
	fake   *fakeSource
	server *grpc.Server
	source insights.Source
}

// serve starts fake on 127.0.0.1:0 and returns it with a Source dialled
// through the platform's grpcclient; both stop when the test ends.
func serve(t *testing.T, name string, fake *fakeSource) *running {
	t.Helper()
	srv, conn := grpctest.Serve(t, func(s *grpc.Server) { metricsv1.RegisterMetricsSourceServiceServer(s, fake) })
	return &running{fake: fake, server: srv, source: insights.Source{
		Name: name, Client: metricsv1.NewMetricsSourceServiceClient(conn),
	}}
}

// mv is a MonthlyValue.
func mv(office, metric, month string, value int64) *metricsv1.MonthlyValue {
	return &metricsv1.MonthlyValue{Office: office, Metric: metric, Month: month, Value: value}
}

// rescueFake returns the rescue source of the metric tests.
func rescueFake() *fakeSource {
	return &fakeSource{
		token:    testToken,
		provided: []string{"minors_rescued", "operations_conducted", "survivors_rescued"},
		values: []*metricsv1.MonthlyValue{
			mv("mumbai", "survivors_rescued", "2024-01", 5),
			mv("mumbai", "survivors_rescued", "2024-02", 7),
			mv("mumbai", "survivors_rescued", "2024-04", 3),
			mv("mumbai", "survivors_rescued", "2024-12", 20),
			mv("mumbai", "survivors_rescued", "2025-01", 4),
			mv("mumbai", "operations_conducted", "2024-01", 1),
			mv("mumbai", "operations_conducted", "2024-05", 2),
			mv("mumbai", "minors_rescued", "2024-02", 2),
			mv("kolkata", "survivors_rescued", "2024-03", 12),
			mv("kolkata", "survivors_rescued", "2024-11", 1),
			mv("kolkata", "operations_conducted", "2024-03", 1),
		},
	}
}

// prosecutionFake returns the prosecution source of the metric tests.
func prosecutionFake() *fakeSource {
	return &fakeSource{
		token:    testToken,
		provided: []string{"acquittals", "cases_charge_sheeted", "convictions", "criminals_restrained"},
		values: []*metricsv1.MonthlyValue{
			mv("mumbai", "convictions", "2024-06", 3),
			mv("mumbai", "convictions", "2024-09", 1),
			mv("mumbai", "acquittals", "2024-06", 1),
			mv("mumbai", "acquittals", "2024-11", 2),
			mv("mumbai", "cases_charge_sheeted", "2024-03", 2),
			mv("mumbai", "criminals_restrained", "2024-02", 4),
			mv("kolkata", "convictions", "2024-10", 2),
			mv("kolkata", "acquittals", "2024-10", 2),
			mv("kolkata", "cases_charge_sheeted", "2024-05", 1),
		},
	}
}

// aftercareFake returns the aftercare source of the metric tests:
// survivors_in_aftercare as monthly net changes, one before 2024.
func aftercareFake() *fakeSource {
	return &fakeSource{
		token:    testToken,
		provided: []string{"aftercare_completions", "survivors_in_aftercare"},
		values: []*metricsv1.MonthlyValue{
			mv("mumbai", "survivors_in_aftercare", "2023-11", 10),
			mv("mumbai", "survivors_in_aftercare", "2024-02", 5),
			mv("mumbai", "survivors_in_aftercare", "2024-05", -3),
		},
	}
}

// registry returns the default offices (mumbai, kolkata).
func registry(t *testing.T) *office.Registry {
	t.Helper()
	r, err := office.NewRegistry(office.Defaults())
	if err != nil {
		t.Fatalf("office.NewRegistry: %v", err)
	}
	return r
}

// callerCtx is the context of an in-process call by p presenting testToken,
// as the REST path and the gRPC auth interceptor leave it.
func callerCtx(p identity.Principal) context.Context {
	ctx := identity.WithPrincipal(context.Background(), p)
	return metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", "Bearer "+testToken))
}

// The callers of the tests.
var (
	director           = identity.Principal{Subject: "asha", Roles: []string{auth.RoleRegionalDirector}, Offices: []string{"kolkata", "mumbai"}}
	partner            = identity.Principal{Subject: "home-1", Roles: []string{auth.RolePartnerHome}, Offices: []string{"mumbai"}, PartnerID: "home-1"}
	mumbaiInvestigator = identity.Principal{Subject: "ravi", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}
)

// cell is a compact MetricValue for comparisons.
type cell struct {
	Office, Period, Metric string
	Value                  int64
	Suppressed             bool
}

// cells returns resp's values as cells.
func cells(resp *insightsv1.GetMetricsResponse) []cell {
	out := make([]cell, 0, len(resp.GetValues()))
	for _, v := range resp.GetValues() {
		out = append(out, cell{v.GetOffice(), v.GetPeriod(), v.GetMetric(), v.GetValue(), v.GetSuppressed()})
	}
	return out
}

// source is a compact SourceStatus for comparisons.
type source struct {
	Name    string
	State   insightsv1.SourceState
	Metrics []string
}

// sources returns statuses as sources, and checks that every failed one
// says why.
func sources(t *testing.T, statuses []*insightsv1.SourceStatus) []source {
	t.Helper()
	out := make([]source, 0, len(statuses))
	for _, s := range statuses {
		if s.GetState() != insightsv1.SourceState_SOURCE_STATE_OK && s.GetMessage() == "" {
			t.Errorf("source %s is %s without a message", s.GetSource(), s.GetState())
		}
		out = append(out, source{s.GetSource(), s.GetState(), s.GetMetrics()})
	}
	return out
}

// fastConfig is the default configuration with a short source timeout.
func fastConfig() insights.Config {
	cfg := insights.DefaultConfig()
	cfg.SourceTimeout = 300 * time.Millisecond
	return cfg
}
