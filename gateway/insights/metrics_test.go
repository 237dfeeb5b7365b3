package insights_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/gateway/insights"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/identity"
)

const (
	month   = insightsv1.Granularity_GRANULARITY_MONTH
	quarter = insightsv1.Granularity_GRANULARITY_QUARTER
	year    = insightsv1.Granularity_GRANULARITY_YEAR
	total   = insightsv1.Granularity_GRANULARITY_TOTAL

	stateOK          = insightsv1.SourceState_SOURCE_STATE_OK
	stateUnavailable = insightsv1.SourceState_SOURCE_STATE_UNAVAILABLE
	stateDeadline    = insightsv1.SourceState_SOURCE_STATE_DEADLINE_EXCEEDED
	stateError       = insightsv1.SourceState_SOURCE_STATE_ERROR
)

// threeSources serves the rescue, prosecution and aftercare fakes.
func threeSources(t *testing.T) (rescue, prosecution, aftercare *running) {
	return serve(t, "rescue", rescueFake()), serve(t, "prosecution", prosecutionFake()), serve(t, "aftercare", aftercareFake())
}

// diffCells reports the differences between want and got, line by line.
func diffCells(t *testing.T, got, want []cell) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = fmt.Sprintf("%+v", got[i])
		}
		if i < len(want) {
			w = fmt.Sprintf("%+v", want[i])
		}
		mark := "  "
		if g != w {
			mark = "! "
		}
		fmt.Fprintf(&b, "%s got %-70s want %s\n", mark, g, w)
	}
	t.Errorf("values differ from the hand-computed expectation:\n%s", b.String())
}

