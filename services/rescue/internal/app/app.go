// Package app holds the rescue service's use cases: the commands that create,
// change, move through a lifecycle and delete locations, operations and
// survivors, and the queries that read them. Each loads what it needs through
// the domain's repository interfaces, applies the domain's rules and stores
// the result; it knows nothing of gRPC, protobuf or MongoDB.
//
// Who acts is the subject of the caller's identity (identity.FromContext),
// and where it may act is that identity's offices: every repository call
// carries the caller's domain.Scope, so a record of another office is
// NOT_FOUND however the request names it. When is the injected Clock.
// Retried creates and transitions are told so by the caller (Retry),
// because an earlier attempt may already have applied. The generic pieces
// (clock, scope, create-once, the metrics use cases) are the platform's
// (packages usecase and metricsource).
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Clock tells the time. Production uses the system clock; tests fix it.
type Clock = usecase.Clock

// ClockFunc adapts a function to Clock.
type ClockFunc = usecase.ClockFunc

// SystemClock is the real clock.
var SystemClock = usecase.SystemClock

// TimeZones gives the time zone of an office, in which calendar days (a
// survivor's day of rescue against a date of birth) are counted.
type TimeZones func(office string) *time.Location

// Application is the rescue service's use cases.
type Application struct {
	locations  domain.LocationRepository
	operations domain.OperationRepository
	survivors  domain.SurvivorRepository
	metrics    *metricsource.Metrics
	clock      Clock
	zones      TimeZones
	offices    []string
}

// New returns the use cases over the given repositories. metrics holds the
// counters the operation and survivor repositories keep (nil only where no
// metrics use case is called). offices are the codes of every configured
// office: a caller whose identity holds all offices reaches these, any other
// caller the ones it holds among them. A nil clock means the system clock;
// nil zones means UTC for every office.
func New(locations domain.LocationRepository, operations domain.OperationRepository, survivors domain.SurvivorRepository,
	metrics domain.MetricsRepository, clock Clock, zones TimeZones, offices []string) *Application {
	if clock == nil {
		clock = SystemClock
	}
	if zones == nil {
		zones = func(string) *time.Location { return time.UTC }
	}
	return &Application{locations: locations, operations: operations, survivors: survivors,
		metrics: metricsource.NewMetrics(domain.ProvidedMetrics(), metrics, offices, clock), clock: clock, zones: zones,
		offices: append([]string(nil), offices...)}
}

// Scope is the caller's office scope: the configured offices its identity
// holds (all of them for an identity with AllOffices). A caller without an
// identity has an empty scope and reaches nothing.
func (a *Application) Scope(ctx context.Context) domain.Scope { return usecase.Scope(ctx, a.offices) }

// Now is the application's clock reading.
func (a *Application) Now() time.Time { return a.clock.Now() }

func actor(ctx context.Context) string { return usecase.Actor(ctx) }

// ListQuery is what a List query asks for (usecase.ListQuery).
type ListQuery = usecase.ListQuery

func (a *Application) domainQuery(ctx context.Context, q ListQuery) domain.ListQuery {
	return q.Record(ctx, a.offices, a.clock.Now())
}

// Transition is what every lifecycle command carries.
type Transition struct {
	// Office and ID name the record.
	Office, ID string
	// Etag, when set, must match the record's current etag.
	Etag string
	// RequestID is the caller's request_id, or empty.
	RequestID string
	// Retry is true when an earlier attempt under the same request_id may have applied.
	Retry bool
	// Reason is why, in the caller's words.
	Reason string
}

func (t Transition) change(ctx context.Context, now time.Time) domain.Change {
	return domain.Change{Actor: actor(ctx), Time: now, Reason: t.Reason, RequestID: t.RequestID}
}

// CheckTransition validates a transition's caller-supplied input without
// touching storage, so invalid calls are refused before anything is written.
func (a *Application) CheckTransition(t Transition) error {
	return domain.Change{Reason: t.Reason}.Validate().Err()
}

// referenceNotFound is the NOT_FOUND for a reference a new record makes to a
// record that does not exist in its office; the violation names the request field.
func referenceNotFound(kind, name, office, field string) error {
	e := errs.NotFound(fmt.Sprintf("%s_NOT_FOUND", upper(kind)), "%s %q does not exist in office %s", kind, name, office)
	e.Violations = []errs.FieldViolation{{Field: field, Description: fmt.Sprintf("must name an existing %s of office %s", kind, office)}}
	return e
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
