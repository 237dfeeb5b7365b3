package insights_test

import (
	"reflect"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/gateway/insights"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
)

// milestone is a compact Milestone for comparisons.
type milestone struct {
	Office, Kind, Description, Month, Metric string
	Threshold                                int64
}

func milestones(resp *insightsv1.ListMilestonesResponse) []milestone {
	var out []milestone
	for _, m := range resp.GetMilestones() {
		out = append(out, milestone{m.GetOffice(), m.GetKind(), m.GetDescription(), m.GetMonth(), m.GetMetric(), m.GetThreshold()})
	}
	return out
}

// milestoneSources are a rescue source with 250 survivors rescued in
// Mumbai over several months (and 255 in Kolkata, 250 of them in one
// month), and a prosecution source with Mumbai's first conviction.
func milestoneSources(t *testing.T) (rescue, prosecution *running) {
	rescue = serve(t, "rescue", &fakeSource{
		token:    testToken,
		provided: []string{"minors_rescued", "operations_conducted", "survivors_rescued"},
		values: []*metricsv1.MonthlyValue{
			mv("mumbai", "operations_conducted", "2009-12", 1),
			mv("mumbai", "operations_conducted", "2010-01", 2),
			mv("mumbai", "survivors_rescued", "2010-01", 40),
			mv("mumbai", "survivors_rescued", "2010-06", 70),   // 110: the 100th
			mv("mumbai", "survivors_rescued", "2011-03", 60),   // 170
			mv("mumbai", "survivors_rescued", "2011-08", 40),   // 210: the 200th
			mv("mumbai", "survivors_rescued", "2012-01", 40),   // 250
			mv("mumbai", "minors_rescued", "2009-01", 3),       // not a milestone metric
			mv("kolkata", "survivors_rescued", "2015-04", 5),   // the first
			mv("kolkata", "survivors_rescued", "2016-02", 250), // 255: the 100th and the 200th
		},
	})
	prosecution = serve(t, "prosecution", &fakeSource{
		token:    testToken,
		provided: []string{"acquittals", "convictions", "criminals_restrained"},
		values: []*metricsv1.MonthlyValue{
			mv("mumbai", "acquittals", "2003-02", 1),
			mv("mumbai", "convictions", "2004-07", 1),
			mv("mumbai", "convictions", "2005-01", 2),
		},
	})
	return rescue, prosecution
}

func TestListMilestonesEveryHundredthSurvivorAndFirsts(t *testing.T) {
	t.Parallel()
	r, p := milestoneSources(t)
	srv := insights.New(fastConfig(), registry(t), r.source, p.source)

	resp, err := srv.ListMilestones(callerCtx(director), &insightsv1.ListMilestonesRequest{})
	if err != nil {
		t.Fatalf("ListMilestones: %v", err)
	}
	want := []milestone{
		{"kolkata", "first_survivor_rescued", "First survivor rescued", "2015-04", "survivors_rescued", 1},
		{"kolkata", "survivors_rescued_100", "100th survivor rescued", "2016-02", "survivors_rescued", 100},
		{"kolkata", "survivors_rescued_200", "200th survivor rescued", "2016-02", "survivors_rescued", 200},
		{"mumbai", "first_conviction", "First conviction", "2004-07", "convictions", 1},
		{"mumbai", "first_operation_conducted", "First operation conducted", "2009-12", "operations_conducted", 1},
		{"mumbai", "first_survivor_rescued", "First survivor rescued", "2010-01", "survivors_rescued", 1},
		{"mumbai", "survivors_rescued_100", "100th survivor rescued", "2010-06", "survivors_rescued", 100},
		{"mumbai", "survivors_rescued_200", "200th survivor rescued", "2011-08", "survivors_rescued", 200},
	}
	if got := milestones(resp); !reflect.DeepEqual(got, want) {
		t.Errorf("milestones:\n got %+v\nwant %+v", got, want)
	}
	wantSources := []source{
		{"rescue", stateOK, []string{"minors_rescued", "operations_conducted", "survivors_rescued"}},
		{"prosecution", stateOK, []string{"acquittals", "convictions", "criminals_restrained"}},
	}
	if got := sources(t, resp.GetSources()); !reflect.DeepEqual(got, wantSources) {
		t.Errorf("sources = %+v, want %+v", got, wantSources)
	}
}

func TestListMilestonesWithProsecutionDownStillListsTheRest(t *testing.T) {
	t.Parallel()
	r, p := milestoneSources(t)
	p.server.Stop()
	srv := insights.New(fastConfig(), registry(t), r.source, p.source)

	resp, err := srv.ListMilestones(callerCtx(mumbaiInvestigator), &insightsv1.ListMilestonesRequest{Offices: []string{"mumbai"}})
	if err != nil {
		t.Fatalf("ListMilestones: %v", err)
	}
	want := []milestone{
		{"mumbai", "first_operation_conducted", "First operation conducted", "2009-12", "operations_conducted", 1},
		{"mumbai", "first_survivor_rescued", "First survivor rescued", "2010-01", "survivors_rescued", 1},
		{"mumbai", "survivors_rescued_100", "100th survivor rescued", "2010-06", "survivors_rescued", 100},
		{"mumbai", "survivors_rescued_200", "200th survivor rescued", "2011-08", "survivors_rescued", 200},
	}
	if got := milestones(resp); !reflect.DeepEqual(got, want) {
		t.Errorf("milestones:\n got %+v\nwant %+v", got, want)
	}
	wantSources := []source{
		{"rescue", stateOK, []string{"minors_rescued", "operations_conducted", "survivors_rescued"}},
		{"prosecution", stateUnavailable, []string{"convictions"}},
	}
	if got := sources(t, resp.GetSources()); !reflect.DeepEqual(got, wantSources) {
		t.Errorf("sources = %+v, want %+v", got, wantSources)
	}
}

func TestListMilestonesOfficeScope(t *testing.T) {
	t.Parallel()
	r, p := milestoneSources(t)
	srv := insights.New(fastConfig(), registry(t), r.source, p.source)

	_, err := srv.ListMilestones(callerCtx(mumbaiInvestigator), &insightsv1.ListMilestonesRequest{Offices: []string{"kolkata"}})
	if st := status.Convert(err); st.Code() != codes.NotFound || errorReason(st) != "OFFICE_NOT_FOUND" {
		t.Errorf("kolkata for a mumbai investigator: err = %v, want NOT_FOUND OFFICE_NOT_FOUND", err)
	}
	resp, err := srv.ListMilestones(callerCtx(mumbaiInvestigator), &insightsv1.ListMilestonesRequest{})
	if err != nil {
		t.Fatalf("ListMilestones: %v", err)
	}
	for _, m := range resp.GetMilestones() {
		if m.GetOffice() != "mumbai" {
			t.Errorf("milestone of %s listed for a mumbai investigator", m.GetOffice())
		}
	}
}
