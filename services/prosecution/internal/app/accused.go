package app

import (
	"context"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// CreateAccused records a person accused in a case.
type CreateAccused struct {
	// Office and CaseID name the case.
	Office, CaseID string
	// ID is the id reserved for the new record (the same on every retry).
	ID string
	// Retry is true when an earlier attempt may have created it.
	Retry bool
	// Fields are the caller's values.
	Fields domain.AccusedFields
}

// CheckCreateAccused validates the input without touching storage.
func (a *Application) CheckCreateAccused(cmd CreateAccused) error {
	return cmd.Fields.Validate("accused").Err()
}

// CreateAccused creates an accused, AT_LARGE, in a case of the caller's
// offices (NOT_FOUND CASE_NOT_FOUND otherwise).
func (a *Application) CreateAccused(ctx context.Context, cmd CreateAccused) (*domain.Accused, error) {
	if err := a.CheckCreateAccused(cmd); err != nil {
		return nil, wrap("CreateAccused", err)
	}
	scope := a.Scope(ctx)
	acc, err := usecase.CreateOnce(ctx, scope, cmd.Office, cmd.Retry,
		func(ctx context.Context) (*domain.Accused, error) {
			return a.accused.Get(ctx, scope, cmd.Office, cmd.CaseID, cmd.ID)
		},
		func() (*domain.Accused, error) {
			if _, err := a.caseOf(ctx, scope, cmd.Office, cmd.CaseID); err != nil {
				return nil, err
			}
			return domain.NewAccused(cmd.ID, cmd.Office, cmd.CaseID, cmd.Fields, usecase.Actor(ctx), a.clock.Now())
		},
		a.accused.Create)
	return acc, wrap("CreateAccused", err)
}

// GetAccused returns an accused of a case.
func (a *Application) GetAccused(ctx context.Context, office, caseID, id string) (*domain.Accused, error) {
	acc, err := a.accused.Get(ctx, a.Scope(ctx), office, caseID, id)
	return acc, wrap("GetAccused", err)
}

// ListAccused returns one page of the accused of a case, which must be of
// the caller's offices (NOT_FOUND CASE_NOT_FOUND otherwise).
func (a *Application) ListAccused(ctx context.Context, office, caseID string, q ListQuery) (domain.Page[*domain.Accused], error) {
	rq := a.recordQuery(ctx, q)
	if _, err := a.caseOf(ctx, rq.Scope, office, caseID); err != nil {
		return domain.Page[*domain.Accused]{}, wrap("ListAccused", err)
	}
	p, err := a.accused.List(ctx, office, caseID, rq)
	return p, wrap("ListAccused", err)
}

// UpdateAccused changes the named fields of an accused.
type UpdateAccused struct {
	Target
	// Fields are the fields to change (the update mask).
	Fields []domain.AccusedField
	// Values holds the new values of those fields.
	Values domain.AccusedFields
}

// UpdateAccused applies an update (domain.Accused.Update).
func (a *Application) UpdateAccused(ctx context.Context, cmd UpdateAccused) (*domain.Accused, error) {
	acc, err := edit(child(ctx, a.Scope(ctx), a.accused, cmd.Target), accusedKind, cmd.Etag, func(acc *domain.Accused) error {
		return acc.Update(cmd.Fields, cmd.Values, usecase.Actor(ctx), a.clock.Now())
	})
	return acc, wrap("UpdateAccused", err)
}

// ChangeCustody moves an accused to another custody.
type ChangeCustody struct {
	Target
	// Custody is the new custody.
	Custody domain.Custody
	// EffectiveDate is the day the change took effect.
	EffectiveDate domain.Date
	// Note is the caller's note.
	Note string
}

// CheckChangeCustody validates a custody change's input without touching
// storage: a custody, a note within its limit, an effective date not after
// the office's today.
func (a *Application) CheckChangeCustody(cmd ChangeCustody) error {
	var v errs.Violations
	record.CheckEnum(&v, "custody", cmd.Custody, domain.CustodyStates)
	record.CheckMaxLen(&v, "note", cmd.Note, domain.MaxChangeNoteLength, true)
	checkDay(&v, "effective_date", cmd.EffectiveDate, a.Today(cmd.Office))
	return v.Err()
}

// ChangeAccusedCustody records a custody change (domain.Accused.ChangeCustody).
// A retry of a change already recorded returns the accused as it is.
func (a *Application) ChangeAccusedCustody(ctx context.Context, cmd ChangeCustody) (*domain.Accused, error) {
	if err := a.CheckChangeCustody(cmd); err != nil {
		return nil, wrap("ChangeAccusedCustody", err)
	}
	acc, err := a.moveAccused(ctx, cmd.Target, func(acc *domain.Accused) error {
		return acc.ChangeCustody(cmd.Custody, cmd.EffectiveDate, cmd.Note, a.change(ctx, cmd.Target, ""), a.zones(cmd.Office))
	})
	return acc, wrap("ChangeAccusedCustody", err)
}

// RecordBail records a bail application or order.
type RecordBail struct {
	Target
	// Event is the caller's bail event.
	Event domain.BailEvent
}

// CheckRecordBailEvent validates a bail event's fields without touching storage.
func (a *Application) CheckRecordBailEvent(cmd RecordBail) error {
	return cmd.Event.Validate("event", a.Today(cmd.Office)).Err()
}

// RecordBailEvent records a bail event (domain.Accused.RecordBailEvent).
// A retry of an event already recorded returns the accused as it is.
func (a *Application) RecordBailEvent(ctx context.Context, cmd RecordBail) (*domain.Accused, error) {
	if err := a.CheckRecordBailEvent(cmd); err != nil {
		return nil, wrap("RecordBailEvent", err)
	}
	acc, err := a.moveAccused(ctx, cmd.Target, func(acc *domain.Accused) error {
		return acc.RecordBailEvent(cmd.Event, a.change(ctx, cmd.Target, ""), a.zones(cmd.Office))
	})
	return acc, wrap("RecordBailEvent", err)
}

// RecordVerdict records the court's verdict on an accused.
type RecordVerdict struct {
	Target
	// Verdict is the verdict.
	Verdict domain.Verdict
	// Date is the verdict's date.
	Date domain.Date
	// Sentence is the sentence, for a conviction; nil while pending.
	Sentence *domain.Sentence
}

// CheckRecordVerdict validates a verdict's input without touching storage:
// a verdict and a date not after the office's today, and a sentence only
// with CONVICTED.
func (a *Application) CheckRecordVerdict(cmd RecordVerdict) error {
	var v errs.Violations
	record.CheckEnum(&v, "verdict", cmd.Verdict, domain.Verdicts)
	checkDay(&v, "verdict_date", cmd.Date, a.Today(cmd.Office))
	if cmd.Sentence != nil && cmd.Verdict != "" && cmd.Verdict != domain.VerdictConvicted {
		v.Add("sentence", "may be given only with verdict CONVICTED; got verdict %s", cmd.Verdict)
	}
	return v.Err()
}

// RecordVerdict records the verdict (domain.Accused.RecordVerdict), once,
// while the case's stage admits it (domain.Case.CheckVerdictAllowed). For
// an accused already CONVICTED without a sentence, a call with CONVICTED
// and a sentence records the sentence (domain.Accused.RecordSentence),
// keeping the verdict as first recorded. A retry of a verdict or sentence
// already recorded returns the accused as it is.
func (a *Application) RecordVerdict(ctx context.Context, cmd RecordVerdict) (*domain.Accused, error) {
	if err := a.CheckRecordVerdict(cmd); err != nil {
		return nil, wrap("RecordVerdict", err)
	}
	scope := a.Scope(ctx)
	acc, err := a.moveAccused(ctx, cmd.Target, func(acc *domain.Accused) error {
		ch := a.change(ctx, cmd.Target, "")
		tz := a.zones(cmd.Office)
		if acc.Verdict == domain.VerdictConvicted && acc.Sentence == nil && cmd.Verdict == domain.VerdictConvicted && cmd.Sentence != nil {
			return acc.RecordSentence(*cmd.Sentence, ch, tz)
		}
		if acc.Verdict == "" {
			c, err := a.caseOf(ctx, scope, cmd.Office, cmd.CaseID)
			if err != nil {
				return err
			}
			if err := c.CheckVerdictAllowed(cmd.Verdict); err != nil {
				return err
			}
		}
		return acc.RecordVerdict(cmd.Verdict, cmd.Date, cmd.Sentence, ch, tz)
	})
	return acc, wrap("RecordVerdict", err)
}

// moveAccused applies a change to the target accused once (usecase.ApplyOnce).
func (a *Application) moveAccused(ctx context.Context, t Target, move func(*domain.Accused) error) (*domain.Accused, error) {
	scope := a.Scope(ctx)
	return usecase.ApplyOnce(ctx, t.Retry,
		func(ctx context.Context) (*domain.Accused, error) {
			return a.accused.Get(ctx, scope, t.Office, t.CaseID, t.ID)
		},
		func(acc *domain.Accused) bool { return acc.Applied(t.RequestID) },
		func(ctx context.Context) (*domain.Accused, error) {
			return edit(child(ctx, scope, a.accused, t), accusedKind, t.Etag, move)
		})
}
