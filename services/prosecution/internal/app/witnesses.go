package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// WitnessView is a witness with what its case decides: the POCSO evidence
// deadline of a child witness, from the case's cognizance date, and
// whether it has passed in the office's calendar.
type WitnessView struct {
	*domain.Witness
	// EvidenceDeadline is the date by which a child's evidence is due; zero
	// for an adult, and while the case has no cognizance date.
	EvidenceDeadline domain.Date
	// EvidenceOverdue is true when the deadline has passed in the office's
	// calendar and the evidence is still pending.
	EvidenceOverdue bool
}

// view returns the witness with its deadline, given its case's cognizance date.
func (a *Application) view(w *domain.Witness, cognizance domain.Date) *WitnessView {
	return &WitnessView{
		Witness: w, EvidenceDeadline: w.EvidenceDeadline(cognizance),
		EvidenceOverdue: w.Overdue(cognizance, a.Today(w.Office)),
	}
}

// viewOf returns the witness with its deadline, reading its case.
func (a *Application) viewOf(ctx context.Context, scope domain.Scope, w *domain.Witness) (*WitnessView, error) {
	c, err := a.caseOf(ctx, scope, w.Office, w.CaseID)
	if err != nil {
		return nil, err
	}
	return a.view(w, c.CognizanceDate), nil
}

// CreateWitness records a survivor who testifies in a case.
type CreateWitness struct {
	// Office and CaseID name the case.
	Office, CaseID string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Survivor is the rescue survivor's name.
	Survivor string
	// Fields are the caller's values.
	Fields domain.WitnessFields
}

// CheckCreateWitness validates the input, including the form and office of
// the survivor's name, without touching storage or rescue.
func (a *Application) CheckCreateWitness(cmd CreateWitness) error {
	_, err := domain.NewWitness(cmd.ID, cmd.Office, cmd.CaseID, cmd.Survivor, false, cmd.Fields, "", a.clock.Now(), a.zones(cmd.Office))
	return err
}

// ReasonWitnessExists is the ErrorInfo reason (ALREADY_EXISTS) of a second
// witness record for the same survivor in a case.
const ReasonWitnessExists = "WITNESS_ALREADY_EXISTS"

// CreateWitness creates a witness of a case of the caller's offices
// (NOT_FOUND CASE_NOT_FOUND otherwise) for a survivor the case links
// (FAILED_PRECONDITION SURVIVOR_NOT_LINKED otherwise) who has no witness
// record in the case yet (ALREADY_EXISTS WITNESS_ALREADY_EXISTS otherwise).
// Rescue is asked, before anything is written, whether the survivor is a
// minor, which the record keeps (NOT_FOUND REFERENCE_NOT_FOUND if rescue no
// longer knows the survivor, or RescueUnavailable).
//
// A create racing an unlink of the survivor, or another create for the same
// survivor, is found by a check after the insert, which withdraws the new
// record and fails as the earlier check would have.
func (a *Application) CreateWitness(ctx context.Context, cmd CreateWitness) (*WitnessView, error) {
	if err := a.CheckCreateWitness(cmd); err != nil {
		return nil, wrap("CreateWitness", err)
	}
	scope := a.Scope(ctx)
	w, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Witness, error) {
			return a.witnesses.Get(ctx, scope, cmd.Office, cmd.CaseID, cmd.ID)
		},
		func() (*domain.Witness, error) {
			if err := a.checkWitnessAllowed(ctx, scope, cmd.Office, cmd.CaseID, cmd.Survivor, 0); err != nil {
				return nil, err
			}
			refs, err := a.lookup(ctx, []referenceField{{cmd.Survivor, "witness.survivor"}})
			if err != nil {
				return nil, err
			}
			return domain.NewWitness(cmd.ID, cmd.Office, cmd.CaseID, cmd.Survivor, refs[cmd.Survivor].Minor, cmd.Fields,
				usecase.Actor(ctx), a.clock.Now(), a.zones(cmd.Office))
		},
		func(ctx context.Context, w *domain.Witness) error { return a.insertWitness(ctx, scope, w) })
	if err != nil {
		return nil, wrap("CreateWitness", err)
	}
	v, err := a.viewOf(ctx, scope, w)
	return v, wrap("CreateWitness", err)
}

// checkWitnessAllowed fails unless the case exists in scope, links the
// survivor, and has at most others witness records naming it (0 before an
// insert, 1 after).
func (a *Application) checkWitnessAllowed(ctx context.Context, scope domain.Scope, office, caseID, survivor string, others int) error {
	c, err := a.caseOf(ctx, scope, office, caseID)
	if err != nil {
		return err
	}
	if err := c.CheckSurvivorLinked("witness.survivor", survivor); err != nil {
		return err
	}
	n, err := a.witnesses.CountBySurvivor(ctx, scope, office, caseID, survivor)
	if err != nil {
		return err
	}
	if n > others {
		return errs.AlreadyExists(ReasonWitnessExists,
			"survivor %s already has a witness record in case %s; a survivor testifies once per case: update that record", survivor, c.Name())
	}
	return nil
}