func TestGetMetricsMergesSourcesPerOfficePeriodAndMetric(t *testing.T) {
	t.Parallel()
	r, p, a := threeSources(t)
	srv := insights.New(fastConfig(), registry(t), r.source, p.source, a.source)

	tests := []struct {
		name string
		req  *insightsv1.GetMetricsRequest
		want []cell
	}{
		{
			name: "quarters of 2024 for two offices: flows summed, the stock at each quarter's end, the rate derived (none without a verdict)",
			req: &insightsv1.GetMetricsRequest{
				From: "2024-01", To: "2024-12", Granularity: quarter,
				Metrics: []string{"survivors_rescued", "survivors_in_aftercare", "conviction_rate", "operations_conducted"},
			},
			want: []cell{
				{"kolkata", "2024-Q1", "operations_conducted", 1, false},
				{"kolkata", "2024-Q1", "survivors_in_aftercare", 0, false},
				{"kolkata", "2024-Q1", "survivors_rescued", 12, false},
				{"kolkata", "2024-Q2", "operations_conducted", 0, false},
				{"kolkata", "2024-Q2", "survivors_in_aftercare", 0, false},
				{"kolkata", "2024-Q2", "survivors_rescued", 0, false},
				{"kolkata", "2024-Q3", "operations_conducted", 0, false},
				{"kolkata", "2024-Q3", "survivors_in_aftercare", 0, false},
				{"kolkata", "2024-Q3", "survivors_rescued", 0, false},
				{"kolkata", "2024-Q4", "conviction_rate", 50, false},
				{"kolkata", "2024-Q4", "operations_conducted", 0, false},
				{"kolkata", "2024-Q4", "survivors_in_aftercare", 0, false},
				{"kolkata", "2024-Q4", "survivors_rescued", 1, false},
				{"mumbai", "2024-Q1", "operations_conducted", 1, false},
				{"mumbai", "2024-Q1", "survivors_in_aftercare", 15, false},
				{"mumbai", "2024-Q1", "survivors_rescued", 12, false},
				{"mumbai", "2024-Q2", "conviction_rate", 75, false},
				{"mumbai", "2024-Q2", "operations_conducted", 2, false},
				{"mumbai", "2024-Q2", "survivors_in_aftercare", 12, false},
				{"mumbai", "2024-Q2", "survivors_rescued", 3, false},
				{"mumbai", "2024-Q3", "conviction_rate", 100, false},
				{"mumbai", "2024-Q3", "operations_conducted", 0, false},
				{"mumbai", "2024-Q3", "survivors_in_aftercare", 12, false},
				{"mumbai", "2024-Q3", "survivors_rescued", 0, false},
				{"mumbai", "2024-Q4", "conviction_rate", 0, false},
				{"mumbai", "2024-Q4", "operations_conducted", 0, false},
				{"mumbai", "2024-Q4", "survivors_in_aftercare", 12, false},
				{"mumbai", "2024-Q4", "survivors_rescued", 20, false},
			},
		},
		{
			name: "months of one office, zeros included",
			req: &insightsv1.GetMetricsRequest{
				Offices: []string{"mumbai"}, From: "2024-01", To: "2024-04", Granularity: month,
				Metrics: []string{"survivors_rescued", "minors_rescued"},
			},
			want: []cell{
				{"mumbai", "2024-01", "minors_rescued", 0, false},
				{"mumbai", "2024-01", "survivors_rescued", 5, false},
				{"mumbai", "2024-02", "minors_rescued", 2, false},
				{"mumbai", "2024-02", "survivors_rescued", 7, false},
				{"mumbai", "2024-03", "minors_rescued", 0, false},
				{"mumbai", "2024-03", "survivors_rescued", 0, false},
				{"mumbai", "2024-04", "minors_rescued", 0, false},
				{"mumbai", "2024-04", "survivors_rescued", 3, false},
			},
		},
		{
			name: "granularity unspecified means months",
			req: &insightsv1.GetMetricsRequest{
				Offices: []string{"kolkata"}, From: "2024-02", To: "2024-03", Metrics: []string{"survivors_rescued"},
			},
			want: []cell{
				{"kolkata", "2024-02", "survivors_rescued", 0, false},
				{"kolkata", "2024-03", "survivors_rescued", 12, false},
			},
		},
		{
			name: "years clipped to the range",
			req: &insightsv1.GetMetricsRequest{
				From: "2024-03", To: "2025-01", Granularity: year, Metrics: []string{"survivors_rescued"},
			},
			want: []cell{
				{"kolkata", "2024", "survivors_rescued", 13, false},
				{"kolkata", "2025", "survivors_rescued", 0, false},
				{"mumbai", "2024", "survivors_rescued", 23, false},
				{"mumbai", "2025", "survivors_rescued", 4, false},
			},
		},
		{
			name: "total over a range: the stock at the range's end",
			req: &insightsv1.GetMetricsRequest{
				Offices: []string{"mumbai"}, From: "2024-02", To: "2024-06", Granularity: total,
				Metrics: []string{"survivors_rescued", "survivors_in_aftercare", "conviction_rate", "convictions"},
			},
			want: []cell{
				{"mumbai", "total", "conviction_rate", 75, false},
				{"mumbai", "total", "convictions", 3, false},
				{"mumbai", "total", "survivors_in_aftercare", 12, false},
				{"mumbai", "total", "survivors_rescued", 10, false},
			},
		},
		{
			name: "every metric, from the first recorded month (aftercare's 2023-11)",
			req:  &insightsv1.GetMetricsRequest{Offices: []string{"mumbai"}, To: "2024-01", Granularity: total},
			want: []cell{
				{"mumbai", "total", "acquittals", 0, false},
				{"mumbai", "total", "aftercare_completions", 0, false},
				{"mumbai", "total", "cases_charge_sheeted", 0, false},
				{"mumbai", "total", "convictions", 0, false},
				{"mumbai", "total", "criminals_restrained", 0, false},
				{"mumbai", "total", "minors_rescued", 0, false},
				{"mumbai", "total", "operations_conducted", 1, false},
				{"mumbai", "total", "survivors_in_aftercare", 10, false},
				{"mumbai", "total", "survivors_rescued", 5, false},
			},
		},
		{
			name: "empty from: the first month with a value of the requested metrics",
			req:  &insightsv1.GetMetricsRequest{Offices: []string{"kolkata"}, To: "2024-04", Metrics: []string{"survivors_rescued"}},
			want: []cell{
				{"kolkata", "2024-03", "survivors_rescued", 12, false},
				{"kolkata", "2024-04", "survivors_rescued", 0, false},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := srv.GetMetrics(callerCtx(director), tt.req)
			if err != nil {
				t.Fatalf("GetMetrics: %v", err)
			}
			diffCells(t, cells(resp), tt.want)
			if resp.GetSuppressionThreshold() != 0 {
				t.Errorf("suppression_threshold = %d for a regional director, want 0", resp.GetSuppressionThreshold())
			}
			wantSources := []source{
				{"rescue", stateOK, []string{"minors_rescued", "operations_conducted", "survivors_rescued"}},
				{"prosecution", stateOK, []string{"acquittals", "cases_charge_sheeted", "convictions", "criminals_restrained"}},
				{"aftercare", stateOK, []string{"aftercare_completions", "survivors_in_aftercare"}},
			}
			if got := sources(t, resp.GetSources()); !reflect.DeepEqual(got, wantSources) {
				t.Errorf("sources = %+v, want %+v", got, wantSources)
			}
		})
	}
}

