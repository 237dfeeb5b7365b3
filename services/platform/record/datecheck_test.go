package record_test

import (
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

func TestTodayIsTheOfficesDateWithClockSkew(t *testing.T) {
	t.Parallel()
	ist := time.FixedZone("IST", 5*3600+1800)
	cases := []struct {
		now  time.Time
		tz   *time.Location
		want record.Date
	}{
		{time.Date(2025, 3, 31, 18, 0, 0, 0, time.UTC), ist, record.Date{Year: 2025, Month: 3, Day: 31}},
		// 23:59 IST: within ClockSkew of midnight, so 1 April is already accepted.
		{time.Date(2025, 3, 31, 18, 29, 0, 0, time.UTC), ist, record.Date{Year: 2025, Month: 4, Day: 1}},
		{time.Date(2025, 3, 31, 18, 27, 59, 0, time.UTC), ist, record.Date{Year: 2025, Month: 3, Day: 31}},
		{time.Date(2025, 3, 31, 18, 29, 0, 0, time.UTC), nil, record.Date{Year: 2025, Month: 3, Day: 31}},
	}
	for _, c := range cases {
		if got := record.Today(c.now, c.tz); got != c.want {
			t.Errorf("Today(%s, %v) = %s, want %s", c.now.Format(time.RFC3339), c.tz, got.ISO(), c.want.ISO())
		}
	}
}

func TestYearMonthAndDaysUntil(t *testing.T) {
	t.Parallel()
	d := record.Date{Year: 2024, Month: 2, Day: 28}
	if got := d.YearMonth(); got != "2024-02" {
		t.Errorf("YearMonth = %s, want 2024-02", got)
	}
	cases := []struct {
		to   record.Date
		want int
	}{
		{record.Date{Year: 2024, Month: 2, Day: 28}, 0},
		{record.Date{Year: 2024, Month: 3, Day: 1}, 2}, // leap year
		{record.Date{Year: 2025, Month: 2, Day: 28}, 366},
		{record.Date{Year: 2024, Month: 2, Day: 27}, -1},
	}
	for _, c := range cases {
		if got := d.DaysUntil(c.to); got != c.want {
			t.Errorf("DaysUntil(%s) = %d, want %d", c.to.ISO(), got, c.want)
		}
	}
}

func TestDateChecks(t *testing.T) {
	t.Parallel()
	today := record.Date{Year: 2025, Month: 3, Day: 14}
	cases := []struct {
		name     string
		check    func(v *errs.Violations) bool
		ok       bool
		contains string
	}{
		{"unset optional", func(v *errs.Violations) bool { return record.CheckDate(v, "f", record.Date{}, false) }, false, ""},
		{"unset required", func(v *errs.Violations) bool { return record.CheckDate(v, "f", record.Date{}, true) }, false, "is required"},
		{"invalid", func(v *errs.Violations) bool {
			return record.CheckDate(v, "f", record.Date{Year: 2025, Month: 2, Day: 29}, true)
		}, false, "valid calendar date"},
		{"partial", func(v *errs.Violations) bool { return record.CheckDate(v, "f", record.Date{Year: 2025}, false) }, false, "valid calendar date"},
		{"valid", func(v *errs.Violations) bool { return record.CheckDate(v, "f", today, true) }, true, ""},
		{"today", func(v *errs.Violations) bool { return record.CheckNotFuture(v, "f", today, today) }, true, ""},
		{"tomorrow", func(v *errs.Violations) bool { return record.CheckNotFuture(v, "f", today.AddDays(1), today) }, false, "today is 2025-03-14"},
		{"same day", func(v *errs.Violations) bool { return record.CheckNotBefore(v, "f", today, today, "the FIR date") }, true, ""},
		{"day before", func(v *errs.Violations) bool {
			return record.CheckNotBefore(v, "f", today.AddDays(-1), today, "the FIR date")
		}, false, "must not be before the FIR date (2025-03-14)"},
	}
	for _, c := range cases {
		var v errs.Violations
		ok := c.check(&v)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", c.name, ok, c.ok)
		}
		if c.contains == "" {
			if len(v) != 0 {
				t.Errorf("%s: violations %v, want none", c.name, v)
			}
			continue
		}
		if len(v) != 1 || v[0].Field != "f" || !strings.Contains(v[0].Description, c.contains) {
			t.Errorf("%s: violations %v, want one on f containing %q", c.name, v, c.contains)
		}
	}
}
