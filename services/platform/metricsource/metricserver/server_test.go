package metricserver_test

import (
	"context"
	"slices"
	"testing"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/metricsource/metricserver"
)

// fakeUseCases records what the server asks of the service.
type fakeUseCases struct {
	queries []metricsource.MetricsQuery
	reasons []string
	rebuild error
}

func (f *fakeUseCases) Query(_ context.Context, q metricsource.MetricsQuery) ([]metricsource.MetricValue, error) {
	f.queries = append(f.queries, q)
	var out []metricsource.MetricValue
	for _, o := range q.Offices {
		out = append(out, metricsource.MetricValue{Office: o, Metric: "cases_filed", Month: "2025-03", Value: 7})
	}
	return out, nil
}

func (f *fakeUseCases) Rebuild(_ context.Context, reason string) (metricsource.MetricsRebuild, error) {
	f.reasons = append(f.reasons, reason)
	if f.rebuild != nil {
		return metricsource.MetricsRebuild{}, f.rebuild
	}
	return metricsource.MetricsRebuild{Generation: 4, Records: 10, Corrected: 1, Counters: 3}, nil
}

// offices are the configured offices.
type offices []string

func (o offices) Codes() []string { return slices.Clone(o) }

var provided = []string{"cases_filed", "convictions"}

func newServer() (*metricserver.Server, *fakeUseCases) {
	uc := &fakeUseCases{}
	return metricserver.NewServer(provided, uc, offices{"kolkata", "mumbai", "pune"}), uc
}

func as(p identity.Principal) context.Context { return identity.WithPrincipal(context.Background(), p) }

func TestQueryMetricsResolvesTheOfficesAgainstTheCaller(t *testing.T) {
	t.Parallel()
	mumbaiPune := as(identity.Principal{Subject: "priya", Offices: []string{"pune", "mumbai"}})
	for _, tc := range []struct {
		name      string
		ctx       context.Context
		requested []string
		want      []string
	}{
		{"none asked: every office of the caller", mumbaiPune, nil, []string{"mumbai", "pune"}},
		{"the ones asked, sorted, once", mumbaiPune, []string{"pune", "mumbai", "pune"}, []string{"mumbai", "pune"}},
		{"all offices", as(identity.Principal{Subject: "hq", AllOffices: true}), nil, []string{"kolkata", "mumbai", "pune"}},
		{"a caller without offices", as(identity.Principal{Subject: "nobody"}), nil, []string{}},
	} {
		srv, uc := newServer()
		resp, err := srv.QueryMetrics(tc.ctx, &metricsv1.QueryMetricsRequest{Offices: tc.requested, Metrics: []string{"convictions"},
			FromMonth: "2025-01", ToMonth: "2025-12"})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(uc.queries) != 1 || !slices.Equal(uc.queries[0].Offices, tc.want) || !slices.Equal(uc.queries[0].Metrics, []string{"convictions"}) ||
			uc.queries[0].FromMonth != "2025-01" || uc.queries[0].ToMonth != "2025-12" {
			t.Errorf("%s: use case asked %+v, want offices %v", tc.name, uc.queries, tc.want)
		}
		if !slices.Equal(resp.GetProvidedMetrics(), provided) || len(resp.GetValues()) != len(tc.want) {
			t.Errorf("%s: response %v", tc.name, resp)
		}
		for i, v := range resp.GetValues() {
			if v.GetOffice() != tc.want[i] || v.GetMetric() != "cases_filed" || v.GetMonth() != "2025-03" || v.GetValue() != 7 {
				t.Errorf("%s: value %d = %v", tc.name, i, v)
			}
		}
	}
}

func TestQueryMetricsRefusesBeforeAskingTheService(t *testing.T) {
	t.Parallel()
	ctx := as(identity.Principal{Subject: "priya", Offices: []string{"mumbai"}})
	for _, tc := range []struct {
		name   string
		req    *metricsv1.QueryMetricsRequest
		kind   errs.Kind
		reason string
	}{
		{"a malformed month", &metricsv1.QueryMetricsRequest{FromMonth: "2025-13"}, errs.KindInvalidArgument, metricsource.ReasonInvalidMetricsQuery},
		{"a malformed office", &metricsv1.QueryMetricsRequest{Offices: []string{"Mumbai"}}, errs.KindInvalidArgument, metricsource.ReasonInvalidMetricsQuery},
		{"an office the caller does not hold", &metricsv1.QueryMetricsRequest{Offices: []string{"kolkata"}}, errs.KindNotFound, "OFFICE_NOT_FOUND"},
		{"an office that does not exist", &metricsv1.QueryMetricsRequest{Offices: []string{"delhi"}}, errs.KindNotFound, "OFFICE_NOT_FOUND"},
	} {
		srv, uc := newServer()
		_, err := srv.QueryMetrics(ctx, tc.req)
		if e, ok := errs.As(err); !ok || e.Kind != tc.kind || e.Reason != tc.reason {
			t.Errorf("%s: err = %v, want %s %s", tc.name, err, tc.kind, tc.reason)
		}
		if len(uc.queries) != 0 {
			t.Errorf("%s: the service was asked %v", tc.name, uc.queries)
		}
	}
	// The same message for an office that exists and one that does not.
	srv, _ := newServer()
	_, errHeld := srv.QueryMetrics(ctx, &metricsv1.QueryMetricsRequest{Offices: []string{"kolkata"}})
	_, errAbsent := srv.QueryMetrics(ctx, &metricsv1.QueryMetricsRequest{Offices: []string{"delhi"}})
	a, _ := errs.As(errHeld)
	b, _ := errs.As(errAbsent)
	if a == nil || b == nil || a.Message != `office "kolkata" not found` || b.Message != `office "delhi" not found` {
		t.Errorf("messages %v, %v", errHeld, errAbsent)
	}
}

func TestRebuildMetricsPassesTheReasonAndTheOutcome(t *testing.T) {
	t.Parallel()
	srv, uc := newServer()
	ctx := as(identity.Principal{Subject: "hq", AllOffices: true})
	resp, err := srv.RebuildMetrics(ctx, &metricsv1.RebuildMetricsRequest{Reason: "restored a backup"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetGeneration() != 4 || resp.GetRecords() != 10 || resp.GetCorrected() != 1 || resp.GetCounters() != 3 {
		t.Errorf("response %v", resp)
	}
	if !slices.Equal(uc.reasons, []string{"restored a backup"}) {
		t.Errorf("reasons %v", uc.reasons)
	}
	uc.rebuild = errs.PermissionDenied("ALL_OFFICES_REQUIRED", "no")
	_, err = srv.RebuildMetrics(ctx, &metricsv1.RebuildMetricsRequest{Reason: "again"})
	if e, ok := errs.As(err); !ok || e.Reason != "ALL_OFFICES_REQUIRED" {
		t.Errorf("err = %v, want the use case's error", err)
	}
}