func TestGetMetricsAsksSourcesWithTheCallersScopeAndToken(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	a := serve(t, "aftercare", aftercareFake())
	srv := insights.New(fastConfig(), registry(t), r.source, a.source)

	_, err := srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		From: "2024-01", To: "2024-06", Metrics: []string{"survivors_rescued"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	reqs, tokens := r.fake.seen()
	if len(reqs) != 1 {
		t.Fatalf("rescue received %d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if !slices.Equal(got.GetOffices(), []string{"kolkata", "mumbai"}) || !slices.Equal(got.GetMetrics(), []string{"survivors_rescued"}) ||
		got.GetFromMonth() != "2024-01" || got.GetToMonth() != "2024-06" {
		t.Errorf("rescue was asked %v, want offices [kolkata mumbai], metrics [survivors_rescued], 2024-01..2024-06", got)
	}
	if !slices.Equal(tokens, []string{"Bearer " + testToken}) {
		t.Errorf("rescue received authorization %q, want exactly the caller's token", tokens)
	}

	// A stock metric needs the months before the range.
	_, err = srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		From: "2024-01", To: "2024-06", Metrics: []string{"survivors_in_aftercare"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	reqs, _ = a.fake.seen()
	if last := reqs[len(reqs)-1]; last.GetFromMonth() != "" || last.GetToMonth() != "2024-06" {
		t.Errorf("aftercare was asked months %q..%q for a stock metric, want from the beginning to 2024-06",
			last.GetFromMonth(), last.GetToMonth())
	}
}

func TestGetMetricsForwardsTheTokenSetWithWithToken(t *testing.T) {
	t.Parallel()
	fake := rescueFake()
	fake.token = "edge-given-token"
	r := serve(t, "rescue", fake)
	srv := insights.New(fastConfig(), registry(t), r.source)

	ctx := insights.WithToken(callerCtx(director), "edge-given-token")
	resp, err := srv.GetMetrics(ctx, &insightsv1.GetMetricsRequest{From: "2024-01", To: "2024-01"})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	if st := resp.GetSources()[0]; st.GetState() != stateOK {
		t.Errorf("rescue status = %s %q, want OK with the token set by WithToken", st.GetState(), st.GetMessage())
	}
	if _, tokens := fake.seen(); !slices.Equal(tokens, []string{"Bearer edge-given-token"}) {
		t.Errorf("rescue received authorization %q, want only the WithToken one", tokens)
	}
}

func TestGetMetricsWithoutTokenIsUnauthenticated(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	srv := insights.New(fastConfig(), registry(t), r.source)

	for name, ctx := range map[string]context.Context{
		"no authorization": identity.WithPrincipal(context.Background(), director),
		"two authorizations": metadata.NewIncomingContext(identity.WithPrincipal(context.Background(), director),
			metadata.Pairs("authorization", "Bearer a", "authorization", "Bearer b")),
		"not bearer": metadata.NewIncomingContext(identity.WithPrincipal(context.Background(), director),
			metadata.Pairs("authorization", "Basic abc")),
	} {
		_, err := srv.GetMetrics(ctx, &insightsv1.GetMetricsRequest{From: "2024-01", To: "2024-01"})
		if status.Code(err) != codes.Unauthenticated {
			t.Errorf("%s: err = %v, want UNAUTHENTICATED", name, err)
		}
	}
	if reqs, _ := r.fake.seen(); len(reqs) != 0 {
		t.Errorf("rescue was called %d times without a token, want 0", len(reqs))
	}
}

func TestGetMetricsPartialFailureReturnsTheHealthySourcesValues(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	down := serve(t, "prosecution", prosecutionFake())
	down.server.Stop() // the address now refuses connections
	slowFake := aftercareFake()
	slowFake.delay = 5 * time.Second
	slow := serve(t, "aftercare", slowFake)
	srv := insights.New(fastConfig(), registry(t), r.source, down.source, slow.source)

	start := time.Now()
	resp, err := srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-01", To: "2024-06", Granularity: quarter,
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v, want the healthy source's values", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("GetMetrics took %s; the slow source should have been cut at the 300ms timeout", took)
	}
	diffCells(t, cells(resp), []cell{
		{"mumbai", "2024-Q1", "minors_rescued", 2, false},
		{"mumbai", "2024-Q1", "operations_conducted", 1, false},
		{"mumbai", "2024-Q1", "survivors_rescued", 12, false},
		{"mumbai", "2024-Q2", "minors_rescued", 0, false},
		{"mumbai", "2024-Q2", "operations_conducted", 2, false},
		{"mumbai", "2024-Q2", "survivors_rescued", 3, false},
	})
	want := []source{
		{"rescue", stateOK, []string{"minors_rescued", "operations_conducted", "survivors_rescued"}},
		{"prosecution", stateUnavailable, []string{"acquittals", "cases_charge_sheeted", "conviction_rate", "convictions", "criminals_restrained"}},
		{"aftercare", stateDeadline, []string{"aftercare_completions", "survivors_in_aftercare"}},
	}
	if got := sources(t, resp.GetSources()); !reflect.DeepEqual(got, want) {
		t.Errorf("sources = %+v\nwant      %+v", got, want)
	}
	for _, st := range resp.GetSources() {
		if strings.Contains(st.GetMessage(), "127.0.0.1") {
			t.Errorf("status of %s reveals an address: %q", st.GetSource(), st.GetMessage())
		}
	}

	// Asking for a metric of the failed source only is not an error either:
	// no values, and the status says what is missing.
	resp, err = srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-01", To: "2024-06", Metrics: []string{"convictions"},
	})
	if err != nil {
		t.Fatalf("GetMetrics(convictions) with prosecution down: %v", err)
	}
	if len(resp.GetValues()) != 0 {
		t.Errorf("values = %v, want none: their only source is down", cells(resp))
	}
	if got := resp.GetSources()[1].GetMetrics(); !slices.Equal(got, []string{"convictions"}) {
		t.Errorf("prosecution's missing metrics = %v, want [convictions]", got)
	}

	// A derived metric is missing when one of its inputs is.
	resp, err = srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-01", To: "2024-06", Metrics: []string{"conviction_rate", "survivors_rescued"},
	})
	if err != nil {
		t.Fatalf("GetMetrics(conviction_rate) with prosecution down: %v", err)
	}
	if got := resp.GetSources()[1].GetMetrics(); !slices.Equal(got, []string{"conviction_rate"}) {
		t.Errorf("prosecution's missing metrics = %v, want [conviction_rate]", got)
	}
	for _, c := range cells(resp) {
		if c.Metric != "survivors_rescued" {
			t.Errorf("value %+v served although its inputs' source is down", c)
		}
	}
}

