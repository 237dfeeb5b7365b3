package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

const caseName = "offices/mumbai/cases/c1"

func validCaseFields() domain.CaseFields {
	return domain.CaseFields{
		Title: "State v. Accused 1 and others", FIRNumber: "123/2024", PoliceStation: "Nagpada Police Station",
		FIRDate: day(2024, 9, 1), Court: "Sessions Court, Mumbai", CNRNumber: "MHMU010012342024",
		Charges: []domain.Charge{
			{Statute: domain.StatuteITPA, Section: "5", OffenceDate: day(2024, 8, 30)},
			{Statute: domain.StatuteBNS, Section: "143", OffenceDate: day(2024, 8, 30)},
		},
	}
}

func newCase(t *testing.T) *domain.Case {
	t.Helper()
	c, err := domain.NewCase("c1", "mumbai", validCaseFields(),
		[]string{"offices/mumbai/operations/op1"}, []string{"offices/mumbai/survivors/s1"}, "priya", t0, ist)
	if err != nil {
		t.Fatalf("NewCase: %v", err)
	}
	return c
}

// caseAt is a new case put at stage s, with no history.
func caseAt(t *testing.T, s domain.CaseStage) *domain.Case {
	t.Helper()
	c := newCase(t)
	c.Stage = s
	return c
}

// The trial order, as the brief states it.
var trial = []domain.CaseStage{
	domain.StageFIRRegistered, domain.StageInvestigation, domain.StageChargesheetFiled, domain.StageCognizance,
	domain.StageChargesFramed, domain.StageProsecutionEvidence, domain.StageStatementOfAccused,
	domain.StageDefenceEvidence, domain.StageArguments, domain.StageJudgment,
}

// mayAdvance is the stage rule written out: forward only, skipping allowed.
func mayAdvance(from, to domain.CaseStage) bool {
	i, j := slices.Index(trial, from), slices.Index(trial, to)
	switch {
	case i >= 0 && j >= 0:
		return j > i
	case i >= 0 && (to == domain.StageAbated || to == domain.StageWithdrawn):
		return true
	case to == domain.StageConvicted || to == domain.StageAcquitted:
		return from == domain.StageJudgment
	case to == domain.StageDischarged:
		return from == domain.StageChargesheetFiled || from == domain.StageCognizance
	case to == domain.StageAppeal:
		return from == domain.StageConvicted || from == domain.StageAcquitted
	}
	return false
}

func TestNewCase(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	if c.Name() != caseName || c.Stage != domain.StageFIRRegistered || c.Version != 1 || c.CreatedBy != "priya" {
		t.Errorf("new case = %+v", c)
	}
	if c.Outcome() != domain.OutcomePending || len(c.StageHistory) != 0 || !c.ChargesheetDate.IsZero() {
		t.Errorf("new case has outcome %q, history %v, chargesheet %v", c.Outcome(), c.StageHistory, c.ChargesheetDate)
	}
	f := validCaseFields()
	f.CNRNumber = " mhmu010012342024 "
	f.Charges = []domain.Charge{{Statute: domain.StatuteBNS, Section: " 143 ", OffenceDate: day(2024, 8, 30)}}
	f.Charges = append(f.Charges, domain.Charge{Statute: domain.StatuteIPC, Section: "370a", OffenceDate: day(2024, 6, 1)})
	c, err := domain.NewCase("c1", "mumbai", f, nil, nil, "priya", t0, ist)
	if err != nil {
		t.Fatal(err)
	}
	if c.CNRNumber != "MHMU010012342024" || c.Charges[0].Section != "143" || c.Charges[1].Section != "370A" {
		t.Errorf("not normalised: cnr %q, sections %q %q", c.CNRNumber, c.Charges[0].Section, c.Charges[1].Section)
	}
	f.Charges[1].Section = "changed"
	if c.Charges[1].Section != "370A" {
		t.Errorf("the case shares its charges with the caller's fields")
	}
}

func TestCaseValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(*domain.CaseFields)
		field  string
		want   string
	}{
		{"title missing", func(f *domain.CaseFields) { f.Title = " " }, "case.title", "is required"},
		{"title too long", func(f *domain.CaseFields) { f.Title = strings.Repeat("t", 301) }, "case.title", "at most 300"},
		{"fir number missing", func(f *domain.CaseFields) { f.FIRNumber = "" }, "case.fir_number", "is required"},
		{"fir number too long", func(f *domain.CaseFields) { f.FIRNumber = strings.Repeat("1", 101) }, "case.fir_number", "at most 100"},
		{"police station missing", func(f *domain.CaseFields) { f.PoliceStation = "" }, "case.police_station", "is required"},
		{"police station too long", func(f *domain.CaseFields) { f.PoliceStation = strings.Repeat("p", 201) }, "case.police_station", "at most 200"},
		{"court too long", func(f *domain.CaseFields) { f.Court = strings.Repeat("c", 301) }, "case.court", "at most 300"},
		{"fir date missing", func(f *domain.CaseFields) { f.FIRDate = domain.Date{} }, "case.fir_date", "is required"},
		{"fir date invalid", func(f *domain.CaseFields) { f.FIRDate = day(2023, 2, 29) }, "case.fir_date", "valid calendar date"},
		{"fir date in the future", func(f *domain.CaseFields) { f.FIRDate = day(2025, 3, 15) }, "case.fir_date", "today is 2025-03-14"},
		{"cnr wrong", func(f *domain.CaseFields) { f.CNRNumber = "MHMU01001234202" }, "case.cnr_number", "got 15 characters"},
		{"offence after fir", func(f *domain.CaseFields) { f.Charges[0].OffenceDate = day(2024, 9, 2) }, "case.charges[0].offence_date", "must not be after the FIR date (2024-09-01)"},
		{"too many charges", func(f *domain.CaseFields) { f.Charges = make([]domain.Charge, domain.MaxCharges+1) }, "case.charges", "at most 50 charges"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := validCaseFields()
			tc.modify(&f)
			_, err := domain.NewCase("c1", "mumbai", f, nil, nil, "priya", t0, ist)
			assertViolation(t, err, tc.field, tc.want)
		})
	}
	f := validCaseFields()
	f.Title, f.Court, f.CNRNumber, f.Charges = strings.Repeat("é", 300), "", "", nil
	f.FIRDate = today
	if _, err := domain.NewCase("c1", "mumbai", f, nil, nil, "priya", t0, ist); err != nil {
		t.Errorf("case at its limits, without charges or CNR, rejected: %v", err)
	}
}

func TestCaseReferencesAtCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                  string
		operations, survivors []string
		field, want           string
	}{
		{"operation of another office", []string{"offices/kolkata/operations/op1"}, nil, "case.operations[0]", "the case's office mumbai"},
		{"survivor as operation", []string{"offices/mumbai/survivors/s1"}, nil, "case.operations[0]", "offices/{office}/operations/{id}"},
		{"malformed survivor", nil, []string{"Zyxwy Qqvarn"}, "case.survivors[0]", "the value is not repeated"},
		{"duplicate survivor", nil, []string{"offices/mumbai/survivors/s1", "offices/mumbai/survivors/s1"}, "case.survivors[1]", "repeats case.survivors[0]"},
		{"too many survivors", nil, make([]string, domain.MaxCaseReferences+1), "case.survivors", "at most 100"},
	}
	for _, tc := range tests {
		_, err := domain.NewCase("c1", "mumbai", validCaseFields(), tc.operations, tc.survivors, "priya", t0, ist)
		assertViolation(t, err, tc.field, tc.want)
	}
}

func TestAdvanceEveryPairOfStages(t *testing.T) {
	t.Parallel()
	for _, from := range domain.CaseStages {
		var allowed []domain.CaseStage
		for _, to := range domain.CaseStages {
			if mayAdvance(from, to) {
				allowed = append(allowed, to)
			}
		}
		if got := domain.NextCaseStages(from); !slices.Equal(got, allowed) {
			t.Errorf("NextCaseStages(%s) = %v, want %v", from, got, allowed)
		}
		for _, to := range domain.CaseStages {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				t.Parallel()
				c := caseAt(t, from)
				err := c.Advance(to, day(2025, 1, 10), "order of the court", change("req-1"), ist)
				if !mayAdvance(from, to) {
					assertIllegal(t, err, "case "+caseName, string(from), string(to), joinOrNone(allowed))
					if c.Stage != from || len(c.StageHistory) != 0 || c.Version != 1 || c.UpdatedBy != "priya" {
						t.Errorf("refused advance changed the case: %+v", c)
					}
					return
				}
				if err != nil {
					t.Fatalf("legal advance %s -> %s failed: %v", from, to, err)
				}
				want := domain.StageChange{From: from, To: to, EffectiveDate: day(2025, 1, 10), Actor: "meera", Time: t0, Note: "order of the court", RequestID: "req-1"}
				if c.Stage != to || len(c.StageHistory) != 1 || c.StageHistory[0] != want {
					t.Errorf("stage %s, history %+v; want %s, [%+v]", c.Stage, c.StageHistory, to, want)
				}
				if c.UpdatedBy != "meera" || !c.UpdateTime.Equal(t0) {
					t.Errorf("audit fields not updated: %q %v", c.UpdatedBy, c.UpdateTime)
				}
				if !c.Applied("req-1") || c.Applied("req-2") || c.Applied("") {
					t.Errorf("Applied does not find exactly the request that made the change")
				}
			})
		}
	}
}

