package stack_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// metricCells reads a GetMetrics JSON answer into office/metric -> value,
// with suppressed cells as -1.
func metricCells(t *testing.T, r response) map[string]int64 {
	t.Helper()
	cells := map[string]int64{}
	values, _ := r.Body["values"].([]any)
	for _, v := range values {
		m := v.(map[string]any)
		key := str(m, "office") + "/" + str(m, "metric")
		if m["suppressed"] == true {
			cells[key] = -1
			continue
		}
		n := int64(0)
		if s := str(m, "value"); s != "" { // int64 travels as a JSON string
			var err error
			if n, err = strconv.ParseInt(s, 10, 64); err != nil {
				t.Fatalf("value %q: %v", s, err)
			}
		}
		cells[key] = n
	}
	return cells
}

func TestCrossOfficeMetricsComeFromTheServicesCounters(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	c := investigator(t, s)

	// Mumbai: one conducted operation, 12 survivors of whom 3 are minors.
	// Kolkata: one conducted operation, 2 survivors of whom 1 is a minor.
	mumOp, kolOp := seedOperation(c, "mumbai"), seedOperation(c, "kolkata")
	for i := 0; i < 12; i++ {
		age := 25
		if i < 3 {
			age = 15
		}
		c.must(201, "POST", "/v1/offices/mumbai/survivors", survivorBody(mumOp, fmt.Sprintf("M-%d", i), age))
	}
	c.must(201, "POST", "/v1/offices/kolkata/survivors", survivorBody(kolOp, "K-0", 16))
	c.must(201, "POST", "/v1/offices/kolkata/survivors", survivorBody(kolOp, "K-1", 30))

	const query = "/v1/metrics?granularity=GRANULARITY_TOTAL&metrics=survivors_rescued&metrics=minors_rescued&metrics=operations_conducted"
	want := map[string]int64{
		"mumbai/survivors_rescued": 12, "mumbai/minors_rescued": 3, "mumbai/operations_conducted": 1,
		"kolkata/survivors_rescued": 2, "kolkata/minors_rescued": 1, "kolkata/operations_conducted": 1,
	}

	// A regional director over both offices: exact figures for both, rescue's status OK.
	director := c.as(mint(t, s, "meera", []string{auth.RoleRegionalDirector}, "mumbai", "kolkata"))
	r := director.must(200, "GET", query, nil)
	got := metricCells(t, r)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("regional director: %s = %d, want %d (answer %s)", k, got[k], v, r.Raw)
		}
	}
	sources, _ := r.Body["sources"].([]any)
	if len(sources) != 1 || str(sources[0].(map[string]any), "state") != "SOURCE_STATE_OK" {
		t.Errorf("sources = %v, want rescue OK", r.Body["sources"])
	}

	// An office director of Mumbai: Mumbai only; Kolkata is not found.
	mumbai := c.as(mint(t, s, "ravi", []string{auth.RoleOfficeDirector}, "mumbai"))
	got = metricCells(t, mumbai.must(200, "GET", query, nil))
	if len(got) != 3 || got["mumbai/survivors_rescued"] != 12 {
		t.Errorf("office director of mumbai got %v, want mumbai's three metrics only", got)
	}
	mumbai.must(404, "GET", query+"&offices=kolkata", nil)

	// A partner organisation: cells under k = 11 are suppressed, larger ones exact.
	partner := c.as(mint(t, s, "home-7", []string{auth.RolePartnerHome}, "mumbai", "kolkata"))
	r = partner.must(200, "GET", query, nil)
	got = metricCells(t, r)
	if got["mumbai/survivors_rescued"] != 12 || got["mumbai/minors_rescued"] != -1 || got["kolkata/survivors_rescued"] != -1 {
		t.Errorf("partner view %v: want 12 exact, small cells suppressed", got)
	}
	if n, _ := r.Body["suppression_threshold"].(float64); n != 11 {
		t.Errorf("suppression_threshold = %v, want 11", r.Body["suppression_threshold"])
	}

	// Milestones: each office's first survivor rescued and first operation conducted.
	m := director.must(200, "GET", "/v1/milestones", nil)
	kinds := map[string]bool{}
	for _, it := range m.Body["milestones"].([]any) {
		ms := it.(map[string]any)
		kinds[str(ms, "office")+"/"+str(ms, "metric")] = true
	}
	for _, k := range []string{"mumbai/survivors_rescued", "kolkata/survivors_rescued", "mumbai/operations_conducted"} {
		if !kinds[k] {
			t.Errorf("milestones lack %s: %s", k, m.Raw)
		}
	}

	// The same API over the gateway's gRPC port, with the caller's token.
	conn, err := grpc.NewClient(s.Addrs.Gateway, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+director.token)
	res, err := insightsv1.NewInsightsServiceClient(conn).GetMetrics(ctx, &insightsv1.GetMetricsRequest{
		Granularity: insightsv1.Granularity_GRANULARITY_TOTAL, Metrics: []string{"survivors_rescued"}})
	if err != nil {
		t.Fatalf("GetMetrics over gRPC: %v", err)
	}
	for _, v := range res.GetValues() {
		if w := want[v.GetOffice()+"/"+v.GetMetric()]; v.GetValue() != w {
			t.Errorf("gRPC %s/%s = %d, want %d", v.GetOffice(), v.GetMetric(), v.GetValue(), w)
		}
	}
	if _, err := insightsv1.NewInsightsServiceClient(conn).GetMetrics(context.Background(), &insightsv1.GetMetricsRequest{}); err == nil {
		t.Error("GetMetrics over gRPC without a token succeeded")
	}
}