func TestGetMetricsSourceErrorIsReportedWithItsMessage(t *testing.T) {
	t.Parallel()
	fake := rescueFake()
	fake.token = "another-token" // the caller's token is refused
	r := serve(t, "rescue", fake)
	a := serve(t, "aftercare", aftercareFake())
	srv := insights.New(fastConfig(), registry(t), r.source, a.source)

	resp, err := srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-02", To: "2024-02", Metrics: []string{"survivors_in_aftercare", "survivors_rescued"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	diffCells(t, cells(resp), []cell{{"mumbai", "2024-02", "survivors_in_aftercare", 15, false}})
	st := resp.GetSources()[0]
	if st.GetState() != stateError || !strings.Contains(st.GetMessage(), "Unauthenticated") ||
		!slices.Equal(st.GetMetrics(), []string{"survivors_rescued"}) {
		t.Errorf("rescue status = %s %q %v, want ERROR naming Unauthenticated, missing [survivors_rescued]",
			st.GetState(), st.GetMessage(), st.GetMetrics())
	}
}

func TestGetMetricsEverySourceDown(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	r.server.Stop()
	p := serve(t, "prosecution", prosecutionFake())
	p.server.Stop()
	srv := insights.New(fastConfig(), registry(t), r.source, p.source)

	// A metric of the domain's list is accepted: the answer says why it is missing.
	resp, err := srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		From: "2024-01", To: "2024-03", Metrics: []string{"people_trained", "convictions"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	if len(resp.GetValues()) != 0 {
		t.Errorf("values = %v, want none", cells(resp))
	}
	want := []source{
		{"rescue", stateUnavailable, nil},
		{"prosecution", stateUnavailable, []string{"convictions"}},
	}
	if got := sources(t, resp.GetSources()); !reflect.DeepEqual(got, want) {
		t.Errorf("sources = %+v, want %+v", got, want)
	}

	// An unknown name is still invalid.
	_, err = srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{Metrics: []string{"rescues"}})
	assertInvalid(t, err, "UNKNOWN_METRIC", "survivors_rescued")
}

