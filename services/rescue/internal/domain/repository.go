package domain

import (
	"context"
	"time"
)

// ListQuery asks a repository for one page of records.
type ListQuery struct {
	// Scope is the offices whose records may be returned; the repository puts
	// it in the database filter itself. An empty scope returns nothing.
	Scope Scope
	// Filter is an AIP-160 filter over the collection's filterable fields.
	Filter string
	// OrderBy is an AIP-132 order_by over the collection's sortable fields.
	OrderBy string
	// PageSize is the caller's page_size (0 means the default).
	PageSize int32
	// PageToken continues a previous page of the same query.
	PageToken string
	// QueryKey describes the query's parent canonically; page tokens are bound to it.
	QueryKey string
	// Now is the server time, for filters on time-dependent derived fields
	// (a survivor's CWC production becomes OVERDUE as time passes).
	Now time.Time
}

// Page is one page of a list.
type Page[T any] struct {
	// Items are the records on this page.
	Items []T
	// NextPageToken continues the list; empty on the last page.
	NextPageToken string
}

// UpdateFunc changes a loaded record. It receives a copy and returns the
// record to store, or an error to store nothing. The repository stores the
// result only if the record is still at the version it loaded, so a change
// is always made to the record the function saw.
type UpdateFunc[T any] func(current *T) (*T, error)

// LocationRepository stores locations. Every method that reads takes the
// caller's Scope and puts it into the database filter: a record of an office
// outside the scope is NOT_FOUND, exactly as an absent one, with the same
// message. Create writes the record's own office; the use case checks first
// that the office is in the caller's scope.
type LocationRepository interface {
	// Create inserts a new location with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, l *Location) error
	// Get returns the location, or NOT_FOUND reason LOCATION_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, id string) (*Location, error)
	// Update loads the location, applies fn and stores the result if nobody
	// changed the location meanwhile (else ABORTED reason ETAG_MISMATCH).
	Update(ctx context.Context, scope Scope, office, id string, fn UpdateFunc[Location]) (*Location, error)
	// Delete removes the location if it is still at the given version (else
	// ABORTED reason ETAG_MISMATCH; NOT_FOUND if it is gone).
	Delete(ctx context.Context, scope Scope, office, id string, version int64) error
	// List returns one page of locations of q.Scope.
	List(ctx context.Context, q ListQuery) (Page[*Location], error)
}

// OperationRepository stores operations, scoped like LocationRepository.
type OperationRepository interface {
	// Create inserts a new operation with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, o *Operation) error
	// Get returns the operation, or NOT_FOUND reason OPERATION_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, id string) (*Operation, error)
	// Update loads the operation, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, scope Scope, office, id string, fn UpdateFunc[Operation]) (*Operation, error)
	// Delete removes the operation if it is still at the given version.
	Delete(ctx context.Context, scope Scope, office, id string, version int64) error
	// List returns one page of operations of q.Scope.
	List(ctx context.Context, q ListQuery) (Page[*Operation], error)
	// CountByLocation counts the operations of the office (if in scope) that name the location.
	CountByLocation(ctx context.Context, scope Scope, office, location string) (int, error)
}

// SurvivorRepository stores survivors, scoped like LocationRepository.
// Survivor records are never deleted through the API. The repository keeps
// the protected identity (SurvivorIdentityFields) encrypted at rest and
// indexes the legal name with the date of birth by keyed hash only.
type SurvivorRepository interface {
	// Create inserts a new survivor with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, s *Survivor) error
	// Get returns the survivor, or NOT_FOUND reason SURVIVOR_NOT_FOUND.
	Get(ctx context.Context, scope Scope, office, id string) (*Survivor, error)
	// Update loads the survivor, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, scope Scope, office, id string, fn UpdateFunc[Survivor]) (*Survivor, error)
	// List returns one page of survivors of q.Scope.
	List(ctx context.Context, q ListQuery) (Page[*Survivor], error)
	// CountByOperation counts, in one query, the survivors of the scope that
	// name each of the given operations. Operations no survivor names are
	// absent from the map.
	CountByOperation(ctx context.Context, scope Scope, operations []string) (map[string]int, error)
	// FindDuplicates returns, by reference only, at most limit survivors of
	// the scope other than the named one whose legal name and date of birth
	// equal its own once normalised (SurvivorFields.IdentityKey), compared
	// by keyed hash. The named survivor must be in scope (else NOT_FOUND);
	// without a legal name and a date of birth there is nothing to compare
	// and the answer is empty.
	FindDuplicates(ctx context.Context, scope Scope, office, id string, limit int) ([]SurvivorRef, error)
}

// SurvivorRef names a survivor without identity: the answer of a duplicate search.
type SurvivorRef struct {
	// Office and ID name the survivor.
	Office, ID string
	// Pseudonym is the survivor's pseudonym.
	Pseudonym string
}

// Name is the survivor's resource name.
func (r SurvivorRef) Name() string { return Name(r.Office, CollectionSurvivors, r.ID) }
