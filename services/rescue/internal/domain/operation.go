package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// OperationStatus is where an operation is in its lifecycle.
type OperationStatus string

// The operation statuses.
const (
	OperationPlanned   OperationStatus = "PLANNED"
	OperationConducted OperationStatus = "CONDUCTED"
	OperationClosed    OperationStatus = "CLOSED"
	OperationAborted   OperationStatus = "ABORTED"
)

// OperationStatuses lists every operation status.
var OperationStatuses = enumeration[OperationStatus]{OperationPlanned, OperationConducted, OperationClosed, OperationAborted}

// operationLifecycle: PLANNED -> CONDUCTED -> CLOSED, or PLANNED -> ABORTED.
// Nothing leads back to PLANNED or ABORTED, which is what makes survivor
// records safe: an operation that rescued someone can never become deletable.
var operationLifecycle = lifecycle[OperationStatus]{
	Kind: "operation",
	Allowed: map[OperationStatus][]OperationStatus{
		OperationPlanned:   {OperationConducted, OperationAborted},
		OperationConducted: {OperationClosed},
	},
}

// NextOperationStatuses returns the statuses an operation in status s may move to.
func NextOperationStatuses(s OperationStatus) []OperationStatus { return operationLifecycle.Next(s) }

// OperationLegalBasis is the legal power under which the police search or rescue.
type OperationLegalBasis string

// The operation legal bases.
const (
	OperationBasisITPAS15Search OperationLegalBasis = "ITPA_S15_SEARCH"
	OperationBasisITPAS16Rescue OperationLegalBasis = "ITPA_S16_RESCUE"
)

// OperationLegalBases lists every operation legal basis.
var OperationLegalBases = enumeration[OperationLegalBasis]{OperationBasisITPAS15Search, OperationBasisITPAS16Rescue}

// Limits of operation fields.
const (
	MaxPoliceUnitLength = 200
	MaxFIRNumberLength  = 100
	// MaxSuspectsApprehended bounds the count to catch typos; no raid has come near it.
	MaxSuspectsApprehended = 10000
)

// OperationFields are the caller-controlled fields of an operation.
type OperationFields struct {
	// Location is the resource name of the location, in the operation's office. Set at create; immutable.
	Location string
	// PlannedTime is when the operation is planned. Required.
	PlannedTime time.Time
	// PoliceUnit is the partner police unit. Required.
	PoliceUnit string
	// FIRNumber is the First Information Report number.
	FIRNumber string
	// LegalBasis is the legal power relied on. Required.
	LegalBasis OperationLegalBasis
	// Notes are free text; never survivor identity.
	Notes string
}

// Validate checks the fields; prefix is the request path of the operation.
func (f OperationFields) Validate(prefix string) errs.Violations {
	var v errs.Violations
	if f.Location == "" {
		v.Add(prefix+".location", "is required; format offices/{office}/locations/{location}")
	}
	if f.PlannedTime.IsZero() {
		v.Add(prefix+".planned_time", "is required")
	}
	if checkRequired(&v, prefix+".police_unit", f.PoliceUnit) {
		checkMaxLen(&v, prefix+".police_unit", f.PoliceUnit, MaxPoliceUnitLength, true)
	}
	checkMaxLen(&v, prefix+".fir_number", f.FIRNumber, MaxFIRNumberLength, true)
	checkEnum(&v, prefix+".legal_basis", f.LegalBasis, OperationLegalBases)
	checkMaxLen(&v, prefix+".notes", f.Notes, MaxNotesLength, true)
	return v
}

// OperationField names a field that an update may change.
type OperationField string

// The updatable operation fields, named as in the API. The location is not
// among them: it is checked at create (same office, CONFIRMED or RAIDED) and
// guards the location's deletion; an operation planned at the wrong site is
// aborted and planned again.
const (
	OperationFieldPlannedTime OperationField = "planned_time"
	OperationFieldPoliceUnit  OperationField = "police_unit"
	OperationFieldFIRNumber   OperationField = "fir_number"
	OperationFieldLegalBasis  OperationField = "legal_basis"
	OperationFieldNotes       OperationField = "notes"
)

// OperationUpdatableFields lists the fields UpdateOperation accepts in its mask.
var OperationUpdatableFields = []OperationField{
	OperationFieldPlannedTime, OperationFieldPoliceUnit, OperationFieldFIRNumber, OperationFieldLegalBasis, OperationFieldNotes,
}

// Operation is a rescue operation carried out with the police at a location.
type Operation struct {
	Meta
	OperationFields
	// Status is where the operation is in its lifecycle.
	Status OperationStatus
	// ConductTime is when the operation was conducted; zero until then.
	ConductTime time.Time
	// SuspectsApprehended is how many suspects were apprehended, set when conducted.
	SuspectsApprehended int
	// Transitions is every status change, oldest first.
	Transitions []Transition[OperationStatus]
}

