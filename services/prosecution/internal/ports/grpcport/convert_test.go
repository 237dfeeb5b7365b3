package grpcport

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/proto"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

var at = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

func d(y, m, dd int) domain.Date { return domain.Date{Year: y, Month: m, Day: dd} }

func pd(y, m, dd int32) *date.Date { return &date.Date{Year: y, Month: m, Day: dd} }

func TestCaseFieldsConvertBothWays(t *testing.T) {
	t.Parallel()
	in := &prosecutionv1.Case{
		Title: "State v. A", FirNumber: "12/2024", PoliceStation: "Nagpada", FirDate: pd(2024, 8, 2), Court: "Sessions Court",
		CnrNumber: "MHMU010012342024",
		Charges: []*prosecutionv1.Charge{
			{Statute: prosecutionv1.Statute_STATUTE_BNS, Section: "143", OffenceDate: pd(2024, 8, 1)},
			{Statute: prosecutionv1.Statute_STATUTE_ITPA, Section: "5", OffenceDate: pd(2024, 6, 30)},
		},
	}
	var v errs.Violations
	f := caseFieldsIn(&v, in, "case")
	if len(v) != 0 {
		t.Fatalf("violations %v", v)
	}
	want := domain.CaseFields{Title: "State v. A", FIRNumber: "12/2024", PoliceStation: "Nagpada", FIRDate: d(2024, 8, 2),
		Court: "Sessions Court", CNRNumber: "MHMU010012342024", Charges: []domain.Charge{
			{Statute: domain.StatuteBNS, Section: "143", OffenceDate: d(2024, 8, 1)},
			{Statute: domain.StatuteITPA, Section: "5", OffenceDate: d(2024, 6, 30)},
		}}
	if f.Title != want.Title || f.FIRDate != want.FIRDate || f.CNRNumber != want.CNRNumber || len(f.Charges) != 2 ||
		f.Charges[0] != want.Charges[0] || f.Charges[1] != want.Charges[1] {
		t.Errorf("caseFieldsIn = %+v, want %+v", f, want)
	}

	c, err := domain.NewCase("c1", "mumbai", f, []string{"offices/mumbai/operations/o1"}, []string{"offices/mumbai/survivors/s1"}, "anita", at, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Advance(domain.StageChargesheetFiled, d(2024, 10, 1), "filed", domain.Change{Actor: "anita", Time: at}, time.UTC); err != nil {
		t.Fatal(err)
	}
	out := caseOut(c)
	wantOut := &prosecutionv1.Case{
		Name: "offices/mumbai/cases/c1", Title: "State v. A", FirNumber: "12/2024", PoliceStation: "Nagpada", FirDate: pd(2024, 8, 2),
		Court: "Sessions Court", CnrNumber: "MHMU010012342024", Charges: in.Charges,
		Operations: []string{"offices/mumbai/operations/o1"}, Survivors: []string{"offices/mumbai/survivors/s1"},
		Stage: prosecutionv1.CaseStage_CASE_STAGE_CHARGESHEET_FILED, ChargesheetDate: pd(2024, 10, 1),
		StageHistory: []*prosecutionv1.StageChange{{From: prosecutionv1.CaseStage_CASE_STAGE_FIR_REGISTERED,
			To: prosecutionv1.CaseStage_CASE_STAGE_CHARGESHEET_FILED, EffectiveDate: pd(2024, 10, 1), Actor: "anita",
			Time: out.GetStageHistory()[0].GetTime(), Note: "filed"}},
		CreateTime: out.GetCreateTime(), UpdateTime: out.GetUpdateTime(), CreatedBy: "anita", UpdatedBy: "anita", Etag: "1",
	}
	if !proto.Equal(out, wantOut) {
		t.Errorf("caseOut =\n%v\nwant\n%v", out, wantOut)
	}
	if !out.GetStageHistory()[0].GetTime().AsTime().Equal(at) || !out.GetCreateTime().AsTime().Equal(at) {
		t.Errorf("times = %v, %v; want %v", out.GetStageHistory()[0].GetTime(), out.GetCreateTime(), at)
	}
}

func TestBadDatesAndUnknownEnumsAreNamed(t *testing.T) {
	t.Parallel()
	var v errs.Violations
	f := caseFieldsIn(&v, &prosecutionv1.Case{FirDate: pd(2024, 2, 30), Charges: []*prosecutionv1.Charge{
		{Statute: prosecutionv1.Statute(99), Section: "1", OffenceDate: pd(2024, 13, 1)},
	}}, "case")
	if len(v) != 2 || v[0].Field != "case.fir_date" || v[1].Field != "case.charges[0].offence_date" {
		t.Errorf("violations = %v, want case.fir_date and case.charges[0].offence_date", v)
	}
	if f.Charges[0].Statute != "99" {
		t.Errorf("an unknown statute number became %q; want its number, which the domain refuses", f.Charges[0].Statute)
	}
	if stageIn(prosecutionv1.CaseStage_CASE_STAGE_UNSPECIFIED) != "" || custodyIn(prosecutionv1.Custody_CUSTODY_ON_BAIL) != domain.CustodyOnBail ||
		verdictIn(prosecutionv1.Verdict_VERDICT_DISCHARGED) != domain.VerdictDischarged {
		t.Error("enum conversions")
	}
	var none errs.Violations
	if sentenceIn(&none, nil, "sentence") != nil {
		t.Error("an absent sentence converted to one")
	}
	s := sentenceIn(&none, &prosecutionv1.Sentence{ImprisonmentMonths: 84, FineInr: 5000, SentenceDate: pd(2025, 3, 5)}, "sentence")
	if s.ImprisonmentMonths != 84 || s.FineINR != 5000 || s.SentenceDate != d(2025, 3, 5) || len(none) != 0 {
		t.Errorf("sentenceIn = %+v, %v", s, none)
	}
}

func TestAccusedOutCarriesCustodyBailVerdictAndSentence(t *testing.T) {
	t.Parallel()
	a, err := domain.NewAccused("a1", "mumbai", "c1", domain.AccusedFields{DisplayName: "Accused 1", Role: domain.RolePimp}, "anita", at)
	if err != nil {
		t.Fatal(err)
	}
	ch := domain.Change{Actor: "anita", Time: at}
	if err := a.ChangeCustody(domain.CustodyArrested, d(2024, 8, 3), "", ch, time.UTC); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordBailEvent(domain.BailEvent{Kind: domain.BailGranted, Date: d(2024, 9, 1), SuretyINR: 25000, Conditions: "weekly"}, ch, time.UTC); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordVerdict(domain.VerdictConvicted, d(2025, 3, 1), &domain.Sentence{ImprisonmentMonths: 84}, ch, time.UTC); err != nil {
		t.Fatal(err)
	}
	out := accusedOut(a)
	if out.GetName() != "offices/mumbai/cases/c1/accused/a1" || out.GetRole() != prosecutionv1.AccusedRole_ACCUSED_ROLE_PIMP ||
		out.GetCustody() != prosecutionv1.Custody_CUSTODY_CONVICTED || !proto.Equal(out.GetFirstCustodyDate(), pd(2024, 8, 3)) ||
		out.GetVerdict() != prosecutionv1.Verdict_VERDICT_CONVICTED || !proto.Equal(out.GetVerdictDate(), pd(2025, 3, 1)) {
		t.Errorf("accusedOut = %v", out)
	}
	if len(out.GetCustodyHistory()) != 3 || out.GetCustodyHistory()[1].GetNote() != "bail granted" ||
		out.GetCustodyHistory()[2].GetTo() != prosecutionv1.Custody_CUSTODY_CONVICTED {
		t.Errorf("custody history = %v", out.GetCustodyHistory())
	}
	if b := out.GetBailEvents(); len(b) != 1 || b[0].GetKind() != prosecutionv1.BailEventKind_BAIL_EVENT_KIND_GRANTED || b[0].GetSuretyInr() != 25000 {
		t.Errorf("bail events = %v", b)
	}
	if s := out.GetSentence(); s.GetImprisonmentMonths() != 84 || !proto.Equal(s.GetSentenceDate(), pd(2025, 3, 1)) {
		t.Errorf("sentence = %v; its date defaults to the verdict's", s)
	}
}

func TestWitnessOutLeavesTheTestimonyOutForSupportOnlyCallers(t *testing.T) {
	t.Parallel()
	var v errs.Violations
	fields := witnessFieldsIn(&v, &prosecutionv1.Witness{
		LastContactDate: pd(2025, 3, 1), SupportNotes: "weekly calls",
		ProtectionNeeds: []prosecutionv1.ProtectionNeed{prosecutionv1.ProtectionNeed_PROTECTION_NEED_SCREEN_OR_VIDEO_LINK},
		TestimonyStatus: prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_RECORDED, EvidenceRecordedDate: pd(2025, 3, 10),
	}, "witness")
	if len(v) != 0 || fields.ProtectionNeeds[0] != domain.ProtectionScreenOrVideoLink || fields.TestimonyStatus != domain.TestimonyRecorded {
		t.Fatalf("witnessFieldsIn = %+v, %v", fields, v)
	}
	w, err := domain.NewWitness("w1", "mumbai", "c1", "offices/mumbai/survivors/s1", true, fields, "anita", at, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	view := &app.WitnessView{Witness: w, EvidenceDeadline: d(2025, 3, 13), EvidenceOverdue: true}
	full := witnessOut(view, false)
	if full.GetTestimonyStatus() != prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_RECORDED || full.GetEvidenceRecordedDate() == nil ||
		!full.GetEvidenceOverdue() || !proto.Equal(full.GetEvidenceDeadline(), pd(2025, 3, 13)) {
		t.Errorf("full witness = %v", full)
	}
	support := witnessOut(view, true)
	if support.GetTestimonyStatus() != 0 || support.GetEvidenceRecordedDate() != nil || support.GetEvidenceOverdue() {
		t.Errorf("a support-only caller sees testimony fields: %v", support)
	}
	if support.GetName() != w.Name() || support.GetSurvivor() != w.Survivor || !support.GetMinor() || support.GetSupportNotes() != "weekly calls" ||
		len(support.GetProtectionNeeds()) != 1 || support.GetLastContactDate() == nil || support.GetEvidenceDeadline() == nil || support.GetEtag() != "1" {
		t.Errorf("a support-only caller misses support fields: %v", support)
	}
}

func TestHearingAndCompensationConvertBothWays(t *testing.T) {
	t.Parallel()
	var v errs.Violations
	hf := hearingFieldsIn(&v, &prosecutionv1.Hearing{Date: pd(2025, 4, 2), CourtRoom: "14",
		Purpose: prosecutionv1.HearingPurpose_HEARING_PURPOSE_CROSS_EXAMINATION, NextDate: pd(2025, 4, 20), Notes: "n"}, "hearing")
	h, err := domain.NewHearing("h1", "mumbai", "c1", hf, "anita", at)
	if err != nil || len(v) != 0 {
		t.Fatal(err, v)
	}
	ho := hearingOut(h)
	if ho.GetPurpose() != prosecutionv1.HearingPurpose_HEARING_PURPOSE_CROSS_EXAMINATION || !proto.Equal(ho.GetNextDate(), pd(2025, 4, 20)) ||
		ho.GetName() != "offices/mumbai/cases/c1/hearings/h1" {
		t.Errorf("hearingOut = %v", ho)
	}
	cf := compensationFieldsIn(&v, &prosecutionv1.Compensation{AppliedDate: pd(2024, 6, 20), Authority: "DLSA Mumbai", ClaimedInr: 300000}, "compensation")
	c, err := domain.NewCompensation("k1", "mumbai", "c1", "offices/mumbai/survivors/s1", cf, "anita", at, time.UTC)
	if err != nil || len(v) != 0 {
		t.Fatal(err, v)
	}
	co := compensationOut(c)
	if co.GetScheme() != prosecutionv1.CompensationScheme_COMPENSATION_SCHEME_CRPC_357A ||
		co.GetStatus() != prosecutionv1.CompensationStatus_COMPENSATION_STATUS_APPLIED || co.GetClaimedInr() != 300000 ||
		co.GetSurvivor() != "offices/mumbai/survivors/s1" || co.GetAwardedDate() != nil {
		t.Errorf("compensationOut = %v", co)
	}
}