func TestGetMetricsUnknownMetricListsTheKnownOnes(t *testing.T) {
	t.Parallel()
	r, p, _ := threeSources(t)
	srv := insights.New(fastConfig(), registry(t), r.source, p.source)

	_, err := srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{Metrics: []string{"survivors_rescued", "arrests"}})
	assertInvalid(t, err, "UNKNOWN_METRIC",
		"unknown metric arrests; known metrics: acquittals, cases_charge_sheeted, conviction_rate, convictions, criminals_restrained, minors_rescued, operations_conducted, survivors_rescued")

	// With rescue alone, conviction_rate cannot be computed and is unknown.
	srv = insights.New(fastConfig(), registry(t), r.source)
	_, err = srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{Metrics: []string{"conviction_rate"}})
	assertInvalid(t, err, "UNKNOWN_METRIC", "known metrics: minors_rescued, operations_conducted, survivors_rescued")
}

func TestGetMetricsValidatesTheRequest(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	srv := insights.New(fastConfig(), registry(t), r.source)

	tests := []struct {
		name   string
		req    *insightsv1.GetMetricsRequest
		reason string
		text   string
	}{
		{"from not a month", &insightsv1.GetMetricsRequest{From: "2024-13"}, "INVALID_FIELDS", "from: must be a month as YYYY-MM"},
		{"to not a month", &insightsv1.GetMetricsRequest{To: "24-01"}, "INVALID_FIELDS", "to: must be a month as YYYY-MM"},
		{"from after to", &insightsv1.GetMetricsRequest{From: "2024-05", To: "2024-04"}, "INVALID_FIELDS", "to: must not be before from (2024-05)"},
		{"from in the future", &insightsv1.GetMetricsRequest{From: "2999-01"}, "INVALID_FIELDS", "from: must not be after the current month"},
		{"unknown granularity", &insightsv1.GetMetricsRequest{Granularity: 9}, "INVALID_FIELDS", "granularity: must be GRANULARITY_MONTH"},
		{"malformed metric", &insightsv1.GetMetricsRequest{Metrics: []string{"Survivors"}}, "INVALID_FIELDS", "metrics[0]: must be a metric name"},
		{"malformed office", &insightsv1.GetMetricsRequest{Offices: []string{"Mumbai!"}}, "INVALID_FIELDS", "offices[0]: must be an office code"},
		{"too many values", &insightsv1.GetMetricsRequest{From: "0001-01", To: "9999-12"}, "RANGE_TOO_LARGE", "use a coarser granularity"},
	}
	for _, tt := range tests {
		_, err := srv.GetMetrics(callerCtx(director), tt.req)
		t.Run(tt.name, func(t *testing.T) { assertInvalid(t, err, tt.reason, tt.text) })
	}
}

// assertInvalid checks that err is INVALID_ARGUMENT with reason and a
// message containing text.
func assertInvalid(t *testing.T, err error, reason, text string) {
	t.Helper()
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("err = %v, want INVALID_ARGUMENT", err)
	}
	if got := errorReason(st); got != reason {
		t.Errorf("reason = %q, want %q", got, reason)
	}
	if !strings.Contains(st.Message(), text) {
		t.Errorf("message %q does not say %q", st.Message(), text)
	}
}

