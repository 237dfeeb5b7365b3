package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// OperationView is an operation with what is derived from other records:
// how many survivor records name it.
type OperationView struct {
	*domain.Operation
	// SurvivorsRescued is the number of survivors that name the operation.
	SurvivorsRescued int
}

// CreateOperation plans an operation at a location of the same office.
type CreateOperation struct {
	// Office is the owning office.
	Office string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Fields are the caller's values; Fields.Location is a location name.
	Fields domain.OperationFields
}

// CheckCreateOperation validates the input without touching storage.
func (a *Application) CheckCreateOperation(cmd CreateOperation) error {
	v := cmd.Fields.Validate("operation")
	if cmd.Fields.Location != "" {
		if office, _, ok := domain.SplitName(cmd.Fields.Location, domain.CollectionLocations); !ok {
			v.Add("operation.location", "must be a location name, offices/{office}/locations/{location}")
		} else if office != cmd.Office {
			v.Add("operation.location", "must name a location of office %s, e.g. offices/%s/locations/{location}", cmd.Office, cmd.Office)
		}
	}
	return v.Err()
}

// CreateOperation creates a PLANNED operation. The location must exist in the
// same office and be CONFIRMED or RAIDED (a site raided once is often raided
// again). Planning or conducting an operation changes nothing on the location.
func (a *Application) CreateOperation(ctx context.Context, cmd CreateOperation) (*OperationView, error) {
	if err := a.CheckCreateOperation(cmd); err != nil {
		return nil, fmt.Errorf("app.CreateOperation: %w", err)
	}
	scope := a.Scope(ctx)
	o, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Operation, error) {
			return a.operations.Get(ctx, scope, cmd.Office, cmd.ID)
		},
		func() (*domain.Operation, error) {
			if err := a.checkLocationAcceptsOperations(ctx, scope, cmd.Office, cmd.Fields.Location); err != nil {
				return nil, err
			}
			return domain.NewOperation(cmd.ID, cmd.Office, cmd.Fields, actor(ctx), a.clock.Now())
		},
		func(ctx context.Context, o *domain.Operation) error { return a.insertOperation(ctx, scope, o) })
	if err != nil {
		return nil, fmt.Errorf("app.CreateOperation: %w", err)
	}
	return a.operationView(ctx, scope, o)
}

// insertOperation inserts the operation, then checks its location again: if
// the location was deleted, or dismissed, between the first check and the
// insert, the operation is withdrawn. See DeleteLocation for why this closes
// the race without transactions.
func (a *Application) insertOperation(ctx context.Context, scope domain.Scope, o *domain.Operation) error {
	if err := a.operations.Create(ctx, o); err != nil {
		return err
	}
	recheck := a.checkLocationAcceptsOperations(ctx, scope, o.Office, o.Location)
	if recheck == nil {
		return nil
	}
	// Withdraw even if the caller has gone away: the record must not outlive its check.
	if err := a.operations.Delete(context.WithoutCancel(ctx), scope, o.Office, o.ID, o.Version); err != nil {
		return errs.Internal(errors.Join(
			fmt.Errorf("withdraw operation %s after its location changed: %w", o.Name(), err), recheck))
	}
	return recheck
}

// checkLocationAcceptsOperations fails unless the named location exists in the
// office, within the caller's scope, and is CONFIRMED or RAIDED.
func (a *Application) checkLocationAcceptsOperations(ctx context.Context, scope domain.Scope, office, name string) error {
	_, id, _ := domain.SplitName(name, domain.CollectionLocations)
	l, err := a.locations.Get(ctx, scope, office, id)
	if errs.Is(err, errs.KindNotFound) {
		return referenceNotFound("location", name, office, "operation.location")
	}
	if err != nil {
		return err
	}
	if !l.AcceptsOperations() {
		return errs.FailedPrecondition("LOCATION_NOT_CONFIRMED",
			"location %s is %s; operations can be planned only at CONFIRMED or RAIDED locations", name, l.Status).
			WithMetadata("current_state", string(l.Status))
	}
	return nil
}

// GetOperation returns an operation of an office.
func (a *Application) GetOperation(ctx context.Context, office, id string) (*OperationView, error) {
	scope := a.Scope(ctx)
	o, err := a.operations.Get(ctx, scope, office, id)
	if err != nil {
		return nil, fmt.Errorf("app.GetOperation: %w", err)
	}
	return a.operationView(ctx, scope, o)
}

// ListOperations returns one page of operations, each with its survivor count
// (one aggregation for the page, not one query per operation).
func (a *Application) ListOperations(ctx context.Context, q ListQuery) (domain.Page[*OperationView], error) {
	dq := a.domainQuery(ctx, q)
	p, err := a.operations.List(ctx, dq)
	if err != nil {
		return domain.Page[*OperationView]{}, fmt.Errorf("app.ListOperations: %w", err)
	}
	views := make([]*OperationView, len(p.Items))
	if len(p.Items) == 0 {
		return domain.Page[*OperationView]{Items: views, NextPageToken: p.NextPageToken}, nil
	}
	names := make([]string, len(p.Items))
	for i, o := range p.Items {
		names[i] = o.Name()
	}
	counts, err := a.survivors.CountByOperation(ctx, dq.Scope, names)
	if err != nil {
		return domain.Page[*OperationView]{}, fmt.Errorf("app.ListOperations: %w", err)
	}
	for i, o := range p.Items {
		views[i] = &OperationView{Operation: o, SurvivorsRescued: counts[names[i]]}
	}
	return domain.Page[*OperationView]{Items: views, NextPageToken: p.NextPageToken}, nil
}