func TestIllegalAdvanceMessages(t *testing.T) {
	t.Parallel()
	err := caseAt(t, domain.StageAppeal).Advance(domain.StageConvicted, day(2025, 1, 10), "", change(""), ist)
	want := "case " + caseName + " is APPEAL; cannot move to CONVICTED (allowed from APPEAL: none)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
	err = caseAt(t, domain.StageChargesFramed).Advance(domain.StageDischarged, day(2025, 1, 10), "", change(""), ist)
	want = "(allowed from CHARGES_FRAMED: PROSECUTION_EVIDENCE, STATEMENT_OF_ACCUSED, DEFENCE_EVIDENCE, ARGUMENTS, JUDGMENT, ABATED, WITHDRAWN)"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("discharge after charges framed: err = %v, want it to end %s", err, want)
	}
	err = caseAt(t, domain.StageInvestigation).Advance(domain.StageInvestigation, day(2025, 1, 10), "", change(""), ist)
	assertFailedPrecondition(t, err, "ILLEGAL_TRANSITION", "is INVESTIGATION; cannot move to INVESTIGATION")
}

func TestAdvanceInputValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		to    domain.CaseStage
		date  domain.Date
		note  string
		field string
		want  string
	}{
		{"stage missing", "", day(2025, 1, 10), "", "stage", "is required"},
		{"stage unknown", "SENTENCED", day(2025, 1, 10), "", "stage", "got SENTENCED"},
		{"date missing", domain.StageInvestigation, domain.Date{}, "", "effective_date", "is required"},
		{"date invalid", domain.StageInvestigation, day(2025, 2, 29), "", "effective_date", "valid calendar date"},
		{"date tomorrow", domain.StageInvestigation, day(2025, 3, 15), "", "effective_date", "must not be in the future (today is 2025-03-14"},
		{"date before fir", domain.StageInvestigation, day(2024, 8, 31), "", "effective_date", "must not be before the FIR date (2024-09-01)"},
		{"note too long", domain.StageInvestigation, day(2025, 1, 10), strings.Repeat("n", 2001), "note", "at most 2000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCase(t)
			err := c.Advance(tc.to, tc.date, tc.note, change(""), ist)
			assertViolation(t, err, tc.field, tc.want)
			if c.Stage != domain.StageFIRRegistered || len(c.StageHistory) != 0 {
				t.Errorf("invalid advance changed the case")
			}
		})
	}
	for _, ok := range []domain.Date{day(2024, 9, 1), today} {
		if err := newCase(t).Advance(domain.StageInvestigation, ok, "", change(""), ist); err != nil {
			t.Errorf("effective date %s (the FIR date or today) rejected: %v", ok.ISO(), err)
		}
	}
}

func TestAdvanceTodayIsTheOfficesToday(t *testing.T) {
	t.Parallel()
	// 20:00 UTC on 14 March is 01:30 on 15 March in Mumbai.
	ch := domain.Change{Actor: "meera", Time: time.Date(2025, 3, 14, 20, 0, 0, 0, time.UTC)}
	if err := newCase(t).Advance(domain.StageInvestigation, day(2025, 3, 15), "", ch, ist); err != nil {
		t.Errorf("15 March is today in Mumbai: %v", err)
	}
	err := newCase(t).Advance(domain.StageInvestigation, day(2025, 3, 15), "", ch, time.UTC)
	assertViolation(t, err, "effective_date", "today is 2025-03-14")
}

