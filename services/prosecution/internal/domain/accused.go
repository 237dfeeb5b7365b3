package domain

import (
	"slices"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// AccusedRole is an accused person's role in the exploitation.
type AccusedRole string

// The accused roles.
const (
	RoleBrothelOwnerOrKeeper AccusedRole = "BROTHEL_OWNER_OR_KEEPER"
	RoleManager              AccusedRole = "MANAGER"
	RolePimp                 AccusedRole = "PIMP"
	RoleRecruiter            AccusedRole = "RECRUITER"
	RoleTransporter          AccusedRole = "TRANSPORTER"
	RoleCustomer             AccusedRole = "CUSTOMER"
	RoleOther                AccusedRole = "OTHER"
)

// AccusedRoles lists every accused role.
var AccusedRoles = enumeration[AccusedRole]{
	RoleBrothelOwnerOrKeeper, RoleManager, RolePimp, RoleRecruiter, RoleTransporter, RoleCustomer, RoleOther,
}

// Custody is where an accused person is.
type Custody string

// The custody states. A new accused is AT_LARGE. CONVICTED and ACQUITTED
// follow from the verdict only (RecordVerdict) and are final.
const (
	CustodyAtLarge         Custody = "AT_LARGE"
	CustodyArrested        Custody = "ARRESTED"
	CustodyJudicialCustody Custody = "JUDICIAL_CUSTODY"
	CustodyOnBail          Custody = "ON_BAIL"
	CustodyConvicted       Custody = "CONVICTED"
	CustodyAcquitted       Custody = "ACQUITTED"
)

// CustodyStates lists every custody state.
var CustodyStates = enumeration[Custody]{
	CustodyAtLarge, CustodyArrested, CustodyJudicialCustody, CustodyOnBail, CustodyConvicted, CustodyAcquitted,
}

// custodyLifecycle is what ChangeCustody allows:
//   - AT_LARGE -> ARRESTED (arrest, or re-arrest);
//   - ARRESTED -> AT_LARGE (released without being remanded),
//     JUDICIAL_CUSTODY (remanded) or ON_BAIL;
//   - JUDICIAL_CUSTODY -> ON_BAIL;
//   - ON_BAIL -> AT_LARGE (absconded) or JUDICIAL_CUSTODY (bail cancelled).
//
// CONVICTED and ACQUITTED are reached through RecordVerdict alone.
var custodyLifecycle = lifecycle[Custody]{
	Kind: "accused",
	Allowed: map[Custody][]Custody{
		CustodyAtLarge:         {CustodyArrested},
		CustodyArrested:        {CustodyAtLarge, CustodyJudicialCustody, CustodyOnBail},
		CustodyJudicialCustody: {CustodyOnBail},
		CustodyOnBail:          {CustodyAtLarge, CustodyJudicialCustody},
	},
}

// NextCustodyStates returns the custody states ChangeCustody allows from c.
func NextCustodyStates(c Custody) []Custody { return custodyLifecycle.Next(c) }

// defaultCustodyNotes says what a move to AT_LARGE means when the caller
// gives no note: from ARRESTED a release, from ON_BAIL an abscondment.
var defaultCustodyNotes = map[[2]Custody]string{
	{CustodyArrested, CustodyAtLarge}: "released",
	{CustodyOnBail, CustodyAtLarge}:   "absconded",
}

// inCustody reports whether the accused is held: the states a first custody
// date, and a grant of bail, start from.
func inCustody(c Custody) bool { return c == CustodyArrested || c == CustodyJudicialCustody }

// CustodyChange is one change of an accused's custody.
type CustodyChange struct {
	// From is the custody before the change.
	From Custody
	// To is the custody after the change.
	To Custody
	// EffectiveDate is the day the change took effect (e.g. of the arrest).
	EffectiveDate Date
	// Actor is the subject of the caller who recorded it.
	Actor string
	// Time is when it was recorded.
	Time time.Time
	// Note is the caller's note, or what the move means ("released", "bail granted").
	Note string
	// RequestID is the caller's request_id, so a retry finds its change applied.
	RequestID string
}

// BailEventKind is what happened about bail.
type BailEventKind string

// The bail event kinds.
const (
	BailApplied   BailEventKind = "APPLIED"
	BailGranted   BailEventKind = "GRANTED"
	BailRejected  BailEventKind = "REJECTED"
	BailCancelled BailEventKind = "CANCELLED"
)

// BailEventKinds lists every bail event kind.
var BailEventKinds = enumeration[BailEventKind]{BailApplied, BailGranted, BailRejected, BailCancelled}

// BailEvent is a bail application or order.
type BailEvent struct {
	// Kind is what happened. Required.
	Kind BailEventKind
	// Date is the date of the application or order. Required; not in the future.
	Date Date
	// Court heard the application.
	Court string
	// SuretyINR is the surety set, in whole rupees; 0 or more.
	SuretyINR int64
	// Conditions are the bail conditions set.
	Conditions string
	// Actor, Time and RequestID record who recorded the event, when, under
	// which request; set by RecordBailEvent.
	Actor     string
	Time      time.Time
	RequestID string
}

// Verdict is the court's verdict on one accused.
type Verdict string

// The verdicts. Empty means none yet.
const (
	VerdictConvicted  Verdict = "CONVICTED"
	VerdictAcquitted  Verdict = "ACQUITTED"
	VerdictDischarged Verdict = "DISCHARGED"
)

// Verdicts lists every verdict.
var Verdicts = enumeration[Verdict]{VerdictConvicted, VerdictAcquitted, VerdictDischarged}

// custodyAfter is the custody a verdict puts the accused in. A discharge
// ends the prosecution of the accused as an acquittal does, and custody
// has no state of its own for it: a discharged accused is ACQUITTED in
// custody terms (the verdict itself stays DISCHARGED). AT_LARGE would be
// wrong, as it means wanted by the police.
func custodyAfter(v Verdict) Custody {
	if v == VerdictConvicted {
		return CustodyConvicted
	}
	return CustodyAcquitted
}

// Sentence is the sentence passed on a convicted accused.
type Sentence struct {
	// ImprisonmentMonths is the term of imprisonment, 0 to MaxImprisonmentMonths;
	// 0 with LifeImprisonment.
	ImprisonmentMonths int
	// LifeImprisonment is true for imprisonment for life.
	LifeImprisonment bool
	// FineINR is the fine, in whole rupees; 0 or more.
	FineINR int64
	// SentenceDate is when the sentence was pronounced; the verdict date when
	// not given. Not before the verdict date, not in the future.
	SentenceDate Date
}

// Limits of accused fields.
const (
	MaxDisplayNameLength = 200
	MaxBailCourtLength   = 200
	MaxConditionsLength  = 2000
	// MaxImprisonmentMonths is 100 years; life imprisonment is its own flag.
	MaxImprisonmentMonths = 1200
)

// AccusedFields are the caller-controlled fields of an accused.
type AccusedFields struct {
	// DisplayName is the accused's name or alias. Required.
	DisplayName string
	// Role is the accused's role. Required.
	Role AccusedRole
	// Notes are free text for the prosecutor; never survivor identity.
	Notes string
}

// Validate checks the fields; prefix is the request path of the accused.
func (f AccusedFields) Validate(prefix string) errs.Violations {
	var v errs.Violations
	checkRequiredText(&v, prefix+".display_name", f.DisplayName, MaxDisplayNameLength)
	checkEnum(&v, prefix+".role", f.Role, AccusedRoles)
	checkMaxLen(&v, prefix+".notes", f.Notes, MaxNotesLength, true)
	return v
}

// AccusedField names a field that an update may change.
type AccusedField string

// The updatable accused fields, named as in the API.
const (
	AccusedFieldDisplayName AccusedField = "display_name"
	AccusedFieldRole        AccusedField = "role"
	AccusedFieldNotes       AccusedField = "notes"
)

// AccusedUpdatableFields lists the fields UpdateAccused accepts in its mask.
var AccusedUpdatableFields = []AccusedField{AccusedFieldDisplayName, AccusedFieldRole, AccusedFieldNotes}

// Accused is a person accused in a case: one record per person per case.
type Accused struct {
	Meta
	// CaseID is the id of the case, in the accused's office.
	CaseID string
	AccusedFields
	// Custody is where the accused is.
	Custody Custody
	// CustodyHistory is every custody change, oldest first.
	CustodyHistory []CustodyChange
	// FirstCustodyDate is the effective date of the first change into ARRESTED
	// or JUDICIAL_CUSTODY; it never changes afterwards. It is the day the
	// accused counts as a criminal restrained.
	FirstCustodyDate Date
	// BailEvents are the bail applications and orders, oldest first.
	BailEvents []BailEvent
	// Verdict is the verdict; empty until recorded, then final.
	Verdict Verdict
	// VerdictDate is the date of the verdict.
	VerdictDate Date
	// Sentence is the sentence of a convicted accused; nil until passed.
	Sentence *Sentence
	// SentenceRequestID is the request_id of a sentence recorded after the
	// verdict (RecordSentence).
	SentenceRequestID string
}

// NewAccused validates the fields and returns a new accused of case caseID, AT_LARGE.
func NewAccused(id, office, caseID string, f AccusedFields, actor string, now time.Time) (*Accused, error) {
	if err := f.Validate("accused").Err(); err != nil {
		return nil, err
	}
	return &Accused{Meta: newMeta(id, office, actor, now), CaseID: caseID, AccusedFields: f, Custody: CustodyAtLarge}, nil
}

// Name is the accused's resource name: offices/{office}/cases/{case}/accused/{id}.
func (a *Accused) Name() string { return childName(a.Office, a.CaseID, CollectionAccused, a.ID) }

// CaseName is the resource name of the accused's case.
func (a *Accused) CaseName() string { return CaseName(a.Office, a.CaseID) }

// Update copies the named fields from src, validates the result and records who changed it.
func (a *Accused) Update(fields []AccusedField, src AccusedFields, actor string, now time.Time) error {
	next := a.AccusedFields
	for _, f := range fields {
		switch f {
		case AccusedFieldDisplayName:
			next.DisplayName = src.DisplayName
		case AccusedFieldRole:
			next.Role = src.Role
		case AccusedFieldNotes:
			next.Notes = src.Notes
		default:
			return invalidMask("accused", string(f), "")
		}
	}
	if err := next.Validate("accused").Err(); err != nil {
		return err
	}
	a.AccusedFields = next
	a.Touch(actor, now)
	return nil
}

// lastCustodyDate is the effective date of the latest custody change; zero if none.
func (a *Accused) lastCustodyDate() Date {
	if n := len(a.CustodyHistory); n > 0 {
		return a.CustodyHistory[n-1].EffectiveDate
	}
	return Date{}
}

// checkDated checks the date of a change to the accused: required, valid,
// not in the future (today), not before the latest custody change.
func (a *Accused) checkDated(v *errs.Violations, field string, d, today Date) bool {
	return checkPastDate(v, field, d, true, today) &&
		checkNotBefore(v, field, d, a.lastCustodyDate(), "the effective date of the accused's latest custody change")
}

// ChangeCustody moves the accused to custody `to` (custodyLifecycle) on the
// date effective: valid, not in the future of the office's calendar (tz),
// not before the latest custody change. The first move into ARRESTED or
// JUDICIAL_CUSTODY sets FirstCustodyDate.
//
// Errors: INVALID_ARGUMENT on custody, effective_date, note or reason;
// FAILED_PRECONDITION ILLEGAL_TRANSITION naming both states and what is
// allowed, and, for CONVICTED or ACQUITTED, saying to record the verdict.
func (a *Accused) ChangeCustody(to Custody, effective Date, note string, ch Change, tz *time.Location) error {
	v := ch.Validate()
	checkEnum(&v, "custody", to, CustodyStates)
	checkMaxLen(&v, "note", note, MaxChangeNoteLength, true)
	a.checkDated(&v, "effective_date", effective, Today(ch.Time, tz))
	if err := v.Err(); err != nil {
		return err
	}
	if to == CustodyConvicted || to == CustodyAcquitted {
		return errs.FailedPrecondition("ILLEGAL_TRANSITION",
			"accused %s is %s; custody %s follows from the verdict: record it with RecordVerdict", a.Name(), a.Custody, to).
			WithMetadata("current_state", string(a.Custody)).
			WithMetadata("requested_state", string(to))
	}
	if err := custodyLifecycle.Check(a.Name(), a.Custody, to); err != nil {
		return err
	}
	if note == "" {
		note = defaultCustodyNotes[[2]Custody{a.Custody, to}]
	}
	return a.moveCustody(to, effective, note, ch)
}

// moveCustody records a custody change already checked.
func (a *Accused) moveCustody(to Custody, effective Date, note string, ch Change) error {
	if err := checkHistoryRoom("accused", a.Name(), "custody changes", len(a.CustodyHistory)); err != nil {
		return err
	}
	a.CustodyHistory = append(a.CustodyHistory, CustodyChange{
		From: a.Custody, To: to, EffectiveDate: effective, Actor: ch.Actor, Time: record.Timestamp(ch.Time),
		Note: note, RequestID: ch.RequestID,
	})
	if inCustody(to) && a.FirstCustodyDate.IsZero() {
		a.FirstCustodyDate = effective
	}
	a.Custody = to
	a.Touch(ch.Actor, ch.Time)
	return nil
}

// Validate checks a bail event's caller-supplied fields (prefix is its
// request path, e.g. "event") against the office's today.
func (e BailEvent) Validate(prefix string, today Date) errs.Violations {
	var v errs.Violations
	checkEnum(&v, prefix+".kind", e.Kind, BailEventKinds)
	checkPastDate(&v, prefix+".date", e.Date, true, today)
	checkMaxLen(&v, prefix+".court", e.Court, MaxBailCourtLength, true)
	if e.SuretyINR < 0 || e.SuretyINR > MaxAmountINR {
		v.Add(prefix+".surety_inr", "must be between 0 and %d; got %d", MaxAmountINR, e.SuretyINR)
	}
	checkMaxLen(&v, prefix+".conditions", e.Conditions, MaxConditionsLength, true)
	return v
}

// RecordBailEvent records a bail application or order dated no earlier than
// the previous bail event. GRANTED needs the accused in custody (ARRESTED or
// JUDICIAL_CUSTODY) and moves them ON_BAIL; CANCELLED needs them ON_BAIL and
// moves them to JUDICIAL_CUSTODY. Both custody moves are kept in the custody
// history, so their date may not precede the latest custody change either.
// APPLIED and REJECTED change no custody. Nothing is recorded once a
// verdict is.
//
// Errors: INVALID_ARGUMENT on event.*; FAILED_PRECONDITION reasons
// VERDICT_RECORDED, NOT_IN_CUSTODY, NOT_ON_BAIL.
func (a *Accused) RecordBailEvent(e BailEvent, ch Change, tz *time.Location) error {
	v := ch.Validate()
	v = append(v, e.Validate("event", Today(ch.Time, tz))...)
	if e.Date.Valid() {
		if n := len(a.BailEvents); n > 0 {
			checkNotBefore(&v, "event.date", e.Date, a.BailEvents[n-1].Date, "the date of the previous bail event")
		}
		if e.Kind == BailGranted || e.Kind == BailCancelled {
			checkNotBefore(&v, "event.date", e.Date, a.lastCustodyDate(), "the effective date of the accused's latest custody change")
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if a.Verdict != "" {
		return a.verdictRecorded("bail events are not recorded after it")
	}
	if err := checkHistoryRoom("accused", a.Name(), "bail events", len(a.BailEvents)); err != nil {
		return err
	}
	switch e.Kind {
	case BailGranted:
		if !inCustody(a.Custody) {
			return errs.FailedPrecondition("NOT_IN_CUSTODY",
				"accused %s is %s; bail can be granted only to an accused in custody (ARRESTED or JUDICIAL_CUSTODY)", a.Name(), a.Custody).
				WithMetadata("current_state", string(a.Custody))
		}
		if err := a.moveCustody(CustodyOnBail, e.Date, "bail granted", ch); err != nil {
			return err
		}
	case BailCancelled:
		if a.Custody != CustodyOnBail {
			return errs.FailedPrecondition("NOT_ON_BAIL",
				"accused %s is %s; only bail of an accused ON_BAIL can be cancelled", a.Name(), a.Custody).
				WithMetadata("current_state", string(a.Custody))
		}
		if err := a.moveCustody(CustodyJudicialCustody, e.Date, "bail cancelled", ch); err != nil {
			return err
		}
	}
	e.Actor, e.Time, e.RequestID = ch.Actor, record.Timestamp(ch.Time), ch.RequestID
	a.BailEvents = append(a.BailEvents, e)
	a.Touch(ch.Actor, ch.Time)
	return nil
}

func (a *Accused) verdictRecorded(what string) error {
	return errs.FailedPrecondition("VERDICT_RECORDED",
		"accused %s already has a verdict (%s on %s); %s", a.Name(), a.Verdict, a.VerdictDate.ISO(), what).
		WithMetadata("verdict", string(a.Verdict))
}

// validate checks a sentence (prefix is its request path) passed on a
// verdict of the given date, against the office's today.
func (s Sentence) validate(v *errs.Violations, prefix string, verdictDate, today Date) {
	if s.ImprisonmentMonths < 0 || s.ImprisonmentMonths > MaxImprisonmentMonths {
		v.Add(prefix+".imprisonment_months", "must be between 0 and %d; got %d", MaxImprisonmentMonths, s.ImprisonmentMonths)
	} else if s.LifeImprisonment && s.ImprisonmentMonths > 0 {
		v.Add(prefix+".imprisonment_months", "must be 0 with life_imprisonment; got %d", s.ImprisonmentMonths)
	}
	if s.FineINR < 0 || s.FineINR > MaxAmountINR {
		v.Add(prefix+".fine_inr", "must be between 0 and %d; got %d", MaxAmountINR, s.FineINR)
	}
	if s.ImprisonmentMonths == 0 && !s.LifeImprisonment && s.FineINR == 0 {
		v.Add(prefix, "must impose imprisonment (imprisonment_months or life_imprisonment), a fine (fine_inr), or both")
	}
	if checkPastDate(v, prefix+".sentence_date", s.SentenceDate, false, today) && !verdictDate.IsZero() {
		checkNotBefore(v, prefix+".sentence_date", s.SentenceDate, verdictDate, "the verdict date")
	}
}

// RecordVerdict records the court's verdict on the accused, once: a second
// is FAILED_PRECONDITION VERDICT_RECORDED. The date must be valid, not in
// the future of the office's calendar (tz), not before the latest custody
// change. A sentence may be given with CONVICTED only (INVALID_ARGUMENT
// otherwise); it may also come later (RecordSentence). Custody moves to
// CONVICTED, or ACQUITTED for an acquittal and for a discharge (see
// custodyAfter).
func (a *Accused) RecordVerdict(verdict Verdict, date Date, sentence *Sentence, ch Change, tz *time.Location) error {
	today := Today(ch.Time, tz)
	v := ch.Validate()
	checkEnum(&v, "verdict", verdict, Verdicts)
	dateOK := a.checkDated(&v, "verdict_date", date, today)
	if sentence != nil {
		if verdict != VerdictConvicted {
			v.Add("sentence", "may be given only with verdict CONVICTED; got verdict %s", verdict)
		} else {
			d := Date{}
			if dateOK {
				d = date
			}
			sentence.validate(&v, "sentence", d, today)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if a.Verdict != "" {
		return a.verdictRecorded("a verdict is recorded once")
	}
	if err := a.moveCustody(custodyAfter(verdict), date, "verdict: "+string(verdict), ch); err != nil {
		return err
	}
	a.Verdict, a.VerdictDate = verdict, date
	if sentence != nil {
		a.Sentence = sentence.withDate(date)
	}
	return nil
}

// withDate returns a copy of s whose sentence date defaults to date.
func (s Sentence) withDate(date Date) *Sentence {
	if s.SentenceDate.IsZero() {
		s.SentenceDate = date
	}
	return &s
}

// RecordSentence records the sentence of an accused convicted without one
// (sentencing often follows the conviction by days). Once only.
//
// Errors: INVALID_ARGUMENT on sentence.*; FAILED_PRECONDITION NOT_CONVICTED
// or SENTENCE_RECORDED.
func (a *Accused) RecordSentence(s Sentence, ch Change, tz *time.Location) error {
	v := ch.Validate()
	s.validate(&v, "sentence", a.VerdictDate, Today(ch.Time, tz))
	if err := v.Err(); err != nil {
		return err
	}
	if a.Verdict != VerdictConvicted {
		verdict := string(a.Verdict)
		if verdict == "" {
			verdict = "no verdict"
		}
		return errs.FailedPrecondition("NOT_CONVICTED",
			"accused %s has %s; a sentence is passed only on a conviction: record the verdict CONVICTED first", a.Name(), verdict)
	}
	if a.Sentence != nil {
		return errs.FailedPrecondition("SENTENCE_RECORDED",
			"accused %s was already sentenced on %s; a sentence is recorded once", a.Name(), a.Sentence.SentenceDate.ISO())
	}
	a.Sentence = s.withDate(a.VerdictDate)
	a.SentenceRequestID = ch.RequestID
	a.Touch(ch.Actor, ch.Time)
	return nil
}

// Applied reports whether a custody change, bail event, verdict or sentence
// made under requestID is already recorded.
func (a *Accused) Applied(requestID string) bool {
	if requestID == "" {
		return false
	}
	return a.SentenceRequestID == requestID ||
		slices.ContainsFunc(a.CustodyHistory, func(c CustodyChange) bool { return c.RequestID == requestID }) ||
		slices.ContainsFunc(a.BailEvents, func(e BailEvent) bool { return e.RequestID == requestID })
}

// CheckVerdictAllowed fails with FAILED_PRECONDITION VERDICT_NOT_ALLOWED
// unless the case's stage admits the verdict on one of its accused: a
// discharge while the court considers the charge (CHARGESHEET_FILED,
// COGNIZANCE) or once the case is DISCHARGED; a conviction or acquittal at
// JUDGMENT or after it (CONVICTED, ACQUITTED, APPEAL).
func (c *Case) CheckVerdictAllowed(v Verdict) error {
	allowed := enumeration[CaseStage]{StageJudgment, StageConvicted, StageAcquitted, StageAppeal}
	if v == VerdictDischarged {
		allowed = enumeration[CaseStage]{StageChargesheetFiled, StageCognizance, StageDischarged}
	}
	if allowed.Contains(c.Stage) {
		return nil
	}
	return errs.FailedPrecondition("VERDICT_NOT_ALLOWED",
		"case %s is %s; a verdict of %s is recorded only while the case is %s", c.Name(), c.Stage, v, allowed).
		WithMetadata("current_state", string(c.Stage))
}

// Clone returns a deep copy.
func (a *Accused) Clone() *Accused {
	c := *a
	c.CustodyHistory = cloneOrNil(a.CustodyHistory)
	c.BailEvents = cloneOrNil(a.BailEvents)
	if a.Sentence != nil {
		s := *a.Sentence
		c.Sentence = &s
	}
	return &c
}
