package record

import (
	"fmt"
	"time"
)

// Date is a calendar date with no time zone: a date of birth, an FIR date,
// a hearing date. The zero Date means "not set".
type Date struct {
	Year, Month, Day int
}

// DateOf is the calendar date of t in the time zone tz (an office's zone).
func DateOf(t time.Time, tz *time.Location) Date {
	y, m, d := t.In(tz).Date()
	return Date{Year: y, Month: int(m), Day: d}
}

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether the date exists in the proleptic Gregorian calendar.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	t := time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
	return t.Day() == d.Day
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmpInt(d.Year, e.Year)
	case d.Month != e.Month:
		return cmpInt(d.Month, e.Month)
	default:
		return cmpInt(d.Day, e.Day)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AddDays returns the date n days after d (before, for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(d.Midnight(time.UTC).AddDate(0, 0, n), time.UTC)
}

// Midnight is the start of the day d in the time zone tz.
func (d Date) Midnight(tz *time.Location) time.Time {
	return time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, tz)
}

// ISO formats the date as YYYY-MM-DD. A survivor's date of birth is
// protected identity: never log or print it.
func (d Date) ISO() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// ParseDate parses YYYY-MM-DD; ok is false for anything else or a date
// that does not exist.
func ParseDate(s string) (d Date, ok bool) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, false
	}
	return DateOf(t, time.UTC), true
}

// AgeOn is the age in whole years, on day e, of someone born on d.
func (d Date) AgeOn(e Date) int {
	age := e.Year - d.Year
	if e.Before(Date{Year: e.Year, Month: d.Month, Day: d.Day}) {
		age--
	}
	return age
}
