package edge

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

// fakeProsecution answers the prosecution calls the header tests make, as
// the prosecution service would (a stale etag is ABORTED ETAG_MISMATCH),
// and remembers the requests.
type fakeProsecution struct {
	prosecutionv1.UnimplementedProsecutionServiceServer
	mu       sync.Mutex
	requests []proto.Message
}

func (f *fakeProsecution) record(req proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, proto.Clone(req))
}

// last is the last request the fake got, as T.
func last[T proto.Message](t *testing.T, f *fakeProsecution) T {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var zero T
	if len(f.requests) == 0 {
		t.Fatalf("the prosecution service got no request, want a %T", zero)
	}
	req, ok := f.requests[len(f.requests)-1].(T)
	if !ok {
		t.Fatalf("the prosecution service last got a %T, want a %T", f.requests[len(f.requests)-1], zero)
	}
	return req
}

func (f *fakeProsecution) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func (f *fakeProsecution) CreateCase(_ context.Context, req *prosecutionv1.CreateCaseRequest) (*prosecutionv1.Case, error) {
	f.record(req)
	return &prosecutionv1.Case{Name: req.GetParent() + "/cases/c1", Title: req.GetCase().GetTitle(), Etag: currentEtag}, nil
}

func (f *fakeProsecution) GetCase(_ context.Context, req *prosecutionv1.GetCaseRequest) (*prosecutionv1.Case, error) {
	f.record(req)
	return &prosecutionv1.Case{Name: req.GetName(), Etag: currentEtag}, nil
}

func (f *fakeProsecution) UpdateCase(_ context.Context, req *prosecutionv1.UpdateCaseRequest) (*prosecutionv1.Case, error) {
	f.record(req)
	return answer(req.GetCase().GetEtag(), &prosecutionv1.Case{Name: req.GetCase().GetName(), Title: req.GetCase().GetTitle(), Etag: "e-next"})
}

func (f *fakeProsecution) AdvanceCaseStage(_ context.Context, req *prosecutionv1.AdvanceCaseStageRequest) (*prosecutionv1.Case, error) {
	f.record(req)
	return answer(req.GetEtag(), &prosecutionv1.Case{Name: req.GetName(), Stage: req.GetStage(), Etag: "e-next"})
}

func (f *fakeProsecution) CreateAccused(_ context.Context, req *prosecutionv1.CreateAccusedRequest) (*prosecutionv1.Accused, error) {
	f.record(req)
	return &prosecutionv1.Accused{Name: req.GetParent() + "/accused/a1", Etag: currentEtag}, nil
}

func (f *fakeProsecution) RecordVerdict(_ context.Context, req *prosecutionv1.RecordVerdictRequest) (*prosecutionv1.Accused, error) {
	f.record(req)
	return answer(req.GetEtag(), &prosecutionv1.Accused{Name: req.GetName(), Etag: "e-next"})
}

func (f *fakeProsecution) UpdateWitness(_ context.Context, req *prosecutionv1.UpdateWitnessRequest) (*prosecutionv1.Witness, error) {
	f.record(req)
	return answer(req.GetWitness().GetEtag(), &prosecutionv1.Witness{Name: req.GetWitness().GetName(), Etag: "e-next"})
}

func (f *fakeProsecution) DeleteWitness(_ context.Context, req *prosecutionv1.DeleteWitnessRequest) (*emptypb.Empty, error) {
	f.record(req)
	return answer(req.GetEtag(), &emptypb.Empty{})
}

// fakeMetrics is a service's MetricsSourceService answering fixed monthly
// values, filtered by the request's offices and metrics.
type fakeMetrics struct {
	metricsv1.UnimplementedMetricsSourceServiceServer
	provided []string
	values   []*metricsv1.MonthlyValue
}

func (f *fakeMetrics) QueryMetrics(_ context.Context, req *metricsv1.QueryMetricsRequest) (*metricsv1.QueryMetricsResponse, error) {
	resp := &metricsv1.QueryMetricsResponse{ProvidedMetrics: f.provided}
	for _, v := range f.values {
		if (len(req.GetOffices()) == 0 || slices.Contains(req.GetOffices(), v.GetOffice())) &&
			(len(req.GetMetrics()) == 0 || slices.Contains(req.GetMetrics(), v.GetMetric())) &&
			(req.GetToMonth() == "" || v.GetMonth() <= req.GetToMonth()) && v.GetMonth() >= req.GetFromMonth() {
			resp.Values = append(resp.Values, v)
		}
	}
	return resp, nil
}

