package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// ProtectionNeed is a protection a victim-witness needs.
type ProtectionNeed string

// The protection needs.
const (
	ProtectionInCameraTrial       ProtectionNeed = "IN_CAMERA_TRIAL"
	ProtectionScreenOrVideoLink   ProtectionNeed = "SCREEN_OR_VIDEO_LINK"
	ProtectionIdentitySuppression ProtectionNeed = "IDENTITY_SUPPRESSION"
	ProtectionSupportPerson       ProtectionNeed = "SUPPORT_PERSON"
	ProtectionInterpreter         ProtectionNeed = "INTERPRETER"
	ProtectionSafeTransport       ProtectionNeed = "SAFE_TRANSPORT"
	ProtectionRelocation          ProtectionNeed = "RELOCATION"
	ProtectionPoliceProtection    ProtectionNeed = "POLICE_PROTECTION"
)

// ProtectionNeeds lists every protection need.
var ProtectionNeeds = enumeration[ProtectionNeed]{
	ProtectionInCameraTrial, ProtectionScreenOrVideoLink, ProtectionIdentitySuppression, ProtectionSupportPerson,
	ProtectionInterpreter, ProtectionSafeTransport, ProtectionRelocation, ProtectionPoliceProtection,
}

// TestimonyStatus is whether a witness's evidence is recorded.
type TestimonyStatus string

// The testimony statuses.
const (
	TestimonyPending     TestimonyStatus = "PENDING"
	TestimonyRecorded    TestimonyStatus = "RECORDED"
	TestimonyNotRequired TestimonyStatus = "NOT_REQUIRED"
)

// TestimonyStatuses lists every testimony status.
var TestimonyStatuses = enumeration[TestimonyStatus]{TestimonyPending, TestimonyRecorded, TestimonyNotRequired}

// ChildEvidenceDays is how soon after the court takes cognizance a child's
// evidence must be recorded (POCSO Act 2012 s.35(1)).
const ChildEvidenceDays = 30

// MaxSupportNotesLength bounds a witness's support notes.
const MaxSupportNotesLength = 4000

// WitnessFields are the caller-controlled fields of a victim-witness.
type WitnessFields struct {
	// LastContactDate is when a social worker last spoke with the witness;
	// not in the future. Support.
	LastContactDate Date
	// ProtectionNeeds are the protections the witness needs; no duplicates. Support.
	ProtectionNeeds []ProtectionNeed
	// SupportNotes say how the witness is doing and what support is
	// arranged; never identity or whereabouts. Support.
	SupportNotes string
	// TestimonyStatus is whether the evidence is recorded. PENDING when not
	// given at creation. Legal.
	TestimonyStatus TestimonyStatus
	// EvidenceRecordedDate is when the evidence was recorded: required when
	// RECORDED, empty otherwise; not in the future. Legal.
	EvidenceRecordedDate Date
}

// Validate checks the fields; prefix is the request path of the witness,
// today the office's today.
func (f WitnessFields) Validate(prefix string, today Date) errs.Violations {
	var v errs.Violations
	p := prefix + "."
	checkPastDate(&v, p+"last_contact_date", f.LastContactDate, false, today)
	for i, n := range f.ProtectionNeeds {
		field := fmt.Sprintf("%sprotection_needs[%d]", p, i)
		checkEnum(&v, field, n, ProtectionNeeds)
		if j := slices.Index(f.ProtectionNeeds[:i], n); j >= 0 && n != "" {
			v.Add(field, "repeats %s (protection_needs[%d]); list each need once", n, j)
		}
	}
	checkMaxLen(&v, p+"support_notes", f.SupportNotes, MaxSupportNotesLength, true)
	checkEnum(&v, p+"testimony_status", f.TestimonyStatus, TestimonyStatuses)
	recorded := p + "evidence_recorded_date"
	switch {
	case f.TestimonyStatus == TestimonyRecorded:
		checkPastDate(&v, recorded, f.EvidenceRecordedDate, true, today)
	case !f.EvidenceRecordedDate.IsZero():
		v.Add(recorded, "must be empty unless testimony_status is RECORDED; got testimony_status %s", f.TestimonyStatus)
	}
	return v
}

// WitnessField names a field that an update may change.
type WitnessField string

// The witness fields, named as in the API. The survivor is named so an
// update naming it is refused as immutable.
const (
	WitnessFieldLastContactDate      WitnessField = "last_contact_date"
	WitnessFieldProtectionNeeds      WitnessField = "protection_needs"
	WitnessFieldSupportNotes         WitnessField = "support_notes"
	WitnessFieldTestimonyStatus      WitnessField = "testimony_status"
	WitnessFieldEvidenceRecordedDate WitnessField = "evidence_recorded_date"
	WitnessFieldSurvivor             WitnessField = "survivor"
)

// WitnessSupportFields are the fields social workers see and maintain:
// how the witness is and what support is arranged. The API lets a caller
// whose role is limited to support update these and no others.
var WitnessSupportFields = []WitnessField{WitnessFieldLastContactDate, WitnessFieldProtectionNeeds, WitnessFieldSupportNotes}

