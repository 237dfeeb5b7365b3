package insights

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/justiceops/justice/gateway/internal/forward"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/identity"
)

// SurvivorsMilestoneStep is the step of the survivors-rescued milestones:
// the 100th, 200th, ... survivor rescued.
const SurvivorsMilestoneStep = 100

// milestoneMetrics are the metrics milestones are derived from, sorted.
var milestoneMetrics = []string{MetricConvictions, MetricOperationsConducted, MetricSurvivorsRescued}

// firsts are the "first X" milestones: a metric's first month with a
// positive value.
var firsts = []struct{ kind, metric, description string }{
	{"first_survivor_rescued", MetricSurvivorsRescued, "First survivor rescued"},
	{"first_operation_conducted", MetricOperationsConducted, "First operation conducted"},
	{"first_conviction", MetricConvictions, "First conviction"},
}

// ListMilestones returns the offices' milestones, derived from all-time
// monthly values, ordered by office and month, with each source's status.
// A milestone whose metric's source failed is missing, as the status says.
func (s *Server) ListMilestones(ctx context.Context, req *insightsv1.ListMilestonesRequest) (*insightsv1.ListMilestonesResponse, error) {
	resp, err := s.listMilestones(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, insightsv1.InsightsService_ListMilestones_FullMethodName, err)
	}
	return resp, nil
}

func (s *Server) listMilestones(ctx context.Context, req *insightsv1.ListMilestonesRequest) (*insightsv1.ListMilestonesResponse, error) {
	offices, err := s.scope(identity.FromContext(ctx), req.GetOffices())
	if err != nil {
		return nil, fmt.Errorf("insights.ListMilestones: %w", err)
	}
	resp := &insightsv1.ListMilestonesResponse{}
	if len(offices) == 0 {
		return resp, nil
	}
	token, err := forward.CallerToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("insights.ListMilestones: %w", err)
	}
	last := s.currentMonth(offices)
	m := s.merge(s.fanOut(ctx, token, &metricsv1.QueryMetricsRequest{
		Offices: offices, Metrics: milestoneMetrics, ToMonth: last.String(),
	}))
	resp.Sources = m.statuses(milestoneMetrics)
	t := m.collect(offices, milestoneMetrics, last)
	for _, o := range offices {
		resp.Milestones = append(resp.Milestones, milestonesOf(o, t[o])...)
	}
	return resp, nil
}

// milestonesOf derives one office's milestones from its monthly values,
// ordered by month, then metric, then threshold.
func milestonesOf(office string, byMetric map[string]map[month]int64) []*insightsv1.Milestone {
	var out []*insightsv1.Milestone
	for _, f := range firsts {
		values := byMetric[f.metric]
		for _, mo := range slices.Sorted(maps.Keys(values)) {
			if values[mo] > 0 {
				out = append(out, &insightsv1.Milestone{
					Office: office, Kind: f.kind, Description: f.description,
					Month: mo.String(), Metric: f.metric, Threshold: 1,
				})
				break
			}
		}
	}
	// Every 100th survivor: the month the running total first reaches each
	// multiple of the step. A running total that falls back (a corrected
	// record) does not earn the same milestone twice.
	sr := newSeries(byMetric[MetricSurvivorsRescued])
	next := int64(SurvivorsMilestoneStep)
	for i, mo := range sr.months {
		for sr.cum[i] >= next {
			out = append(out, &insightsv1.Milestone{
				Office:      office,
				Kind:        fmt.Sprintf("%s_%d", MetricSurvivorsRescued, next),
				Description: fmt.Sprintf("%s survivor rescued", ordinal(next)),
				Month:       mo.String(),
				Metric:      MetricSurvivorsRescued,
				Threshold:   next,
			})
			next += SurvivorsMilestoneStep
		}
	}
	slices.SortStableFunc(out, func(a, b *insightsv1.Milestone) int {
		return cmp.Or(cmp.Compare(a.GetMonth(), b.GetMonth()),
			cmp.Compare(a.GetMetric(), b.GetMetric()),
			cmp.Compare(a.GetThreshold(), b.GetThreshold()))
	})
	return out
}

// ordinal returns n with its English ordinal suffix: 100th, 101st, 112th.
func ordinal(n int64) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
