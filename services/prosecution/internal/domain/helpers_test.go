package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// t0 is 16:00 on 14 March 2025 in Mumbai: the office's today is 2025-03-14.
var t0 = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

var ist = time.FixedZone("IST", 5*3600+1800)

// today is the office's today at t0.
var today = day(2025, 3, 14)

func day(y, m, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func change(requestID string) domain.Change {
	return domain.Change{Actor: "meera", Time: t0, RequestID: requestID}
}

// assertViolation fails unless err is INVALID_ARGUMENT with a violation on
// field whose description contains want.
func assertViolation(t *testing.T, err error, field, want string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalidArgument {
		t.Fatalf("err = %v, want INVALID_ARGUMENT with a violation on %s", err, field)
	}
	for _, v := range e.Violations {
		if v.Field == field && strings.Contains(v.Description, want) {
			return
		}
	}
	t.Errorf("violations %+v do not name %s saying %q", e.Violations, field, want)
}

// assertFailedPrecondition fails unless err is FAILED_PRECONDITION with the
// reason and a message containing want.
func assertFailedPrecondition(t *testing.T, err error, reason, want string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != reason {
		t.Fatalf("err = %v, want FAILED_PRECONDITION %s", err, reason)
	}
	if !strings.Contains(e.Message, want) {
		t.Errorf("message = %q, want it to contain %q", e.Message, want)
	}
}

// assertIllegal fails unless err is FAILED_PRECONDITION ILLEGAL_TRANSITION
// whose message names the record, both states and exactly the allowed ones.
func assertIllegal(t *testing.T, err error, name, from, to, allowed string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != "ILLEGAL_TRANSITION" {
		t.Fatalf("%s -> %s: err = %v, want FAILED_PRECONDITION ILLEGAL_TRANSITION", from, to, err)
	}
	want := fmt.Sprintf("%s is %s; cannot move to %s (allowed from %s: %s)", name, from, to, from, allowed)
	if e.Message != want {
		t.Errorf("message = %q\nwant      %q", e.Message, want)
	}
	if e.Metadata["current_state"] != from || e.Metadata["requested_state"] != to {
		t.Errorf("metadata = %v, want current_state %s requested_state %s", e.Metadata, from, to)
	}
}

// joinOrNone lists states as a lifecycle message does.
func joinOrNone[S ~string](states []S) string {
	if len(states) == 0 {
		return "none"
	}
	names := make([]string, len(states))
	for i, s := range states {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
