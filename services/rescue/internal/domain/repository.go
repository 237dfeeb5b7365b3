package domain

import (
	"context"
)

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
