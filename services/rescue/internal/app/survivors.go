package app

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/usecase"
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
	scope := a.Scope(ctx)
	s, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Survivor, error) {
			return a.survivors.Get(ctx, scope, cmd.Office, cmd.ID)
		},
		func() (*domain.Survivor, error) {
			if err := a.checkOperationAcceptsSurvivors(ctx, scope, cmd.Office, cmd.Operation); err != nil {
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
// office, within the caller's scope, and was conducted. Nothing leads an
// operation back from CONDUCTED or CLOSED, so the check stays true after the
// survivor is inserted.
func (a *Application) checkOperationAcceptsSurvivors(ctx context.Context, scope domain.Scope, office, name string) error {
	_, id, _ := domain.SplitName(name, domain.CollectionOperations)
	o, err := a.operations.Get(ctx, scope, office, id)
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
	s, err := a.survivors.Get(ctx, a.Scope(ctx), office, id)
	if err != nil {
		return nil, fmt.Errorf("app.GetSurvivor: %w", err)
	}
	return s, nil
}

// ListSurvivors returns one page of survivors.
func (a *Application) ListSurvivors(ctx context.Context, q ListQuery) (domain.Page[*domain.Survivor], error) {
	p, err := a.survivors.List(ctx, a.domainQuery(ctx, q))
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
	s, err := a.survivors.Update(ctx, a.Scope(ctx), cmd.Office, cmd.ID, func(s *domain.Survivor) (*domain.Survivor, error) {
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

// CheckEraseSurvivorIdentity validates an erasure's caller-supplied input
// (the reason is required) without touching storage.
func (a *Application) CheckEraseSurvivorIdentity(t Transition) error {
	return domain.ValidateErasure(domain.Change{Reason: t.Reason}).Err()
}

// EraseSurvivorIdentity erases a survivor's protected identity, keeping the
// pseudonym and every count. A retry of an erasure that already applied
// returns the survivor as it is; erasing an erased survivor otherwise fails
// with FAILED_PRECONDITION reason ALREADY_ERASED.
func (a *Application) EraseSurvivorIdentity(ctx context.Context, t Transition) (*domain.Survivor, error) {
	if err := a.CheckEraseSurvivorIdentity(t); err != nil {
		return nil, fmt.Errorf("app.EraseSurvivorIdentity: %w", err)
	}
	scope := a.Scope(ctx)
	if t.Retry {
		s, err := a.survivors.Get(ctx, scope, t.Office, t.ID)
		if err != nil {
			return nil, fmt.Errorf("app.EraseSurvivorIdentity: %w", err)
		}
		if s.ErasedBy(t.RequestID) {
			return s, nil
		}
	}
	s, err := a.survivors.Update(ctx, scope, t.Office, t.ID, func(s *domain.Survivor) (*domain.Survivor, error) {
		if err := domain.CheckEtag("survivor", s.Name(), s.Meta, t.Etag); err != nil {
			return nil, err
		}
		if err := s.EraseIdentity(t.change(ctx, a.clock.Now())); err != nil {
			return nil, err
		}
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("app.EraseSurvivorIdentity: %w", err)
	}
	return s, nil
}

// MaxDuplicates bounds the answer of FindSurvivorDuplicates.
const MaxDuplicates = 100

// FindSurvivorDuplicates returns, by name and pseudonym only, the survivors
// of the caller's offices who may be the same person as the named one: the
// same legal name and date of birth once normalised, compared by keyed hash.
// The named survivor must be in the caller's scope.
func (a *Application) FindSurvivorDuplicates(ctx context.Context, office, id string) ([]domain.SurvivorRef, error) {
	refs, err := a.survivors.FindDuplicates(ctx, a.Scope(ctx), office, id, MaxDuplicates)
	if err != nil {
		return nil, fmt.Errorf("app.FindSurvivorDuplicates: %w", err)
	}
	return refs, nil
}