// errorReason is the ErrorInfo reason of st.
func errorReason(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

func TestGetMetricsSuppressesSmallCountsOutsideTheOfficeStaff(t *testing.T) {
	t.Parallel()
	r, p, _ := threeSources(t)
	req := &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-01", To: "2024-12", Granularity: quarter,
		Metrics: []string{"survivors_rescued", "conviction_rate"},
	}
	exact := []cell{
		{"mumbai", "2024-Q1", "survivors_rescued", 12, false}, // no verdict: no rate
		{"mumbai", "2024-Q2", "conviction_rate", 75, false},
		{"mumbai", "2024-Q2", "survivors_rescued", 3, false},
		{"mumbai", "2024-Q3", "conviction_rate", 100, false},
		{"mumbai", "2024-Q3", "survivors_rescued", 0, false},
		{"mumbai", "2024-Q4", "conviction_rate", 0, false}, // 2 acquittals, no conviction
		{"mumbai", "2024-Q4", "survivors_rescued", 20, false},
	}
	suppressed := []cell{
		{"mumbai", "2024-Q1", "survivors_rescued", 12, false},
		{"mumbai", "2024-Q2", "conviction_rate", 0, true}, // 3 convictions, 1 acquittal
		{"mumbai", "2024-Q2", "survivors_rescued", 0, true},
		{"mumbai", "2024-Q3", "conviction_rate", 0, true}, // 1 conviction
		{"mumbai", "2024-Q3", "survivors_rescued", 0, false},
		{"mumbai", "2024-Q4", "conviction_rate", 0, true}, // 2 acquittals
		{"mumbai", "2024-Q4", "survivors_rescued", 20, false},
	}
	disabled := insights.DefaultConfig()
	disabled.SuppressionK = 0

	tests := []struct {
		name          string
		cfg           insights.Config
		caller        identity.Principal
		want          []cell
		wantThreshold int32
	}{
		{"a partner home gets cells below k withheld", insights.DefaultConfig(), partner, suppressed, 11},
		{"a regional director sees exact values", insights.DefaultConfig(), director, exact, 0},
		{"an investigator sees exact values", insights.DefaultConfig(), mumbaiInvestigator, exact, 0},
		{"k = 0 disables suppression", disabled, partner, exact, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := insights.New(tt.cfg, registry(t), r.source, p.source)
			resp, err := srv.GetMetrics(callerCtx(tt.caller), req)
			if err != nil {
				t.Fatalf("GetMetrics: %v", err)
			}
			diffCells(t, cells(resp), tt.want)
			if resp.GetSuppressionThreshold() != tt.wantThreshold {
				t.Errorf("suppression_threshold = %d, want %d", resp.GetSuppressionThreshold(), tt.wantThreshold)
			}
		})
	}
}

func TestGetMetricsCoversOnlyTheCallersOffices(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	srv := insights.New(fastConfig(), registry(t), r.source)

	for _, offices := range [][]string{{"kolkata"}, {"mumbai", "kolkata"}, {"chennai"}} {
		_, err := srv.GetMetrics(callerCtx(mumbaiInvestigator), &insightsv1.GetMetricsRequest{Offices: offices})
		st := status.Convert(err)
		if st.Code() != codes.NotFound || errorReason(st) != "OFFICE_NOT_FOUND" {
			t.Errorf("offices %v for a mumbai investigator: err = %v, want NOT_FOUND OFFICE_NOT_FOUND", offices, err)
		}
	}
	if reqs, _ := r.fake.seen(); len(reqs) != 0 {
		t.Errorf("rescue was called %d times for out-of-scope offices, want 0", len(reqs))
	}

	for _, offices := range [][]string{nil, {"-"}} {
		resp, err := srv.GetMetrics(callerCtx(mumbaiInvestigator), &insightsv1.GetMetricsRequest{
			Offices: offices, From: "2024-03", To: "2024-03", Metrics: []string{"survivors_rescued"},
		})
		if err != nil {
			t.Fatalf("offices %v: GetMetrics: %v", offices, err)
		}
		diffCells(t, cells(resp), []cell{{"mumbai", "2024-03", "survivors_rescued", 0, false}})
	}
	reqs, _ := r.fake.seen()
	for _, req := range reqs {
		if !slices.Equal(req.GetOffices(), []string{"mumbai"}) {
			t.Errorf("rescue was asked for offices %v, want [mumbai]", req.GetOffices())
		}
	}

	// A caller without offices gets an empty answer, and no source is asked.
	nobody := identity.Principal{Subject: "x", Roles: []string{"auditor"}}
	resp, err := srv.GetMetrics(callerCtx(nobody), &insightsv1.GetMetricsRequest{})
	if err != nil || len(resp.GetValues()) != 0 {
		t.Errorf("caller without offices: resp %v, err %v; want an empty answer", resp, err)
	}
}

