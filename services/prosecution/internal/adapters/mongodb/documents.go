package mongodb

import (
	"fmt"
	"time"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// The stored forms of the records. Field names are the API's snake_case
// names, so filters and order_by map one to one. Every document embeds
// docstore.MetaFields: _id, office (part of every filter), audit fields and
// version (optimistic concurrency). A record under a case stores the case's
// id as case_id. Enumerations are stored as their domain strings, calendar
// dates as "YYYY-MM-DD" (docstore.OptionalDate), which sort and
// range-filter as the dates do; an unset date is absent. Lists are stored
// as arrays, empty rather than null. Cases and accused, which feed the
// metric counters, also carry their counters bookkeeping ("counters", a
// counters.State).
//
// Derived values a list filters on are stored with the record they derive
// from: a case's outcome (from its stage and history) and a compensation's
// scheme (from its applied date, which never changes).

// dates reads the stored dates of one document, keeping the first error
// and the field it is about.
type dates struct {
	field string
	err   error
}

func (r *dates) read(field, stored string) domain.Date {
	d, err := docstore.FromOptionalDate(stored)
	if err != nil && r.err == nil {
		r.field, r.err = field, err
	}
	return d
}

// check is the error of the dates read, naming the record (e.g. "case
// offices/mumbai/cases/c1") and the field; nil if every date was good.
func (r *dates) check(record string) error {
	if r.err == nil {
		return nil
	}
	return fmt.Errorf("%s: %s: %w", record, r.field, r.err)
}

// stringsOf is the stored form of a list of strings or string enums: never nil.
func stringsOf[S ~string](values []S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// fromStrings is the list stringsOf stored; nil when empty, as the domain keeps it.
func fromStrings[S ~string](values []string) []S {
	if len(values) == 0 {
		return nil
	}
	out := make([]S, len(values))
	for i, v := range values {
		out[i] = S(v)
	}
	return out
}

// convert is the stored form of a list (fn of each item): never nil.
func convert[A, B any](items []A, fn func(A) B) []B {
	out := make([]B, len(items))
	for i, it := range items {
		out[i] = fn(it)
	}
	return out
}

// restore is the list convert stored; nil when empty, as the domain keeps it.
func restore[A, B any](items []A, fn func(A) B) []B {
	if len(items) == 0 {
		return nil
	}
	return convert(items, fn)
}

// Cases.

type chargeDoc struct {
	Statute     string `bson:"statute"`
	Section     string `bson:"section"`
	OffenceDate string `bson:"offence_date"`
}

type stageChangeDoc struct {
	From          string    `bson:"from"`
	To            string    `bson:"to"`
	EffectiveDate string    `bson:"effective_date,omitempty"`
	Actor         string    `bson:"actor"`
	Time          time.Time `bson:"time"`
	Note          string    `bson:"note,omitempty"`
	Correction    bool      `bson:"correction,omitempty"`
	Reason        string    `bson:"reason,omitempty"`
	RequestID     string    `bson:"request_id,omitempty"`
}

// caseDoc is a case as stored. outcome is derived (domain.Case.Outcome),
// "" while the case is pending.
type caseDoc struct {
	Meta            docstore.MetaFields `bson:",inline"`
	Title           string              `bson:"title"`
	FIRNumber       string              `bson:"fir_number"`
	PoliceStation   string              `bson:"police_station"`
	FIRDate         string              `bson:"fir_date"`
	Court           string              `bson:"court"`
	CNRNumber       string              `bson:"cnr_number"`
	Charges         []chargeDoc         `bson:"charges"`
	Operations      []string            `bson:"operations"`
	Survivors       []string            `bson:"survivors"`
	Stage           string              `bson:"stage"`
	Outcome         string              `bson:"outcome"`
	StageHistory    []stageChangeDoc    `bson:"stage_history"`
	ChargesheetDate string              `bson:"chargesheet_date,omitempty"`
	CognizanceDate  string              `bson:"cognizance_date,omitempty"`
	JudgmentDate    string              `bson:"judgment_date,omitempty"`
	Counters        counters.State      `bson:"counters"`
}

func toCaseDoc(c *domain.Case) *caseDoc {
	return &caseDoc{
		Meta: docstore.FromMeta(c.Meta), Title: c.Title, FIRNumber: c.FIRNumber, PoliceStation: c.PoliceStation,
		FIRDate: docstore.OptionalDate(c.FIRDate), Court: c.Court, CNRNumber: c.CNRNumber,
		Charges: convert(c.Charges, func(ch domain.Charge) chargeDoc {
			return chargeDoc{Statute: string(ch.Statute), Section: ch.Section, OffenceDate: docstore.OptionalDate(ch.OffenceDate)}
		}),
		Operations: stringsOf(c.Operations), Survivors: stringsOf(c.Survivors),
		Stage: string(c.Stage), Outcome: string(c.Outcome()),
		StageHistory: convert(c.StageHistory, func(h domain.StageChange) stageChangeDoc {
			return stageChangeDoc{From: string(h.From), To: string(h.To), EffectiveDate: docstore.OptionalDate(h.EffectiveDate),
				Actor: h.Actor, Time: h.Time, Note: h.Note, Correction: h.Correction, Reason: h.Reason, RequestID: h.RequestID}
		}),
		ChargesheetDate: docstore.OptionalDate(c.ChargesheetDate), CognizanceDate: docstore.OptionalDate(c.CognizanceDate),
		JudgmentDate: docstore.OptionalDate(c.JudgmentDate),
	}
}

func fromCaseDoc(d *caseDoc) (*domain.Case, error) {
	var r dates
	c := &domain.Case{
		Meta: d.Meta.ToMeta(),
		CaseFields: domain.CaseFields{
			Title: d.Title, FIRNumber: d.FIRNumber, PoliceStation: d.PoliceStation, FIRDate: r.read("fir_date", d.FIRDate),
			Court: d.Court, CNRNumber: d.CNRNumber,
			Charges: restore(d.Charges, func(ch chargeDoc) domain.Charge {
				return domain.Charge{Statute: domain.Statute(ch.Statute), Section: ch.Section, OffenceDate: r.read("charges.offence_date", ch.OffenceDate)}
			}),
		},
		Operations: fromStrings[string](d.Operations),
		Survivors:  fromStrings[string](d.Survivors),
		Stage:      domain.CaseStage(d.Stage),
		StageHistory: restore(d.StageHistory, func(h stageChangeDoc) domain.StageChange {
			return domain.StageChange{From: domain.CaseStage(h.From), To: domain.CaseStage(h.To),
				EffectiveDate: r.read("stage_history.effective_date", h.EffectiveDate), Actor: h.Actor, Time: h.Time.UTC(),
				Note: h.Note, Correction: h.Correction, Reason: h.Reason, RequestID: h.RequestID}
		}),
		ChargesheetDate: r.read("chargesheet_date", d.ChargesheetDate),
		CognizanceDate:  r.read("cognizance_date", d.CognizanceDate),
		JudgmentDate:    r.read("judgment_date", d.JudgmentDate),
	}
	return c, r.check("case " + c.Name())
}

// Accused.

type custodyChangeDoc struct {
	From          string    `bson:"from"`
	To            string    `bson:"to"`
	EffectiveDate string    `bson:"effective_date"`
	Actor         string    `bson:"actor"`
	Time          time.Time `bson:"time"`
	Note          string    `bson:"note,omitempty"`
	RequestID     string    `bson:"request_id,omitempty"`
}

type bailEventDoc struct {
	Kind       string    `bson:"kind"`
	Date       string    `bson:"date"`
	Court      string    `bson:"court"`
	SuretyINR  int64     `bson:"surety_inr"`
	Conditions string    `bson:"conditions"`
	Actor      string    `bson:"actor"`
	Time       time.Time `bson:"time"`
	RequestID  string    `bson:"request_id,omitempty"`
}

type sentenceDoc struct {
	ImprisonmentMonths int    `bson:"imprisonment_months"`
	LifeImprisonment   bool   `bson:"life_imprisonment"`
	FineINR            int64  `bson:"fine_inr"`
	SentenceDate       string `bson:"sentence_date,omitempty"`
}

// accusedDoc is an accused as stored; verdict is "" until recorded.
type accusedDoc struct {
	Meta              docstore.MetaFields `bson:",inline"`
	CaseID            string              `bson:"case_id"`
	DisplayName       string              `bson:"display_name"`
	Role              string              `bson:"role"`
	Notes             string              `bson:"notes"`
	Custody           string              `bson:"custody"`
	CustodyHistory    []custodyChangeDoc  `bson:"custody_history"`
	FirstCustodyDate  string              `bson:"first_custody_date,omitempty"`
	BailEvents        []bailEventDoc      `bson:"bail_events"`
	Verdict           string              `bson:"verdict"`
	VerdictDate       string              `bson:"verdict_date,omitempty"`
	Sentence          *sentenceDoc        `bson:"sentence,omitempty"`
	SentenceRequestID string              `bson:"sentence_request_id,omitempty"`
	Counters          counters.State      `bson:"counters"`
}

func toAccusedDoc(a *domain.Accused) *accusedDoc {
	d := &accusedDoc{
		Meta: docstore.FromMeta(a.Meta), CaseID: a.CaseID, DisplayName: a.DisplayName, Role: string(a.Role), Notes: a.Notes,
		Custody: string(a.Custody),
		CustodyHistory: convert(a.CustodyHistory, func(c domain.CustodyChange) custodyChangeDoc {
			return custodyChangeDoc{From: string(c.From), To: string(c.To), EffectiveDate: docstore.OptionalDate(c.EffectiveDate),
				Actor: c.Actor, Time: c.Time, Note: c.Note, RequestID: c.RequestID}
		}),
		FirstCustodyDate: docstore.OptionalDate(a.FirstCustodyDate),
		BailEvents: convert(a.BailEvents, func(e domain.BailEvent) bailEventDoc {
			return bailEventDoc{Kind: string(e.Kind), Date: docstore.OptionalDate(e.Date), Court: e.Court, SuretyINR: e.SuretyINR,
				Conditions: e.Conditions, Actor: e.Actor, Time: e.Time, RequestID: e.RequestID}
		}),
		Verdict: string(a.Verdict), VerdictDate: docstore.OptionalDate(a.VerdictDate), SentenceRequestID: a.SentenceRequestID,
	}
	if s := a.Sentence; s != nil {
		d.Sentence = &sentenceDoc{ImprisonmentMonths: s.ImprisonmentMonths, LifeImprisonment: s.LifeImprisonment, FineINR: s.FineINR,
			SentenceDate: docstore.OptionalDate(s.SentenceDate)}
	}
	return d
}

func fromAccusedDoc(d *accusedDoc) (*domain.Accused, error) {
	var r dates
	a := &domain.Accused{
		Meta: d.Meta.ToMeta(), CaseID: d.CaseID,
		AccusedFields: domain.AccusedFields{DisplayName: d.DisplayName, Role: domain.AccusedRole(d.Role), Notes: d.Notes},
		Custody:       domain.Custody(d.Custody),
		CustodyHistory: restore(d.CustodyHistory, func(c custodyChangeDoc) domain.CustodyChange {
			return domain.CustodyChange{From: domain.Custody(c.From), To: domain.Custody(c.To),
				EffectiveDate: r.read("custody_history.effective_date", c.EffectiveDate), Actor: c.Actor, Time: c.Time.UTC(),
				Note: c.Note, RequestID: c.RequestID}
		}),
		FirstCustodyDate: r.read("first_custody_date", d.FirstCustodyDate),
		BailEvents: restore(d.BailEvents, func(e bailEventDoc) domain.BailEvent {
			return domain.BailEvent{Kind: domain.BailEventKind(e.Kind), Date: r.read("bail_events.date", e.Date), Court: e.Court,
				SuretyINR: e.SuretyINR, Conditions: e.Conditions, Actor: e.Actor, Time: e.Time.UTC(), RequestID: e.RequestID}
		}),
		Verdict:           domain.Verdict(d.Verdict),
		VerdictDate:       r.read("verdict_date", d.VerdictDate),
		SentenceRequestID: d.SentenceRequestID,
	}
	if s := d.Sentence; s != nil {
		a.Sentence = &domain.Sentence{ImprisonmentMonths: s.ImprisonmentMonths, LifeImprisonment: s.LifeImprisonment, FineINR: s.FineINR,
			SentenceDate: r.read("sentence.sentence_date", s.SentenceDate)}
	}
	return a, r.check("accused " + a.Name())
}

// Hearings.

type hearingDoc struct {
	Meta      docstore.MetaFields `bson:",inline"`
	CaseID    string              `bson:"case_id"`
	Date      string              `bson:"date"`
	CourtRoom string              `bson:"court_room"`
	Purpose   string              `bson:"purpose"`
	Outcome   string              `bson:"outcome"`
	NextDate  string              `bson:"next_date,omitempty"`
	Notes     string              `bson:"notes"`
}

func toHearingDoc(h *domain.Hearing) *hearingDoc {
	return &hearingDoc{
		Meta: docstore.FromMeta(h.Meta), CaseID: h.CaseID, Date: docstore.OptionalDate(h.Date), CourtRoom: h.CourtRoom,
		Purpose: string(h.Purpose), Outcome: h.Outcome, NextDate: docstore.OptionalDate(h.NextDate), Notes: h.Notes,
	}
}

func fromHearingDoc(d *hearingDoc) (*domain.Hearing, error) {
	var r dates
	h := &domain.Hearing{
		Meta: d.Meta.ToMeta(), CaseID: d.CaseID,
		HearingFields: domain.HearingFields{
			Date: r.read("date", d.Date), CourtRoom: d.CourtRoom, Purpose: domain.HearingPurpose(d.Purpose), Outcome: d.Outcome,
			NextDate: r.read("next_date", d.NextDate), Notes: d.Notes,
		},
	}
	return h, r.check("hearing " + h.Name())
}

// Witnesses.

type witnessDoc struct {
	Meta                 docstore.MetaFields `bson:",inline"`
	CaseID               string              `bson:"case_id"`
	Survivor             string              `bson:"survivor"`
	Minor                bool                `bson:"minor"`
	LastContactDate      string              `bson:"last_contact_date,omitempty"`
	ProtectionNeeds      []string            `bson:"protection_needs"`
	SupportNotes         string              `bson:"support_notes"`
	TestimonyStatus      string              `bson:"testimony_status"`
	EvidenceRecordedDate string              `bson:"evidence_recorded_date,omitempty"`
}

func toWitnessDoc(w *domain.Witness) *witnessDoc {
	return &witnessDoc{
		Meta: docstore.FromMeta(w.Meta), CaseID: w.CaseID, Survivor: w.Survivor, Minor: w.Minor,
		LastContactDate: docstore.OptionalDate(w.LastContactDate), ProtectionNeeds: stringsOf(w.ProtectionNeeds),
		SupportNotes: w.SupportNotes, TestimonyStatus: string(w.TestimonyStatus),
		EvidenceRecordedDate: docstore.OptionalDate(w.EvidenceRecordedDate),
	}
}

func fromWitnessDoc(d *witnessDoc) (*domain.Witness, error) {
	var r dates
	w := &domain.Witness{
		Meta: d.Meta.ToMeta(), CaseID: d.CaseID, Survivor: d.Survivor, Minor: d.Minor,
		WitnessFields: domain.WitnessFields{
			LastContactDate: r.read("last_contact_date", d.LastContactDate),
			ProtectionNeeds: fromStrings[domain.ProtectionNeed](d.ProtectionNeeds),
			SupportNotes:    d.SupportNotes, TestimonyStatus: domain.TestimonyStatus(d.TestimonyStatus),
			EvidenceRecordedDate: r.read("evidence_recorded_date", d.EvidenceRecordedDate),
		},
	}
	return w, r.check("witness " + w.Name())
}

// Compensations.

// compensationDoc is a compensation as stored. scheme is derived from the
// applied date (domain.SchemeFor), which never changes.
type compensationDoc struct {
	Meta        docstore.MetaFields      `bson:",inline"`
	CaseID      string                   `bson:"case_id"`
	Survivor    string                   `bson:"survivor"`
	AppliedDate string                   `bson:"applied_date"`
	Scheme      string                   `bson:"scheme"`
	Authority   string                   `bson:"authority"`
	ClaimedINR  int64                    `bson:"claimed_inr"`
	Status      string                   `bson:"status"`
	AwardedINR  int64                    `bson:"awarded_inr"`
	AwardedDate string                   `bson:"awarded_date,omitempty"`
	PaidDate    string                   `bson:"paid_date,omitempty"`
	Notes       string                   `bson:"notes"`
	Transitions []docstore.TransitionDoc `bson:"transitions"`
}

func toCompensationDoc(c *domain.Compensation) *compensationDoc {
	return &compensationDoc{
		Meta: docstore.FromMeta(c.Meta), CaseID: c.CaseID, Survivor: c.Survivor, AppliedDate: docstore.OptionalDate(c.AppliedDate),
		Scheme: string(c.Scheme()), Authority: c.Authority, ClaimedINR: c.ClaimedINR, Status: string(c.Status),
		AwardedINR: c.AwardedINR, AwardedDate: docstore.OptionalDate(c.AwardedDate), PaidDate: docstore.OptionalDate(c.PaidDate),
		Notes: c.Notes, Transitions: docstore.FromTransitions(c.Transitions),
	}
}

func fromCompensationDoc(d *compensationDoc) (*domain.Compensation, error) {
	var r dates
	c := &domain.Compensation{
		Meta: d.Meta.ToMeta(), CaseID: d.CaseID, Survivor: d.Survivor,
		CompensationFields: domain.CompensationFields{
			AppliedDate: r.read("applied_date", d.AppliedDate), Authority: d.Authority, ClaimedINR: d.ClaimedINR,
			Status: domain.CompensationStatus(d.Status), AwardedINR: d.AwardedINR,
			AwardedDate: r.read("awarded_date", d.AwardedDate), PaidDate: r.read("paid_date", d.PaidDate), Notes: d.Notes,
		},
		Transitions: docstore.ToTransitions[domain.CompensationStatus](d.Transitions),
	}
	return c, r.check("compensation " + c.Name())
}
