package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// CompensationScheme is the law under which victim compensation is sought.
type CompensationScheme string

// The compensation schemes.
const (
	// SchemeCrPC357A is s.357A of the Code of Criminal Procedure 1973: applications before 2024-07-01.
	SchemeCrPC357A CompensationScheme = "CRPC_357A"
	// SchemeBNSS396 is s.396 of the Bharatiya Nagarik Suraksha Sanhita 2023: applications on or after 2024-07-01.
	SchemeBNSS396 CompensationScheme = "BNSS_396"
)

// SchemeFor returns the scheme of an application made on the given date:
// BNSS 396 from BNSFrom (the day BNSS replaced CrPC, with BNS), else CrPC 357A.
func SchemeFor(applied Date) CompensationScheme {
	if applied.Before(BNSFrom) {
		return SchemeCrPC357A
	}
	return SchemeBNSS396
}

// CompensationStatus is where a compensation application stands.
type CompensationStatus string

// The compensation statuses.
const (
	CompensationApplied        CompensationStatus = "APPLIED"
	CompensationInterimAwarded CompensationStatus = "INTERIM_AWARDED"
	CompensationAwarded        CompensationStatus = "AWARDED"
	CompensationRejected       CompensationStatus = "REJECTED"
	CompensationPaid           CompensationStatus = "PAID"
)

// CompensationStatuses lists every compensation status.
var CompensationStatuses = enumeration[CompensationStatus]{
	CompensationApplied, CompensationInterimAwarded, CompensationAwarded, CompensationRejected, CompensationPaid,
}

// compensationLifecycle: APPLIED -> INTERIM_AWARDED -> AWARDED -> PAID, an
// award without interim relief (APPLIED -> AWARDED), and REJECTED from
// APPLIED or INTERIM_AWARDED. REJECTED and PAID are final.
var compensationLifecycle = lifecycle[CompensationStatus]{
	Kind: "compensation",
	Allowed: map[CompensationStatus][]CompensationStatus{
		CompensationApplied:        {CompensationInterimAwarded, CompensationAwarded, CompensationRejected},
		CompensationInterimAwarded: {CompensationAwarded, CompensationRejected},
		CompensationAwarded:        {CompensationPaid},
	},
}

// NextCompensationStatuses returns the statuses a compensation in status s may move to.
func NextCompensationStatuses(s CompensationStatus) []CompensationStatus {
	return compensationLifecycle.Next(s)
}

// MaxAuthorityLength bounds the deciding authority's name.
const MaxAuthorityLength = 200

// CompensationFields are the caller-controlled fields of a compensation.
type CompensationFields struct {
	// AppliedDate is when the application was made. Required; not in the
	// future; immutable. It decides the scheme.
	AppliedDate Date
	// Authority decides the application, e.g. "DLSA Mumbai".
	Authority string
	// ClaimedINR is the amount claimed in whole rupees; 0 (not stated) or more.
	ClaimedINR int64
	// Status is where the application stands; APPLIED when not given at creation.
	Status CompensationStatus
	// AwardedINR is the amount awarded so far (interim or final): greater than
	// 0 once INTERIM_AWARDED, AWARDED or PAID; 0 while APPLIED.
	AwardedINR int64
	// AwardedDate is the date of the latest award: required once awarded,
	// empty while APPLIED.
	AwardedDate Date
	// PaidDate is when the award was paid: required for PAID, empty otherwise.
	PaidDate Date
	// Notes are free text; never survivor identity or bank details.
	Notes string
}

// awarded reports whether status s carries an award.
func awarded(s CompensationStatus) bool {
	return s == CompensationInterimAwarded || s == CompensationAwarded || s == CompensationPaid
}

