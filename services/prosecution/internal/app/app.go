// Package app holds the prosecution service's use cases: the commands that
// create and change cases, their accused, hearings, victim-witnesses and
// compensation applications, move cases through their stages and accused
// through custody, and the queries that read them. Each loads what it needs
// through the domain's repository interfaces, applies the domain's rules
// and stores the result; it knows nothing of gRPC, protobuf or MongoDB.
//
// Who acts is the subject of the caller's identity, and where it may act is
// that identity's offices (usecase.Scope): every repository call carries
// the caller's scope, so a record of another office is NOT_FOUND however
// the request names it. Records under a case (accused, hearings, witnesses,
// compensations) are reached only through a case of the caller's offices.
//
// Survivors and operations belong to the rescue service. A case stores
// their resource names only. Linking one (CreateCase, LinkCaseReference) and
// creating a witness ask rescue first through the References port, and
// write nothing when rescue says the record does not exist (NOT_FOUND
// REFERENCE_NOT_FOUND) or cannot be asked (UNAVAILABLE RESCUE_UNAVAILABLE,
// with a retry delay).
//
// Dates decided by "today" (a date not in the future, a child witness's
// overdue evidence) are days of the office's calendar, in its time zone.
// Retried creates and transitions are told so by the caller (Retry), because
// an earlier attempt may already have applied.
package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// TimeZones gives the time zone of an office, in which its calendar days
// ("today") are counted.
type TimeZones func(office string) *time.Location

// Repositories are the stores the use cases work on.
type Repositories struct {
	Cases         domain.CaseRepository
	Accused       domain.AccusedRepository
	Hearings      domain.HearingRepository
	Witnesses     domain.WitnessRepository
	Compensations domain.CompensationRepository
	// Metrics holds the counters the case and accused repositories keep;
	// nil only where no metrics use case is called.
	Metrics metricsource.Repository
}

// Application is the prosecution service's use cases.
type Application struct {
	cases         domain.CaseRepository
	accused       domain.AccusedRepository
	hearings      domain.HearingRepository
	witnesses     domain.WitnessRepository
	compensations domain.CompensationRepository
	metrics       *metricsource.Metrics
	references    References
	clock         usecase.Clock
	zones         TimeZones
	offices       []string
}

// New returns the use cases over the repositories, asking references
// whether linked survivors and operations exist. offices are the codes of
// every configured office: a caller whose identity holds all offices
// reaches these, any other caller the ones it holds among them. A nil clock
// means the system clock; nil zones means UTC for every office.
func New(repos Repositories, references References, clock usecase.Clock, zones TimeZones, offices []string) *Application {
	if clock == nil {
		clock = usecase.SystemClock
	}
	if zones == nil {
		zones = func(string) *time.Location { return time.UTC }
	}
	return &Application{
		cases: repos.Cases, accused: repos.Accused, hearings: repos.Hearings, witnesses: repos.Witnesses,
		compensations: repos.Compensations, references: references, clock: clock, zones: zones,
		metrics: metricsource.NewMetrics(domain.ProvidedMetrics(), repos.Metrics, offices, clock),
		offices: slices.Clone(offices),
	}
}

// Metrics are the service's metrics use cases (its MetricsSourceService):
// the platform's metricsource.Metrics over the prosecution counters,
// providing domain.ProvidedMetrics.
func (a *Application) Metrics() *metricsource.Metrics { return a.metrics }

// Scope is the caller's office scope (usecase.Scope).
func (a *Application) Scope(ctx context.Context) domain.Scope { return usecase.Scope(ctx, a.offices) }

// Now is the application's clock reading.
func (a *Application) Now() time.Time { return a.clock.Now() }

// Today is the office's calendar date now, in its time zone.
func (a *Application) Today(office string) domain.Date {
	return domain.Today(a.clock.Now(), a.zones(office))
}

// ListQuery is what a List query asks for (usecase.ListQuery).
type ListQuery = usecase.ListQuery

func (a *Application) recordQuery(ctx context.Context, q ListQuery) domain.ListQuery {
	return q.Record(ctx, a.offices, a.clock.Now())
}