// NewOperation validates the fields and returns a new PLANNED operation. The
// location's existence and status are the caller's to check.
func NewOperation(id, office string, f OperationFields, actor string, now time.Time) (*Operation, error) {
	if err := f.Validate("operation").Err(); err != nil {
		return nil, err
	}
	f.PlannedTime = Timestamp(f.PlannedTime)
	return &Operation{Meta: newMeta(id, office, actor, now), OperationFields: f, Status: OperationPlanned}, nil
}

// Name is the operation's resource name.
func (o *Operation) Name() string { return Name(o.Office, CollectionOperations, o.ID) }

// Update copies the named fields from src, validates the result and records
// who changed it. The planned time is a plan: it may change only while the
// operation is PLANNED.
func (o *Operation) Update(fields []OperationField, src OperationFields, actor string, now time.Time) error {
	next := o.OperationFields
	for _, f := range fields {
		switch f {
		case OperationFieldPlannedTime:
			if o.Status != OperationPlanned {
				return errs.FailedPrecondition("OPERATION_NOT_PLANNED",
					"operation %s is %s; planned_time can change only while it is PLANNED", o.Name(), o.Status).
					WithMetadata("current_state", string(o.Status))
			}
			next.PlannedTime = Timestamp(src.PlannedTime)
		case OperationFieldPoliceUnit:
			next.PoliceUnit = src.PoliceUnit
		case OperationFieldFIRNumber:
			next.FIRNumber = src.FIRNumber
		case OperationFieldLegalBasis:
			next.LegalBasis = src.LegalBasis
		case OperationFieldNotes:
			next.Notes = src.Notes
		default:
			return errs.InvalidArgument("INVALID_UPDATE_MASK", "operation field "+string(f)+" cannot be updated")
		}
	}
	if err := next.Validate("operation").Err(); err != nil {
		return err
	}
	o.OperationFields = next
	o.Touch(actor, now)
	return nil
}

// Conduct is what the police and the office record when an operation has been carried out.
type Conduct struct {
	// Time is when the operation was conducted. Required; not in the future.
	Time time.Time
	// SuspectsApprehended is how many suspects were apprehended, 0 or more.
	SuspectsApprehended int
}

// Validate checks the conduct details against the server time now.
func (c Conduct) Validate(now time.Time) errs.Violations {
	var v errs.Violations
	if c.Time.IsZero() {
		v.Add("conduct_time", "is required")
	} else {
		checkPast(&v, "conduct_time", c.Time, now)
	}
	if c.SuspectsApprehended < 0 || c.SuspectsApprehended > MaxSuspectsApprehended {
		v.Add("suspects_apprehended", "must be between 0 and %d; got %d", MaxSuspectsApprehended, c.SuspectsApprehended)
	}
	return v
}

// Conduct moves a PLANNED operation to CONDUCTED, recording when and how many
// suspects were apprehended. It moves nothing else: the location's status is
// changed by its own transitions.
func (o *Operation) Conduct(d Conduct, c Change) error {
	v := c.Validate()
	v = append(v, d.Validate(c.Time)...)
	if err := v.Err(); err != nil {
		return err
	}
	if err := o.transition(OperationConducted, c); err != nil {
		return err
	}
	o.ConductTime = Timestamp(d.Time)
	o.SuspectsApprehended = d.SuspectsApprehended
	return nil
}

// Close moves a CONDUCTED operation to CLOSED.
func (o *Operation) Close(c Change) error { return o.transition(OperationClosed, c) }

// Abort moves a PLANNED operation to ABORTED.
func (o *Operation) Abort(c Change) error { return o.transition(OperationAborted, c) }

func (o *Operation) transition(to OperationStatus, c Change) error {
	if err := transition(operationLifecycle, o.Name(), &o.Status, &o.Transitions, to, c); err != nil {
		return err
	}
	o.Touch(c.Actor, c.Time)
	return nil
}

// Applied reports whether a transition made under requestID is already recorded.
func (o *Operation) Applied(requestID string) bool { return applied(o.Transitions, requestID) }

// CheckDeletable fails unless the operation may be deleted by its status:
// only PLANNED or ABORTED operations, which never rescued anyone. (That no
// survivor names it is checked by the caller as well.)
func (o *Operation) CheckDeletable() error {
	if o.Status == OperationPlanned || o.Status == OperationAborted {
		return nil
	}
	return errs.FailedPrecondition("OPERATION_NOT_DELETABLE",
		"operation %s is %s; only PLANNED or ABORTED operations can be deleted", o.Name(), o.Status).
		WithMetadata("current_state", string(o.Status))
}

// AcceptsSurvivors reports whether survivors may be recorded as rescued by
// the operation: it must have been conducted (CONDUCTED or CLOSED).
func (o *Operation) AcceptsSurvivors() bool {
	return o.Status == OperationConducted || o.Status == OperationClosed
}

// Clone returns a deep copy.
func (o *Operation) Clone() *Operation {
	c := *o
	c.Transitions = append([]Transition[OperationStatus](nil), o.Transitions...)
	return &c
}
