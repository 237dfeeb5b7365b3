package kittest

import (
	"cmp"
	"testing"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/counters"
)

// MetricValues returns the values of a QueryMetrics answer by office,
// metric and month, to compare with a test's model (or with
// counterstest.Equal's want). It fails t if the values are not sorted by
// office, metric and month with no cell twice, as the contract promises.
func MetricValues(t testing.TB, resp *metricsv1.QueryMetricsResponse) map[counters.Key]int64 {
	t.Helper()
	out := make(map[counters.Key]int64, len(resp.GetValues()))
	var prev counters.Key
	for i, v := range resp.GetValues() {
		k := counters.Key{Office: v.GetOffice(), Metric: v.GetMetric(), Month: v.GetMonth()}
		if i > 0 && cmp.Or(cmp.Compare(prev.Office, k.Office), cmp.Compare(prev.Metric, k.Metric), cmp.Compare(prev.Month, k.Month)) >= 0 {
			t.Errorf("kittest.MetricValues: values not sorted by office, metric and month without repeats: %v then %v", prev, k)
		}
		prev = k
		out[k] = v.GetValue()
	}
	return out
}
