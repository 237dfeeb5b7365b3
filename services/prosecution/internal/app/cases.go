package app

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// CreateCase opens a case at FIR_REGISTERED, linking the rescue operations
// and survivors it arises from.
type CreateCase struct {
	// Office is the owning office.
	Office string
	// ID is the id reserved for the new case (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Fields are the caller's values.
	Fields domain.CaseFields
	// Operations and Survivors are the rescue names the case links, in its office.
	Operations, Survivors []string
}

// CheckCreateCase validates the input, including the form and office of
// every linked name, without touching storage or rescue.
func (a *Application) CheckCreateCase(cmd CreateCase) error {
	_, err := domain.NewCase(cmd.ID, cmd.Office, cmd.Fields, cmd.Operations, cmd.Survivors, "", a.clock.Now(), a.zones(cmd.Office))
	return err
}

// CreateCase creates a case. Every linked operation and survivor must exist
// in rescue, in the case's office: rescue is asked before anything is
// written, and a name it does not know is NOT_FOUND reason
// REFERENCE_NOT_FOUND naming it; if rescue cannot be asked the call fails
// with RescueUnavailable. Only the names are stored.
func (a *Application) CreateCase(ctx context.Context, cmd CreateCase) (*domain.Case, error) {
	if err := a.CheckCreateCase(cmd); err != nil {
		return nil, wrap("CreateCase", err)
	}
	scope := a.Scope(ctx)
	c, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Case, error) { return a.cases.Get(ctx, scope, cmd.Office, cmd.ID) },
		func() (*domain.Case, error) {
			c, err := domain.NewCase(cmd.ID, cmd.Office, cmd.Fields, cmd.Operations, cmd.Survivors, usecase.Actor(ctx), a.clock.Now(),
				a.zones(cmd.Office))
			if err != nil {
				return nil, err
			}
			var refs []referenceField
			for i, o := range c.Operations {
				refs = append(refs, referenceField{o, fmt.Sprintf("case.operations[%d]", i)})
			}
			for i, s := range c.Survivors {
				refs = append(refs, referenceField{s, fmt.Sprintf("case.survivors[%d]", i)})
			}
			if _, err := a.lookup(ctx, refs); err != nil {
				return nil, err
			}
			return c, nil
		},
		a.cases.Create)
	return c, wrap("CreateCase", err)
}

// GetCase returns a case of an office.
func (a *Application) GetCase(ctx context.Context, office, id string) (*domain.Case, error) {
	c, err := a.cases.Get(ctx, a.Scope(ctx), office, id)
	return c, wrap("GetCase", err)
}

// ListCases returns one page of cases.
func (a *Application) ListCases(ctx context.Context, q ListQuery) (domain.Page[*domain.Case], error) {
	p, err := a.cases.List(ctx, a.recordQuery(ctx, q))
	return p, wrap("ListCases", err)
}

// UpdateCase changes the named fields of a case.
type UpdateCase struct {
	// Office and ID name the case.
	Office, ID string
	// Etag, when set, must match the current etag.
	Etag string
	// Fields are the fields to change (the update mask).
	Fields []domain.CaseField
	// Values holds the new values of those fields.
	Values domain.CaseFields
}

// UpdateCase applies an update; the whole case is validated again
// (domain.Case.Update).
func (a *Application) UpdateCase(ctx context.Context, cmd UpdateCase) (*domain.Case, error) {
	c, err := edit(a.caseUpdater(ctx, a.Scope(ctx), cmd.Office, cmd.ID), caseKind, cmd.Etag, func(c *domain.Case) error {
		return c.Update(cmd.Fields, cmd.Values, usecase.Actor(ctx), a.clock.Now(), a.zones(cmd.Office))
	})
	return c, wrap("UpdateCase", err)
}

// AdvanceStage moves a case forward.
type AdvanceStage struct {
	Target
	// Stage is the stage to move to.
	Stage domain.CaseStage
	// EffectiveDate is the date the stage was reached.
	EffectiveDate domain.Date
	// Note is the caller's note on the change.
	Note string
}

// CheckAdvanceCaseStage validates what an advance gives without touching
// storage: a stage, a note within its limit and an effective date that is
// a valid day not after the office's today. What the case's own dates and
// stage allow is checked against the case.
func (a *Application) CheckAdvanceCaseStage(cmd AdvanceStage) error {
	var v errs.Violations
	record.CheckEnum(&v, "stage", cmd.Stage, domain.CaseStages)
	record.CheckMaxLen(&v, "note", cmd.Note, domain.MaxChangeNoteLength, true)
	checkDay(&v, "effective_date", cmd.EffectiveDate, a.Today(cmd.Office))
	return v.Err()
}

