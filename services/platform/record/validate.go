package record

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/justiceops/justice/services/platform/errs"
)

// CheckRequired records a violation when s is empty or only white space.
func CheckRequired(v *errs.Violations, field, s string) bool {
	if strings.TrimSpace(s) == "" {
		v.Add(field, "is required")
		return false
	}
	return true
}

// CheckMaxLen records a violation when s is longer than max characters. When
// echo is false (protected identity), the message does not reveal the length.
func CheckMaxLen(v *errs.Violations, field, s string, maxLen int, echo bool) {
	n := utf8.RuneCountInString(s)
	if n <= maxLen {
		return
	}
	if echo {
		v.Add(field, "must be at most %d characters; got %d", maxLen, n)
		return
	}
	v.Add(field, "must be at most %d characters", maxLen)
}

// CheckPast records a violation when t is later than now (plus ClockSkew).
func CheckPast(v *errs.Violations, field string, t, now time.Time) {
	if t.After(now.Add(ClockSkew)) {
		v.Add(field, "must not be in the future (now is %s)", now.UTC().Format(time.RFC3339))
	}
}

// Enumeration is a closed set of stored values, e.g. the statuses of a location.
type Enumeration[E ~string] []E

// Contains reports whether x is one of the values.
func (e Enumeration[E]) Contains(x E) bool {
	for _, y := range e {
		if y == x {
			return true
		}
	}
	return false
}

// String lists the values, comma separated, for messages.
func (e Enumeration[E]) String() string {
	names := make([]string, len(e))
	for i, x := range e {
		names[i] = string(x)
	}
	return strings.Join(names, ", ")
}

// CheckEnum records a violation when x is not one of the allowed values. An
// empty x is reported as required.
func CheckEnum[E ~string](v *errs.Violations, field string, x E, allowed Enumeration[E]) {
	switch {
	case x == "":
		v.Add(field, "is required; must be one of %s", allowed)
	case !allowed.Contains(x):
		v.Add(field, "must be one of %s; got %s", allowed, x)
	}
}
