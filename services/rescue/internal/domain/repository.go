package domain

import (
	"context"
	"time"
)

// ListQuery asks a repository for one page of records.
type ListQuery struct {
	// Offices is the scope: the offices whose records may be returned. Never
	// empty; the repository puts it in the database filter itself.
	Offices []string
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

// LocationRepository stores locations. Every method is scoped to an office:
// a record of another office is NOT_FOUND, exactly as an absent one.
type LocationRepository interface {
	// Create inserts a new location with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, l *Location) error
	// Get returns the location, or NOT_FOUND reason LOCATION_NOT_FOUND.
	Get(ctx context.Context, office, id string) (*Location, error)
	// Update loads the location, applies fn and stores the result if nobody
	// changed the location meanwhile (else ABORTED reason ETAG_MISMATCH).
	Update(ctx context.Context, office, id string, fn UpdateFunc[Location]) (*Location, error)
	// Delete removes the location if it is still at the given version (else
	// ABORTED reason ETAG_MISMATCH; NOT_FOUND if it is gone).
	Delete(ctx context.Context, office, id string, version int64) error
	// List returns one page of locations.
	List(ctx context.Context, q ListQuery) (Page[*Location], error)
}

// OperationRepository stores operations, scoped to an office like LocationRepository.
type OperationRepository interface {
	// Create inserts a new operation with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, o *Operation) error
	// Get returns the operation, or NOT_FOUND reason OPERATION_NOT_FOUND.
	Get(ctx context.Context, office, id string) (*Operation, error)
	// Update loads the operation, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, office, id string, fn UpdateFunc[Operation]) (*Operation, error)
	// Delete removes the operation if it is still at the given version.
	Delete(ctx context.Context, office, id string, version int64) error
	// List returns one page of operations.
	List(ctx context.Context, q ListQuery) (Page[*Operation], error)
	// CountByLocation counts the operations of the office that name the location.
	CountByLocation(ctx context.Context, office, location string) (int, error)
}

// SurvivorRepository stores survivors, scoped to an office like
// LocationRepository. Survivor records are never deleted through the API.
type SurvivorRepository interface {
	// Create inserts a new survivor with its given id; a taken id is ALREADY_EXISTS.
	Create(ctx context.Context, s *Survivor) error
	// Get returns the survivor, or NOT_FOUND reason SURVIVOR_NOT_FOUND.
	Get(ctx context.Context, office, id string) (*Survivor, error)
	// Update loads the survivor, applies fn and stores the result if nobody changed it meanwhile.
	Update(ctx context.Context, office, id string, fn UpdateFunc[Survivor]) (*Survivor, error)
	// List returns one page of survivors.
	List(ctx context.Context, q ListQuery) (Page[*Survivor], error)
	// CountByOperation counts, in one query, the survivors of the given
	// offices that name each of the given operations. Operations no survivor
	// names are absent from the map.
	CountByOperation(ctx context.Context, offices, operations []string) (map[string]int, error)
}
