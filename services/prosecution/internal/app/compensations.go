package app

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// CreateCompensation records a survivor's application for victim compensation.
type CreateCompensation struct {
	// Office and CaseID name the case.
	Office, CaseID string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Survivor is the rescue survivor's name.
	Survivor string
	// Fields are the caller's values.
	Fields domain.CompensationFields
}

// CheckCreateCompensation validates the input, including the form and
// office of the survivor's name, without touching storage.
func (a *Application) CheckCreateCompensation(cmd CreateCompensation) error {
	_, err := domain.NewCompensation(cmd.ID, cmd.Office, cmd.CaseID, cmd.Survivor, cmd.Fields, "", a.clock.Now(), a.zones(cmd.Office))
	return err
}

// CreateCompensation creates an APPLIED compensation of a case of the
// caller's offices (NOT_FOUND CASE_NOT_FOUND otherwise) for a survivor the
// case links (FAILED_PRECONDITION SURVIVOR_NOT_LINKED otherwise). The
// survivor was confirmed with rescue when it was linked.
//
// Compensation records are never deleted, so a create that raced an unlink
// of its survivor (found by a check after the insert) links the survivor
// back rather than leave a record naming a survivor the case does not link.
func (a *Application) CreateCompensation(ctx context.Context, cmd CreateCompensation) (*domain.Compensation, error) {
	if err := a.CheckCreateCompensation(cmd); err != nil {
		return nil, wrap("CreateCompensation", err)
	}
	scope := a.Scope(ctx)
	comp, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Compensation, error) {
			return a.compensations.Get(ctx, scope, cmd.Office, cmd.CaseID, cmd.ID)
		},
		func() (*domain.Compensation, error) {
			c, err := a.caseOf(ctx, scope, cmd.Office, cmd.CaseID)
			if err != nil {
				return nil, err
			}
			if err := c.CheckSurvivorLinked("compensation.survivor", cmd.Survivor); err != nil {
				return nil, err
			}
			return domain.NewCompensation(cmd.ID, cmd.Office, cmd.CaseID, cmd.Survivor, cmd.Fields, usecase.Actor(ctx), a.clock.Now(),
				a.zones(cmd.Office))
		},
		func(ctx context.Context, comp *domain.Compensation) error {
			if err := a.compensations.Create(ctx, comp); err != nil {
				return err
			}
			if _, err := a.relinkSurvivor(context.WithoutCancel(ctx), scope, comp.Office, comp.CaseID, comp.Survivor); err != nil {
				return errs.Internal(fmt.Errorf("keep survivor %s linked to the case of compensation %s: %w", comp.Survivor, comp.Name(), err))
			}
			return nil
		})
	return comp, wrap("CreateCompensation", err)
}

// GetCompensation returns a compensation of a case.
func (a *Application) GetCompensation(ctx context.Context, office, caseID, id string) (*domain.Compensation, error) {
	comp, err := a.compensations.Get(ctx, a.Scope(ctx), office, caseID, id)
	return comp, wrap("GetCompensation", err)
}

// ListCompensations returns one page of the compensations of a case, which
// must be of the caller's offices (NOT_FOUND CASE_NOT_FOUND otherwise).
func (a *Application) ListCompensations(ctx context.Context, office, caseID string, q ListQuery) (domain.Page[*domain.Compensation], error) {
	rq := a.recordQuery(ctx, q)
	if _, err := a.caseOf(ctx, rq.Scope, office, caseID); err != nil {
		return domain.Page[*domain.Compensation]{}, wrap("ListCompensations", err)
	}
	p, err := a.compensations.List(ctx, office, caseID, rq)
	return p, wrap("ListCompensations", err)
}

// UpdateCompensation changes the named fields of a compensation.
type UpdateCompensation struct {
	Target
	// Fields are the fields to change (the update mask).
	Fields []domain.CompensationField
	// Values holds the new values of those fields.
	Values domain.CompensationFields
}

// UpdateCompensation applies an update (domain.Compensation.Update): a
// status change follows the compensation lifecycle and is kept in its
// transitions.
func (a *Application) UpdateCompensation(ctx context.Context, cmd UpdateCompensation) (*domain.Compensation, error) {
	comp, err := edit(child(ctx, a.Scope(ctx), a.compensations, cmd.Target), compensationKind, cmd.Etag, func(comp *domain.Compensation) error {
		return comp.Update(cmd.Fields, cmd.Values, usecase.Actor(ctx), a.clock.Now(), a.zones(cmd.Office))
	})
	return comp, wrap("UpdateCompensation", err)
}