// checkDay checks a required date that must have happened by today.
func checkDay(v *errs.Violations, field string, d, today domain.Date) {
	if record.CheckDate(v, field, d, true) {
		record.CheckNotFuture(v, field, d, today)
	}
}

// AdvanceCaseStage moves a case forward (domain.Case.Advance). A retry of
// an advance already recorded returns the case as it is.
func (a *Application) AdvanceCaseStage(ctx context.Context, cmd AdvanceStage) (*domain.Case, error) {
	if err := a.CheckAdvanceCaseStage(cmd); err != nil {
		return nil, wrap("AdvanceCaseStage", err)
	}
	c, err := a.moveCase(ctx, cmd.Target, func(c *domain.Case) error {
		return c.Advance(cmd.Stage, cmd.EffectiveDate, cmd.Note, a.change(ctx, cmd.Target, ""), a.zones(cmd.Office))
	})
	return c, wrap("AdvanceCaseStage", err)
}

// CorrectStage moves a case back to the stage it should be at.
type CorrectStage struct {
	Target
	// Stage is the stage the case should be at.
	Stage domain.CaseStage
	// Reason says why the stage recorded was wrong. Required.
	Reason string
}

// CheckCorrectCaseStage validates a correction's stage and reason without
// touching storage.
func (a *Application) CheckCorrectCaseStage(cmd CorrectStage) error {
	v := domain.Change{Reason: cmd.Reason}.ValidateWithReason("say why the stage recorded was wrong")
	record.CheckEnum(&v, "stage", cmd.Stage, domain.CaseStages)
	return v.Err()
}

// CorrectCaseStage moves a case back, recording the reason in its stage
// history (domain.Case.Correct). A retry of a correction already recorded
// returns the case as it is.
func (a *Application) CorrectCaseStage(ctx context.Context, cmd CorrectStage) (*domain.Case, error) {
	if err := a.CheckCorrectCaseStage(cmd); err != nil {
		return nil, wrap("CorrectCaseStage", err)
	}
	c, err := a.moveCase(ctx, cmd.Target, func(c *domain.Case) error {
		return c.Correct(cmd.Stage, cmd.Reason, a.change(ctx, cmd.Target, cmd.Reason))
	})
	return c, wrap("CorrectCaseStage", err)
}

// moveCase applies a stage change to the target case once (usecase.ApplyOnce).
func (a *Application) moveCase(ctx context.Context, t Target, move func(*domain.Case) error) (*domain.Case, error) {
	scope := a.Scope(ctx)
	return usecase.ApplyOnce(ctx, t.Retry,
		func(ctx context.Context) (*domain.Case, error) { return a.cases.Get(ctx, scope, t.Office, t.CaseID) },
		func(c *domain.Case) bool { return c.Applied(t.RequestID) },
		func(ctx context.Context) (*domain.Case, error) {
			return edit(a.caseUpdater(ctx, scope, t.Office, t.CaseID), caseKind, t.Etag, move)
		})
}

// CaseReference links or unlinks a rescue survivor or operation.
type CaseReference struct {
	Target
	// Reference is the rescue name.
	Reference string
}

// LinkCaseReference links a rescue survivor or operation to a case
// (domain.Case.Link). The name must be one of the case's office
// (INVALID_ARGUMENT on reference otherwise) and exist in rescue: rescue is
// asked before anything is written (NOT_FOUND REFERENCE_NOT_FOUND, or
// RescueUnavailable). Linking a name already linked changes nothing and
// succeeds without asking rescue.
func (a *Application) LinkCaseReference(ctx context.Context, cmd CaseReference) (*domain.Case, error) {
	scope := a.Scope(ctx)
	c, err := a.cases.Get(ctx, scope, cmd.Office, cmd.CaseID)
	if err != nil {
		return nil, wrap("LinkCaseReference", err)
	}
	changed, err := c.Clone().Link(cmd.Reference, usecase.Actor(ctx), a.clock.Now())
	if err != nil {
		return nil, wrap("LinkCaseReference", err)
	}
	if !changed && cmd.Retry {
		return c, nil
	}
	if err := caseKind.checkEtag(c, cmd.Etag); err != nil {
		return nil, wrap("LinkCaseReference", err)
	}
	if !changed {
		return c, nil
	}
	if _, err := a.lookup(ctx, []referenceField{{cmd.Reference, "reference"}}); err != nil {
		return nil, wrap("LinkCaseReference", err)
	}
	c, err = edit(a.caseUpdater(ctx, scope, cmd.Office, cmd.CaseID), caseKind, cmd.Etag, func(c *domain.Case) error {
		_, err := c.Link(cmd.Reference, usecase.Actor(ctx), a.clock.Now())
		return err
	})
	return c, wrap("LinkCaseReference", err)
}