func rescueMetrics() *fakeMetrics {
	return &fakeMetrics{
		provided: []string{"minors_rescued", "operations_conducted", "survivors_rescued"},
		values: []*metricsv1.MonthlyValue{
			{Office: "mumbai", Metric: "survivors_rescued", Month: "2024-01", Value: 12},
		},
	}
}

func prosecutionMetrics() *fakeMetrics {
	return &fakeMetrics{
		provided: []string{"acquittals", "cases_charge_sheeted", "convictions", "criminals_restrained"},
		values: []*metricsv1.MonthlyValue{
			{Office: "mumbai", Metric: "convictions", Month: "2024-03", Value: 3},
			{Office: "mumbai", Metric: "acquittals", Month: "2024-03", Value: 1},
			{Office: "mumbai", Metric: "cases_charge_sheeted", Month: "2024-02", Value: 2},
		},
	}
}

// Idempotency-Key and If-Match work on the prosecution routes as on
// rescue's: creates (of a case, of an accused under a case), updates,
// deletes and custom methods.
func TestProsecutionRoutesTakeIdempotencyKeyAndIfMatch(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	h := bearer(te.token(t, "meera", []string{auth.RoleLawyer}, "mumbai"))
	fresh := `"` + currentEtag + `"`

	r := te.do(t, "POST", "/v1/offices/mumbai/cases", map[string]any{"title": "State v. X"}, with(h, "Idempotency-Key", "case-1"))
	if r.status != http.StatusCreated || r.header.Get("Location") != "/v1/offices/mumbai/cases/c1" || r.header.Get("ETag") != fresh {
		t.Errorf("create a case: %d Location %q ETag %q %s", r.status, r.header.Get("Location"), r.header.Get("ETag"), r.raw)
	}
	if got := last[*prosecutionv1.CreateCaseRequest](t, te.prosecution); got.GetRequestId() != "case-1" || got.GetCase().GetTitle() != "State v. X" {
		t.Errorf("CreateCase got %v", got)
	}

	r = te.do(t, "POST", "/v1/offices/mumbai/cases/c1/accused", map[string]any{"display_name": "A"}, with(h, "Idempotency-Key", "acc-1"))
	if r.status != http.StatusCreated || r.header.Get("Location") != "/v1/offices/mumbai/cases/c1/accused/a1" {
		t.Errorf("create an accused: %d Location %q %s", r.status, r.header.Get("Location"), r.raw)
	}
	if got := last[*prosecutionv1.CreateAccusedRequest](t, te.prosecution); got.GetRequestId() != "acc-1" || got.GetParent() != "offices/mumbai/cases/c1" {
		t.Errorf("CreateAccused got %v", got)
	}

	r = te.get(t, "/v1/offices/mumbai/cases/c1", h)
	if r.status != http.StatusOK || r.header.Get("ETag") != fresh {
		t.Errorf("get a case: %d ETag %q", r.status, r.header.Get("ETag"))
	}

	r = te.do(t, "PATCH", "/v1/offices/mumbai/cases/c1?update_mask=title", map[string]any{"title": "State v. Y"}, with(h, "If-Match", fresh))
	if got := last[*prosecutionv1.UpdateCaseRequest](t, te.prosecution); r.status != http.StatusOK || got.GetCase().GetEtag() != currentEtag ||
		got.GetCase().GetName() != "offices/mumbai/cases/c1" || r.header.Get("ETag") != `"e-next"` {
		t.Errorf("update a case with If-Match: %d %s, request %v", r.status, r.raw, got)
	}
	if r = te.do(t, "PATCH", "/v1/offices/mumbai/cases/c1?update_mask=title", map[string]any{"title": "Z"}, with(h, "If-Match", `"e-old"`)); r.status != http.StatusPreconditionFailed {
		t.Errorf("update a case with a stale If-Match: %d %s, want 412", r.status, r.raw)
	}

	advance := map[string]any{"stage": "CASE_STAGE_INVESTIGATION", "effective_date": map[string]any{"year": 2024, "month": 5, "day": 2}}
	r = te.do(t, "POST", "/v1/offices/mumbai/cases/c1:advanceStage", advance, with(h, "If-Match", fresh, "Idempotency-Key", "adv-1"))
	if got := last[*prosecutionv1.AdvanceCaseStageRequest](t, te.prosecution); r.status != http.StatusOK || got.GetEtag() != currentEtag ||
		got.GetRequestId() != "adv-1" || got.GetStage() != prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION {
		t.Errorf("advance a case with both headers: %d %s, request %v", r.status, r.raw, got)
	}
	if r = te.do(t, "POST", "/v1/offices/mumbai/cases/c1:advanceStage", advance, with(h, "If-Match", `"e-old"`)); r.status != http.StatusPreconditionFailed {
		t.Errorf("advance with a stale If-Match: %d %s, want 412", r.status, r.raw)
	}

	verdict := map[string]any{"verdict": "VERDICT_CONVICTED", "verdict_date": map[string]any{"year": 2024, "month": 6, "day": 1}}
	r = te.do(t, "POST", "/v1/offices/mumbai/cases/c1/accused/a1:recordVerdict", verdict, with(h, "If-Match", fresh, "Idempotency-Key", "v-1"))
	if got := last[*prosecutionv1.RecordVerdictRequest](t, te.prosecution); r.status != http.StatusOK || got.GetEtag() != currentEtag ||
		got.GetRequestId() != "v-1" || got.GetName() != "offices/mumbai/cases/c1/accused/a1" {
		t.Errorf("record a verdict with both headers: %d %s, request %v", r.status, r.raw, got)
	}

	r = te.do(t, "PATCH", "/v1/offices/mumbai/cases/c1/witnesses/w1?update_mask=support_notes", map[string]any{"support_notes": "ok"}, with(h, "If-Match", fresh))
	if got := last[*prosecutionv1.UpdateWitnessRequest](t, te.prosecution); r.status != http.StatusOK || got.GetWitness().GetEtag() != currentEtag ||
		got.GetWitness().GetName() != "offices/mumbai/cases/c1/witnesses/w1" {
		t.Errorf("update a witness with If-Match: %d %s, request %v", r.status, r.raw, got)
	}
	r = te.do(t, "DELETE", "/v1/offices/mumbai/cases/c1/witnesses/w1", nil, with(h, "If-Match", fresh))
	if got := last[*prosecutionv1.DeleteWitnessRequest](t, te.prosecution); r.status != http.StatusOK || got.GetEtag() != currentEtag {
		t.Errorf("delete a witness with If-Match: %d %s, request %v", r.status, r.raw, got)
	}
	if r = te.do(t, "DELETE", "/v1/offices/mumbai/cases/c1/witnesses/w1", nil, with(h, "If-Match", `"e-old"`)); r.status != http.StatusPreconditionFailed {
		t.Errorf("delete a witness with a stale If-Match: %d %s, want 412", r.status, r.raw)
	}

	// A malformed key is refused at the edge, before the service.
	before := te.prosecution.count()
	if r = te.do(t, "POST", "/v1/offices/mumbai/cases", map[string]any{"title": "T"}, with(h, "Idempotency-Key", "not a key")); r.status != http.StatusBadRequest ||
		detailReason(r.body) != ReasonInvalidRequestID {
		t.Errorf("create with a malformed key: %d %s", r.status, r.raw)
	}
	if n := te.prosecution.count() - before; n != 0 {
		t.Errorf("%d refused requests reached the prosecution service", n)
	}
	// The caller's token reaches the prosecution service, alone.
	if n := len(te.rescue.metadata(t)); n != 0 {
		t.Errorf("%d prosecution calls reached rescue", n)
	}
}

