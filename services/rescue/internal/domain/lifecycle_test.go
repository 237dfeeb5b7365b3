package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

var t0 = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

func validLocationFields() domain.LocationFields {
	return domain.LocationFields{DisplayName: "Lane 4 lodge", Type: domain.LocationTypeHotelOrLodge, Area: "Kamathipura", District: "Mumbai City"}
}

func locationIn(t *testing.T, s domain.LocationStatus) *domain.Location {
	t.Helper()
	l, err := domain.NewLocation("loc1", "mumbai", validLocationFields(), "priya", t0)
	if err != nil {
		t.Fatalf("NewLocation: %v", err)
	}
	l.Status = s
	return l
}

func TestLocationTransitions(t *testing.T) {
	t.Parallel()
	legal := map[[2]domain.LocationStatus]bool{
		{domain.LocationSuspected, domain.LocationUnderInvestigation}: true,
		{domain.LocationSuspected, domain.LocationDismissed}:          true,
		{domain.LocationUnderInvestigation, domain.LocationConfirmed}: true,
		{domain.LocationUnderInvestigation, domain.LocationDismissed}: true,
		{domain.LocationConfirmed, domain.LocationRaided}:             true,
		{domain.LocationConfirmed, domain.LocationDismissed}:          true,
		{domain.LocationRaided, domain.LocationClosed}:                true,
	}
	for _, from := range domain.LocationStatuses {
		for _, to := range domain.LocationStatuses {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				t.Parallel()
				l := locationIn(t, from)
				c := domain.Change{Actor: "arjun", Time: t0.Add(time.Hour), Reason: "evidence gathered", RequestID: "req-1"}
				err := l.Transition(to, c)
				if legal[[2]domain.LocationStatus{from, to}] {
					if err != nil {
						t.Fatalf("legal transition %s -> %s failed: %v", from, to, err)
					}
					if l.Status != to {
						t.Errorf("status = %s, want %s", l.Status, to)
					}
					want := domain.Transition[domain.LocationStatus]{From: from, To: to, Actor: "arjun", Time: t0.Add(time.Hour), Reason: "evidence gathered", RequestID: "req-1"}
					if len(l.Transitions) != 1 || l.Transitions[0] != want {
						t.Errorf("transitions = %+v, want [%+v]", l.Transitions, want)
					}
					if l.UpdatedBy != "arjun" || !l.UpdateTime.Equal(t0.Add(time.Hour)) {
						t.Errorf("audit fields not updated: by %q at %v", l.UpdatedBy, l.UpdateTime)
					}
					if !l.Applied("req-1") || l.Applied("req-2") || l.Applied("") {
						t.Errorf("Applied does not find exactly the request that made the change")
					}
					return
				}
				assertIllegal(t, err, "location offices/mumbai/locations/loc1", string(from), string(to))
				if l.Status != from || len(l.Transitions) != 0 {
					t.Errorf("illegal transition changed the record: status %s, %d transitions", l.Status, len(l.Transitions))
				}
			})
		}
	}
}