// insertWitness inserts the witness, then checks again that its case still
// links the survivor and that no other witness of the case names it; if
// either changed meanwhile, the witness is withdrawn and the check's error
// returned.
func (a *Application) insertWitness(ctx context.Context, scope domain.Scope, w *domain.Witness) error {
	if err := a.witnesses.Create(ctx, w); err != nil {
		return err
	}
	recheck := a.checkWitnessAllowed(ctx, scope, w.Office, w.CaseID, w.Survivor, 1)
	if recheck == nil {
		return nil
	}
	// Withdraw even if the caller has gone away: the record must not outlive its check.
	if err := a.witnesses.Delete(context.WithoutCancel(ctx), scope, w.Office, w.CaseID, w.ID, w.Version); err != nil {
		return errs.Internal(errors.Join(fmt.Errorf("withdraw witness %s after its check failed: %w", w.Name(), err), recheck))
	}
	return recheck
}

// GetWitness returns a witness of a case, with its deadline.
func (a *Application) GetWitness(ctx context.Context, office, caseID, id string) (*WitnessView, error) {
	scope := a.Scope(ctx)
	w, err := a.witnesses.Get(ctx, scope, office, caseID, id)
	if err != nil {
		return nil, wrap("GetWitness", err)
	}
	v, err := a.viewOf(ctx, scope, w)
	return v, wrap("GetWitness", err)
}

// ListWitnesses returns one page of the witnesses of a case of the
// caller's offices (NOT_FOUND CASE_NOT_FOUND otherwise), or, for caseID
// domain.AllCases, of every case of the office, each with its deadline.
func (a *Application) ListWitnesses(ctx context.Context, office, caseID string, q ListQuery) (domain.Page[*WitnessView], error) {
	rq := a.recordQuery(ctx, q)
	cognizance := map[string]domain.Date{}
	if caseID == domain.AllCases {
		dates, err := a.cases.ListWithCognizance(ctx, rq.Scope, office)
		if err != nil {
			return domain.Page[*WitnessView]{}, wrap("ListWitnesses", err)
		}
		cognizance = dates
	} else {
		c, err := a.caseOf(ctx, rq.Scope, office, caseID)
		if err != nil {
			return domain.Page[*WitnessView]{}, wrap("ListWitnesses", err)
		}
		cognizance[c.ID] = c.CognizanceDate
	}
	p, err := a.witnesses.List(ctx, office, caseID, rq)
	if err != nil {
		return domain.Page[*WitnessView]{}, wrap("ListWitnesses", err)
	}
	out := domain.Page[*WitnessView]{NextPageToken: p.NextPageToken, Items: make([]*WitnessView, len(p.Items))}
	for i, w := range p.Items {
		out.Items[i] = a.view(w, cognizance[w.CaseID])
	}
	return out, nil
}

// UpdateWitness changes the named fields of a witness.
type UpdateWitness struct {
	Target
	// Fields are the fields to change (the update mask).
	Fields []domain.WitnessField
	// Values holds the new values of those fields.
	Values domain.WitnessFields
}

// UpdateWitness applies an update (domain.Witness.Update). Which fields a
// caller may change is the API's to decide.
func (a *Application) UpdateWitness(ctx context.Context, cmd UpdateWitness) (*WitnessView, error) {
	scope := a.Scope(ctx)
	w, err := edit(child(ctx, scope, a.witnesses, cmd.Target), witnessKind, cmd.Etag, func(w *domain.Witness) error {
		return w.Update(cmd.Fields, cmd.Values, usecase.Actor(ctx), a.clock.Now(), a.zones(cmd.Office))
	})
	if err != nil {
		return nil, wrap("UpdateWitness", err)
	}
	v, err := a.viewOf(ctx, scope, w)
	return v, wrap("UpdateWitness", err)
}

// DeleteWitness deletes a witness record (one entered by mistake); t.Etag,
// when set, must match its current etag.
func (a *Application) DeleteWitness(ctx context.Context, t Target) error {
	scope := a.Scope(ctx)
	w, err := a.witnesses.Get(ctx, scope, t.Office, t.CaseID, t.ID)
	if err != nil {
		return wrap("DeleteWitness", err)
	}
	if err := witnessKind.checkEtag(w, t.Etag); err != nil {
		return wrap("DeleteWitness", err)
	}
	return wrap("DeleteWitness", a.witnesses.Delete(ctx, scope, t.Office, t.CaseID, t.ID, w.Version))
}
