package insights

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/gateway/internal/forward"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// metricsRequest is a validated GetMetricsRequest.
type metricsRequest struct {
	offices     []string // sorted, in the caller's scope
	from        month
	fromSet     bool
	to          month
	granularity insightsv1.Granularity
	metrics     []string // sorted; nil means every known metric
}

// GetMetrics returns one value per office, period and metric, merged from
// every source, with each source's status. See the package documentation
// for the metrics' semantics and suppression.
func (s *Server) GetMetrics(ctx context.Context, req *insightsv1.GetMetricsRequest) (*insightsv1.GetMetricsResponse, error) {
	resp, err := s.getMetrics(ctx, req)
	if err != nil {
		return nil, toStatus(ctx, insightsv1.InsightsService_GetMetrics_FullMethodName, err)
	}
	return resp, nil
}

func (s *Server) getMetrics(ctx context.Context, req *insightsv1.GetMetricsRequest) (*insightsv1.GetMetricsResponse, error) {
	p := identity.FromContext(ctx)
	q, err := s.parseMetricsRequest(p, req)
	if err != nil {
		return nil, fmt.Errorf("insights.GetMetrics: %w", err)
	}
	k := s.threshold(p)
	resp := &insightsv1.GetMetricsResponse{SuppressionThreshold: int32(k)}
	if len(q.offices) == 0 {
		// The caller holds no office: nothing to report, nobody to ask.
		return resp, nil
	}
	token, err := forward.CallerToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("insights.GetMetrics: %w", err)
	}

	sourceMetrics := sourceMetricsFor(q.metrics)
	sreq := &metricsv1.QueryMetricsRequest{Offices: q.offices, Metrics: sourceMetrics, ToMonth: q.to.String()}
	if q.fromSet && !needsHistory(q.metrics) {
		sreq.FromMonth = q.from.String()
	}
	m := s.merge(s.fanOut(ctx, token, sreq))

	known := m.known()
	if err := unknownMetrics(q.metrics, known); err != nil {
		return nil, fmt.Errorf("insights.GetMetrics: %w", err)
	}
	wanted := q.metrics
	if wanted == nil {
		wanted = known
	}
	var answerable []string
	for _, name := range wanted {
		if m.available(name) {
			answerable = append(answerable, name)
		}
	}
	resp.Sources = m.statuses(q.metrics)

	t := m.collect(q.offices, sourceMetrics, q.to)
	if !q.fromSet {
		q.from = q.to
		if first, ok := t.earliest(); ok && first < q.to {
			q.from = first
		}
	}
	if cells := len(q.offices) * periodCount(q.granularity, q.from, q.to) * len(answerable); cells > MaxCells {
		desc := fmt.Sprintf("the answer would hold %d values (offices x periods x metrics), more than the limit of %d; "+
			"use a coarser granularity, a shorter range from %s to %s, or fewer offices or metrics",
			cells, MaxCells, q.from, q.to)
		return nil, fmt.Errorf("insights.GetMetrics: %w", errs.InvalidArgument(ReasonRangeTooLarge,
			"invalid request: "+desc, errs.FieldViolation{Field: "granularity", Description: desc}))
	}

	ps := periods(q.granularity, q.from, q.to)
	resp.Values = make([]*insightsv1.MetricValue, 0, len(q.offices)*len(ps)*len(answerable))
	for _, o := range q.offices {
		cache := make(map[string]series)
		get := func(metric string) series {
			sr, ok := cache[metric]
			if !ok {
				sr = newSeries(t[o][metric])
				cache[metric] = sr
			}
			return sr
		}
		for _, per := range ps {
			for _, metric := range answerable {
				if v, ok := s.cell(o, per, metric, get, k); ok {
					resp.Values = append(resp.Values, v)
				}
			}
		}
	}
	return resp, nil
}

