package domain_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

func newCompensation(t *testing.T, applied domain.Date) *domain.Compensation {
	t.Helper()
	c, err := domain.NewCompensation("k1", "mumbai", "c1", survivor,
		domain.CompensationFields{AppliedDate: applied, Authority: "DLSA Mumbai", ClaimedINR: 300000}, "priya", t0, ist)
	if err != nil {
		t.Fatalf("NewCompensation: %v", err)
	}
	return c
}

func TestCompensationSchemeBoundary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		applied domain.Date
		want    domain.CompensationScheme
	}{
		{day(2019, 5, 1), domain.SchemeCrPC357A},
		{day(2024, 6, 30), domain.SchemeCrPC357A},
		{day(2024, 7, 1), domain.SchemeBNSS396},
		{day(2025, 1, 1), domain.SchemeBNSS396},
	}
	for _, c := range cases {
		if got := newCompensation(t, c.applied).Scheme(); got != c.want {
			t.Errorf("applied %s: scheme %s, want %s", c.applied.ISO(), got, c.want)
		}
	}
}

func TestNewCompensation(t *testing.T) {
	t.Parallel()
	c := newCompensation(t, day(2025, 1, 5))
	if c.Name() != "offices/mumbai/cases/c1/compensations/k1" || c.CaseName() != caseName || c.Status != domain.CompensationApplied || c.Survivor != survivor {
		t.Errorf("new compensation = %+v", c)
	}
	base := domain.CompensationFields{AppliedDate: day(2025, 1, 5)}
	tests := []struct {
		name     string
		survivor string
		modify   func(*domain.CompensationFields)
		field    string
		want     string
	}{
		{"survivor missing", "", func(*domain.CompensationFields) {}, "compensation.survivor", "is required"},
		{"survivor elsewhere", "offices/kolkata/survivors/s1", func(*domain.CompensationFields) {}, "compensation.survivor", "office mumbai"},
		{"created awarded", survivor, func(f *domain.CompensationFields) { f.Status = domain.CompensationAwarded }, "compensation.status", "must be APPLIED or unset"},
		{"applied date missing", survivor, func(f *domain.CompensationFields) { f.AppliedDate = domain.Date{} }, "compensation.applied_date", "is required"},
		{"applied date in the future", survivor, func(f *domain.CompensationFields) { f.AppliedDate = day(2025, 3, 15) }, "compensation.applied_date", "in the future"},
		{"negative claim", survivor, func(f *domain.CompensationFields) { f.ClaimedINR = -1 }, "compensation.claimed_inr", "got -1"},
		{"absurd claim", survivor, func(f *domain.CompensationFields) { f.ClaimedINR = domain.MaxAmountINR + 1 }, "compensation.claimed_inr", "between 0 and"},
		{"awarded while applied", survivor, func(f *domain.CompensationFields) { f.AwardedINR = 5 }, "compensation.awarded_inr", "must be 0 while status is APPLIED"},
		{"paid date while applied", survivor, func(f *domain.CompensationFields) { f.PaidDate = day(2025, 2, 1) }, "compensation.paid_date", "must be empty unless status is PAID"},
	}
	for _, tc := range tests {
		f := base
		tc.modify(&f)
		_, err := domain.NewCompensation("k1", "mumbai", "c1", tc.survivor, f, "priya", t0, ist)
		assertViolation(t, err, tc.field, tc.want)
	}
}

// The compensation lifecycle, as the brief states it (with an award
// straight from APPLIED).
var compensationMoves = map[[2]domain.CompensationStatus]bool{
	{domain.CompensationApplied, domain.CompensationInterimAwarded}:  true,
	{domain.CompensationApplied, domain.CompensationAwarded}:         true,
	{domain.CompensationApplied, domain.CompensationRejected}:        true,
	{domain.CompensationInterimAwarded, domain.CompensationAwarded}:  true,
	{domain.CompensationInterimAwarded, domain.CompensationRejected}: true,
	{domain.CompensationAwarded, domain.CompensationPaid}:            true,
}

// fieldsFor are consistent fields for a compensation in status s.
func fieldsFor(s domain.CompensationStatus) domain.CompensationFields {
	f := domain.CompensationFields{AppliedDate: day(2024, 7, 1), Status: s}
	switch s {
	case domain.CompensationInterimAwarded, domain.CompensationAwarded, domain.CompensationRejected:
		f.AwardedINR, f.AwardedDate = 100000, day(2024, 9, 1)
	case domain.CompensationPaid:
		f.AwardedINR, f.AwardedDate, f.PaidDate = 100000, day(2024, 9, 1), day(2024, 10, 1)
	}
	return f
}