func TestOperationTransitions(t *testing.T) {
	t.Parallel()
	type move struct {
		to    domain.OperationStatus
		apply func(o *domain.Operation, c domain.Change) error
	}
	moves := []move{
		{domain.OperationConducted, func(o *domain.Operation, c domain.Change) error {
			return o.Conduct(domain.Conduct{Time: t0, SuspectsApprehended: 3}, c)
		}},
		{domain.OperationClosed, (*domain.Operation).Close},
		{domain.OperationAborted, (*domain.Operation).Abort},
	}
	legal := map[[2]domain.OperationStatus]bool{
		{domain.OperationPlanned, domain.OperationConducted}: true,
		{domain.OperationPlanned, domain.OperationAborted}:   true,
		{domain.OperationConducted, domain.OperationClosed}:  true,
	}
	for _, from := range domain.OperationStatuses {
		for _, m := range moves {
			t.Run(fmt.Sprintf("%s_to_%s", from, m.to), func(t *testing.T) {
				t.Parallel()
				o := operationIn(t, from)
				c := domain.Change{Actor: "arjun", Time: t0.Add(time.Hour), Reason: "r", RequestID: "req-9"}
				err := m.apply(o, c)
				if legal[[2]domain.OperationStatus{from, m.to}] {
					if err != nil {
						t.Fatalf("legal transition %s -> %s failed: %v", from, m.to, err)
					}
					if o.Status != m.to || len(o.Transitions) != 1 || o.Transitions[0].From != from || o.Transitions[0].To != m.to {
						t.Errorf("after %s -> %s: status %s, transitions %+v", from, m.to, o.Status, o.Transitions)
					}
					if m.to == domain.OperationConducted && (!o.ConductTime.Equal(t0) || o.SuspectsApprehended != 3) {
						t.Errorf("conduct not recorded: time %v, suspects %d", o.ConductTime, o.SuspectsApprehended)
					}
					return
				}
				assertIllegal(t, err, "operation offices/mumbai/operations/op1", string(from), string(m.to))
				if o.Status != from || len(o.Transitions) != 0 || !o.ConductTime.IsZero() {
					t.Errorf("illegal transition changed the record")
				}
			})
		}
	}
}

func assertIllegal(t *testing.T, err error, name, from, to string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != "ILLEGAL_TRANSITION" {
		t.Fatalf("illegal transition %s -> %s: err = %v, want FAILED_PRECONDITION ILLEGAL_TRANSITION", from, to, err)
	}
	wantPrefix := fmt.Sprintf("%s is %s; cannot move to %s (allowed from %s: ", name, from, to, from)
	if !strings.HasPrefix(e.Message, wantPrefix) {
		t.Errorf("message = %q, want prefix %q", e.Message, wantPrefix)
	}
	if e.Metadata["current_state"] != from || e.Metadata["requested_state"] != to {
		t.Errorf("metadata = %v, want current_state %s requested_state %s", e.Metadata, from, to)
	}
}

func TestIllegalTransitionMessageListsAllowedStates(t *testing.T) {
	t.Parallel()
	l := locationIn(t, domain.LocationClosed)
	err := l.Transition(domain.LocationUnderInvestigation, domain.Change{Actor: "a", Time: t0})
	want := "location offices/mumbai/locations/loc1 is CLOSED; cannot move to UNDER_INVESTIGATION (allowed from CLOSED: none)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	l = locationIn(t, domain.LocationSuspected)
	err = l.Transition(domain.LocationRaided, domain.Change{Actor: "a", Time: t0})
	want = "location offices/mumbai/locations/loc1 is SUSPECTED; cannot move to RAIDED (allowed from SUSPECTED: UNDER_INVESTIGATION, DISMISSED)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %q", err, want)
	}
	if got := domain.NextLocationStatuses(domain.LocationConfirmed); !slices.Equal(got, []domain.LocationStatus{domain.LocationRaided, domain.LocationDismissed}) {
		t.Errorf("NextLocationStatuses(CONFIRMED) = %v", got)
	}
	if got := domain.NextOperationStatuses(domain.OperationAborted); len(got) != 0 {
		t.Errorf("NextOperationStatuses(ABORTED) = %v, want none", got)
	}
}

func TestTransitionReasonTooLong(t *testing.T) {
	t.Parallel()
	l := locationIn(t, domain.LocationSuspected)
	err := l.Transition(domain.LocationUnderInvestigation, domain.Change{Actor: "a", Time: t0, Reason: strings.Repeat("x", domain.MaxReasonLength+1)})
	assertViolation(t, err, "reason")
	if l.Status != domain.LocationSuspected {
		t.Errorf("status changed despite invalid reason")
	}
}