// Validate checks the fields, and that the amounts and dates fit the
// status; prefix is the request path, today the office's today. Every date
// is not in the future and not before the applied date; the paid date not
// before the awarded date. A REJECTED application keeps the interim award
// it may have had.
func (f CompensationFields) Validate(prefix string, today Date) errs.Violations {
	var v errs.Violations
	p := prefix + "."
	appliedOK := checkPastDate(&v, p+"applied_date", f.AppliedDate, true, today)
	checkMaxLen(&v, p+"authority", f.Authority, MaxAuthorityLength, true)
	checkAmount(&v, p+"claimed_inr", f.ClaimedINR)
	checkEnum(&v, p+"status", f.Status, CompensationStatuses)
	checkAmount(&v, p+"awarded_inr", f.AwardedINR)
	awardedOK := checkPastDate(&v, p+"awarded_date", f.AwardedDate, false, today)
	paidOK := checkPastDate(&v, p+"paid_date", f.PaidDate, false, today)
	if appliedOK {
		if awardedOK {
			awardedOK = checkNotBefore(&v, p+"awarded_date", f.AwardedDate, f.AppliedDate, "the applied date")
		}
		if paidOK {
			paidOK = checkNotBefore(&v, p+"paid_date", f.PaidDate, f.AppliedDate, "the applied date")
		}
	}
	if awardedOK && paidOK {
		checkNotBefore(&v, p+"paid_date", f.PaidDate, f.AwardedDate, "the awarded date")
	}
	switch s := f.Status; {
	case awarded(s):
		if f.AwardedINR <= 0 {
			v.Add(p+"awarded_inr", "must be greater than 0 when status is %s; got %d", s, f.AwardedINR)
		}
		if f.AwardedDate.IsZero() {
			v.Add(p+"awarded_date", "is required when status is %s", s)
		}
	case s == CompensationApplied:
		if f.AwardedINR != 0 {
			v.Add(p+"awarded_inr", "must be 0 while status is APPLIED (nothing is awarded yet); got %d", f.AwardedINR)
		}
		if !f.AwardedDate.IsZero() {
			v.Add(p+"awarded_date", "must be empty while status is APPLIED (nothing is awarded yet)")
		}
	}
	switch {
	case f.Status == CompensationPaid && f.PaidDate.IsZero():
		v.Add(p+"paid_date", "is required when status is PAID")
	case f.Status != CompensationPaid && !f.PaidDate.IsZero():
		v.Add(p+"paid_date", "must be empty unless status is PAID; got status %s", f.Status)
	}
	checkMaxLen(&v, p+"notes", f.Notes, MaxNotesLength, true)
	return v
}

// checkAmount records a violation unless 0 <= inr <= MaxAmountINR.
func checkAmount(v *errs.Violations, field string, inr int64) {
	if inr < 0 || inr > MaxAmountINR {
		v.Add(field, "must be between 0 and %d rupees; got %d", MaxAmountINR, inr)
	}
}

// CompensationField names a field that an update may change.
type CompensationField string

// The compensation fields, named as in the API. The survivor and the
// applied date are named so an update naming them is refused as immutable.
const (
	CompensationFieldAuthority   CompensationField = "authority"
	CompensationFieldClaimedINR  CompensationField = "claimed_inr"
	CompensationFieldStatus      CompensationField = "status"
	CompensationFieldAwardedINR  CompensationField = "awarded_inr"
	CompensationFieldAwardedDate CompensationField = "awarded_date"
	CompensationFieldPaidDate    CompensationField = "paid_date"
	CompensationFieldNotes       CompensationField = "notes"
	CompensationFieldSurvivor    CompensationField = "survivor"
	CompensationFieldAppliedDate CompensationField = "applied_date"
)

// CompensationUpdatableFields lists the fields UpdateCompensation accepts in its mask.
var CompensationUpdatableFields = []CompensationField{
	CompensationFieldAuthority, CompensationFieldClaimedINR, CompensationFieldStatus, CompensationFieldAwardedINR,
	CompensationFieldAwardedDate, CompensationFieldPaidDate, CompensationFieldNotes,
}

