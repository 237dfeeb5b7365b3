package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// CaseStage is where a case is in its proceedings.
type CaseStage string

// The case stages. The open stages, in trial order, run from FIR_REGISTERED
// to JUDGMENT; the closing stages end the trial and give the outcome; APPEAL
// follows a judgment outcome.
const (
	StageFIRRegistered       CaseStage = "FIR_REGISTERED"
	StageInvestigation       CaseStage = "INVESTIGATION"
	StageChargesheetFiled    CaseStage = "CHARGESHEET_FILED"
	StageCognizance          CaseStage = "COGNIZANCE"
	StageChargesFramed       CaseStage = "CHARGES_FRAMED"
	StageProsecutionEvidence CaseStage = "PROSECUTION_EVIDENCE"
	StageStatementOfAccused  CaseStage = "STATEMENT_OF_ACCUSED"
	StageDefenceEvidence     CaseStage = "DEFENCE_EVIDENCE"
	StageArguments           CaseStage = "ARGUMENTS"
	StageJudgment            CaseStage = "JUDGMENT"

	StageConvicted  CaseStage = "CONVICTED"
	StageAcquitted  CaseStage = "ACQUITTED"
	StageDischarged CaseStage = "DISCHARGED"
	StageAbated     CaseStage = "ABATED"
	StageWithdrawn  CaseStage = "WITHDRAWN"

	StageAppeal CaseStage = "APPEAL"
)

// TrialStages are the open stages, in trial order.
var TrialStages = enumeration[CaseStage]{
	StageFIRRegistered, StageInvestigation, StageChargesheetFiled, StageCognizance, StageChargesFramed,
	StageProsecutionEvidence, StageStatementOfAccused, StageDefenceEvidence, StageArguments, StageJudgment,
}

// ClosingStages are the stages that end the trial and set the outcome.
var ClosingStages = enumeration[CaseStage]{StageConvicted, StageAcquitted, StageDischarged, StageAbated, StageWithdrawn}

// CaseStages lists every stage, in order: the trial, the closing stages, APPEAL.
var CaseStages = append(append(slices.Clone(TrialStages), ClosingStages...), StageAppeal)

// chargedStages are the stages a case may reach only with at least one
// charge: from the chargesheet on, and the outcomes of a trial.
var chargedStages = append(slices.Clone(TrialStages[2:]), StageConvicted, StageAcquitted, StageDischarged, StageAppeal)

// stageRank orders the stages: the trial stages by their order, then every
// closing stage, then APPEAL. A correction goes to a lower rank.
func stageRank(s CaseStage) int {
	if i := slices.Index(TrialStages, s); i >= 0 {
		return i
	}
	if ClosingStages.Contains(s) {
		return len(TrialStages)
	}
	if s == StageAppeal {
		return len(TrialStages) + 1
	}
	return -1
}

// stageLifecycle is what AdvanceCaseStage allows. Forward only, skipping
// allowed:
//   - from an open stage to any later open stage (a case may go straight
//     from FIR_REGISTERED to CHARGESHEET_FILED);
//   - DISCHARGED from CHARGESHEET_FILED or COGNIZANCE: an accused is
//     discharged when the court, considering the charge, finds no ground to
//     frame it (s.227/239 CrPC, s.250/262 BNSS), so not once charges are framed;
//   - ABATED (the accused died) and WITHDRAWN (s.321 CrPC, s.360 BNSS) from
//     any open stage;
//   - CONVICTED and ACQUITTED from JUDGMENT only;
//   - APPEAL from CONVICTED or ACQUITTED; nothing else leaves a closing
//     stage, and nothing leaves APPEAL.
var stageLifecycle = lifecycle[CaseStage]{Kind: "case", Allowed: advances()}

func advances() map[CaseStage][]CaseStage {
	m := make(map[CaseStage][]CaseStage, len(CaseStages))
	for i, s := range TrialStages {
		next := slices.Clone(TrialStages[i+1:])
		switch s {
		case StageJudgment:
			next = append(next, StageConvicted, StageAcquitted)
		case StageChargesheetFiled, StageCognizance:
			next = append(next, StageDischarged)
		}
		m[s] = append(next, StageAbated, StageWithdrawn)
	}
	m[StageConvicted] = []CaseStage{StageAppeal}
	m[StageAcquitted] = []CaseStage{StageAppeal}
	return m
}

// NextCaseStages returns the stages a case at stage s may advance to.
func NextCaseStages(s CaseStage) []CaseStage { return stageLifecycle.Next(s) }

