package domain_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// chargesError creates a case with the given charges (FIR on 2025-03-01)
// and returns the error.
func chargesError(charges ...domain.Charge) error {
	f := validCaseFields()
	f.FIRDate = day(2025, 3, 1)
	f.Charges = charges
	_, err := domain.NewCase("c1", "mumbai", f, nil, nil, "priya", t0, ist)
	return err
}

// The penal-code pairs, as the brief states them.
var penalPairs = []struct{ ipc, bns string }{{"370", "143"}, {"370A", "144"}, {"372", "98"}, {"373", "99"}}

func TestRegimeRuleForEveryPenalSection(t *testing.T) {
	t.Parallel()
	lastIPCDay, firstBNSDay := day(2024, 6, 30), day(2024, 7, 1)
	for _, p := range penalPairs {
		for _, d := range []domain.Date{day(2020, 1, 15), lastIPCDay, firstBNSDay, day(2024, 8, 2)} {
			bnsRegime := !d.Before(firstBNSDay)
			for _, statute := range []domain.Statute{domain.StatuteIPC, domain.StatuteBNS} {
				section, other, otherSection := p.ipc, domain.StatuteBNS, p.bns
				if statute == domain.StatuteBNS {
					section, other, otherSection = p.bns, domain.StatuteIPC, p.ipc
				}
				t.Run(fmt.Sprintf("%s_%s_on_%s", statute, section, d.ISO()), func(t *testing.T) {
					t.Parallel()
					err := chargesError(domain.Charge{Statute: statute, Section: section, OffenceDate: d})
					if (statute == domain.StatuteBNS) == bnsRegime {
						if err != nil {
							t.Errorf("right regime rejected: %v", err)
						}
						return
					}
					why := "BNS replaced IPC for offences on or after 2024-07-01"
					if !bnsRegime {
						why = "BNS applies only to offences on or after 2024-07-01; IPC to earlier ones"
					}
					want := fmt.Sprintf("an offence on %s is charged under %s: use %s %s instead of %s %s (%s)",
						d.ISO(), other, other, otherSection, statute, section, why)
					assertViolation(t, err, "case.charges[0].statute", want)
				})
			}
			if got := domain.PenalCodeFor(d); (got == domain.StatuteBNS) != bnsRegime {
				t.Errorf("PenalCodeFor(%s) = %s", d.ISO(), got)
			}
		}
		if s, sec, ok := domain.Counterpart(domain.StatuteIPC, p.ipc); !ok || s != domain.StatuteBNS || sec != p.bns {
			t.Errorf("Counterpart(IPC %s) = %s %s %v, want BNS %s", p.ipc, s, sec, ok, p.bns)
		}
		if s, sec, ok := domain.Counterpart(domain.StatuteBNS, p.bns); !ok || s != domain.StatuteIPC || sec != p.ipc {
			t.Errorf("Counterpart(BNS %s) = %s %s %v, want IPC %s", p.bns, s, sec, ok, p.ipc)
		}
	}
	if _, _, ok := domain.Counterpart(domain.StatuteITPA, "5"); ok {
		t.Errorf("ITPA has a counterpart")
	}
}

func TestITPAAndPOCSOApplyInBothRegimes(t *testing.T) {
	t.Parallel()
	for _, statute := range []domain.Statute{domain.StatuteITPA, domain.StatutePOCSO} {
		for _, section := range domain.Sections(statute) {
			for _, d := range []domain.Date{day(2024, 6, 30), day(2024, 7, 1)} {
				if err := chargesError(domain.Charge{Statute: statute, Section: section, OffenceDate: d}); err != nil {
					t.Errorf("%s %s on %s: %v", statute, section, d.ISO(), err)
				}
			}
		}
	}
}