// Compensation is a survivor's application for victim compensation in a case.
type Compensation struct {
	Meta
	// CaseID is the id of the case, in the compensation's office.
	CaseID string
	// Survivor is the rescue survivor's resource name; immutable, and linked
	// to the case (checked by the caller).
	Survivor string
	CompensationFields
	// Transitions is every status change, oldest first.
	Transitions []Transition[CompensationStatus]
}

// NewCompensation validates the fields and returns a new APPLIED
// compensation of case caseID for the survivor. tz is the office's time
// zone. That the case links the survivor is the caller's to check.
func NewCompensation(id, office, caseID, survivor string, f CompensationFields, actor string, now time.Time, tz *time.Location) (*Compensation, error) {
	var v errs.Violations
	if survivor == "" {
		v.Add("compensation.survivor", "is required; format offices/%s/survivors/{survivor}", office)
	} else if msg := referenceProblem(survivor, RescueCollectionSurvivors, office); msg != "" {
		v.Add("compensation.survivor", "%s", msg)
	}
	switch f.Status {
	case "":
		f.Status = CompensationApplied
	case CompensationApplied:
	default:
		v.Add("compensation.status", "must be APPLIED or unset when the application is recorded; got %s: record the decision afterwards with an update", f.Status)
	}
	if len(v) == 0 {
		v = f.Validate("compensation", Today(now, tz))
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Compensation{Meta: newMeta(id, office, actor, now), CaseID: caseID, Survivor: survivor, CompensationFields: f}, nil
}

// Name is the compensation's resource name: offices/{office}/cases/{case}/compensations/{id}.
func (c *Compensation) Name() string {
	return childName(c.Office, c.CaseID, CollectionCompensations, c.ID)
}

// CaseName is the resource name of the compensation's case.
func (c *Compensation) CaseName() string { return CaseName(c.Office, c.CaseID) }

// Scheme is the scheme the application falls under, by its applied date.
func (c *Compensation) Scheme() CompensationScheme { return SchemeFor(c.AppliedDate) }

// Update copies the named fields from src and records who changed it. A
// change of status must follow compensationLifecycle (FAILED_PRECONDITION
// ILLEGAL_TRANSITION otherwise) and is kept in Transitions; then the whole
// record is validated (INVALID_ARGUMENT), so an award is recorded with its
// amount and date in the same update.
func (c *Compensation) Update(fields []CompensationField, src CompensationFields, actor string, now time.Time, tz *time.Location) error {
	next := c.CompensationFields
	for _, f := range fields {
		switch f {
		case CompensationFieldAuthority:
			next.Authority = src.Authority
		case CompensationFieldClaimedINR:
			next.ClaimedINR = src.ClaimedINR
		case CompensationFieldStatus:
			next.Status = src.Status
		case CompensationFieldAwardedINR:
			next.AwardedINR = src.AwardedINR
		case CompensationFieldAwardedDate:
			next.AwardedDate = src.AwardedDate
		case CompensationFieldPaidDate:
			next.PaidDate = src.PaidDate
		case CompensationFieldNotes:
			next.Notes = src.Notes
		case CompensationFieldSurvivor, CompensationFieldAppliedDate:
			return invalidMask("compensation", string(f), "it is immutable")
		default:
			return invalidMask("compensation", string(f), "")
		}
	}
	changed := next.Status != c.Status
	if changed && CompensationStatuses.Contains(next.Status) {
		if err := compensationLifecycle.Check(c.Name(), c.Status, next.Status); err != nil {
			return err
		}
	}
	if err := next.Validate("compensation", Today(now, tz)).Err(); err != nil {
		return err
	}
	if changed {
		c.Transitions = append(c.Transitions, Transition[CompensationStatus]{
			From: c.Status, To: next.Status, Actor: actor, Time: record.Timestamp(now),
		})
	}
	c.CompensationFields = next
	c.Touch(actor, now)
	return nil
}

// Clone returns a deep copy.
func (c *Compensation) Clone() *Compensation {
	d := *c
	d.Transitions = cloneOrNil(c.Transitions)
	return &d
}