// WitnessLegalFields are the fields of the testimony, kept by the prosecution.
var WitnessLegalFields = []WitnessField{WitnessFieldTestimonyStatus, WitnessFieldEvidenceRecordedDate}

// WitnessUpdatableFields lists the fields UpdateWitness accepts in its mask.
var WitnessUpdatableFields = append(slices.Clone(WitnessSupportFields), WitnessLegalFields...)

// IsSupport reports whether f is one of WitnessSupportFields.
func (f WitnessField) IsSupport() bool { return slices.Contains(WitnessSupportFields, f) }

// Witness is a survivor who testifies in a case (a victim-witness). It names
// the survivor by resource name only.
type Witness struct {
	Meta
	// CaseID is the id of the case, in the witness's office.
	CaseID string
	// Survivor is the rescue survivor's resource name; immutable, and linked
	// to the case (checked by the caller).
	Survivor string
	// Minor is whether the survivor was under 18 at rescue, copied from
	// rescue at creation. It decides the POCSO evidence deadline.
	Minor bool
	WitnessFields
}

// NewWitness validates the fields and returns a new witness of case caseID
// for the survivor, whose minority rescue reported. tz is the office's time
// zone. That the case links the survivor, and that no other witness of the
// case names it, are the caller's to check.
func NewWitness(id, office, caseID, survivor string, minor bool, f WitnessFields, actor string, now time.Time, tz *time.Location) (*Witness, error) {
	if f.TestimonyStatus == "" {
		f.TestimonyStatus = TestimonyPending
	}
	var v errs.Violations
	if survivor == "" {
		v.Add("witness.survivor", "is required; format offices/%s/survivors/{survivor}", office)
	} else if msg := referenceProblem(survivor, RescueCollectionSurvivors, office); msg != "" {
		v.Add("witness.survivor", "%s", msg)
	}
	v = append(v, f.Validate("witness", Today(now, tz))...)
	if err := v.Err(); err != nil {
		return nil, err
	}
	f.ProtectionNeeds = cloneOrNil(f.ProtectionNeeds)
	return &Witness{Meta: newMeta(id, office, actor, now), CaseID: caseID, Survivor: survivor, Minor: minor, WitnessFields: f}, nil
}

// Name is the witness's resource name: offices/{office}/cases/{case}/witnesses/{id}.
func (w *Witness) Name() string { return childName(w.Office, w.CaseID, CollectionWitnesses, w.ID) }

// CaseName is the resource name of the witness's case.
func (w *Witness) CaseName() string { return CaseName(w.Office, w.CaseID) }

// EvidenceDeadline is the date by which a child witness's evidence must be
// recorded: the case's cognizance date plus ChildEvidenceDays. Zero for an
// adult, and while the case has no cognizance date.
func (w *Witness) EvidenceDeadline(cognizance Date) Date {
	if !w.Minor || cognizance.IsZero() {
		return Date{}
	}
	return cognizance.AddDays(ChildEvidenceDays)
}

// Overdue reports whether a child witness's evidence is still PENDING after
// its deadline: on the deadline day itself it is not yet overdue. today is
// the office's today.
func (w *Witness) Overdue(cognizance, today Date) bool {
	deadline := w.EvidenceDeadline(cognizance)
	return w.TestimonyStatus == TestimonyPending && !deadline.IsZero() && today.After(deadline)
}

// Update copies the named fields from src, validates the result and records
// who changed it. Whether the caller may change legal fields is the API's
// to decide (WitnessField.IsSupport).
func (w *Witness) Update(fields []WitnessField, src WitnessFields, actor string, now time.Time, tz *time.Location) error {
	next := w.WitnessFields
	for _, f := range fields {
		switch f {
		case WitnessFieldLastContactDate:
			next.LastContactDate = src.LastContactDate
		case WitnessFieldProtectionNeeds:
			next.ProtectionNeeds = cloneOrNil(src.ProtectionNeeds)
		case WitnessFieldSupportNotes:
			next.SupportNotes = src.SupportNotes
		case WitnessFieldTestimonyStatus:
			next.TestimonyStatus = src.TestimonyStatus
		case WitnessFieldEvidenceRecordedDate:
			next.EvidenceRecordedDate = src.EvidenceRecordedDate
		case WitnessFieldSurvivor:
			return invalidMask("witness", string(f), "it is immutable; create another witness instead")
		default:
			return invalidMask("witness", string(f), "")
		}
	}
	if err := next.Validate("witness", Today(now, tz)).Err(); err != nil {
		return err
	}
	w.WitnessFields = next
	w.Touch(actor, now)
	return nil
}

// Clone returns a deep copy.
func (w *Witness) Clone() *Witness {
	c := *w
	c.ProtectionNeeds = cloneOrNil(w.ProtectionNeeds)
	return &c
}
