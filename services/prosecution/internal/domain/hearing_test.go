package domain_test

import (
	"strings"
	"testing"

	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

func validHearingFields() domain.HearingFields {
	return domain.HearingFields{Date: day(2025, 4, 2), CourtRoom: "Court Room 14", Purpose: domain.PurposeEvidence, NextDate: day(2025, 4, 20)}
}

func TestNewHearing(t *testing.T) {
	t.Parallel()
	// Hearings are scheduled: a future date is fine.
	h, err := domain.NewHearing("h1", "mumbai", "c1", validHearingFields(), "priya", t0)
	if err != nil {
		t.Fatal(err)
	}
	if h.Name() != "offices/mumbai/cases/c1/hearings/h1" || h.CaseName() != caseName {
		t.Errorf("names %s %s", h.Name(), h.CaseName())
	}
	tests := []struct {
		name   string
		modify func(*domain.HearingFields)
		field  string
		want   string
	}{
		{"date missing", func(f *domain.HearingFields) { f.Date = domain.Date{} }, "hearing.date", "is required"},
		{"date invalid", func(f *domain.HearingFields) { f.Date = day(2025, 4, 31) }, "hearing.date", "valid calendar date"},
		{"purpose missing", func(f *domain.HearingFields) { f.Purpose = "" }, "hearing.purpose", "is required"},
		{"purpose unknown", func(f *domain.HearingFields) { f.Purpose = "TEA" }, "hearing.purpose", "got TEA"},
		{"next date same day", func(f *domain.HearingFields) { f.NextDate = f.Date }, "hearing.next_date", "must be after the hearing's date (2025-04-02)"},
		{"next date before", func(f *domain.HearingFields) { f.NextDate = day(2025, 4, 1) }, "hearing.next_date", "must be after"},
		{"next date invalid", func(f *domain.HearingFields) { f.NextDate = day(2025, 13, 1) }, "hearing.next_date", "valid calendar date"},
		{"court room too long", func(f *domain.HearingFields) { f.CourtRoom = strings.Repeat("r", 201) }, "hearing.court_room", "at most 200"},
		{"outcome too long", func(f *domain.HearingFields) { f.Outcome = strings.Repeat("o", 2001) }, "hearing.outcome", "at most 2000"},
		{"notes too long", func(f *domain.HearingFields) { f.Notes = strings.Repeat("n", 4001) }, "hearing.notes", "at most 4000"},
	}
	for _, tc := range tests {
		f := validHearingFields()
		tc.modify(&f)
		_, err := domain.NewHearing("h1", "mumbai", "c1", f, "priya", t0)
		assertViolation(t, err, tc.field, tc.want)
	}
	f := validHearingFields()
	f.NextDate = domain.Date{}
	if _, err := domain.NewHearing("h1", "mumbai", "c1", f, "priya", t0); err != nil {
		t.Errorf("hearing without a next date: %v", err)
	}
}

func TestHearingUpdate(t *testing.T) {
	t.Parallel()
	h, err := domain.NewHearing("h1", "mumbai", "c1", validHearingFields(), "priya", t0)
	if err != nil {
		t.Fatal(err)
	}
	src := domain.HearingFields{Outcome: "PW1 examined in chief", NextDate: day(2025, 5, 2)}
	if err := h.Update([]domain.HearingField{domain.HearingFieldOutcome, domain.HearingFieldNextDate}, src, "arjun", t0); err != nil {
		t.Fatal(err)
	}
	if h.Outcome != "PW1 examined in chief" || h.NextDate != day(2025, 5, 2) || h.Date != day(2025, 4, 2) || h.UpdatedBy != "arjun" {
		t.Errorf("after update: %+v", h)
	}
	src.Date = day(2025, 5, 3)
	assertViolation(t, h.Update([]domain.HearingField{domain.HearingFieldDate}, src, "arjun", t0), "hearing.next_date", "must be after")
	if h.Date != day(2025, 4, 2) {
		t.Errorf("rejected update changed the hearing")
	}
	if err := h.Update([]domain.HearingField{"case"}, src, "arjun", t0); err == nil {
		t.Errorf("case accepted in an update mask")
	}
}

func TestValidateCalendarRange(t *testing.T) {
	t.Parallel()
	start := day(2025, 1, 1)
	for _, end := range []domain.Date{start, day(2025, 12, 31), start.AddDays(366)} {
		if err := domain.ValidateCalendarRange(start, end); err != nil {
			t.Errorf("range %s..%s: %v", start.ISO(), end.ISO(), err)
		}
	}
	tests := []struct {
		start, end domain.Date
		field      string
		want       string
	}{
		{domain.Date{}, start, "start_date", "is required"},
		{start, domain.Date{}, "end_date", "is required"},
		{day(2025, 2, 30), start, "start_date", "valid calendar date"},
		{start, day(2024, 12, 31), "end_date", "must not be before start_date (2025-01-01)"},
		{start, start.AddDays(367), "end_date", "must be at most 366 days after start_date (2025-01-01, so 2026-01-02 at the latest); got 367 days"},
	}
	for _, tc := range tests {
		assertViolation(t, domain.ValidateCalendarRange(tc.start, tc.end), tc.field, tc.want)
	}
}
