// Package usecase holds what every service's application layer (its use
// cases) does the same way: telling the time (Clock), working out which
// offices the caller reaches (Scope: the configured offices its identity
// holds), naming who acts (Actor), and creating a record exactly once when
// a create is retried under its request_id (CreateOnce).
//
// A service's app package keeps its own use cases; these are the pieces
// they are built from, so that no two services write them twice.
package usecase

import (
	"context"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/record"
)

// Clock tells the time. Production uses the system clock; tests fix it.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to Clock.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

// SystemClock is the real clock.
var SystemClock = ClockFunc(time.Now)

// Scope is the caller's office scope: of the configured offices, those its
// identity holds (all of them for an identity with AllOffices). A caller
// without an identity, or whose offices are none of the configured ones,
// has an empty scope and reaches nothing.
func Scope(ctx context.Context, configured []string) record.Scope {
	p := identity.FromContext(ctx)
	all := record.NewScope(configured...)
	if p.AllOffices {
		return all
	}
	return all.Narrow(p.Offices)
}

// HoldsEveryOffice reports whether the caller's scope is every configured
// office (and there is at least one): what a use case acting on every
// office at once, such as a recount of the metrics, asks of its caller.
func HoldsEveryOffice(ctx context.Context, configured []string) bool {
	all := record.NewScope(configured...).Offices()
	return len(all) > 0 && len(Scope(ctx, configured).Offices()) == len(all)
}

// Actor is the subject of the caller: who a change is recorded as made by.
func Actor(ctx context.Context) string { return identity.FromContext(ctx).Subject }

// CheckCreateScope fails with NOT_FOUND reason OFFICE_NOT_FOUND unless the
// caller, whose scope is scope, may create records in office. The message
// is the one an unknown office gets, so a caller learns nothing about
// offices it does not hold.
func CheckCreateScope(scope record.Scope, code string) error {
	if scope.Contains(code) {
		return nil
	}
	return errs.NotFound(office.ReasonOfficeNotFound, "office %q not found", code)
}

// CreateOnce inserts a new record in office, honouring retries. The office
// must be in scope (CheckCreateScope). On a retry (retry true: an earlier
// attempt under the same request_id may have applied), a record an earlier
// attempt already inserted under the reserved id is the result (get finds
// it), and nothing new is built or written. Otherwise build makes the
// record, checking whatever it depends on, and insert writes it; an insert
// that finds the id taken on a retry means a concurrent earlier attempt
// won, and its record is the result.
func CreateOnce[T any](ctx context.Context, scope record.Scope, office string, retry bool,
	get func(context.Context) (*T, error), build func() (*T, error), insert func(context.Context, *T) error) (*T, error) {
	if err := CheckCreateScope(scope, office); err != nil {
		return nil, err
	}
	if retry {
		existing, err := get(ctx)
		if err == nil {
			return existing, nil
		}
		if !errs.Is(err, errs.KindNotFound) {
			return nil, err
		}
	}
	rec, err := build()
	if err != nil {
		return nil, err
	}
	if err := insert(ctx, rec); err != nil {
		if retry && errs.Is(err, errs.KindAlreadyExists) {
			// A concurrent earlier attempt won the insert; its record is the result.
			return get(ctx)
		}
		return nil, err
	}
	return rec, nil
}

// ListQuery is what a List use case is asked for, as a service's gRPC port
// parsed it from the request.
type ListQuery struct {
	// Offices are the offices asked for: one office, or every office of the
	// caller for offices/-. Record narrows them to the caller's scope.
	Offices []string
	// QueryKey is the canonical parent the page token is bound to.
	QueryKey string
	// Filter, OrderBy, PageSize and PageToken are the caller's, as in AIP-132/158/160.
	Filter, OrderBy, PageToken string
	PageSize                   int32
}

// Record returns the repository query of q for the caller of ctx: the
// offices asked for narrowed to the caller's scope among configured (so a
// list never reaches another office, whatever it asks), with now for
// filters on time-dependent fields.
func (q ListQuery) Record(ctx context.Context, configured []string, now time.Time) record.ListQuery {
	return record.ListQuery{
		Scope: Scope(ctx, configured).Narrow(q.Offices), Filter: q.Filter, OrderBy: q.OrderBy, PageSize: q.PageSize,
		PageToken: q.PageToken, QueryKey: q.QueryKey, Now: now,
	}
}

// ApplyOnce applies a change to an existing record at most once under a
// retried request (AIP-155). On a retry (retry true: an earlier attempt
// under the same request_id may have applied), the record is read first
// and, if applied says the request is already recorded in it (its history
// holds the request_id), it is the result and nothing is written.
// Otherwise update makes the change (loading, checking and storing the
// record, e.g. through a repository's Update).
func ApplyOnce[T any](ctx context.Context, retry bool, get func(context.Context) (*T, error), applied func(*T) bool,
	update func(context.Context) (*T, error)) (*T, error) {
	if retry {
		rec, err := get(ctx)
		if err != nil {
			return nil, err
		}
		if applied(rec) {
			return rec, nil
		}
	}
	return update(ctx)
}