func (a *Application) operationView(ctx context.Context, scope domain.Scope, o *domain.Operation) (*OperationView, error) {
	counts, err := a.survivors.CountByOperation(ctx, scope, []string{o.Name()})
	if err != nil {
		return nil, fmt.Errorf("app.operationView: %w", err)
	}
	return &OperationView{Operation: o, SurvivorsRescued: counts[o.Name()]}, nil
}

// UpdateOperation changes the named fields of an operation.
type UpdateOperation struct {
	// Office and ID name the operation.
	Office, ID string
	// Etag, when set, must match the current etag.
	Etag string
	// Fields are the fields to change (the update mask).
	Fields []domain.OperationField
	// Values holds the new values of those fields.
	Values domain.OperationFields
}

// UpdateOperation applies an update.
func (a *Application) UpdateOperation(ctx context.Context, cmd UpdateOperation) (*OperationView, error) {
	scope := a.Scope(ctx)
	o, err := a.operations.Update(ctx, scope, cmd.Office, cmd.ID, func(o *domain.Operation) (*domain.Operation, error) {
		if err := domain.CheckEtag("operation", o.Name(), o.Meta, cmd.Etag); err != nil {
			return nil, err
		}
		if err := o.Update(cmd.Fields, cmd.Values, actor(ctx), a.clock.Now()); err != nil {
			return nil, err
		}
		return o, nil
	})
	if err != nil {
		return nil, fmt.Errorf("app.UpdateOperation: %w", err)
	}
	return a.operationView(ctx, scope, o)
}

// CheckConduct validates a conduct's caller-supplied input without touching storage.
func (a *Application) CheckConduct(t Transition, d domain.Conduct) error {
	v := domain.Change{Reason: t.Reason}.Validate()
	v = append(v, d.Validate(a.clock.Now())...)
	return v.Err()
}

// ConductOperation moves a PLANNED operation to CONDUCTED.
func (a *Application) ConductOperation(ctx context.Context, t Transition, d domain.Conduct) (*OperationView, error) {
	return a.transitionOperation(ctx, "app.ConductOperation", t, func(o *domain.Operation, c domain.Change) error {
		return o.Conduct(d, c)
	})
}

// CloseOperation moves a CONDUCTED operation to CLOSED.
func (a *Application) CloseOperation(ctx context.Context, t Transition) (*OperationView, error) {
	return a.transitionOperation(ctx, "app.CloseOperation", t, (*domain.Operation).Close)
}

// AbortOperation moves a PLANNED operation to ABORTED.
func (a *Application) AbortOperation(ctx context.Context, t Transition) (*OperationView, error) {
	return a.transitionOperation(ctx, "app.AbortOperation", t, (*domain.Operation).Abort)
}

func (a *Application) transitionOperation(ctx context.Context, op string, t Transition,
	move func(*domain.Operation, domain.Change) error) (*OperationView, error) {
	scope := a.Scope(ctx)
	if t.Retry {
		o, err := a.operations.Get(ctx, scope, t.Office, t.ID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if o.Applied(t.RequestID) {
			return a.operationView(ctx, scope, o)
		}
	}
	o, err := a.operations.Update(ctx, scope, t.Office, t.ID, func(o *domain.Operation) (*domain.Operation, error) {
		if err := domain.CheckEtag("operation", o.Name(), o.Meta, t.Etag); err != nil {
			return nil, err
		}
		if err := move(o, t.change(ctx, a.clock.Now())); err != nil {
			return nil, err
		}
		return o, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return a.operationView(ctx, scope, o)
}

// DeleteOperation deletes an operation that is PLANNED or ABORTED and that no
// survivor names. etag, when set, must match the current etag.
//
// An operation that rescued anyone is CONDUCTED or CLOSED, and nothing leads
// back from there; deleting only at the loaded (deletable) version therefore
// cannot orphan a survivor. The survivor count is checked all the same.
func (a *Application) DeleteOperation(ctx context.Context, office, id, etag string) error {
	scope := a.Scope(ctx)
	o, err := a.operations.Get(ctx, scope, office, id)
	if err != nil {
		return fmt.Errorf("app.DeleteOperation: %w", err)
	}
	if err := domain.CheckEtag("operation", o.Name(), o.Meta, etag); err != nil {
		return fmt.Errorf("app.DeleteOperation: %w", err)
	}
	if err := o.CheckDeletable(); err != nil {
		return fmt.Errorf("app.DeleteOperation: %w", err)
	}
	counts, err := a.survivors.CountByOperation(ctx, scope, []string{o.Name()})
	if err != nil {
		return fmt.Errorf("app.DeleteOperation: %w", err)
	}
	if n := counts[o.Name()]; n > 0 {
		return fmt.Errorf("app.DeleteOperation: %w", errs.FailedPrecondition("OPERATION_IN_USE",
			"operation %s is named by %d survivor record(s); it cannot be deleted", o.Name(), n))
	}
	if err := a.operations.Delete(ctx, scope, office, id, o.Version); err != nil {
		return fmt.Errorf("app.DeleteOperation: %w", err)
	}
	return nil
}
