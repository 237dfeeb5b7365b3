package record

import (
	"fmt"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// Today is the calendar date of now in the office's time zone tz (nil means
// UTC), allowing ClockSkew: a device whose clock has just passed the office's
// midnight may already record "today". Dates a caller supplies (an FIR date,
// an arrest date) are checked against it, never against the server's zone.
func Today(now time.Time, tz *time.Location) Date {
	if tz == nil {
		tz = time.UTC
	}
	return DateOf(now.Add(ClockSkew), tz)
}

// YearMonth formats the month of d as YYYY-MM, the month key of the metrics.
func (d Date) YearMonth() string {
	return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
}

// DaysUntil is the number of days from d to e: 0 on the same day, negative
// when e is before d. Both dates must be valid.
func (d Date) DaysUntil(e Date) int {
	return int(e.Midnight(time.UTC).Sub(d.Midnight(time.UTC)).Hours()) / 24
}

// CheckDate records a violation when d is unset but required, or set but not
// a valid calendar date. It reports whether d is set and valid, so callers
// compare only dates that mean something. Messages never echo the date: the
// same check serves protected dates (a date of birth).
func CheckDate(v *errs.Violations, field string, d Date, required bool) bool {
	if d.IsZero() {
		if required {
			v.Add(field, "is required: a full calendar date (year, month and day)")
		}
		return false
	}
	if !d.Valid() {
		v.Add(field, "must be a valid calendar date with year, month and day")
		return false
	}
	return true
}

// CheckNotFuture records a violation when d is after today (see Today).
func CheckNotFuture(v *errs.Violations, field string, d, today Date) bool {
	if d.After(today) {
		v.Add(field, "must not be in the future (today is %s in the office's time zone)", today.ISO())
		return false
	}
	return true
}

// CheckNotBefore records a violation when d is before earliest; what says
// what earliest is, e.g. "the FIR date", and is named in the message with it.
func CheckNotBefore(v *errs.Violations, field string, d, earliest Date, what string) bool {
	if d.Before(earliest) {
		v.Add(field, "must not be before %s (%s)", what, earliest.ISO())
		return false
	}
	return true
}