// CaseOutcome is how a case ended: its closing stage.
type CaseOutcome string

// The case outcomes. OutcomePending (empty) means the case has not reached a
// closing stage.
const (
	OutcomePending    CaseOutcome = ""
	OutcomeConvicted  CaseOutcome = "CONVICTED"
	OutcomeAcquitted  CaseOutcome = "ACQUITTED"
	OutcomeDischarged CaseOutcome = "DISCHARGED"
	OutcomeAbated     CaseOutcome = "ABATED"
	OutcomeWithdrawn  CaseOutcome = "WITHDRAWN"
)

// StageChange is one change of a case's stage: an advance or a correction.
type StageChange struct {
	// From is the stage before the change.
	From CaseStage
	// To is the stage after the change.
	To CaseStage
	// EffectiveDate is the date the stage was reached in the proceedings.
	// Zero for a correction, which says what the stage is, not when it began.
	EffectiveDate Date
	// Actor is the subject of the caller who made the change.
	Actor string
	// Time is when the change was recorded.
	Time time.Time
	// Note is the caller's note on an advance.
	Note string
	// Correction is true for a backwards correction (CorrectCaseStage).
	Correction bool
	// Reason says why a correction was made. Required for corrections.
	Reason string
	// RequestID is the caller's request_id, so a retry finds its change applied.
	RequestID string
}

// Limits of case fields.
const (
	MaxTitleLength         = 300
	MaxFIRNumberLength     = 100
	MaxPoliceStationLength = 200
	// MaxCaseReferences bounds the operations, and the survivors, a case names.
	MaxCaseReferences = 100
	// maxNameEcho is how much of a malformed resource name a message repeats.
	maxNameEcho = 120
)

// CaseFields are the caller-controlled fields of a case.
type CaseFields struct {
	// Title is the case title as the court styles it, e.g. "State v. Accused 1
	// and others". Required. Never a survivor's name.
	Title string
	// FIRNumber is the First Information Report number. Required.
	FIRNumber string
	// PoliceStation registered the FIR. Required.
	PoliceStation string
	// FIRDate is the date the FIR was registered. Required; not in the future.
	FIRDate Date
	// Court is the court trying the case.
	Court string
	// CNRNumber is the eCourts CNR number (ValidateCNR); empty until filed.
	CNRNumber string
	// Charges are the offences charged, or alleged in the FIR. None are
	// needed at FIR_REGISTERED or INVESTIGATION; from CHARGESHEET_FILED on at
	// least one is.
	Charges []Charge
}

// normalised returns f with the CNR number and the charge sections in their
// stored form (upper case, trimmed), charges copied.
func (f CaseFields) normalised() CaseFields {
	f.CNRNumber = NormaliseCNR(f.CNRNumber)
	charges := cloneOrNil(f.Charges)
	for i := range charges {
		charges[i].Section = normaliseSection(charges[i].Section)
	}
	f.Charges = charges
	return f
}

// Validate checks the fields; prefix is the request path of the case (e.g.
// "case") and today the office's today. Charge sections and the CNR number
// are checked in their normalised form.
func (f CaseFields) Validate(prefix string, today Date) errs.Violations {
	var v errs.Violations
	p := prefix + "."
	checkRequiredText(&v, p+"title", f.Title, MaxTitleLength)
	checkRequiredText(&v, p+"fir_number", f.FIRNumber, MaxFIRNumberLength)
	checkRequiredText(&v, p+"police_station", f.PoliceStation, MaxPoliceStationLength)
	firOK := checkPastDate(&v, p+"fir_date", f.FIRDate, true, today)
	checkMaxLen(&v, p+"court", f.Court, MaxCourtLength, true)
	_, cnr := ValidateCNR(p+"cnr_number", f.CNRNumber, today.Year)
	v = append(v, cnr...)
	fir := Date{}
	if firOK {
		fir = f.FIRDate
	}
	n := f.normalised()
	validateCharges(&v, p+"charges", n.Charges, fir, today)
	return v
}

// validateReferences checks the rescue resource names a case links: each
// offices/{office}/{collection}/{id} in the case's office, no duplicates,
// at most MaxCaseReferences.
func validateReferences(v *errs.Violations, field string, names []string, collection, office string) {
	if len(names) > MaxCaseReferences {
		v.Add(field, "must list at most %d %s; got %d", MaxCaseReferences, collection, len(names))
		return
	}
	for i, n := range names {
		if msg := referenceProblem(n, collection, office); msg != "" {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "%s", msg)
			continue
		}
		if j := slices.Index(names[:i], n); j >= 0 {
			v.Add(fmt.Sprintf("%s[%d]", field, i), "repeats %s[%d]; list each once", field, j)
		}
	}
}

