package metricsource_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/record"
)

var ist = time.FixedZone("IST", 5*3600+1800)

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
		if got := metricsource.Month(c.t, c.tz); got != c.want {
			t.Errorf("Month(%s, %v) = %s, want %s", c.t.Format(time.RFC3339), c.tz, got, c.want)
		}
	}
}

func TestValidateMetricsQuery(t *testing.T) {
	t.Parallel()
	if err := metricsource.ValidateMetricsQuery(nil, nil, "", ""); err != nil {
		t.Errorf("empty query: %v", err)
	}
	if err := metricsource.ValidateMetricsQuery([]string{"mumbai", "kolkata"}, []string{"anything", "Not A Name"}, "2024-01", "2024-01"); err != nil {
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
		{make([]string, metricsource.MaxMetricsQueryOffices+1), "", "", "offices", "at most 100 offices"},
	}
	for _, c := range cases {
		err := metricsource.ValidateMetricsQuery(c.offices, nil, c.from, c.to)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != metricsource.ReasonInvalidMetricsQuery {
			t.Errorf("%v %q %q: err = %v, want INVALID_ARGUMENT %s", c.offices, c.from, c.to, err, metricsource.ReasonInvalidMetricsQuery)
			continue
		}
		if !slices.ContainsFunc(e.Violations, func(v errs.FieldViolation) bool {
			return v.Field == c.field && strings.Contains(v.Description, c.message)
		}) {
			t.Errorf("%v %q %q: violations %v, want one on %s saying %q", c.offices, c.from, c.to, e.Violations, c.field, c.message)
		}
	}
}

func TestValidateRebuildReason(t *testing.T) {
	t.Parallel()
	if v := metricsource.ValidateRebuildReason("counters drifted after a restore"); len(v) != 0 {
		t.Errorf("valid reason: %v", v)
	}
	for _, reason := range []string{"", "   ", strings.Repeat("x", record.MaxReasonLength+1)} {
		if v := metricsource.ValidateRebuildReason(reason); len(v) != 1 || v[0].Field != "reason" {
			t.Errorf("reason of %d characters: %v, want a violation on reason", len(reason), v)
		}
	}
}

func TestKnownMetricsKeepsTheProvidedOrder(t *testing.T) {
	t.Parallel()
	provided := []string{"cases_filed", "convictions", "acquittals"}
	all := metricsource.KnownMetrics(provided, nil)
	if !slices.Equal(all, provided) {
		t.Errorf("KnownMetrics(nil) = %v, want %v", all, provided)
	}
	all[0] = "changed"
	if provided[0] != "cases_filed" {
		t.Error("KnownMetrics(nil) returned the provided slice itself, not a copy")
	}
	got := metricsource.KnownMetrics(provided, []string{"survivors_rescued", "acquittals", "cases_filed", "acquittals"})
	if want := []string{"cases_filed", "acquittals"}; !slices.Equal(got, want) {
		t.Errorf("KnownMetrics = %v, want %v", got, want)
	}
	if got := metricsource.KnownMetrics(provided, []string{"survivors_rescued"}); len(got) != 0 {
		t.Errorf("only another source's metric: %v, want none", got)
	}
}
