package domain_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func TestMonthIsTheOfficesCalendarMonth(t *testing.T) {
	t.Parallel()
	kathmandu := time.FixedZone("NPT", 5*3600+45*60)
	newYork := time.FixedZone("EST", -5*3600)
	cases := []struct {
		t    time.Time
		tz   *time.Location
		want string
	}{
		{time.Date(2025, 3, 31, 18, 29, 0, 0, time.UTC), ist, "2025-03"},
		{time.Date(2025, 3, 31, 18, 30, 0, 0, time.UTC), ist, "2025-04"}, // midnight in India
		{time.Date(2025, 3, 31, 18, 14, 0, 0, time.UTC), kathmandu, "2025-03"},
		{time.Date(2025, 3, 31, 18, 15, 0, 0, time.UTC), kathmandu, "2025-04"},
		{time.Date(2025, 1, 1, 3, 0, 0, 0, time.UTC), newYork, "2024-12"},
		{time.Date(2025, 1, 1, 3, 0, 0, 0, time.UTC), nil, "2025-01"},
		{time.Date(999, 12, 31, 23, 0, 0, 0, time.UTC), time.UTC, "0999-12"},
	}
	for _, c := range cases {
		if got := domain.Month(c.t, c.tz); got != c.want {
			t.Errorf("Month(%s, %v) = %s, want %s", c.t.Format(time.RFC3339), c.tz, got, c.want)
		}
	}
}

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

func TestValidateMetricsQuery(t *testing.T) {
	t.Parallel()
	if err := domain.ValidateMetricsQuery(nil, nil, "", ""); err != nil {
		t.Errorf("empty query: %v", err)
	}
	if err := domain.ValidateMetricsQuery([]string{"mumbai", "kolkata"}, []string{"anything", "Not A Name"}, "2024-01", "2024-01"); err != nil {
		t.Errorf("valid query: %v", err)
	}
	cases := []struct {
		offices        []string
		from, to       string
		field, message string
	}{
		{[]string{"mumbai", "Mumbai"}, "", "", "offices[1]", `must be an office code`},
		{[]string{""}, "", "", "offices[0]", `got ""`},
		{[]string{"-"}, "", "", "offices[0]", "must be an office code"},
		{nil, "2025-13", "", "from_month", `got "2025-13"`},
		{nil, "", "2025-3", "to_month", "YYYY-MM"},
		{nil, "", "March 2025", "to_month", "YYYY-MM"},
		{nil, "2025-04", "2025-03", "to_month", "must not be before from_month 2025-04"},
		{make([]string, domain.MaxMetricsQueryOffices+1), "", "", "offices", "at most 100 offices"},
	}
	for _, c := range cases {
		err := domain.ValidateMetricsQuery(c.offices, nil, c.from, c.to)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != domain.ReasonInvalidMetricsQuery {
			t.Errorf("%v %q %q: err = %v, want INVALID_ARGUMENT %s", c.offices, c.from, c.to, err, domain.ReasonInvalidMetricsQuery)
			continue
		}
		if !slices.ContainsFunc(e.Violations, func(v errs.FieldViolation) bool {
			return v.Field == c.field && strings.Contains(v.Description, c.message)
		}) {
			t.Errorf("%v %q %q: violations %v, want one on %s saying %q", c.offices, c.from, c.to, e.Violations, c.field, c.message)
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

func TestValidateRebuildReason(t *testing.T) {
	t.Parallel()
	if v := domain.ValidateRebuildReason("counters drifted after a restore"); len(v) != 0 {
		t.Errorf("valid reason: %v", v)
	}
	for _, reason := range []string{"", "   ", strings.Repeat("x", domain.MaxReasonLength+1)} {
		if v := domain.ValidateRebuildReason(reason); len(v) != 1 || v[0].Field != "reason" {
			t.Errorf("reason of %d characters: %v, want a violation on reason", len(reason), v)
		}
	}
}