// referenceProblem says what is wrong with a rescue resource name of the
// given collection for a case of office, or "" when nothing is.
func referenceProblem(name, collection, office string) string {
	format := "offices/{office}/" + collection + "/{id}"
	o, _, ok := record.SplitName(name, collection)
	switch {
	case !ok:
		return fmt.Sprintf("must be a rescue resource name %s (the value is not repeated here: a pasted name may be identity)", format)
	case o != office:
		return fmt.Sprintf("must name a record of the case's office %s (offices/%s/%s/{id}); it names another office", office, office, collection)
	}
	return ""
}

// CaseField names a field that an update may change.
type CaseField string

// The case fields, named as in the API. Operations and survivors are named
// so UpdateCase can refuse them with a pointer to the link methods.
const (
	CaseFieldTitle         CaseField = "title"
	CaseFieldFIRNumber     CaseField = "fir_number"
	CaseFieldPoliceStation CaseField = "police_station"
	CaseFieldFIRDate       CaseField = "fir_date"
	CaseFieldCourt         CaseField = "court"
	CaseFieldCNRNumber     CaseField = "cnr_number"
	CaseFieldCharges       CaseField = "charges"
	CaseFieldOperations    CaseField = "operations"
	CaseFieldSurvivors     CaseField = "survivors"
)

// CaseUpdatableFields lists the fields UpdateCase accepts in its mask.
var CaseUpdatableFields = []CaseField{
	CaseFieldTitle, CaseFieldFIRNumber, CaseFieldPoliceStation, CaseFieldFIRDate, CaseFieldCourt,
	CaseFieldCNRNumber, CaseFieldCharges,
}

// Case is a criminal case arising from the office's rescue work.
type Case struct {
	Meta
	CaseFields
	// Operations are the rescue operations the case arises from, by resource
	// name only (offices/{office}/operations/{id}, in the case's office).
	Operations []string
	// Survivors are the victims in the case, by rescue resource name only
	// (offices/{office}/survivors/{id}): references, never identity.
	Survivors []string
	// Stage is where the case is.
	Stage CaseStage
	// StageHistory is every stage change, oldest first, corrections included.
	StageHistory []StageChange
	// ChargesheetDate is the effective date of the change that reached or
	// passed CHARGESHEET_FILED; zero before, and again after a correction
	// back before it.
	ChargesheetDate Date
	// CognizanceDate is the effective date of the change that reached or
	// passed COGNIZANCE, cleared like ChargesheetDate. A child witness's
	// evidence is due within 30 days of it.
	CognizanceDate Date
	// JudgmentDate is the effective date of the change that reached
	// JUDGMENT, cleared like ChargesheetDate.
	JudgmentDate Date
}

// NewCase validates the fields and the linked rescue names and returns a new
// case at FIR_REGISTERED. tz is the office's time zone. That the linked
// operations and survivors exist is the caller's to check with rescue.
func NewCase(id, office string, f CaseFields, operations, survivors []string, actor string, now time.Time, tz *time.Location) (*Case, error) {
	f = f.normalised()
	v := f.Validate("case", Today(now, tz))
	validateReferences(&v, "case.operations", operations, RescueCollectionOperations, office)
	validateReferences(&v, "case.survivors", survivors, RescueCollectionSurvivors, office)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &Case{
		Meta: newMeta(id, office, actor, now), CaseFields: f,
		Operations: cloneOrNil(operations), Survivors: cloneOrNil(survivors),
		Stage: StageFIRRegistered,
	}, nil
}

// Name is the case's resource name.
func (c *Case) Name() string { return CaseName(c.Office, c.ID) }

// Outcome is how the case ended: its closing stage, or, under APPEAL, the
// outcome appealed against. OutcomePending while the trial runs.
func (c *Case) Outcome() CaseOutcome {
	switch {
	case ClosingStages.Contains(c.Stage):
		return CaseOutcome(c.Stage)
	case c.Stage == StageAppeal:
		return CaseOutcome(c.appealedFrom())
	}
	return OutcomePending
}

