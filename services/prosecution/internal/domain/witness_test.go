package domain_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

const survivor = "offices/mumbai/survivors/s1"

func newWitness(t *testing.T, minor bool, f domain.WitnessFields) *domain.Witness {
	t.Helper()
	w, err := domain.NewWitness("w1", "mumbai", "c1", survivor, minor, f, "priya", t0, ist)
	if err != nil {
		t.Fatalf("NewWitness: %v", err)
	}
	return w
}

func TestNewWitness(t *testing.T) {
	t.Parallel()
	w := newWitness(t, true, domain.WitnessFields{ProtectionNeeds: []domain.ProtectionNeed{domain.ProtectionInCameraTrial}})
	if w.Name() != "offices/mumbai/cases/c1/witnesses/w1" || w.CaseName() != caseName || w.Survivor != survivor || !w.Minor {
		t.Errorf("new witness = %+v", w)
	}
	if w.TestimonyStatus != domain.TestimonyPending {
		t.Errorf("testimony status %q, want PENDING by default", w.TestimonyStatus)
	}
	tests := []struct {
		name     string
		survivor string
		f        domain.WitnessFields
		field    string
		want     string
	}{
		{"survivor missing", "", domain.WitnessFields{}, "witness.survivor", "is required; format offices/mumbai/survivors/{survivor}"},
		{"survivor of another office", "offices/kolkata/survivors/s1", domain.WitnessFields{}, "witness.survivor", "the case's office mumbai"},
		{"operation as survivor", "offices/mumbai/operations/op1", domain.WitnessFields{}, "witness.survivor", "offices/{office}/survivors/{id}"},
		{"last contact in the future", survivor, domain.WitnessFields{LastContactDate: day(2025, 3, 15)}, "witness.last_contact_date", "in the future"},
		{"last contact invalid", survivor, domain.WitnessFields{LastContactDate: day(2025, 2, 29)}, "witness.last_contact_date", "valid calendar date"},
		{"need unknown", survivor, domain.WitnessFields{ProtectionNeeds: []domain.ProtectionNeed{"HIDE"}}, "witness.protection_needs[0]", "got HIDE"},
		{"need unset", survivor, domain.WitnessFields{ProtectionNeeds: []domain.ProtectionNeed{""}}, "witness.protection_needs[0]", "is required"},
		{"need repeated", survivor, domain.WitnessFields{ProtectionNeeds: []domain.ProtectionNeed{domain.ProtectionInterpreter, domain.ProtectionRelocation, domain.ProtectionInterpreter}}, "witness.protection_needs[2]", "repeats INTERPRETER (protection_needs[0])"},
		{"support notes too long", survivor, domain.WitnessFields{SupportNotes: strings.Repeat("s", 4001)}, "witness.support_notes", "at most 4000"},
		{"status unknown", survivor, domain.WitnessFields{TestimonyStatus: "HEARD"}, "witness.testimony_status", "got HEARD"},
		{"recorded without date", survivor, domain.WitnessFields{TestimonyStatus: domain.TestimonyRecorded}, "witness.evidence_recorded_date", "is required"},
		{"recorded in the future", survivor, domain.WitnessFields{TestimonyStatus: domain.TestimonyRecorded, EvidenceRecordedDate: day(2025, 3, 15)}, "witness.evidence_recorded_date", "in the future"},
		{"date while pending", survivor, domain.WitnessFields{EvidenceRecordedDate: day(2025, 1, 1)}, "witness.evidence_recorded_date", "must be empty unless testimony_status is RECORDED; got testimony_status PENDING"},
		{"date when not required", survivor, domain.WitnessFields{TestimonyStatus: domain.TestimonyNotRequired, EvidenceRecordedDate: day(2025, 1, 1)}, "witness.evidence_recorded_date", "must be empty"},
	}
	for _, tc := range tests {
		_, err := domain.NewWitness("w1", "mumbai", "c1", tc.survivor, false, tc.f, "priya", t0, ist)
		assertViolation(t, err, tc.field, tc.want)
	}
	all := domain.WitnessFields{
		LastContactDate: today, ProtectionNeeds: slices.Clone(domain.ProtectionNeeds),
		TestimonyStatus: domain.TestimonyRecorded, EvidenceRecordedDate: today, SupportNotes: strings.Repeat("s", 4000),
	}
	newWitness(t, false, all)
}