// The insights read both services' metrics through the edge: the
// conviction rate and the first conviction come from prosecution.
func TestInsightsThroughTheEdgeReadBothServices(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	h := bearer(te.token(t, "asha", []string{auth.RoleRegionalDirector}, "mumbai"))
	r := te.get(t, "/v1/metrics?offices=mumbai&from=2024-01&to=2024-03&granularity=GRANULARITY_TOTAL", h)
	if r.status != http.StatusOK {
		t.Fatalf("GET /v1/metrics: %d %s", r.status, r.raw)
	}
	var metrics insightsv1.GetMetricsResponse
	if err := protojson.Unmarshal([]byte(r.raw), &metrics); err != nil {
		t.Fatalf("decode %s: %v", r.raw, err)
	}
	got := map[string]int64{}
	for _, v := range metrics.GetValues() {
		got[v.GetMetric()] = v.GetValue()
	}
	for metric, want := range map[string]int64{"survivors_rescued": 12, "convictions": 3, "acquittals": 1, "conviction_rate": 75, "cases_charge_sheeted": 2} {
		if got[metric] != want {
			t.Errorf("%s = %d, want %d (all values: %v)", metric, got[metric], want, got)
		}
	}
	var sources []string
	for _, s := range metrics.GetSources() {
		sources = append(sources, s.GetSource()+":"+s.GetState().String())
	}
	if want := []string{"rescue:SOURCE_STATE_OK", "prosecution:SOURCE_STATE_OK"}; !slices.Equal(sources, want) {
		t.Errorf("sources = %v, want %v", sources, want)
	}

	r = te.get(t, "/v1/milestones?offices=mumbai", h)
	if r.status != http.StatusOK || !strings.Contains(r.raw, `"kind":"first_conviction"`) || !strings.Contains(r.raw, `"month":"2024-03"`) {
		t.Errorf("GET /v1/milestones: %d %s, want mumbai's first conviction in 2024-03", r.status, r.raw)
	}
}

