package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// HearingPurpose is what a hearing is for.
type HearingPurpose string

// The hearing purposes.
const (
	PurposeBail               HearingPurpose = "BAIL"
	PurposeCharge             HearingPurpose = "CHARGE"
	PurposeEvidence           HearingPurpose = "EVIDENCE"
	PurposeCrossExamination   HearingPurpose = "CROSS_EXAMINATION"
	PurposeStatementOfAccused HearingPurpose = "STATEMENT_OF_ACCUSED"
	PurposeArguments          HearingPurpose = "ARGUMENTS"
	PurposeJudgment           HearingPurpose = "JUDGMENT"
	PurposeSentencing         HearingPurpose = "SENTENCING"
	PurposeAdjournment        HearingPurpose = "ADJOURNMENT"
	PurposeOther              HearingPurpose = "OTHER"
)

// HearingPurposes lists every hearing purpose.
var HearingPurposes = enumeration[HearingPurpose]{
	PurposeBail, PurposeCharge, PurposeEvidence, PurposeCrossExamination, PurposeStatementOfAccused,
	PurposeArguments, PurposeJudgment, PurposeSentencing, PurposeAdjournment, PurposeOther,
}

// Limits of hearing fields.
const (
	MaxCourtRoomLength      = 200
	MaxHearingOutcomeLength = 2000
	// MaxCalendarDays is how many days after its start a calendar query may end.
	MaxCalendarDays = 366
)

// HearingFields are the caller-controlled fields of a hearing.
type HearingFields struct {
	// Date is the day of the hearing, past or future (hearings are
	// scheduled). Required.
	Date Date
	// CourtRoom is where it is heard, e.g. "Court Room 14".
	CourtRoom string
	// Purpose is what the hearing is for. Required.
	Purpose HearingPurpose
	// Outcome says what happened; empty until it is held. Never survivor identity.
	Outcome string
	// NextDate is the next date the court set; after Date.
	NextDate Date
	// Notes are free text for the prosecutor; never survivor identity.
	Notes string
}

// Validate checks the fields; prefix is the request path of the hearing.
func (f HearingFields) Validate(prefix string) errs.Violations {
	var v errs.Violations
	p := prefix + "."
	dateOK := checkDate(&v, p+"date", f.Date, true)
	checkMaxLen(&v, p+"court_room", f.CourtRoom, MaxCourtRoomLength, true)
	checkEnum(&v, p+"purpose", f.Purpose, HearingPurposes)
	checkMaxLen(&v, p+"outcome", f.Outcome, MaxHearingOutcomeLength, true)
	if checkDate(&v, p+"next_date", f.NextDate, false) && dateOK && !f.NextDate.After(f.Date) {
		v.Add(p+"next_date", "must be after the hearing's date (%s)", f.Date.ISO())
	}
	checkMaxLen(&v, p+"notes", f.Notes, MaxNotesLength, true)
	return v
}

// HearingField names a field that an update may change.
type HearingField string

// The updatable hearing fields, named as in the API.
const (
	HearingFieldDate      HearingField = "date"
	HearingFieldCourtRoom HearingField = "court_room"
	HearingFieldPurpose   HearingField = "purpose"
	HearingFieldOutcome   HearingField = "outcome"
	HearingFieldNextDate  HearingField = "next_date"
	HearingFieldNotes     HearingField = "notes"
)

// HearingUpdatableFields lists the fields UpdateHearing accepts in its mask.
var HearingUpdatableFields = []HearingField{
	HearingFieldDate, HearingFieldCourtRoom, HearingFieldPurpose, HearingFieldOutcome, HearingFieldNextDate, HearingFieldNotes,
}

// Hearing is one date of a case in court.
type Hearing struct {
	Meta
	// CaseID is the id of the case, in the hearing's office.
	CaseID string
	HearingFields
}

// NewHearing validates the fields and returns a new hearing of case caseID.
func NewHearing(id, office, caseID string, f HearingFields, actor string, now time.Time) (*Hearing, error) {
	if err := f.Validate("hearing").Err(); err != nil {
		return nil, err
	}
	return &Hearing{Meta: newMeta(id, office, actor, now), CaseID: caseID, HearingFields: f}, nil
}

// Name is the hearing's resource name: offices/{office}/cases/{case}/hearings/{id}.
func (h *Hearing) Name() string { return childName(h.Office, h.CaseID, CollectionHearings, h.ID) }

// CaseName is the resource name of the hearing's case.
func (h *Hearing) CaseName() string { return CaseName(h.Office, h.CaseID) }

// Update copies the named fields from src, validates the result and records who changed it.
func (h *Hearing) Update(fields []HearingField, src HearingFields, actor string, now time.Time) error {
	next := h.HearingFields
	for _, f := range fields {
		switch f {
		case HearingFieldDate:
			next.Date = src.Date
		case HearingFieldCourtRoom:
			next.CourtRoom = src.CourtRoom
		case HearingFieldPurpose:
			next.Purpose = src.Purpose
		case HearingFieldOutcome:
			next.Outcome = src.Outcome
		case HearingFieldNextDate:
			next.NextDate = src.NextDate
		case HearingFieldNotes:
			next.Notes = src.Notes
		default:
			return invalidMask("hearing", string(f), "")
		}
	}
	if err := next.Validate("hearing").Err(); err != nil {
		return err
	}
	h.HearingFields = next
	h.Touch(actor, now)
	return nil
}

// Clone returns a deep copy.
func (h *Hearing) Clone() *Hearing {
	c := *h
	return &c
}

// ValidateCalendarRange checks the days of a hearing calendar query
// (fields start_date and end_date, both inclusive): both required and
// valid, end not before start and at most MaxCalendarDays after it.
func ValidateCalendarRange(start, end Date) error {
	var v errs.Violations
	startOK := checkDate(&v, "start_date", start, true)
	endOK := checkDate(&v, "end_date", end, true)
	if startOK && endOK {
		switch days := start.DaysUntil(end); {
		case days < 0:
			v.Add("end_date", "must not be before start_date (%s)", start.ISO())
		case days > MaxCalendarDays:
			v.Add("end_date", "must be at most %d days after start_date (%s, so %s at the latest); got %d days",
				MaxCalendarDays, start.ISO(), start.AddDays(MaxCalendarDays).ISO(), days)
		}
	}
	return v.Err()
}
