package stack_test

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/deploy/local/stack"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// metricCells reads a GetMetrics JSON answer into office/metric -> value,
// with suppressed cells as -1.
func metricCells(t *testing.T, r response) map[string]int64 { return cells(t, r, false) }

// periodCells reads a GetMetrics JSON answer into office/period/metric ->
// value, with suppressed cells as -1.
func periodCells(t *testing.T, r response) map[string]int64 { return cells(t, r, true) }

func cells(t *testing.T, r response, byPeriod bool) map[string]int64 {
	t.Helper()
	cells := map[string]int64{}
	values, _ := r.Body["values"].([]any)
	for _, v := range values {
		m := v.(map[string]any)
		key := str(m, "office") + "/" + str(m, "metric")
		if byPeriod {
			key = str(m, "office") + "/" + str(m, "period") + "/" + str(m, "metric")
		}
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

// checkSourcesOK fails unless every service answered the metrics query.
func checkSourcesOK(t *testing.T, r response) {
	t.Helper()
	sources, _ := r.Body["sources"].([]any)
	var ok []string
	for _, src := range sources {
		if m := src.(map[string]any); str(m, "state") == "SOURCE_STATE_OK" {
			ok = append(ok, str(m, "source"))
		}
	}
	if !slices.Equal(ok, []string{stack.Rescue, stack.Prosecution}) {
		t.Errorf("sources = %v, want rescue and prosecution OK", r.Body["sources"])
	}
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

	// A regional director over both offices: exact figures for both, every source OK.
	director := c.as(mint(t, s, "meera", []string{auth.RoleRegionalDirector}, "mumbai", "kolkata"))
	r := director.must(200, "GET", query, nil)
	got := metricCells(t, r)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("regional director: %s = %d, want %d (answer %s)", k, got[k], v, r.Raw)
		}
	}
	checkSourcesOK(t, r)

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

// TestProsecutionMetricsThroughTheEdge: the prosecution service's counters
// reach regional directors through the edge, exactly, with the derived
// conviction rate, and the first conviction is a milestone.
func TestProsecutionMetricsThroughTheEdge(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	w := newCasework(investigator(t, s))
	verdict := func(accused, v string, date map[string]any) {
		t.Helper()
		w.c.must(200, "POST", "/v1/"+accused+":recordVerdict", map[string]any{"verdict": "VERDICT_" + v, "verdict_date": date})
	}

	// Mumbai: a case charge-sheeted and judged. Three accused taken into
	// custody (one arrested, released and re-arrested: counted once), one
	// never; two convicted and one acquitted in June 2025. Another case
	// charge-sheeted, awaiting trial, and one still at the FIR.
	tried := w.prosecutionCase("mumbai", "CHARGESHEET_FILED", "JUDGMENT")
	a1 := w.accused(tried, "ARRESTED")
	a2 := w.accused(tried, "ARRESTED", "JUDICIAL_CUSTODY")
	w.accused(tried, "ARRESTED", "AT_LARGE", "ARRESTED")
	a4 := w.accused(tried)
	verdict(a1, "CONVICTED", day(2025, 6, 10))
	verdict(a2, "CONVICTED", day(2025, 6, 12))
	verdict(a4, "ACQUITTED", day(2025, 6, 12))
	w.prosecutionCase("mumbai", "CHARGESHEET_FILED")
	w.prosecutionCase("mumbai")
	// Kolkata: a case judged, its one accused acquitted.
	kol := w.prosecutionCase("kolkata", "JUDGMENT")
	verdict(w.accused(kol), "ACQUITTED", day(2025, 6, 20))

	director := w.c.as(mint(t, s, "meera", []string{auth.RoleRegionalDirector}, "mumbai", "kolkata"))
	q := url.Values{"granularity": {"GRANULARITY_TOTAL"},
		"metrics": {"criminals_restrained", "convictions", "acquittals", "conviction_rate", "cases_charge_sheeted"}}
	r := director.must(200, "GET", "/v1/metrics?"+q.Encode(), nil)
	checkSourcesOK(t, r)
	want := map[string]int64{
		"mumbai/criminals_restrained": 3, "mumbai/convictions": 2, "mumbai/acquittals": 1,
		"mumbai/conviction_rate":       67, // 2 of 3 verdicts, as a whole percentage
		"mumbai/cases_charge_sheeted":  2,
		"kolkata/criminals_restrained": 0, "kolkata/convictions": 0, "kolkata/acquittals": 1,
		"kolkata/conviction_rate":      0, // every verdict an acquittal
		"kolkata/cases_charge_sheeted": 1,
	}
	got := metricCells(t, r)
	for k, v := range want {
		if n, ok := got[k]; !ok || n != v {
			t.Errorf("%s = %d (present %v), want %d: %s", k, n, ok, v, r.Raw)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d cells, want %d: %v", len(got), len(want), got)
	}

	// By month: May 2025 had no verdict, so it has no conviction rate (not 0).
	q = url.Values{"granularity": {"GRANULARITY_MONTH"}, "from": {"2025-05"}, "to": {"2025-06"}, "offices": {"mumbai"},
		"metrics": {"convictions", "conviction_rate"}}
	months := periodCells(t, director.must(200, "GET", "/v1/metrics?"+q.Encode(), nil))
	wantMonths := map[string]int64{"mumbai/2025-05/convictions": 0, "mumbai/2025-06/convictions": 2, "mumbai/2025-06/conviction_rate": 67}
	if !maps.Equal(months, wantMonths) {
		t.Errorf("by month: %v, want %v (no conviction_rate for May)", months, wantMonths)
	}

	// The first conviction is Mumbai's milestone, in June 2025; Kolkata has none.
	m := director.must(200, "GET", "/v1/milestones", nil)
	var convictions []string
	for _, it := range m.Body["milestones"].([]any) {
		ms := it.(map[string]any)
		if str(ms, "kind") == "first_conviction" {
			convictions = append(convictions, str(ms, "office")+"/"+str(ms, "month")+"/"+str(ms, "metric"))
		}
	}
	if want := []string{"mumbai/2025-06/convictions"}; !slices.Equal(convictions, want) {
		t.Errorf("first_conviction milestones %v, want %v: %s", convictions, want, m.Raw)
	}
}