func TestClosedListOfSections(t *testing.T) {
	t.Parallel()
	want := map[domain.Statute][]string{
		domain.StatuteITPA:  {"3", "4", "5", "6", "7", "8", "9"},
		domain.StatuteIPC:   {"370", "370A", "372", "373"},
		domain.StatuteBNS:   {"143", "144", "98", "99"},
		domain.StatutePOCSO: {"3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "14", "17"},
	}
	for statute, sections := range want {
		if got := domain.Sections(statute); !slices.Equal(got, sections) {
			t.Errorf("Sections(%s) = %v, want %v", statute, got, sections)
		}
	}
	tests := []struct {
		charge domain.Charge
		field  string
		want   string
	}{
		{domain.Charge{Statute: domain.StatuteITPA, Section: "10", OffenceDate: day(2024, 8, 1)}, "case.charges[0].section", `must be one of 3, 4, 5, 6, 7, 8, 9 for ITPA; got "10"`},
		{domain.Charge{Statute: domain.StatuteIPC, Section: "371", OffenceDate: day(2024, 1, 1)}, "case.charges[0].section", `must be one of 370, 370A, 372, 373 for IPC; got "371"`},
		{domain.Charge{Statute: domain.StatuteBNS, Section: "370", OffenceDate: day(2024, 8, 1)}, "case.charges[0].section", `must be one of 143, 144, 98, 99 for BNS; got "370"`},
		{domain.Charge{Statute: domain.StatutePOCSO, Section: "13", OffenceDate: day(2024, 8, 1)}, "case.charges[0].section", "must be one of 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 17 for POCSO"},
		{domain.Charge{Statute: domain.StatuteITPA, Section: "", OffenceDate: day(2024, 8, 1)}, "case.charges[0].section", "is required; for ITPA one of 3, 4"},
		{domain.Charge{Statute: domain.StatuteITPA, Section: "5678901234567", OffenceDate: day(2024, 8, 1)}, "case.charges[0].section", `got "5678901234…"`},
		{domain.Charge{Statute: "", Section: "5", OffenceDate: day(2024, 8, 1)}, "case.charges[0].statute", "is required; must be one of ITPA, IPC, BNS, POCSO"},
		{domain.Charge{Statute: "CRPC", Section: "5", OffenceDate: day(2024, 8, 1)}, "case.charges[0].statute", "got CRPC"},
		// An unknown section under the wrong code: both are said.
		{domain.Charge{Statute: domain.StatuteIPC, Section: "999", OffenceDate: day(2024, 8, 1)}, "case.charges[0].statute", "is charged under BNS, not IPC"},
	}
	for _, tc := range tests {
		assertViolation(t, chargesError(tc.charge), tc.field, tc.want)
	}
}

func TestOffenceDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date domain.Date
		want string
	}{
		{domain.Date{}, "is required"},
		{day(2024, 2, 30), "valid calendar date"},
		{day(2025, 3, 15), "must not be in the future"},
		{day(2025, 3, 2), "must not be after the FIR date (2025-03-01)"},
	}
	for _, tc := range tests {
		err := chargesError(domain.Charge{Statute: domain.StatuteITPA, Section: "3", OffenceDate: tc.date})
		assertViolation(t, err, "case.charges[0].offence_date", tc.want)
	}
	if err := chargesError(domain.Charge{Statute: domain.StatuteITPA, Section: "3", OffenceDate: day(2025, 3, 1)}); err != nil {
		t.Errorf("offence on the FIR date: %v", err)
	}
}

func TestDuplicateCharges(t *testing.T) {
	t.Parallel()
	c := domain.Charge{Statute: domain.StatuteBNS, Section: "143", OffenceDate: day(2024, 8, 2)}
	other := domain.Charge{Statute: domain.StatuteITPA, Section: "3", OffenceDate: day(2024, 8, 2)}
	assertViolation(t, chargesError(c, other, c), "case.charges[2]", "repeats case.charges[0] (same statute, section and offence date)")
	// The same section written differently is the same charge.
	lower := domain.Charge{Statute: domain.StatuteIPC, Section: "370a", OffenceDate: day(2024, 1, 2)}
	upper := domain.Charge{Statute: domain.StatuteIPC, Section: "370A", OffenceDate: day(2024, 1, 2)}
	assertViolation(t, chargesError(lower, upper), "case.charges[1]", "repeats case.charges[0]")
	// Another count of the same offence on another day is not a duplicate.
	later := c
	later.OffenceDate = day(2024, 9, 2)
	if err := chargesError(c, later); err != nil {
		t.Errorf("two counts on different days: %v", err)
	}
}

func TestEveryViolationOfACaseIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	err := chargesError(
		domain.Charge{Statute: domain.StatuteIPC, Section: "370", OffenceDate: day(2024, 8, 2)},
		domain.Charge{Statute: domain.StatuteBNS, Section: "1", OffenceDate: day(2024, 8, 2)},
	)
	e, ok := errs.As(err)
	if !ok || len(e.Violations) != 2 {
		t.Fatalf("err = %v, want two violations", err)
	}
}