func TestEvidenceDeadlineAndOverdue(t *testing.T) {
	t.Parallel()
	cognizance := day(2025, 1, 10)
	deadline := day(2025, 2, 9) // 30 days later
	tests := []struct {
		name       string
		minor      bool
		status     domain.TestimonyStatus
		cognizance domain.Date
		today      domain.Date
		deadline   domain.Date
		overdue    bool
	}{
		{"minor, day 30", true, domain.TestimonyPending, cognizance, day(2025, 2, 9), deadline, false},
		{"minor, day 31", true, domain.TestimonyPending, cognizance, day(2025, 2, 10), deadline, true},
		{"minor, day 0", true, domain.TestimonyPending, cognizance, cognizance, deadline, false},
		{"minor, recorded late", true, domain.TestimonyRecorded, cognizance, day(2025, 3, 1), deadline, false},
		{"minor, not required", true, domain.TestimonyNotRequired, cognizance, day(2025, 3, 1), deadline, false},
		{"minor, before cognizance", true, domain.TestimonyPending, domain.Date{}, day(2025, 3, 1), domain.Date{}, false},
		{"adult, long after", false, domain.TestimonyPending, cognizance, day(2026, 1, 1), domain.Date{}, false},
		{"minor, across a leap day", true, domain.TestimonyPending, day(2024, 2, 10), day(2024, 3, 12), day(2024, 3, 11), true},
	}
	for _, tc := range tests {
		w := newWitness(t, tc.minor, domain.WitnessFields{})
		w.TestimonyStatus = tc.status
		if got := w.EvidenceDeadline(tc.cognizance); got != tc.deadline {
			t.Errorf("%s: deadline %v, want %v", tc.name, got, tc.deadline)
		}
		if got := w.Overdue(tc.cognizance, tc.today); got != tc.overdue {
			t.Errorf("%s: overdue %v, want %v", tc.name, got, tc.overdue)
		}
	}
}

func TestWitnessFieldSets(t *testing.T) {
	t.Parallel()
	support := []domain.WitnessField{"last_contact_date", "protection_needs", "support_notes"}
	legal := []domain.WitnessField{"testimony_status", "evidence_recorded_date"}
	if !slices.Equal(domain.WitnessSupportFields, support) || !slices.Equal(domain.WitnessLegalFields, legal) {
		t.Errorf("support %v legal %v", domain.WitnessSupportFields, domain.WitnessLegalFields)
	}
	if !slices.Equal(domain.WitnessUpdatableFields, append(slices.Clone(support), legal...)) {
		t.Errorf("updatable %v", domain.WitnessUpdatableFields)
	}
	for _, f := range support {
		if !f.IsSupport() {
			t.Errorf("%s is not a support field", f)
		}
	}
	for _, f := range append(legal, domain.WitnessFieldSurvivor) {
		if f.IsSupport() {
			t.Errorf("%s is a support field", f)
		}
	}
}

func TestWitnessUpdate(t *testing.T) {
	t.Parallel()
	w := newWitness(t, true, domain.WitnessFields{})
	src := domain.WitnessFields{
		LastContactDate: day(2025, 3, 1), ProtectionNeeds: []domain.ProtectionNeed{domain.ProtectionSupportPerson},
		TestimonyStatus: domain.TestimonyRecorded, EvidenceRecordedDate: day(2025, 3, 3),
	}
	if err := w.Update(domain.WitnessSupportFields, src, "social-worker", t0, ist); err != nil {
		t.Fatal(err)
	}
	if w.LastContactDate != day(2025, 3, 1) || len(w.ProtectionNeeds) != 1 || w.TestimonyStatus != domain.TestimonyPending {
		t.Errorf("support update: %+v", w.WitnessFields)
	}
	src.ProtectionNeeds[0] = domain.ProtectionRelocation
	if w.ProtectionNeeds[0] != domain.ProtectionSupportPerson {
		t.Errorf("the witness shares its protection needs with the caller")
	}
	// Recording the testimony needs its date in the same update.
	assertViolation(t, w.Update([]domain.WitnessField{domain.WitnessFieldTestimonyStatus}, src, "meera", t0, ist), "witness.evidence_recorded_date", "is required")
	if err := w.Update(domain.WitnessLegalFields, src, "meera", t0, ist); err != nil {
		t.Fatal(err)
	}
	if w.TestimonyStatus != domain.TestimonyRecorded || w.Overdue(day(2025, 1, 1), today) {
		t.Errorf("recorded testimony: %+v", w.WitnessFields)
	}
	err := w.Update([]domain.WitnessField{domain.WitnessFieldSurvivor}, src, "meera", t0, ist)
	if err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Errorf("survivor update: err = %v, want immutable", err)
	}
	c := w.Clone()
	c.ProtectionNeeds[0] = domain.ProtectionRelocation
	if w.ProtectionNeeds[0] == domain.ProtectionRelocation {
		t.Errorf("clone shares memory with the original")
	}
}