// appealedFrom is the closing stage the case advanced to APPEAL from.
// Corrections never land on APPEAL, so the last change into it is that advance.
func (c *Case) appealedFrom() CaseStage {
	for i := len(c.StageHistory) - 1; i >= 0; i-- {
		if h := c.StageHistory[i]; h.To == StageAppeal && !h.Correction {
			return h.From
		}
	}
	return ""
}

// stageSince is the date the current stage is known to have begun no
// earlier than: the effective date of the advance still in effect (undoing
// the advances a correction went back over), or the FIR date.
func (c *Case) stageSince() (Date, string) {
	var inEffect []StageChange
	for _, h := range c.StageHistory {
		if !h.Correction {
			inEffect = append(inEffect, h)
			continue
		}
		for len(inEffect) > 0 && stageRank(inEffect[len(inEffect)-1].To) > stageRank(h.To) {
			inEffect = inEffect[:len(inEffect)-1]
		}
	}
	if n := len(inEffect); n > 0 {
		last := inEffect[n-1]
		return last.EffectiveDate, "the effective date of the move to " + string(last.To)
	}
	return c.FIRDate, "the FIR date"
}

// firstEffectiveDate is the earliest effective date in the stage history;
// zero when the case never moved.
func (c *Case) firstEffectiveDate() Date {
	var first Date
	for _, h := range c.StageHistory {
		if !h.EffectiveDate.IsZero() && (first.IsZero() || h.EffectiveDate.Before(first)) {
			first = h.EffectiveDate
		}
	}
	return first
}