func TestConductValidation(t *testing.T) {
	t.Parallel()
	now := t0
	tests := []struct {
		name  string
		d     domain.Conduct
		field string
	}{
		{"missing time", domain.Conduct{}, "conduct_time"},
		{"future time", domain.Conduct{Time: now.Add(domain.ClockSkew + time.Second)}, "conduct_time"},
		{"negative suspects", domain.Conduct{Time: now, SuspectsApprehended: -1}, "suspects_apprehended"},
		{"absurd suspects", domain.Conduct{Time: now, SuspectsApprehended: domain.MaxSuspectsApprehended + 1}, "suspects_apprehended"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := operationIn(t, domain.OperationPlanned)
			err := o.Conduct(tc.d, domain.Change{Actor: "a", Time: now})
			assertViolation(t, err, tc.field)
			if o.Status != domain.OperationPlanned {
				t.Errorf("status changed despite invalid conduct")
			}
		})
	}
	o := operationIn(t, domain.OperationPlanned)
	if err := o.Conduct(domain.Conduct{Time: now.Add(domain.ClockSkew)}, domain.Change{Actor: "a", Time: now}); err != nil {
		t.Errorf("conduct within clock skew rejected: %v", err)
	}
}

func TestDeletable(t *testing.T) {
	t.Parallel()
	for _, s := range domain.LocationStatuses {
		err := locationIn(t, s).CheckDeletable()
		want := s == domain.LocationSuspected || s == domain.LocationDismissed
		if (err == nil) != want {
			t.Errorf("location %s deletable = %v, want %v", s, err == nil, want)
		}
		if err != nil && !errs.Is(err, errs.KindFailedPrecondition) {
			t.Errorf("location %s: err kind = %v", s, err)
		}
		accepts := s == domain.LocationConfirmed || s == domain.LocationRaided
		if got := locationIn(t, s).AcceptsOperations(); got != accepts {
			t.Errorf("location %s AcceptsOperations = %v, want %v", s, got, accepts)
		}
	}
	for _, s := range domain.OperationStatuses {
		err := operationIn(t, s).CheckDeletable()
		want := s == domain.OperationPlanned || s == domain.OperationAborted
		if (err == nil) != want {
			t.Errorf("operation %s deletable = %v, want %v", s, err == nil, want)
		}
		accepts := s == domain.OperationConducted || s == domain.OperationClosed
		if got := operationIn(t, s).AcceptsSurvivors(); got != accepts {
			t.Errorf("operation %s AcceptsSurvivors = %v, want %v", s, got, accepts)
		}
	}
}

func TestEtag(t *testing.T) {
	t.Parallel()
	l := locationIn(t, domain.LocationSuspected)
	if l.Version != 1 || l.Etag() == "" {
		t.Fatalf("new record: version %d etag %q", l.Version, l.Etag())
	}
	if err := domain.CheckEtag("location", l.Name(), l.Meta, ""); err != nil {
		t.Errorf("empty etag must not be checked: %v", err)
	}
	if err := domain.CheckEtag("location", l.Name(), l.Meta, l.Etag()); err != nil {
		t.Errorf("current etag rejected: %v", err)
	}
	for _, stale := range []string{"2", "0", "garbage"} {
		err := domain.CheckEtag("location", l.Name(), l.Meta, stale)
		if e, ok := errs.As(err); !ok || e.Kind != errs.KindAborted || e.Reason != "ETAG_MISMATCH" {
			t.Errorf("etag %q: err = %v, want ABORTED ETAG_MISMATCH", stale, err)
		}
	}
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	office, id, ok := domain.SplitName("offices/mumbai/locations/abc", domain.CollectionLocations)
	if !ok || office != "mumbai" || id != "abc" {
		t.Errorf("SplitName = %q %q %v", office, id, ok)
	}
	for _, bad := range []string{"", "offices/mumbai/operations/abc", "offices//locations/abc", "offices/mumbai/locations/", "offices/mumbai/locations/a/b"} {
		if _, _, ok := domain.SplitName(bad, domain.CollectionLocations); ok {
			t.Errorf("SplitName(%q) ok", bad)
		}
	}
}

func assertViolation(t *testing.T, err error, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalidArgument {
		t.Fatalf("err = %v, want INVALID_ARGUMENT with a violation on %s", err, field)
	}
	for _, v := range e.Violations {
		if v.Field == field {
			return
		}
	}
	t.Errorf("violations %+v do not name %s", e.Violations, field)
}