func TestCompensationLifecycleEveryPair(t *testing.T) {
	t.Parallel()
	mask := []domain.CompensationField{
		domain.CompensationFieldStatus, domain.CompensationFieldAwardedINR, domain.CompensationFieldAwardedDate, domain.CompensationFieldPaidDate,
	}
	for _, from := range domain.CompensationStatuses {
		var allowed []domain.CompensationStatus
		for _, to := range domain.CompensationStatuses {
			if compensationMoves[[2]domain.CompensationStatus{from, to}] {
				allowed = append(allowed, to)
			}
		}
		if got := domain.NextCompensationStatuses(from); !slices.Equal(got, allowed) {
			t.Errorf("NextCompensationStatuses(%s) = %v, want %v", from, got, allowed)
		}
		for _, to := range domain.CompensationStatuses {
			if to == from {
				continue // not a change of status
			}
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				t.Parallel()
				c := newCompensation(t, day(2024, 7, 1))
				c.CompensationFields = fieldsFor(from)
				err := c.Update(mask, fieldsFor(to), "arjun", t0, ist)
				if !compensationMoves[[2]domain.CompensationStatus{from, to}] {
					assertIllegal(t, err, "compensation offices/mumbai/cases/c1/compensations/k1", string(from), string(to), joinOrNone(allowed))
					if c.Status != from || len(c.Transitions) != 0 {
						t.Errorf("refused change changed the record")
					}
					return
				}
				if err != nil {
					t.Fatalf("legal change %s -> %s: %v", from, to, err)
				}
				want := domain.Transition[domain.CompensationStatus]{From: from, To: to, Actor: "arjun", Time: t0}
				if c.Status != to || len(c.Transitions) != 1 || c.Transitions[0] != want {
					t.Errorf("status %s transitions %+v", c.Status, c.Transitions)
				}
			})
		}
	}
}

func TestCompensationAwardRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.CompensationFields)
		field  string
		want   string
	}{
		{"award without amount", func(f *domain.CompensationFields) { f.AwardedINR = 0 }, "compensation.awarded_inr", "must be greater than 0 when status is AWARDED; got 0"},
		{"award without date", func(f *domain.CompensationFields) { f.AwardedDate = domain.Date{} }, "compensation.awarded_date", "is required when status is AWARDED"},
		{"award before application", func(f *domain.CompensationFields) { f.AwardedDate = day(2024, 6, 30) }, "compensation.awarded_date", "must not be before the applied date (2024-07-01)"},
		{"award in the future", func(f *domain.CompensationFields) { f.AwardedDate = day(2025, 3, 15) }, "compensation.awarded_date", "in the future"},
		{"paid date before paid", func(f *domain.CompensationFields) { f.PaidDate = day(2024, 10, 1) }, "compensation.paid_date", "must be empty unless status is PAID; got status AWARDED"},
	}
	mask := []domain.CompensationField{domain.CompensationFieldStatus, domain.CompensationFieldAwardedINR, domain.CompensationFieldAwardedDate, domain.CompensationFieldPaidDate}
	for _, tc := range tests {
		c := newCompensation(t, day(2024, 7, 1))
		f := fieldsFor(domain.CompensationAwarded)
		tc.modify(&f)
		assertViolation(t, c.Update(mask, f, "arjun", t0, ist), tc.field, tc.want)
		if c.Status != domain.CompensationApplied || len(c.Transitions) != 0 {
			t.Errorf("%s: invalid update changed the record", tc.name)
		}
	}
	paid := []struct {
		modify func(*domain.CompensationFields)
		want   string
	}{
		{func(f *domain.CompensationFields) { f.PaidDate = domain.Date{} }, "is required when status is PAID"},
		{func(f *domain.CompensationFields) { f.PaidDate = day(2024, 8, 31) }, "must not be before the awarded date (2024-09-01)"},
	}
	for _, tc := range paid {
		c := newCompensation(t, day(2024, 7, 1))
		c.CompensationFields = fieldsFor(domain.CompensationAwarded)
		f := fieldsFor(domain.CompensationPaid)
		tc.modify(&f)
		assertViolation(t, c.Update(mask, f, "arjun", t0, ist), "compensation.paid_date", tc.want)
	}
	c := newCompensation(t, day(2024, 7, 1))
	for _, f := range []domain.CompensationField{domain.CompensationFieldSurvivor, domain.CompensationFieldAppliedDate} {
		if err := c.Update([]domain.CompensationField{f}, domain.CompensationFields{}, "arjun", t0, ist); err == nil {
			t.Errorf("%s accepted in an update mask", f)
		}
	}
	// A plain edit records no transition.
	if err := c.Update([]domain.CompensationField{domain.CompensationFieldNotes}, domain.CompensationFields{Notes: "hearing at DLSA"}, "arjun", t0, ist); err != nil || len(c.Transitions) != 0 {
		t.Errorf("notes update: %v, transitions %v", err, c.Transitions)
	}
	d := c.Clone()
	d.Transitions = append(d.Transitions, domain.Transition[domain.CompensationStatus]{})
	if len(c.Transitions) != 0 {
		t.Errorf("clone shares memory with the original")
	}
}