func TestAdvanceDatesFollowTheHistory(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	if err := c.Advance(domain.StageInvestigation, day(2024, 10, 1), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	err := c.Advance(domain.StageChargesheetFiled, day(2024, 9, 30), "", change(""), ist)
	assertViolation(t, err, "effective_date", "must not be before the effective date of the move to INVESTIGATION (2024-10-01)")
	if err := c.Advance(domain.StageChargesheetFiled, day(2024, 10, 1), "", change(""), ist); err != nil {
		t.Errorf("same day as the previous change rejected: %v", err)
	}
}

func TestChargesRequiredFromChargesheet(t *testing.T) {
	t.Parallel()
	for _, to := range domain.CaseStages {
		c := newCase(t)
		c.Charges = nil
		if to == domain.StageConvicted || to == domain.StageAcquitted {
			c.Stage = domain.StageJudgment
		}
		if to == domain.StageDischarged {
			c.Stage = domain.StageChargesheetFiled
		}
		if to == domain.StageAppeal {
			c.Stage = domain.StageConvicted
		}
		if !mayAdvance(c.Stage, to) {
			continue
		}
		err := c.Advance(to, day(2025, 1, 10), "", change(""), ist)
		needs := to != domain.StageInvestigation && to != domain.StageAbated && to != domain.StageWithdrawn
		if !needs {
			if err != nil {
				t.Errorf("%s without charges: %v", to, err)
			}
			continue
		}
		assertFailedPrecondition(t, err, "CHARGES_REQUIRED", "needs at least one charge (statute, section, offence_date)")
	}
}

func TestAdvanceSetsTheDatesOfStagesReachedOrPassed(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	// Straight to cognizance: the chargesheet was filed too.
	if err := c.Advance(domain.StageCognizance, day(2024, 11, 5), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	if c.ChargesheetDate != day(2024, 11, 5) || c.CognizanceDate != day(2024, 11, 5) || !c.JudgmentDate.IsZero() {
		t.Errorf("after COGNIZANCE: chargesheet %v cognizance %v judgment %v", c.ChargesheetDate, c.CognizanceDate, c.JudgmentDate)
	}
	if err := c.Advance(domain.StageJudgment, day(2025, 2, 1), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	if c.ChargesheetDate != day(2024, 11, 5) || c.CognizanceDate != day(2024, 11, 5) || c.JudgmentDate != day(2025, 2, 1) {
		t.Errorf("a later stage changed earlier dates: %v %v %v", c.ChargesheetDate, c.CognizanceDate, c.JudgmentDate)
	}
	if err := c.Advance(domain.StageConvicted, day(2025, 2, 1), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	if c.Outcome() != domain.OutcomeConvicted || c.JudgmentDate != day(2025, 2, 1) {
		t.Errorf("outcome %s judgment %v", c.Outcome(), c.JudgmentDate)
	}

	// Correcting back to CHARGES_FRAMED clears the judgment only.
	if err := c.Correct(domain.StageChargesFramed, "judgment was only reserved", change("")); err != nil {
		t.Fatal(err)
	}
	if c.ChargesheetDate.IsZero() || c.CognizanceDate.IsZero() || !c.JudgmentDate.IsZero() {
		t.Errorf("after correction to CHARGES_FRAMED: %v %v %v", c.ChargesheetDate, c.CognizanceDate, c.JudgmentDate)
	}
	// Back to INVESTIGATION clears every date, and the undone advance no
	// longer bounds the next one: only the FIR date does.
	if err := c.Correct(domain.StageInvestigation, "no chargesheet was filed", change("")); err != nil {
		t.Fatal(err)
	}
	if !c.ChargesheetDate.IsZero() || !c.CognizanceDate.IsZero() {
		t.Errorf("after correction to INVESTIGATION: %v %v", c.ChargesheetDate, c.CognizanceDate)
	}
	if err := c.Advance(domain.StageChargesheetFiled, day(2024, 10, 1), "", change(""), ist); err != nil {
		t.Fatalf("advance after corrections bounded by an undone change: %v", err)
	}
	if c.ChargesheetDate != day(2024, 10, 1) || !c.CognizanceDate.IsZero() {
		t.Errorf("chargesheet date %v cognizance %v", c.ChargesheetDate, c.CognizanceDate)
	}
}

func TestCorrectionKeepsTheBoundOfTheChangeStillInEffect(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	steps := []struct {
		to   domain.CaseStage
		date domain.Date
	}{
		{domain.StageInvestigation, day(2024, 9, 10)},
		{domain.StageDefenceEvidence, day(2024, 12, 1)},
		{domain.StageJudgment, day(2025, 1, 15)},
	}
	for _, s := range steps {
		if err := c.Advance(s.to, s.date, "", change(""), ist); err != nil {
			t.Fatal(err)
		}
	}
	// ARGUMENTS was skipped: corrected back to it, the case is bounded by
	// the move to DEFENCE_EVIDENCE.
	if err := c.Correct(domain.StageArguments, "judgment not yet reserved", change("")); err != nil {
		t.Fatal(err)
	}
	err := c.Advance(domain.StageJudgment, day(2024, 11, 30), "", change(""), ist)
	assertViolation(t, err, "effective_date", "the effective date of the move to DEFENCE_EVIDENCE (2024-12-01)")
	if err := c.Advance(domain.StageJudgment, day(2024, 12, 1), "", change(""), ist); err != nil {
		t.Errorf("advance on the bound's day: %v", err)
	}
}

// mayCorrect is the correction rule written out; appealedFrom is the
// outcome an APPEAL came from.
func mayCorrect(from, to, appealedFrom domain.CaseStage) bool {
	i, j := slices.Index(trial, from), slices.Index(trial, to)
	switch {
	case i >= 0:
		return j >= 0 && j < i
	case from == domain.StageAppeal && to == appealedFrom:
		return true
	default: // closing stages and APPEAL go back to any open stage
		return j >= 0
	}
}

func TestCorrectEveryPairOfStages(t *testing.T) {
	t.Parallel()
	for _, from := range domain.CaseStages {
		for _, to := range domain.CaseStages {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				t.Parallel()
				c := caseAt(t, from)
				if from == domain.StageAppeal {
					c.StageHistory = []domain.StageChange{{From: domain.StageAcquitted, To: domain.StageAppeal, EffectiveDate: day(2025, 1, 1)}}
				}
				before := len(c.StageHistory)
				err := c.Correct(to, "entered against the wrong case", change("req-c"))
				if mayCorrect(from, to, domain.StageAcquitted) {
					if err != nil {
						t.Fatalf("correction %s -> %s failed: %v", from, to, err)
					}
					got := c.StageHistory[len(c.StageHistory)-1]
					want := domain.StageChange{From: from, To: to, Actor: "meera", Time: t0, Correction: true, Reason: "entered against the wrong case", RequestID: "req-c"}
					if c.Stage != to || got != want {
						t.Errorf("stage %s, last change %+v; want %s, %+v", c.Stage, got, to, want)
					}
					if !c.Applied("req-c") {
						t.Errorf("correction not found by its request id")
					}
					return
				}
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != "ILLEGAL_TRANSITION" {
					t.Fatalf("err = %v, want FAILED_PRECONDITION ILLEGAL_TRANSITION", err)
				}
				wantAllowed := fmt.Sprintf("(corrections from %s may go back to: %s)", from, joinOrNone(c.Corrections()))
				if !strings.Contains(e.Message, "case "+caseName+" is") || !strings.HasSuffix(e.Message, wantAllowed) {
					t.Errorf("message = %q, want the case and %s", e.Message, wantAllowed)
				}
				switch {
				case from == to:
					if !strings.Contains(e.Message, "nothing to correct") {
						t.Errorf("same stage: %q", e.Message)
					}
				case mayAdvance(from, to):
					if !strings.Contains(e.Message, "use AdvanceCaseStage") {
						t.Errorf("forward correction does not point to AdvanceCaseStage: %q", e.Message)
					}
				}
				if c.Stage != from || len(c.StageHistory) != before {
					t.Errorf("refused correction changed the case")
				}
			})
		}
	}
}

func TestCorrectionNeedsAReason(t *testing.T) {
	t.Parallel()
	c := caseAt(t, domain.StageCognizance)
	for _, reason := range []string{"", "  "} {
		assertViolation(t, c.Correct(domain.StageInvestigation, reason, change("")), "reason", "is required: say why the stage recorded was wrong")
	}
	assertViolation(t, c.Correct(domain.StageInvestigation, strings.Repeat("r", domain.MaxReasonLength+1), change("")), "reason", "at most 2000")
	assertViolation(t, c.Correct("", "r", change("")), "stage", "is required")
	if c.Stage != domain.StageCognizance {
		t.Errorf("invalid correction changed the stage")
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	for _, s := range domain.CaseStages {
		c := caseAt(t, s)
		want := domain.OutcomePending
		if domain.ClosingStages.Contains(s) {
			want = domain.CaseOutcome(s)
		}
		if s == domain.StageAppeal {
			c.StageHistory = []domain.StageChange{
				{From: domain.StageConvicted, To: domain.StageAppeal},
				{From: domain.StageAppeal, To: domain.StageJudgment, Correction: true},
				{From: domain.StageJudgment, To: domain.StageAcquitted},
				{From: domain.StageAcquitted, To: domain.StageAppeal},
			}
			want = domain.OutcomeAcquitted
		}
		if got := c.Outcome(); got != want {
			t.Errorf("outcome at %s = %q, want %q", s, got, want)
		}
	}
}

func TestCaseUpdate(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	src := validCaseFields()
	src.Title = "State v. A and B"
	src.CNRNumber = "mhmu010099992025"
	if err := c.Update([]domain.CaseField{domain.CaseFieldTitle, domain.CaseFieldCNRNumber}, src, "arjun", t0.Add(time.Hour), ist); err != nil {
		t.Fatal(err)
	}
	if c.Title != "State v. A and B" || c.CNRNumber != "MHMU010099992025" || c.UpdatedBy != "arjun" {
		t.Errorf("after update: %+v", c.CaseFields)
	}
	for _, f := range []domain.CaseField{domain.CaseFieldSurvivors, domain.CaseFieldOperations} {
		err := c.Update([]domain.CaseField{f}, src, "arjun", t0, ist)
		if e, ok := errs.As(err); !ok || e.Reason != "INVALID_UPDATE_MASK" || !strings.Contains(e.Message, "LinkCaseReference") {
			t.Errorf("mask %s: err = %v, want INVALID_UPDATE_MASK pointing to LinkCaseReference", f, err)
		}
	}
	if err := c.Update([]domain.CaseField{"stage"}, src, "arjun", t0, ist); err == nil {
		t.Errorf("stage accepted in the mask")
	}

	// Charges may be emptied before the chargesheet, not after.
	empty := domain.CaseFields{}
	if err := c.Clone().Update([]domain.CaseField{domain.CaseFieldCharges}, empty, "arjun", t0, ist); err != nil {
		t.Errorf("removing charges at FIR_REGISTERED: %v", err)
	}
	if err := c.Advance(domain.StageChargesheetFiled, day(2024, 12, 2), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	err := c.Update([]domain.CaseField{domain.CaseFieldCharges}, empty, "arjun", t0, ist)
	assertFailedPrecondition(t, err, "CHARGES_REQUIRED", "would remove them all")
	w := c.Clone()
	w.Stage = domain.StageWithdrawn
	assertFailedPrecondition(t, w.Update([]domain.CaseField{domain.CaseFieldCharges}, empty, "arjun", t0, ist), "CHARGES_REQUIRED", "")

	// The FIR date may not move after the first stage change.
	src.FIRDate = day(2024, 12, 3)
	err = c.Update([]domain.CaseField{domain.CaseFieldFIRDate}, src, "arjun", t0, ist)
	assertViolation(t, err, "case.fir_date", "must not be after 2024-12-02, the effective date of the case's first stage change")
	src.FIRDate = day(2024, 8, 31)
	src.Charges = c.Charges
	if err := c.Update([]domain.CaseField{domain.CaseFieldFIRDate}, src, "arjun", t0, ist); err != nil {
		t.Errorf("earlier FIR date: %v", err)
	}
	// ... nor before a charge's offence date.
	src.FIRDate = day(2024, 8, 29)
	assertViolation(t, c.Update([]domain.CaseField{domain.CaseFieldFIRDate}, src, "arjun", t0, ist), "case.charges[0].offence_date", "after the FIR date (2024-08-29)")
}

func TestLinkAndUnlink(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	for _, ref := range []string{"offices/mumbai/survivors/s2", "offices/mumbai/operations/op2"} {
		changed, err := c.Link(ref, "arjun", t0)
		if err != nil || !changed {
			t.Fatalf("Link(%s) = %v, %v", ref, changed, err)
		}
		if changed, err := c.Link(ref, "arjun", t0); err != nil || changed {
			t.Errorf("linking %s again = %v, %v; want false, nil", ref, changed, err)
		}
	}
	if !slices.Equal(c.Survivors, []string{"offices/mumbai/survivors/s1", "offices/mumbai/survivors/s2"}) ||
		!slices.Equal(c.Operations, []string{"offices/mumbai/operations/op1", "offices/mumbai/operations/op2"}) {
		t.Errorf("survivors %v operations %v", c.Survivors, c.Operations)
	}
	if !c.HasSurvivor("offices/mumbai/survivors/s2") || c.CheckSurvivorLinked("witness.survivor", "offices/mumbai/survivors/s2") != nil {
		t.Errorf("linked survivor not found")
	}
	assertFailedPrecondition(t, c.CheckSurvivorLinked("witness.survivor", "offices/mumbai/survivors/s9"), "SURVIVOR_NOT_LINKED", "link it with LinkCaseReference")

	for _, bad := range []struct{ ref, want string }{
		{"offices/kolkata/survivors/s1", "the case's office mumbai"},
		{"offices/mumbai/locations/l1", "must be a rescue survivor"},
		{"offices/mumbai/survivors/s1/x", "offices/{office}/survivors/{id}"},
		{"", "must be a rescue survivor"},
	} {
		_, err := c.Link(bad.ref, "arjun", t0)
		assertViolation(t, err, "reference", bad.want)
	}

	if changed, err := c.Unlink("offices/mumbai/survivors/s1", "arjun", t0); err != nil || !changed {
		t.Errorf("Unlink = %v, %v", changed, err)
	}
	if changed, err := c.Unlink("offices/mumbai/survivors/s1", "arjun", t0); err != nil || changed {
		t.Errorf("unlinking again = %v, %v; want false, nil", changed, err)
	}
	if !slices.Equal(c.Survivors, []string{"offices/mumbai/survivors/s2"}) {
		t.Errorf("survivors after unlink: %v", c.Survivors)
	}

	full := newCase(t)
	full.Survivors = make([]string, domain.MaxCaseReferences)
	_, err := full.Link("offices/mumbai/survivors/s2", "arjun", t0)
	assertFailedPrecondition(t, err, "TOO_MANY_REFERENCES", "100")
}

func TestCaseCloneIsDeep(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	if err := c.Advance(domain.StageInvestigation, day(2024, 10, 1), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	d := c.Clone()
	d.Charges[0].Section = "9"
	d.Survivors[0] = "x"
	d.Operations[0] = "x"
	d.StageHistory[0].Note = "x"
	if c.Charges[0].Section == "9" || c.Survivors[0] == "x" || c.Operations[0] == "x" || c.StageHistory[0].Note == "x" {
		t.Errorf("clone shares memory with the original")
	}
}

func TestCheckVerdictAllowed(t *testing.T) {
	t.Parallel()
	for _, s := range domain.CaseStages {
		trialDone := s == domain.StageJudgment || s == domain.StageConvicted || s == domain.StageAcquitted || s == domain.StageAppeal
		atCharge := s == domain.StageChargesheetFiled || s == domain.StageCognizance || s == domain.StageDischarged
		for _, v := range domain.Verdicts {
			want := trialDone
			if v == domain.VerdictDischarged {
				want = atCharge
			}
			err := caseAt(t, s).CheckVerdictAllowed(v)
			if (err == nil) != want {
				t.Errorf("verdict %s at %s allowed = %v, want %v", v, s, err == nil, want)
			}
			if err != nil {
				assertFailedPrecondition(t, err, "VERDICT_NOT_ALLOWED", "is recorded only while the case is")
			}
		}
	}
}

// TestMalformedReferenceNotEchoed: a name pasted into a reference field may
// be a survivor's identity; no message repeats it.
func TestMalformedReferenceNotEchoed(t *testing.T) {
	t.Parallel()
	const pasted = "Zyxwy Qqvarn"
	_, err := domain.NewCase("c1", "mumbai", validCaseFields(), []string{pasted}, []string{pasted}, "priya", t0, ist)
	if err == nil || strings.Contains(fmt.Sprintf("%+v", err), pasted) {
		t.Fatalf("NewCase with malformed references: error %v must exist and not repeat the value", err)
	}
	c, err := domain.NewCase("c1", "mumbai", validCaseFields(), nil, nil, "priya", t0, ist)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Link(pasted, "priya", t0); err == nil || strings.Contains(fmt.Sprintf("%+v", err), pasted) {
		t.Fatalf("Link of a malformed reference: error %v must exist and not repeat the value", err)
	}
}
