// Package counterstest checks, in a service's tests, the property every
// metrics source keeps: its pre-aggregated counters equal a recount from
// its records.
//
//	counterstest.Equal(t, repos.Metrics.Counters(), map[counters.Key]int64{
//		{Office: "mumbai", Metric: "convictions", Month: "2025-05"}: 1,
//	})
package counterstest

import (
	"context"
	"maps"
	"testing"

	"github.com/justiceops/justice/services/platform/counters"
)

// Equal fails t unless the counters of s (Store.Counts) equal a recount of
// the records of its tracked collections (Store.Recount) and want. Only
// non-zero counters count: want lists none at zero.
func Equal(t testing.TB, s *counters.Store, want map[counters.Key]int64) {
	t.Helper()
	ctx := context.Background()
	got, err := s.Counts(ctx)
	if err != nil {
		t.Fatalf("counters: %v", err)
	}
	recount, err := s.Recount(ctx)
	if err != nil {
		t.Fatalf("recount: %v", err)
	}
	if !maps.Equal(got, recount) {
		t.Errorf("counters %v != recount %v", got, recount)
	}
	if !maps.Equal(got, want) {
		t.Errorf("counters %v, want %v", got, want)
	}
}
