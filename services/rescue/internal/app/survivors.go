package app

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// CreateSurvivor records a survivor rescued by an operation of the same office.
type CreateSurvivor struct {
	// Office is the owning office.
	Office string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Operation is the name of the operation that rescued the survivor.
	Operation string
	// Fields are the caller's values.
	Fields domain.SurvivorFields
}

// CheckCreateSurvivor validates the input, including whether the legal basis
// fits the survivor's age, without touching storage.
func (a *Application) CheckCreateSurvivor(cmd CreateSurvivor) error {
	v := cmd.Fields.Validate("survivor", a.clock.Now(), a.zones(cmd.Office))
	if office, _, ok := domain.SplitName(cmd.Operation, domain.CollectionOperations); !ok {
		v.Add("survivor.operation", "is required; format offices/{office}/operations/{operation}")
	} else if office != cmd.Office {
		v.Add("survivor.operation", "must name an operation of office %s, e.g. offices/%s/operations/{operation}", cmd.Office, cmd.Office)
	}
	if err := v.Err(); err != nil {
		return err
	}
	return cmd.Fields.CheckLegalBasis()
}

// CreateSurvivor creates a survivor record. The operation must exist in the
// same office and have been conducted (CONDUCTED or CLOSED). A minor's record
// is refused unless its legal basis allows processing a child's data.
func (a *Application) CreateSurvivor(ctx context.Context, cmd CreateSurvivor) (*domain.Survivor, error) {
	if err := a.CheckCreateSurvivor(cmd); err != nil {
		return nil, fmt.Errorf("app.CreateSurvivor: %w", err)
	}
	s, err := createOnce(ctx, cmd.Retry,
		func(ctx context.Context) (*domain.Survivor, error) { return a.survivors.Get(ctx, cmd.Office, cmd.ID) },
		func() (*domain.Survivor, error) {
			if err := a.checkOperationAcceptsSurvivors(ctx, cmd.Office, cmd.Operation); err != nil {
				return nil, err
			}
			return domain.NewSurvivor(cmd.ID, cmd.Office, cmd.Operation, cmd.Fields, actor(ctx), a.clock.Now(), a.zones(cmd.Office))
		},
		a.survivors.Create)
	if err != nil {
		return nil, fmt.Errorf("app.CreateSurvivor: %w", err)
	}
	return s, nil
}

// checkOperationAcceptsSurvivors fails unless the named operation exists in the
// office and was conducted. Nothing leads an operation back from CONDUCTED or
// CLOSED, so the check stays true after the survivor is inserted.
func (a *Application) checkOperationAcceptsSurvivors(ctx context.Context, office, name string) error {
	_, id, _ := domain.SplitName(name, domain.CollectionOperations)
	o, err := a.operations.Get(ctx, office, id)
	if errs.Is(err, errs.KindNotFound) {
		return referenceNotFound("operation", name, office, "survivor.operation")
	}
	if err != nil {
		return err
	}
	if !o.AcceptsSurvivors() {
		return errs.FailedPrecondition("OPERATION_NOT_CONDUCTED",
			"operation %s is %s; survivors can be recorded only for CONDUCTED or CLOSED operations", name, o.Status).
			WithMetadata("current_state", string(o.Status))
	}
	return nil
}

// GetSurvivor returns a survivor of an office.
func (a *Application) GetSurvivor(ctx context.Context, office, id string) (*domain.Survivor, error) {
	s, err := a.survivors.Get(ctx, office, id)
	if err != nil {
		return nil, fmt.Errorf("app.GetSurvivor: %w", err)
	}
	return s, nil
}

// ListSurvivors returns one page of survivors.
func (a *Application) ListSurvivors(ctx context.Context, q ListQuery) (domain.Page[*domain.Survivor], error) {
	p, err := a.survivors.List(ctx, a.domainQuery(q))
	if err != nil {
		return p, fmt.Errorf("app.ListSurvivors: %w", err)
	}
	return p, nil
}

// UpdateSurvivor changes the named fields of a survivor.
type UpdateSurvivor struct {
	// Office and ID name the survivor.
	Office, ID string
	// Etag, when set, must match the current etag.
	Etag string
	// Fields are the fields to change (the update mask).
	Fields []domain.SurvivorField
	// Values holds the new values of those fields.
	Values domain.SurvivorFields
}

// UpdateSurvivor applies an update; the whole record is validated again, so a
// changed age that makes the survivor a minor needs a minor's legal basis.
func (a *Application) UpdateSurvivor(ctx context.Context, cmd UpdateSurvivor) (*domain.Survivor, error) {
	s, err := a.survivors.Update(ctx, cmd.Office, cmd.ID, func(s *domain.Survivor) (*domain.Survivor, error) {
		if err := domain.CheckEtag("survivor", s.Name(), s.Meta, cmd.Etag); err != nil {
			return nil, err
		}
		if err := s.Update(cmd.Fields, cmd.Values, actor(ctx), a.clock.Now(), a.zones(cmd.Office)); err != nil {
			return nil, err
		}
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("app.UpdateSurvivor: %w", err)
	}
	return s, nil
}