// Target names the existing record a command acts on, and carries what
// every command on one carries.
type Target struct {
	// Office and CaseID name the case.
	Office, CaseID string
	// ID names the record under the case (accused, hearing, witness,
	// compensation); empty for a command on the case itself.
	ID string
	// Etag, when set, must match the record's current etag.
	Etag string
	// RequestID is the caller's request_id, or empty.
	RequestID string
	// Retry is true when an earlier attempt under the same request_id may have applied.
	Retry bool
}

// change is who makes a change now, under the target's request_id.
func (a *Application) change(ctx context.Context, t Target, reason string) domain.Change {
	return domain.Change{Actor: usecase.Actor(ctx), Time: a.clock.Now(), Reason: reason, RequestID: t.RequestID}
}

// caseOf returns the case of a command on a record under it, within the
// caller's scope: NOT_FOUND reason CASE_NOT_FOUND for a case that does not
// exist or that the caller may not see.
func (a *Application) caseOf(ctx context.Context, scope domain.Scope, office, caseID string) (*domain.Case, error) {
	return a.cases.Get(ctx, scope, office, caseID)
}

// kind is a kind of record as the use cases change it: its name in
// messages and how to read its resource name and Meta.
type kind[T any] struct {
	name string
	tag  func(*T) (string, domain.Meta)
}

// The kinds of record of the service.
var (
	caseKind         = kind[domain.Case]{"case", func(c *domain.Case) (string, domain.Meta) { return c.Name(), c.Meta }}
	accusedKind      = kind[domain.Accused]{"accused", func(a *domain.Accused) (string, domain.Meta) { return a.Name(), a.Meta }}
	hearingKind      = kind[domain.Hearing]{"hearing", func(h *domain.Hearing) (string, domain.Meta) { return h.Name(), h.Meta }}
	witnessKind      = kind[domain.Witness]{"witness", func(w *domain.Witness) (string, domain.Meta) { return w.Name(), w.Meta }}
	compensationKind = kind[domain.Compensation]{"compensation",
		func(c *domain.Compensation) (string, domain.Meta) { return c.Name(), c.Meta }}
)

// checkEtag fails with ABORTED reason ETAG_MISMATCH unless etag is empty
// or the record's current etag.
func (k kind[T]) checkEtag(rec *T, etag string) error {
	name, meta := k.tag(rec)
	return domain.CheckEtag(k.name, name, meta, etag)
}

// updater stores a change of one record: a repository's Update bound to
// the record (load, apply the function, store if unchanged meanwhile).
type updater[T any] func(fn domain.UpdateFunc[T]) (*T, error)

// childRepository is a repository of records under a case, as edits use it.
type childRepository[T any] interface {
	Update(ctx context.Context, scope domain.Scope, office, caseID, id string, fn domain.UpdateFunc[T]) (*T, error)
}

// child is the updater of the target record of repo, within scope.
func child[T any](ctx context.Context, scope domain.Scope, repo childRepository[T], t Target) updater[T] {
	return func(fn domain.UpdateFunc[T]) (*T, error) {
		return repo.Update(ctx, scope, t.Office, t.CaseID, t.ID, fn)
	}
}

// caseUpdater is the updater of the case caseID of office, within scope.
func (a *Application) caseUpdater(ctx context.Context, scope domain.Scope, office, caseID string) updater[domain.Case] {
	return func(fn domain.UpdateFunc[domain.Case]) (*domain.Case, error) {
		return a.cases.Update(ctx, scope, office, caseID, fn)
	}
}

// edit changes a record through update: it checks first that etag, when
// given, is the record's current etag (ABORTED ETAG_MISMATCH otherwise),
// then applies change; the record is stored only if change succeeds.
func edit[T any](update updater[T], k kind[T], etag string, change func(*T) error) (*T, error) {
	return update(func(rec *T) (*T, error) {
		if err := k.checkEtag(rec, etag); err != nil {
			return nil, err
		}
		if err := change(rec); err != nil {
			return nil, err
		}
		return rec, nil
	})
}

// wrap prefixes an error with the use case's name.
func wrap(useCase string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("app.%s: %w", useCase, err)
}
