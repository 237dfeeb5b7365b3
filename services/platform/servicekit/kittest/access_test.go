package kittest_test

import (
	"context"
	"maps"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
)

func TestAccessMatrixSaysWhatEachCallerGets(t *testing.T) {
	t.Parallel()
	const read, rebuild = "/x.v1.X/GetThing", "/x.v1.X/RebuildAll"
	policy := auth.Policy{read: auth.Allow(auth.RoleLawyer), rebuild: auth.AllowAudited(auth.RoleAdmin)}
	cells := kittest.AccessMatrix(policy, "mumbai", "kolkata", rebuild)
	roles := len(auth.Roles()) + 1 // and the service identity
	if len(cells) != roles*2+roles*3 {
		t.Fatalf("%d cells, want %d", len(cells), roles*5)
	}
	want := map[string]codes.Code{
		"GetThing/lawyer/mumbai":    codes.OK,
		"GetThing/lawyer/kolkata":   codes.NotFound,
		"GetThing/service/mumbai":   codes.PermissionDenied,
		"GetThing/trainer/kolkata":  codes.PermissionDenied,
		"RebuildAll/admin/*":        codes.OK,
		"RebuildAll/admin/mumbai":   codes.PermissionDenied,
		"RebuildAll/lawyer/*":       codes.PermissionDenied,
		"RebuildAll/service/*":      codes.PermissionDenied,
		"RebuildAll/auditor/mumbai": codes.PermissionDenied,
	}
	got := map[string]codes.Code{}
	for i, c := range cells {
		got[c.Name()] = c.Want
		if i > 0 && cells[i-1].Method > c.Method {
			t.Errorf("cells not in the order of the methods: %s after %s", c.Method, cells[i-1].Method)
		}
		if c.Caller.Roles[0] != c.Role || c.Caller.AllOffices != (c.Holding == kittest.EveryOffice) ||
			!c.Caller.AllOffices && c.Caller.Offices[0] != c.Holding {
			t.Errorf("%s: caller %+v", c.Name(), c.Caller)
		}
	}
	for name, code := range want {
		if got[name] != code {
			t.Errorf("%s: %s, want %s", name, got[name], code)
		}
	}
}

func TestMetricValuesByOfficeMetricAndMonth(t *testing.T) {
	t.Parallel()
	resp := &metricsv1.QueryMetricsResponse{Values: []*metricsv1.MonthlyValue{
		{Office: "kolkata", Metric: "convictions", Month: "2025-01", Value: 2},
		{Office: "mumbai", Metric: "acquittals", Month: "2024-12", Value: 1},
		{Office: "mumbai", Metric: "convictions", Month: "2024-11", Value: 3},
	}}
	want := map[counters.Key]int64{
		{Office: "kolkata", Metric: "convictions", Month: "2025-01"}: 2,
		{Office: "mumbai", Metric: "acquittals", Month: "2024-12"}:   1,
		{Office: "mumbai", Metric: "convictions", Month: "2024-11"}:  3,
	}
	if got := kittest.MetricValues(t, resp); !maps.Equal(got, want) {
		t.Errorf("MetricValues = %v", got)
	}
	unsorted := &metricsv1.QueryMetricsResponse{Values: []*metricsv1.MonthlyValue{resp.Values[1], resp.Values[0]}}
	ft := &fakeT{TB: t}
	kittest.MetricValues(ft, unsorted)
	if len(ft.errs) != 1 {
		t.Errorf("unsorted values reported %q, want one error", ft.errs)
	}
}

// pagedAudit answers ListAuditEntries with one entry a page, three pages.
type pagedAudit struct {
	auditv1.AuditServiceClient
	requests []*auditv1.ListAuditEntriesRequest
}

func (p *pagedAudit) ListAuditEntries(_ context.Context, req *auditv1.ListAuditEntriesRequest, _ ...grpc.CallOption) (*auditv1.ListAuditEntriesResponse, error) {
	p.requests = append(p.requests, req)
	next := map[string]string{"": "p2", "p2": "p3", "p3": ""}[req.GetPageToken()]
	return &auditv1.ListAuditEntriesResponse{AuditEntries: []*auditv1.AuditEntry{{Subject: "page " + req.GetPageToken()}},
		NextPageToken: next}, nil
}

func TestAuditEntriesFollowsThePages(t *testing.T) {
	t.Parallel()
	client := &pagedAudit{}
	req := &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", Filter: `subject = "x"`}
	got := kittest.AuditEntries(t, kittest.Context(t), client, req)
	if len(got) != 3 || got[2].GetSubject() != "page p3" || len(client.requests) != 3 {
		t.Fatalf("AuditEntries = %v after %d requests", got, len(client.requests))
	}
	for _, r := range client.requests {
		if r.GetParent() != req.GetParent() || r.GetFilter() != req.GetFilter() || r.GetPageSize() != 500 {
			t.Errorf("request %v", r)
		}
	}
	if req.GetPageToken() != "" || req.GetPageSize() != 0 {
		t.Errorf("the caller's request was changed: %v", req)
	}
}
