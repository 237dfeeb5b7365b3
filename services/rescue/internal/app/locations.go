package app

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// CreateLocation creates a location in an office.
type CreateLocation struct {
	// Office is the owning office.
	Office string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Fields are the caller's values.
	Fields domain.LocationFields
}

// CheckCreateLocation validates the input without touching storage.
func (a *Application) CheckCreateLocation(cmd CreateLocation) error {
	return cmd.Fields.Validate("location").Err()
}

// CreateLocation creates a SUSPECTED location.
func (a *Application) CreateLocation(ctx context.Context, cmd CreateLocation) (*domain.Location, error) {
	scope := a.Scope(ctx)
	l, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Location, error) {
			return a.locations.Get(ctx, scope, cmd.Office, cmd.ID)
		},
		func() (*domain.Location, error) {
			return domain.NewLocation(cmd.ID, cmd.Office, cmd.Fields, actor(ctx), a.clock.Now())
		},
		a.locations.Create)
	if err != nil {
		return nil, fmt.Errorf("app.CreateLocation: %w", err)
	}
	return l, nil
}

// GetLocation returns a location of an office.
func (a *Application) GetLocation(ctx context.Context, office, id string) (*domain.Location, error) {
	l, err := a.locations.Get(ctx, a.Scope(ctx), office, id)
	if err != nil {
		return nil, fmt.Errorf("app.GetLocation: %w", err)
	}
	return l, nil
}

// ListLocations returns one page of locations.
func (a *Application) ListLocations(ctx context.Context, q ListQuery) (domain.Page[*domain.Location], error) {
	p, err := a.locations.List(ctx, a.domainQuery(ctx, q))
	if err != nil {
		return p, fmt.Errorf("app.ListLocations: %w", err)
	}
	return p, nil
}

// UpdateLocation changes the named fields of a location.
type UpdateLocation struct {
	// Office and ID name the location.
	Office, ID string
	// Etag, when set, must match the current etag.
	Etag string
	// Fields are the fields to change (the update mask).
	Fields []domain.LocationField
	// Values holds the new values of those fields.
	Values domain.LocationFields
}

// UpdateLocation applies an update.
func (a *Application) UpdateLocation(ctx context.Context, cmd UpdateLocation) (*domain.Location, error) {
	l, err := a.locations.Update(ctx, a.Scope(ctx), cmd.Office, cmd.ID, func(l *domain.Location) (*domain.Location, error) {
		if err := domain.CheckEtag("location", l.Name(), l.Meta, cmd.Etag); err != nil {
			return nil, err
		}
		if err := l.Update(cmd.Fields, cmd.Values, actor(ctx), a.clock.Now()); err != nil {
			return nil, err
		}
		return l, nil
	})
	if err != nil {
		return nil, fmt.Errorf("app.UpdateLocation: %w", err)
	}
	return l, nil
}

// TransitionLocation moves a location to status `to`. A retry of a
// transition that already applied returns the location as it is.
func (a *Application) TransitionLocation(ctx context.Context, t Transition, to domain.LocationStatus) (*domain.Location, error) {
	scope := a.Scope(ctx)
	if t.Retry {
		l, err := a.locations.Get(ctx, scope, t.Office, t.ID)
		if err != nil {
			return nil, fmt.Errorf("app.TransitionLocation: %w", err)
		}
		if l.Applied(t.RequestID) {
			return l, nil
		}
	}
	l, err := a.locations.Update(ctx, scope, t.Office, t.ID, func(l *domain.Location) (*domain.Location, error) {
		if err := domain.CheckEtag("location", l.Name(), l.Meta, t.Etag); err != nil {
			return nil, err
		}
		if err := l.Transition(to, t.change(ctx, a.clock.Now())); err != nil {
			return nil, err
		}
		return l, nil
	})
	if err != nil {
		return nil, fmt.Errorf("app.TransitionLocation: %w", err)
	}
	return l, nil
}

// DeleteLocation deletes a location that is SUSPECTED or DISMISSED and that no
// operation names. etag, when set, must match the current etag.
//
// Why this cannot orphan an operation without transactions: an operation is
// only created at a CONFIRMED or RAIDED location, and CreateOperation checks
// again, after inserting, that the location still exists and is not deletable
// by status. The delete here only succeeds at the version it loaded, whose
// status is deletable; so either it counts the new operation, or the create
// sees the location change and withdraws its operation.
func (a *Application) DeleteLocation(ctx context.Context, office, id, etag string) error {
	scope := a.Scope(ctx)
	l, err := a.locations.Get(ctx, scope, office, id)
	if err != nil {
		return fmt.Errorf("app.DeleteLocation: %w", err)
	}
	if err := domain.CheckEtag("location", l.Name(), l.Meta, etag); err != nil {
		return fmt.Errorf("app.DeleteLocation: %w", err)
	}
	if err := l.CheckDeletable(); err != nil {
		return fmt.Errorf("app.DeleteLocation: %w", err)
	}
	n, err := a.operations.CountByLocation(ctx, scope, office, l.Name())
	if err != nil {
		return fmt.Errorf("app.DeleteLocation: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("app.DeleteLocation: %w", errs.FailedPrecondition("LOCATION_IN_USE",
			"location %s is named by %d operation(s); a location with operations cannot be deleted", l.Name(), n))
	}
	if err := a.locations.Delete(ctx, scope, office, id, l.Version); err != nil {
		return fmt.Errorf("app.DeleteLocation: %w", err)
	}
	return nil
}