// A service down fails the merged audit log (never a silent half) with a
// 503 naming it; the other routes of the other service still answer.
func TestAuditLogFailsWhenAServiceIsDown(t *testing.T) {
	te := newTestEdge(t, generousLimit, func(c *Config) {
		c.ProsecutionAddr = "127.0.0.1:1" // nothing listens there
	})
	auditor := bearer(te.token(t, "asha", []string{auth.RoleAuditor}, "mumbai"))
	r := te.get(t, "/v1/offices/mumbai/auditEntries", auditor)
	if r.status != http.StatusServiceUnavailable || r.body.Status != "UNAVAILABLE" || !strings.Contains(r.body.Message, "prosecution") ||
		strings.Contains(r.raw, "127.0.0.1") {
		t.Errorf("auditEntries with prosecution down: %d %s, want 503 naming prosecution, no address", r.status, r.raw)
	}
	if r := te.get(t, "/v1/offices/mumbai/survivors/s1", bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))); r.status != http.StatusOK {
		t.Errorf("a rescue route with prosecution down: %d %s", r.status, r.raw)
	}
	if r := te.get(t, "/v1/offices/mumbai/cases/c1", auditor); r.status != http.StatusServiceUnavailable {
		t.Errorf("a prosecution route with prosecution down: %d %s, want 503", r.status, r.raw)
	}
	if r := te.get(t, "/readyz", nil); r.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz with prosecution down: %d %s, want 503", r.status, r.raw)
	}
}

// The edge's gRPC server serves the merged audit log too, to auditors only.
func TestTheGatewaysGRPCServerServesTheMergedAuditLog(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	logger := te.edge.logger
	gsrv := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0", ShutdownTimeout: time.Second}, logger, ErrorDomain, te.edge.GRPCServerOptions()...)
	te.edge.AttachGRPC(gsrv)
	lis, err := gsrv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gsrv.Serve(ctx, lis) }()
	t.Cleanup(func() { cancel(); <-done })
	conn, err := grpcclient.Dial(lis.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := auditv1.NewAuditServiceClient(conn)

	call := func(token string) (*auditv1.ListAuditEntriesResponse, error) {
		ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
		return client.ListAuditEntries(ctx, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	}
	resp, err := call(te.token(t, "asha", []string{auth.RoleAuditor}, "mumbai"))
	if err != nil || len(resp.GetAuditEntries()) != 2 || resp.GetAuditEntries()[0].GetService() != "prosecution" {
		t.Errorf("an auditor over gRPC: %v %v, want both services' entries, newest first", resp, err)
	}
	if _, err := call(te.token(t, "meera", []string{auth.RoleLawyer}, "mumbai")); status.Code(err) != codes.PermissionDenied {
		t.Errorf("a lawyer over gRPC: %v, want PERMISSION_DENIED", err)
	}
	if _, err := insightsv1.NewInsightsServiceClient(conn).ListMilestones(
		metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+te.token(t, "asha", []string{auth.RoleRegionalDirector}, "mumbai")),
		&insightsv1.ListMilestonesRequest{}); err != nil {
		t.Errorf("insights over gRPC: %v", err)
	}
}
