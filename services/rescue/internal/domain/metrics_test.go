package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func TestSurvivorMetrics(t *testing.T) {
	t.Parallel()
	minor, err := newSurvivor(validSurvivorFields())
	if err != nil {
		t.Fatal(err)
	}
	// Rescued at 23:45 IST on 31 March: March in India, still March in UTC too.
	minor.RescueTime = time.Date(2025, 3, 31, 18, 15, 0, 0, time.UTC)
	want := []domain.MetricCount{
		{Metric: domain.MetricSurvivorsRescued, Month: "2025-03", Delta: 1},
		{Metric: domain.MetricMinorsRescued, Month: "2025-03", Delta: 1},
	}
	if got := domain.SurvivorMetrics(minor, ist); !slices.Equal(got, want) {
		t.Errorf("minor: %v, want %v", got, want)
	}
	// 00:15 IST on 1 April is April in the office's calendar, March in UTC.
	minor.RescueTime = time.Date(2025, 3, 31, 18, 45, 0, 0, time.UTC)
	if got := domain.SurvivorMetrics(minor, ist); got[0].Month != "2025-04" || got[1].Month != "2025-04" {
		t.Errorf("rescued 00:15 IST on 1 April counts in %v, want 2025-04", got)
	}

	adult := minor.Clone()
	adult.AgeAtRescue = domain.AdultAge
	if got := domain.SurvivorMetrics(adult, ist); len(got) != 1 || got[0] != (domain.MetricCount{Metric: domain.MetricSurvivorsRescued, Month: "2025-04", Delta: 1}) {
		t.Errorf("adult of exactly 18: %v, want survivors_rescued only", got)
	}
	seventeen := minor.Clone()
	seventeen.AgeAtRescue = domain.AdultAge - 1
	if got := domain.SurvivorMetrics(seventeen, ist); len(got) != 2 {
		t.Errorf("17 at rescue: %v, want a minor", got)
	}

	// Erasing the identity changes nothing.
	before := domain.SurvivorMetrics(minor, ist)
	erased := minor.Clone()
	if err := erased.EraseIdentity(domain.Change{Actor: "d", Time: t0, Reason: "purpose served"}); err != nil {
		t.Fatal(err)
	}
	if got := domain.SurvivorMetrics(erased, ist); !slices.Equal(got, before) {
		t.Errorf("after erasure: %v, before %v", got, before)
	}
}

func TestOperationMetrics(t *testing.T) {
	t.Parallel()
	conductTime := time.Date(2025, 4, 30, 19, 0, 0, 0, time.UTC) // 00:30 IST on 1 May
	for _, c := range []struct {
		status domain.OperationStatus
		counts bool
	}{
		{domain.OperationPlanned, false},
		{domain.OperationConducted, true},
		{domain.OperationClosed, true},
		{domain.OperationAborted, false},
	} {
		o := operationIn(t, c.status)
		if c.counts {
			o.ConductTime = conductTime
		}
		got := domain.OperationMetrics(o, ist)
		if !c.counts {
			if len(got) != 0 {
				t.Errorf("%s operation counts %v, want nothing", c.status, got)
			}
			continue
		}
		want := []domain.MetricCount{{Metric: domain.MetricOperationsConducted, Month: "2025-05", Delta: 1}}
		if !slices.Equal(got, want) {
			t.Errorf("%s operation counts %v, want %v", c.status, got, want)
		}
	}
}

func TestKnownMetrics(t *testing.T) {
	t.Parallel()
	if got := domain.KnownMetrics(nil); !slices.Equal(got, domain.ProvidedMetrics()) {
		t.Errorf("KnownMetrics(nil) = %v", got)
	}
	got := domain.KnownMetrics([]string{"convictions", domain.MetricOperationsConducted, domain.MetricSurvivorsRescued, domain.MetricSurvivorsRescued})
	if want := []string{domain.MetricSurvivorsRescued, domain.MetricOperationsConducted}; !slices.Equal(got, want) {
		t.Errorf("KnownMetrics = %v, want %v", got, want)
	}
	if got := domain.KnownMetrics([]string{"convictions"}); len(got) != 0 {
		t.Errorf("only another source's metric: %v, want none", got)
	}
}
