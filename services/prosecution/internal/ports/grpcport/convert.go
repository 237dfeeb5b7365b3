package grpcport

import (
	"fmt"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// The value prefixes of the contract's enums: stored values are the
// names without them (apireq.EnumIn, apireq.EnumOut).
const (
	prefixStatute            = "STATUTE_"
	prefixCaseStage          = "CASE_STAGE_"
	prefixCaseOutcome        = "CASE_OUTCOME_"
	prefixAccusedRole        = "ACCUSED_ROLE_"
	prefixCustody            = "CUSTODY_"
	prefixBailEventKind      = "BAIL_EVENT_KIND_"
	prefixVerdict            = "VERDICT_"
	prefixHearingPurpose     = "HEARING_PURPOSE_"
	prefixProtectionNeed     = "PROTECTION_NEED_"
	prefixTestimonyStatus    = "TESTIMONY_STATUS_"
	prefixCompensationScheme = "COMPENSATION_SCHEME_"
	prefixCompensationStatus = "COMPENSATION_STATUS_"
)

// Cases.

func caseFieldsIn(v *errs.Violations, c *prosecutionv1.Case, prefix string) domain.CaseFields {
	f := domain.CaseFields{
		Title: c.GetTitle(), FIRNumber: c.GetFirNumber(), PoliceStation: c.GetPoliceStation(),
		FIRDate: apireq.DateIn(v, prefix+".fir_date", c.GetFirDate()), Court: c.GetCourt(), CNRNumber: c.GetCnrNumber(),
	}
	for i, ch := range c.GetCharges() {
		f.Charges = append(f.Charges, domain.Charge{
			Statute:     apireq.EnumIn[domain.Statute](ch.GetStatute(), prosecutionv1.Statute_name, prefixStatute),
			Section:     ch.GetSection(),
			OffenceDate: apireq.DateIn(v, fmt.Sprintf("%s.charges[%d].offence_date", prefix, i), ch.GetOffenceDate()),
		})
	}
	return f
}

func stageIn(s prosecutionv1.CaseStage) domain.CaseStage {
	return apireq.EnumIn[domain.CaseStage](s, prosecutionv1.CaseStage_name, prefixCaseStage)
}

func stageOut(s domain.CaseStage) prosecutionv1.CaseStage {
	return apireq.EnumOut[prosecutionv1.CaseStage](s, prosecutionv1.CaseStage_value, prefixCaseStage)
}

func caseOut(c *domain.Case) *prosecutionv1.Case {
	out := &prosecutionv1.Case{
		Name: c.Name(), Title: c.Title, FirNumber: c.FIRNumber, PoliceStation: c.PoliceStation, FirDate: apireq.DateOut(c.FIRDate),
		Court: c.Court, CnrNumber: c.CNRNumber, Operations: c.Operations, Survivors: c.Survivors,
		Stage:           stageOut(c.Stage),
		Outcome:         apireq.EnumOut[prosecutionv1.CaseOutcome](c.Outcome(), prosecutionv1.CaseOutcome_value, prefixCaseOutcome),
		ChargesheetDate: apireq.DateOut(c.ChargesheetDate), CognizanceDate: apireq.DateOut(c.CognizanceDate),
		JudgmentDate: apireq.DateOut(c.JudgmentDate),
		CreateTime:   apireq.TimeOut(c.CreateTime), UpdateTime: apireq.TimeOut(c.UpdateTime),
		CreatedBy: c.CreatedBy, UpdatedBy: c.UpdatedBy, Etag: c.Etag(),
	}
	for _, ch := range c.Charges {
		out.Charges = append(out.Charges, &prosecutionv1.Charge{
			Statute: apireq.EnumOut[prosecutionv1.Statute](ch.Statute, prosecutionv1.Statute_value, prefixStatute),
			Section: ch.Section, OffenceDate: apireq.DateOut(ch.OffenceDate),
		})
	}
	for _, h := range c.StageHistory {
		out.StageHistory = append(out.StageHistory, &prosecutionv1.StageChange{
			From: stageOut(h.From), To: stageOut(h.To), EffectiveDate: apireq.DateOut(h.EffectiveDate), Actor: h.Actor,
			Time: apireq.TimeOut(h.Time), Note: h.Note, Correction: h.Correction, Reason: h.Reason,
		})
	}
	return out
}

// Accused.

func accusedFieldsIn(a *prosecutionv1.Accused) domain.AccusedFields {
	return domain.AccusedFields{
		DisplayName: a.GetDisplayName(),
		Role:        apireq.EnumIn[domain.AccusedRole](a.GetRole(), prosecutionv1.AccusedRole_name, prefixAccusedRole),
		Notes:       a.GetNotes(),
	}
}

func custodyIn(c prosecutionv1.Custody) domain.Custody {
	return apireq.EnumIn[domain.Custody](c, prosecutionv1.Custody_name, prefixCustody)
}

func custodyOut(c domain.Custody) prosecutionv1.Custody {
	return apireq.EnumOut[prosecutionv1.Custody](c, prosecutionv1.Custody_value, prefixCustody)
}

func verdictIn(v prosecutionv1.Verdict) domain.Verdict {
	return apireq.EnumIn[domain.Verdict](v, prosecutionv1.Verdict_name, prefixVerdict)
}

func bailEventIn(v *errs.Violations, e *prosecutionv1.BailEvent, prefix string) domain.BailEvent {
	return domain.BailEvent{
		Kind:      apireq.EnumIn[domain.BailEventKind](e.GetKind(), prosecutionv1.BailEventKind_name, prefixBailEventKind),
		Date:      apireq.DateIn(v, prefix+".date", e.GetDate()),
		Court:     e.GetCourt(),
		SuretyINR: e.GetSuretyInr(), Conditions: e.GetConditions(),
	}
}

// sentenceIn converts an optional sentence: nil when absent.
func sentenceIn(v *errs.Violations, s *prosecutionv1.Sentence, prefix string) *domain.Sentence {
	if s == nil {
		return nil
	}
	return &domain.Sentence{
		ImprisonmentMonths: int(s.GetImprisonmentMonths()), LifeImprisonment: s.GetLifeImprisonment(), FineINR: s.GetFineInr(),
		SentenceDate: apireq.DateIn(v, prefix+".sentence_date", s.GetSentenceDate()),
	}
}

func accusedOut(a *domain.Accused) *prosecutionv1.Accused {
	out := &prosecutionv1.Accused{
		Name: a.Name(), DisplayName: a.DisplayName,
		Role:    apireq.EnumOut[prosecutionv1.AccusedRole](a.Role, prosecutionv1.AccusedRole_value, prefixAccusedRole),
		Custody: custodyOut(a.Custody), FirstCustodyDate: apireq.DateOut(a.FirstCustodyDate),
		Verdict:     apireq.EnumOut[prosecutionv1.Verdict](a.Verdict, prosecutionv1.Verdict_value, prefixVerdict),
		VerdictDate: apireq.DateOut(a.VerdictDate), Notes: a.Notes,
		CreateTime: apireq.TimeOut(a.CreateTime), UpdateTime: apireq.TimeOut(a.UpdateTime),
		CreatedBy: a.CreatedBy, UpdatedBy: a.UpdatedBy, Etag: a.Etag(),
	}
	for _, h := range a.CustodyHistory {
		out.CustodyHistory = append(out.CustodyHistory, &prosecutionv1.CustodyChange{
			From: custodyOut(h.From), To: custodyOut(h.To), EffectiveDate: apireq.DateOut(h.EffectiveDate), Actor: h.Actor,
			Time: apireq.TimeOut(h.Time), Note: h.Note,
		})
	}
	for _, e := range a.BailEvents {
		out.BailEvents = append(out.BailEvents, &prosecutionv1.BailEvent{
			Kind: apireq.EnumOut[prosecutionv1.BailEventKind](e.Kind, prosecutionv1.BailEventKind_value, prefixBailEventKind),
			Date: apireq.DateOut(e.Date), Court: e.Court, SuretyInr: e.SuretyINR, Conditions: e.Conditions,
		})
	}
	if s := a.Sentence; s != nil {
		out.Sentence = &prosecutionv1.Sentence{
			ImprisonmentMonths: int32(s.ImprisonmentMonths), LifeImprisonment: s.LifeImprisonment, FineInr: s.FineINR,
			SentenceDate: apireq.DateOut(s.SentenceDate),
		}
	}
	return out
}

// Hearings.

func hearingFieldsIn(v *errs.Violations, h *prosecutionv1.Hearing, prefix string) domain.HearingFields {
	return domain.HearingFields{
		Date: apireq.DateIn(v, prefix+".date", h.GetDate()), CourtRoom: h.GetCourtRoom(),
		Purpose: apireq.EnumIn[domain.HearingPurpose](h.GetPurpose(), prosecutionv1.HearingPurpose_name, prefixHearingPurpose),
		Outcome: h.GetOutcome(), NextDate: apireq.DateIn(v, prefix+".next_date", h.GetNextDate()), Notes: h.GetNotes(),
	}
}

func hearingOut(h *domain.Hearing) *prosecutionv1.Hearing {
	return &prosecutionv1.Hearing{
		Name: h.Name(), Date: apireq.DateOut(h.Date), CourtRoom: h.CourtRoom,
		Purpose: apireq.EnumOut[prosecutionv1.HearingPurpose](h.Purpose, prosecutionv1.HearingPurpose_value, prefixHearingPurpose),
		Outcome: h.Outcome, NextDate: apireq.DateOut(h.NextDate), Notes: h.Notes,
		CreateTime: apireq.TimeOut(h.CreateTime), UpdateTime: apireq.TimeOut(h.UpdateTime),
		CreatedBy: h.CreatedBy, UpdatedBy: h.UpdatedBy, Etag: h.Etag(),
	}
}

// Witnesses.

func witnessFieldsIn(v *errs.Violations, w *prosecutionv1.Witness, prefix string) domain.WitnessFields {
	f := domain.WitnessFields{
		LastContactDate:      apireq.DateIn(v, prefix+".last_contact_date", w.GetLastContactDate()),
		SupportNotes:         w.GetSupportNotes(),
		TestimonyStatus:      apireq.EnumIn[domain.TestimonyStatus](w.GetTestimonyStatus(), prosecutionv1.TestimonyStatus_name, prefixTestimonyStatus),
		EvidenceRecordedDate: apireq.DateIn(v, prefix+".evidence_recorded_date", w.GetEvidenceRecordedDate()),
	}
	for _, n := range w.GetProtectionNeeds() {
		f.ProtectionNeeds = append(f.ProtectionNeeds, apireq.EnumIn[domain.ProtectionNeed](n, prosecutionv1.ProtectionNeed_name, prefixProtectionNeed))
	}
	return f
}

// witnessOut converts a witness for a caller. With supportOnly (a caller
// who sees only the support fields, see SupportOnly) the testimony fields
// and the overdue flag derived from them are left out.
func witnessOut(w *app.WitnessView, supportOnly bool) *prosecutionv1.Witness {
	out := &prosecutionv1.Witness{
		Name: w.Name(), Survivor: w.Survivor, Minor: w.Minor,
		LastContactDate: apireq.DateOut(w.LastContactDate), SupportNotes: w.SupportNotes,
		EvidenceDeadline: apireq.DateOut(w.EvidenceDeadline),
		CreateTime:       apireq.TimeOut(w.CreateTime), UpdateTime: apireq.TimeOut(w.UpdateTime),
		CreatedBy: w.CreatedBy, UpdatedBy: w.UpdatedBy, Etag: w.Etag(),
	}
	for _, n := range w.ProtectionNeeds {
		out.ProtectionNeeds = append(out.ProtectionNeeds, apireq.EnumOut[prosecutionv1.ProtectionNeed](n, prosecutionv1.ProtectionNeed_value, prefixProtectionNeed))
	}
	if supportOnly {
		return out
	}
	out.TestimonyStatus = apireq.EnumOut[prosecutionv1.TestimonyStatus](w.TestimonyStatus, prosecutionv1.TestimonyStatus_value, prefixTestimonyStatus)
	out.EvidenceRecordedDate = apireq.DateOut(w.EvidenceRecordedDate)
	out.EvidenceOverdue = w.EvidenceOverdue
	return out
}

// Compensations.

func compensationFieldsIn(v *errs.Violations, c *prosecutionv1.Compensation, prefix string) domain.CompensationFields {
	return domain.CompensationFields{
		AppliedDate: apireq.DateIn(v, prefix+".applied_date", c.GetAppliedDate()), Authority: c.GetAuthority(),
		ClaimedINR: c.GetClaimedInr(),
		Status:     apireq.EnumIn[domain.CompensationStatus](c.GetStatus(), prosecutionv1.CompensationStatus_name, prefixCompensationStatus),
		AwardedINR: c.GetAwardedInr(), AwardedDate: apireq.DateIn(v, prefix+".awarded_date", c.GetAwardedDate()),
		PaidDate: apireq.DateIn(v, prefix+".paid_date", c.GetPaidDate()), Notes: c.GetNotes(),
	}
}

func compensationOut(c *domain.Compensation) *prosecutionv1.Compensation {
	return &prosecutionv1.Compensation{
		Name: c.Name(), Survivor: c.Survivor,
		Scheme:      apireq.EnumOut[prosecutionv1.CompensationScheme](c.Scheme(), prosecutionv1.CompensationScheme_value, prefixCompensationScheme),
		AppliedDate: apireq.DateOut(c.AppliedDate), Authority: c.Authority, ClaimedInr: c.ClaimedINR,
		Status:     apireq.EnumOut[prosecutionv1.CompensationStatus](c.Status, prosecutionv1.CompensationStatus_value, prefixCompensationStatus),
		AwardedInr: c.AwardedINR, AwardedDate: apireq.DateOut(c.AwardedDate), PaidDate: apireq.DateOut(c.PaidDate), Notes: c.Notes,
		CreateTime: apireq.TimeOut(c.CreateTime), UpdateTime: apireq.TimeOut(c.UpdateTime),
		CreatedBy: c.CreatedBy, UpdatedBy: c.UpdatedBy, Etag: c.Etag(),
	}
}