func TestGetMetricsDropsValuesOutsideTheRequest(t *testing.T) {
	t.Parallel()
	// A misbehaving source answers for every office, and claims rescue's
	// metric: its values may neither leak another office nor double count.
	rogue := &fakeSource{
		token:        testToken,
		ignoreFilter: true,
		provided:     []string{"survivors_rescued", "rogue_metric"},
		values: []*metricsv1.MonthlyValue{
			mv("kolkata", "rogue_metric", "2024-01", 100),
			mv("mumbai", "survivors_rescued", "2024-01", 7),
			mv("mumbai", "rogue_metric", "bad-month", 9),
			mv("mumbai", "rogue_metric", "2024-01", 2),
		},
	}
	r := serve(t, "rescue", rescueFake())
	g := serve(t, "rogue", rogue)
	srv := insights.New(fastConfig(), registry(t), r.source, g.source)

	resp, err := srv.GetMetrics(callerCtx(mumbaiInvestigator), &insightsv1.GetMetricsRequest{
		From: "2024-01", To: "2024-01", Metrics: []string{"survivors_rescued", "rogue_metric"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	diffCells(t, cells(resp), []cell{
		{"mumbai", "2024-01", "rogue_metric", 2, false},
		{"mumbai", "2024-01", "survivors_rescued", 5, false},
	})
}

// The conviction rate comes from the prosecution source's verdicts: a whole
// percent of convictions / (convictions + acquittals), rounded half up, 0
// when every verdict was an acquittal, and no value at all for a month
// without a verdict. cases_charge_sheeted is served like any flow.
func TestConvictionRateIsAWholePercentOfTheProsecutionSourcesVerdicts(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", rescueFake())
	p := serve(t, "prosecution", &fakeSource{
		token:    testToken,
		provided: []string{"acquittals", "cases_charge_sheeted", "convictions", "criminals_restrained"},
		values: []*metricsv1.MonthlyValue{
			mv("mumbai", "convictions", "2024-01", 2), mv("mumbai", "acquittals", "2024-01", 1), // 66.7 -> 67
			mv("mumbai", "convictions", "2024-02", 1), mv("mumbai", "acquittals", "2024-02", 2), // 33.3 -> 33
			mv("mumbai", "convictions", "2024-03", 1), mv("mumbai", "acquittals", "2024-03", 7), // 12.5 -> 13
			mv("mumbai", "acquittals", "2024-04", 3), // 0
			// 2024-05: no verdict, no rate
			mv("mumbai", "convictions", "2024-06", 5), // 100
			mv("mumbai", "cases_charge_sheeted", "2024-05", 4),
		},
	})
	srv := insights.New(fastConfig(), registry(t), r.source, p.source)

	resp, err := srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-01", To: "2024-06",
		Metrics: []string{"conviction_rate", "cases_charge_sheeted"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	diffCells(t, cells(resp), []cell{
		{"mumbai", "2024-01", "cases_charge_sheeted", 0, false},
		{"mumbai", "2024-01", "conviction_rate", 67, false},
		{"mumbai", "2024-02", "cases_charge_sheeted", 0, false},
		{"mumbai", "2024-02", "conviction_rate", 33, false},
		{"mumbai", "2024-03", "cases_charge_sheeted", 0, false},
		{"mumbai", "2024-03", "conviction_rate", 13, false},
		{"mumbai", "2024-04", "cases_charge_sheeted", 0, false},
		{"mumbai", "2024-04", "conviction_rate", 0, false},
		{"mumbai", "2024-05", "cases_charge_sheeted", 4, false},
		{"mumbai", "2024-06", "cases_charge_sheeted", 0, false},
		{"mumbai", "2024-06", "conviction_rate", 100, false},
	})
	// The sources are asked for the rate's inputs, never for the rate.
	if got := sources(t, resp.GetSources()); got[1].Name != "prosecution" || got[1].State != stateOK {
		t.Errorf("sources = %+v, want prosecution OK", got)
	}
	reqs, _ := p.fake.seen()
	if want := []string{"acquittals", "cases_charge_sheeted", "convictions"}; len(reqs) != 1 || !slices.Equal(reqs[0].GetMetrics(), want) {
		t.Errorf("prosecution was asked %v, want the metrics %v", reqs, want)
	}

	// Over the half year: 9 convictions, 13 acquittals: 40.9 -> 41.
	resp, err = srv.GetMetrics(callerCtx(director), &insightsv1.GetMetricsRequest{
		Offices: []string{"mumbai"}, From: "2024-01", To: "2024-06", Granularity: total, Metrics: []string{"conviction_rate"},
	})
	if err != nil {
		t.Fatalf("GetMetrics: %v", err)
	}
	diffCells(t, cells(resp), []cell{{"mumbai", "total", "conviction_rate", 41, false}})
}