// cell computes one value: a flow's sum over the period, a stock's level at
// its end, or a derived rate; suppressed when 0 < count < k. ok is false
// for a conviction_rate of a period without a verdict, which has no value.
func (s *Server) cell(office string, per period, metric string, get func(string) series, k int) (v *insightsv1.MetricValue, ok bool) {
	v = &insightsv1.MetricValue{Office: office, Period: per.label, Metric: metric}
	count := func(name string) int64 {
		if stockMetrics[name] {
			return get(name).upTo(per.end)
		}
		return get(name).between(per.start, per.end)
	}
	small := func(n int64) bool { return k > 0 && n > 0 && n < int64(k) }
	switch metric {
	case MetricConvictionRate:
		c, a := count(MetricConvictions), count(MetricAcquittals)
		if c+a <= 0 {
			return nil, false
		}
		if small(c) || small(a) {
			v.Suppressed = true
			return v, true
		}
		v.Value = percent(c, c+a)
	default:
		n := count(metric)
		if small(n) {
			v.Suppressed = true
			return v, true
		}
		v.Value = n
	}
	return v, true
}

// percent returns part/whole as a whole percentage rounded half up; 0 when
// whole is not positive.
func percent(part, whole int64) int64 {
	if whole <= 0 {
		return 0
	}
	return (200*part + whole) / (2 * whole)
}

// threshold returns the suppression threshold for p: 0 for office staff or
// when suppression is disabled, else Config.SuppressionK.
func (s *Server) threshold(p identity.Principal) int {
	if isStaff(p) {
		return 0
	}
	return s.cfg.SuppressionK
}

// parseMetricsRequest validates req for caller p.
func (s *Server) parseMetricsRequest(p identity.Principal, req *insightsv1.GetMetricsRequest) (metricsRequest, error) {
	var q metricsRequest
	offices, err := s.scope(p, req.GetOffices())
	if err != nil {
		return q, fmt.Errorf("insights.parseMetricsRequest: %w", err)
	}
	q.offices = offices

	var v errs.Violations
	if f := req.GetFrom(); f != "" {
		if q.from, q.fromSet = parseMonth(f); !q.fromSet {
			v.Add("from", "must be a month as YYYY-MM, e.g. 2024-01, or empty for the first recorded month")
		}
	}
	toDefault, toOK := req.GetTo() == "", true
	if toDefault {
		q.to = s.currentMonth(q.offices)
	} else if q.to, toOK = parseMonth(req.GetTo()); !toOK {
		v.Add("to", "must be a month as YYYY-MM, e.g. 2024-12, or empty for the current month")
	}
	if q.fromSet && toOK && q.from > q.to {
		if toDefault {
			v.Add("from", "must not be after the current month (%s)", q.to)
		} else {
			v.Add("to", "must not be before from (%s)", q.from)
		}
	}
	switch g := req.GetGranularity(); g {
	case insightsv1.Granularity_GRANULARITY_UNSPECIFIED:
		q.granularity = insightsv1.Granularity_GRANULARITY_MONTH
	case insightsv1.Granularity_GRANULARITY_MONTH, insightsv1.Granularity_GRANULARITY_QUARTER,
		insightsv1.Granularity_GRANULARITY_YEAR, insightsv1.Granularity_GRANULARITY_TOTAL:
		q.granularity = g
	default:
		v.Add("granularity", "must be GRANULARITY_MONTH, GRANULARITY_QUARTER, GRANULARITY_YEAR or GRANULARITY_TOTAL; got %d", int32(g))
	}
	if err := v.Err(); err != nil {
		return q, fmt.Errorf("insights.parseMetricsRequest: %w", err)
	}
	metrics, err := validMetricNames(req.GetMetrics())
	if err != nil {
		return q, fmt.Errorf("insights.parseMetricsRequest: %w", err)
	}
	q.metrics = metrics
	return q, nil
}

// currentMonth returns the current month in the latest of the offices'
// time zones (UTC when offices is empty), so that the office whose month
// has begun already sees it.
func (s *Server) currentMonth(offices []string) month {
	now := s.now()
	cur, _ := parseMonth(now.UTC().Format("2006-01"))
	first := true
	for _, o := range offices {
		loc, ok := s.locations[o]
		if !ok {
			continue
		}
		local, _ := parseMonth(now.In(loc).Format("2006-01"))
		if first || local > cur {
			cur, first = local, false
		}
	}
	return cur
}
