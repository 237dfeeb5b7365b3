package record

import "time"

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