// ReasonSurvivorInUse is the ErrorInfo reason (FAILED_PRECONDITION) of an
// unlink of a survivor that a witness or compensation of the case names.
const ReasonSurvivorInUse = "SURVIVOR_IN_USE"

// UnlinkCaseReference removes a rescue survivor or operation from a case
// (domain.Case.Unlink). Unlinking a name not linked changes nothing and
// succeeds. A survivor that a witness or compensation of the case names
// stays linked (FAILED_PRECONDITION SURVIVOR_IN_USE).
//
// Why no witness or compensation is left naming an unlinked survivor,
// without transactions: the unlink counts them while it holds the case's
// version (its store fails if the case changed), then counts again after
// storing; a record created meanwhile is found by the second count, which
// links the survivor back and fails, or its creator finds the survivor
// unlinked after inserting (CreateWitness, CreateCompensation).
func (a *Application) UnlinkCaseReference(ctx context.Context, cmd CaseReference) (*domain.Case, error) {
	scope := a.Scope(ctx)
	c, err := a.cases.Get(ctx, scope, cmd.Office, cmd.CaseID)
	if err != nil {
		return nil, wrap("UnlinkCaseReference", err)
	}
	changed, err := c.Clone().Unlink(cmd.Reference, usecase.Actor(ctx), a.clock.Now())
	if err != nil {
		return nil, wrap("UnlinkCaseReference", err)
	}
	if !changed && cmd.Retry {
		return c, nil
	}
	if err := caseKind.checkEtag(c, cmd.Etag); err != nil {
		return nil, wrap("UnlinkCaseReference", err)
	}
	if !changed {
		return c, nil
	}
	survivor := c.HasSurvivor(cmd.Reference)
	c, err = edit(a.caseUpdater(ctx, scope, cmd.Office, cmd.CaseID), caseKind, cmd.Etag, func(c *domain.Case) error {
		if survivor {
			if err := a.checkSurvivorUnused(ctx, scope, c, cmd.Reference); err != nil {
				return err
			}
		}
		_, err := c.Unlink(cmd.Reference, usecase.Actor(ctx), a.clock.Now())
		return err
	})
	if err != nil || !survivor {
		return c, wrap("UnlinkCaseReference", err)
	}
	if inUse := a.checkSurvivorUnused(ctx, scope, c, cmd.Reference); inUse != nil {
		// A witness or compensation was created while the unlink ran: link back.
		if _, err := a.relinkSurvivor(context.WithoutCancel(ctx), scope, cmd.Office, cmd.CaseID, cmd.Reference); err != nil {
			return nil, wrap("UnlinkCaseReference", errs.Internal(fmt.Errorf("link %s back after a concurrent create: %w", cmd.Reference, err)))
		}
		return nil, wrap("UnlinkCaseReference", inUse)
	}
	return c, nil
}

// checkSurvivorUnused fails with FAILED_PRECONDITION SURVIVOR_IN_USE when a
// witness or compensation of the case names the survivor.
func (a *Application) checkSurvivorUnused(ctx context.Context, scope domain.Scope, c *domain.Case, survivor string) error {
	witnesses, err := a.witnesses.CountBySurvivor(ctx, scope, c.Office, c.ID, survivor)
	if err != nil {
		return err
	}
	compensations, err := a.compensations.CountBySurvivor(ctx, scope, c.Office, c.ID, survivor)
	if err != nil {
		return err
	}
	if witnesses+compensations == 0 {
		return nil
	}
	return errs.FailedPrecondition(ReasonSurvivorInUse,
		"survivor %s is named by %d witness and %d compensation record(s) of case %s; delete the witness record first "+
			"(a survivor with a compensation application stays linked)", survivor, witnesses, compensations, c.Name())
}

// relinkSurvivor links the survivor to the case again if it is not linked:
// the repair when a record naming the survivor was created while an unlink
// ran. It reports whether it had to.
func (a *Application) relinkSurvivor(ctx context.Context, scope domain.Scope, office, caseID, survivor string) (bool, error) {
	c, err := a.cases.Get(ctx, scope, office, caseID)
	if err != nil || c.HasSurvivor(survivor) {
		return false, err
	}
	_, err = edit(a.caseUpdater(ctx, scope, office, caseID), caseKind, "", func(c *domain.Case) error {
		_, err := c.Link(survivor, usecase.Actor(ctx), a.clock.Now())
		return err
	})
	return err == nil, err
}
