package app

import (
	"context"

	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// CreateHearing records a hearing of a case.
type CreateHearing struct {
	// Office and CaseID name the case.
	Office, CaseID string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Fields are the caller's values.
	Fields domain.HearingFields
}

// CheckCreateHearing validates the input without touching storage.
func (a *Application) CheckCreateHearing(cmd CreateHearing) error {
	return cmd.Fields.Validate("hearing").Err()
}

// CreateHearing creates a hearing of a case of the caller's offices
// (NOT_FOUND CASE_NOT_FOUND otherwise).
func (a *Application) CreateHearing(ctx context.Context, cmd CreateHearing) (*domain.Hearing, error) {
	if err := a.CheckCreateHearing(cmd); err != nil {
		return nil, wrap("CreateHearing", err)
	}
	scope := a.Scope(ctx)
	h, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Hearing, error) {
			return a.hearings.Get(ctx, scope, cmd.Office, cmd.CaseID, cmd.ID)
		},
		func() (*domain.Hearing, error) {
			if _, err := a.caseOf(ctx, scope, cmd.Office, cmd.CaseID); err != nil {
				return nil, err
			}
			return domain.NewHearing(cmd.ID, cmd.Office, cmd.CaseID, cmd.Fields, usecase.Actor(ctx), a.clock.Now())
		},
		a.hearings.Create)
	return h, wrap("CreateHearing", err)
}

// GetHearing returns a hearing of a case.
func (a *Application) GetHearing(ctx context.Context, office, caseID, id string) (*domain.Hearing, error) {
	h, err := a.hearings.Get(ctx, a.Scope(ctx), office, caseID, id)
	return h, wrap("GetHearing", err)
}

// ListHearings returns one page of the hearings of a case, which must be of
// the caller's offices (NOT_FOUND CASE_NOT_FOUND otherwise).
func (a *Application) ListHearings(ctx context.Context, office, caseID string, q ListQuery) (domain.Page[*domain.Hearing], error) {
	rq := a.recordQuery(ctx, q)
	if _, err := a.caseOf(ctx, rq.Scope, office, caseID); err != nil {
		return domain.Page[*domain.Hearing]{}, wrap("ListHearings", err)
	}
	p, err := a.hearings.List(ctx, office, caseID, rq)
	return p, wrap("ListHearings", err)
}

// UpdateHearing changes the named fields of a hearing.
type UpdateHearing struct {
	Target
	// Fields are the fields to change (the update mask).
	Fields []domain.HearingField
	// Values holds the new values of those fields.
	Values domain.HearingFields
}

// UpdateHearing applies an update (domain.Hearing.Update).
func (a *Application) UpdateHearing(ctx context.Context, cmd UpdateHearing) (*domain.Hearing, error) {
	h, err := edit(child(ctx, a.Scope(ctx), a.hearings, cmd.Target), hearingKind, cmd.Etag, func(h *domain.Hearing) error {
		return h.Update(cmd.Fields, cmd.Values, usecase.Actor(ctx), a.clock.Now())
	})
	return h, wrap("UpdateHearing", err)
}

// DeleteHearing deletes a hearing (one entered by mistake); t.Etag, when
// set, must match its current etag.
func (a *Application) DeleteHearing(ctx context.Context, t Target) error {
	scope := a.Scope(ctx)
	h, err := a.hearings.Get(ctx, scope, t.Office, t.CaseID, t.ID)
	if err != nil {
		return wrap("DeleteHearing", err)
	}
	if err := hearingKind.checkEtag(h, t.Etag); err != nil {
		return wrap("DeleteHearing", err)
	}
	return wrap("DeleteHearing", a.hearings.Delete(ctx, scope, t.Office, t.CaseID, t.ID, h.Version))
}

// CalendarQuery asks for one page of an office's hearing calendar.
type CalendarQuery struct {
	// Office is the office code.
	Office string
	// Start and End are the first and last day, inclusive.
	Start, End domain.Date
	// PageSize and PageToken page through it.
	PageSize  int32
	PageToken string
}

// CheckQueryHearingCalendar validates the range without touching storage
// (domain.ValidateCalendarRange).
func (a *Application) CheckQueryHearingCalendar(q CalendarQuery) error {
	return domain.ValidateCalendarRange(q.Start, q.End)
}

// QueryHearingCalendar returns one page of the hearings of every case of
// an office of the caller whose date lies in the range, ordered by date,
// then by name. An office outside the caller's scope has an empty calendar.
func (a *Application) QueryHearingCalendar(ctx context.Context, q CalendarQuery) (domain.Page[*domain.Hearing], error) {
	if err := a.CheckQueryHearingCalendar(q); err != nil {
		return domain.Page[*domain.Hearing]{}, wrap("QueryHearingCalendar", err)
	}
	p, err := a.hearings.Calendar(ctx, domain.CalendarQuery{
		Scope: a.Scope(ctx), Office: q.Office, Start: q.Start, End: q.End, PageSize: q.PageSize, PageToken: q.PageToken,
	})
	return p, wrap("QueryHearingCalendar", err)
}