// Advance moves the case forward to stage `to` (stageLifecycle), reached on
// the date effective, with an optional note. The effective date must be a
// valid date, not in the future of the office's calendar (tz), and not
// before the FIR date nor the date the current stage began. A stage from
// CHARGESHEET_FILED on needs at least one charge. Reaching or passing
// CHARGESHEET_FILED, COGNIZANCE or JUDGMENT sets the matching date.
//
// Errors: INVALID_ARGUMENT on stage, effective_date, note or reason;
// FAILED_PRECONDITION ILLEGAL_TRANSITION naming both stages and what is
// allowed; FAILED_PRECONDITION CHARGES_REQUIRED.
func (c *Case) Advance(to CaseStage, effective Date, note string, ch Change, tz *time.Location) error {
	v := ch.Validate()
	checkEnum(&v, "stage", to, CaseStages)
	checkMaxLen(&v, "note", note, MaxChangeNoteLength, true)
	if checkPastDate(&v, "effective_date", effective, true, Today(ch.Time, tz)) {
		since, what := c.stageSince()
		if checkNotBefore(&v, "effective_date", effective, c.FIRDate, "the FIR date") {
			checkNotBefore(&v, "effective_date", effective, since, what)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if err := stageLifecycle.Check(c.Name(), c.Stage, to); err != nil {
		return err
	}
	if slices.Contains(chargedStages, to) && len(c.Charges) == 0 {
		return errs.FailedPrecondition("CHARGES_REQUIRED",
			"case %s has no charges; %s needs at least one charge (statute, section, offence_date): add them with UpdateCase first",
			c.Name(), to).WithMetadata("requested_state", string(to))
	}
	if err := checkHistoryRoom("case", c.Name(), "stage changes", len(c.StageHistory)); err != nil {
		return err
	}
	c.StageHistory = append(c.StageHistory, StageChange{
		From: c.Stage, To: to, EffectiveDate: effective, Actor: ch.Actor, Time: record.Timestamp(ch.Time),
		Note: note, Reason: ch.Reason, RequestID: ch.RequestID,
	})
	if i := slices.Index(TrialStages, to); i >= 0 {
		for _, m := range c.milestones() {
			if i >= slices.Index(TrialStages, m.stage) && m.date.IsZero() {
				*m.date = effective
			}
		}
	}
	c.Stage = to
	c.Touch(ch.Actor, ch.Time)
	return nil
}

// milestone is a stage whose date the case keeps.
type milestone struct {
	stage CaseStage
	date  *Date
}

func (c *Case) milestones() []milestone {
	return []milestone{
		{StageChargesheetFiled, &c.ChargesheetDate},
		{StageCognizance, &c.CognizanceDate},
		{StageJudgment, &c.JudgmentDate},
	}
}

// Corrections returns the stages the case may be corrected back to: an
// earlier open stage; from a closing stage any open stage; from APPEAL any
// open stage or the outcome it was appealed from.
func (c *Case) Corrections() []CaseStage {
	switch {
	case c.Stage == StageAppeal:
		out := slices.Clone(TrialStages)
		if from := c.appealedFrom(); from != "" {
			out = append(out, from)
		}
		return out
	case ClosingStages.Contains(c.Stage):
		return slices.Clone(TrialStages)
	default:
		if i := slices.Index(TrialStages, c.Stage); i > 0 {
			return slices.Clone(TrialStages[:i])
		}
		return nil
	}
}

// Correct moves the case back to stage `to`, because the stage recorded was
// wrong; reason (required) says why and is kept in the history, marked as a
// correction. Only backwards (Corrections): a forward "correction" is
// refused with a pointer to AdvanceCaseStage. Correcting back before
// CHARGESHEET_FILED, COGNIZANCE or JUDGMENT clears the matching date.
//
// Errors: INVALID_ARGUMENT on stage or reason; FAILED_PRECONDITION
// ILLEGAL_TRANSITION naming both stages and the allowed corrections.
func (c *Case) Correct(to CaseStage, reason string, ch Change) error {
	ch.Reason = reason
	v := ch.ValidateWithReason("say why the stage recorded was wrong")
	checkEnum(&v, "stage", to, CaseStages)
	if err := v.Err(); err != nil {
		return err
	}
	allowed := c.Corrections()
	if !slices.Contains(allowed, to) {
		return c.refuseCorrection(to, allowed)
	}
	if err := checkHistoryRoom("case", c.Name(), "stage changes", len(c.StageHistory)); err != nil {
		return err
	}
	c.StageHistory = append(c.StageHistory, StageChange{
		From: c.Stage, To: to, Actor: ch.Actor, Time: record.Timestamp(ch.Time),
		Correction: true, Reason: reason, RequestID: ch.RequestID,
	})
	if i := slices.Index(TrialStages, to); i >= 0 {
		for _, m := range c.milestones() {
			if i < slices.Index(TrialStages, m.stage) {
				*m.date = Date{}
			}
		}
	}
	c.Stage = to
	c.Touch(ch.Actor, ch.Time)
	return nil
}

func (c *Case) refuseCorrection(to CaseStage, allowed []CaseStage) error {
	list := "none"
	if len(allowed) > 0 {
		list = enumeration[CaseStage](allowed).String()
	}
	var msg string
	switch {
	case to == c.Stage:
		msg = fmt.Sprintf("case %s is already %s; there is nothing to correct (corrections from %s may go back to: %s)",
			c.Name(), to, c.Stage, list)
	case slices.Contains(stageLifecycle.Allowed[c.Stage], to):
		msg = fmt.Sprintf("case %s is %s; %s is later, so moving there is not a correction: use AdvanceCaseStage (corrections from %s may go back to: %s)",
			c.Name(), c.Stage, to, c.Stage, list)
	default:
		msg = fmt.Sprintf("case %s is %s; cannot be corrected to %s (corrections from %s may go back to: %s)",
			c.Name(), c.Stage, to, c.Stage, list)
	}
	return errs.FailedPrecondition("ILLEGAL_TRANSITION", "%s", msg).
		WithMetadata("current_state", string(c.Stage)).
		WithMetadata("requested_state", string(to))
}

// Applied reports whether a stage change made under requestID is already recorded.
func (c *Case) Applied(requestID string) bool {
	return requestID != "" && slices.ContainsFunc(c.StageHistory, func(h StageChange) bool { return h.RequestID == requestID })
}

// Update copies the named fields from src, validates the result and records
// who changed it. The FIR date may not move after the first stage change's
// effective date, and from CHARGESHEET_FILED on the charges may not become
// empty (FAILED_PRECONDITION CHARGES_REQUIRED). Operations and survivors
// change only through Link and Unlink.
func (c *Case) Update(fields []CaseField, src CaseFields, actor string, now time.Time, tz *time.Location) error {
	next := c.CaseFields
	for _, f := range fields {
		switch f {
		case CaseFieldTitle:
			next.Title = src.Title
		case CaseFieldFIRNumber:
			next.FIRNumber = src.FIRNumber
		case CaseFieldPoliceStation:
			next.PoliceStation = src.PoliceStation
		case CaseFieldFIRDate:
			next.FIRDate = src.FIRDate
		case CaseFieldCourt:
			next.Court = src.Court
		case CaseFieldCNRNumber:
			next.CNRNumber = src.CNRNumber
		case CaseFieldCharges:
			next.Charges = src.Charges
		case CaseFieldOperations, CaseFieldSurvivors:
			return invalidMask("case", string(f), "use LinkCaseReference or UnlinkCaseReference")
		default:
			return invalidMask("case", string(f), "")
		}
	}
	next = next.normalised()
	v := next.Validate("case", Today(now, tz))
	if first := c.firstEffectiveDate(); !first.IsZero() && next.FIRDate.Valid() && next.FIRDate.After(first) {
		v.Add("case.fir_date", "must not be after %s, the effective date of the case's first stage change", first.ISO())
	}
	if err := v.Err(); err != nil {
		return err
	}
	if len(next.Charges) == 0 && (slices.Contains(chargedStages, c.Stage) || !c.ChargesheetDate.IsZero()) {
		return errs.FailedPrecondition("CHARGES_REQUIRED",
			"case %s is %s; a case charge-sheeted keeps at least one charge: the update would remove them all", c.Name(), c.Stage).
			WithMetadata("current_state", string(c.Stage))
	}
	c.CaseFields = next
	c.Touch(actor, now)
	return nil
}

// referenceList returns the list of the case a rescue name belongs in, by
// its collection, or a violation on field when it is no operation or
// survivor of the case's office.
func (c *Case) referenceList(field, reference string) (*[]string, error) {
	for _, coll := range []string{RescueCollectionSurvivors, RescueCollectionOperations} {
		if !strings.Contains(reference, "/"+coll+"/") {
			continue
		}
		if msg := referenceProblem(reference, coll, c.Office); msg != "" {
			return nil, errs.InvalidArgument("INVALID_FIELDS", field+": "+msg, errs.FieldViolation{Field: field, Description: msg})
		}
		if coll == RescueCollectionSurvivors {
			return &c.Survivors, nil
		}
		return &c.Operations, nil
	}
	msg := fmt.Sprintf("must be a rescue survivor (offices/%s/survivors/{survivor}) or operation (offices/%s/operations/{operation}) of the case's office",
		c.Office, c.Office)
	return nil, errs.InvalidArgument("INVALID_FIELDS", field+": "+msg, errs.FieldViolation{Field: field, Description: msg})
}

// Link adds a rescue survivor or operation name (field "reference") to the
// case. Linking a name already linked changes nothing and reports false, so
// a retried request succeeds. Whether the name exists is the caller's to
// check with rescue.
func (c *Case) Link(reference, actor string, now time.Time) (bool, error) {
	list, err := c.referenceList("reference", reference)
	if err != nil {
		return false, err
	}
	if slices.Contains(*list, reference) {
		return false, nil
	}
	if len(*list) >= MaxCaseReferences {
		return false, errs.FailedPrecondition("TOO_MANY_REFERENCES",
			"case %s already links %d records of that kind, the most a case may", c.Name(), MaxCaseReferences)
	}
	*list = append(*list, reference)
	c.Touch(actor, now)
	return true, nil
}

// Unlink removes a rescue survivor or operation name from the case.
// Unlinking a name not linked changes nothing and reports false. That no
// witness or compensation names the survivor is the caller's to check first.
func (c *Case) Unlink(reference, actor string, now time.Time) (bool, error) {
	list, err := c.referenceList("reference", reference)
	if err != nil {
		return false, err
	}
	i := slices.Index(*list, reference)
	if i < 0 {
		return false, nil
	}
	*list = cloneOrNil(slices.Delete(slices.Clone(*list), i, i+1))
	c.Touch(actor, now)
	return true, nil
}

// HasSurvivor reports whether the case links the survivor name.
func (c *Case) HasSurvivor(survivor string) bool { return slices.Contains(c.Survivors, survivor) }

// CheckSurvivorLinked fails with FAILED_PRECONDITION SURVIVOR_NOT_LINKED
// unless the case links the survivor, which a witness or compensation must
// name; field is the request field that named it.
func (c *Case) CheckSurvivorLinked(field, survivor string) error {
	if c.HasSurvivor(survivor) {
		return nil
	}
	return errs.FailedPrecondition("SURVIVOR_NOT_LINKED",
		"%s: survivor %s is not linked to case %s; link it with LinkCaseReference first", field, truncate(survivor, maxNameEcho), c.Name())
}

// Clone returns a deep copy.
func (c *Case) Clone() *Case {
	d := *c
	d.Charges = cloneOrNil(c.Charges)
	d.Operations = cloneOrNil(c.Operations)
	d.Survivors = cloneOrNil(c.Survivors)
	d.StageHistory = cloneOrNil(c.StageHistory)
	return &d
}
