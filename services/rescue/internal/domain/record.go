package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// The collections of the rescue service, as they appear in resource names
// (offices/{office}/{collection}/{id}).
const (
	CollectionLocations  = "locations"
	CollectionOperations = "operations"
	CollectionSurvivors  = "survivors"
)

// The record basics shared by every service (package record).
type (
	// Meta is a record's identity, audit fields and version.
	Meta = record.Meta
	// Scope is the set of offices a caller may reach.
	Scope = record.Scope
	// ListQuery asks a repository for one page of records.
	ListQuery = record.ListQuery
	// Page is one page of a list.
	Page[T any] = record.Page[T]
	// UpdateFunc changes a loaded record.
	UpdateFunc[T any] = record.UpdateFunc[T]
	// Transition is one change of a record's status.
	Transition[S ~string] = record.Transition[S]
	// Change describes who asks for a status change, when and why.
	Change = record.Change
	// lifecycle is a state machine of statuses.
	lifecycle[S ~string] = record.Lifecycle[S]
	// enumeration is a closed set of stored values.
	enumeration[E ~string] = record.Enumeration[E]
)

// ClockSkew is how far in the future a caller-supplied time may lie.
const ClockSkew = record.ClockSkew

// MaxReasonLength is the longest reason a caller may give for a transition.
const MaxReasonLength = record.MaxReasonLength

// Name formats the resource name of a record: offices/{office}/{collection}/{id}.
func Name(office, collection, id string) string { return record.Name(office, collection, id) }

// SplitName splits a resource name of the given collection into its office and id.
func SplitName(name, collection string) (office, id string, ok bool) {
	return record.SplitName(name, collection)
}

// NewScope returns the scope of the given office codes.
func NewScope(offices ...string) Scope { return record.NewScope(offices...) }

// Timestamp normalises a time to what the store keeps.
func Timestamp(t time.Time) time.Time { return record.Timestamp(t) }

// CheckEtag fails with ABORTED reason ETAG_MISMATCH unless expected is empty or current.
func CheckEtag(kind, name string, m Meta, expected string) error {
	return record.CheckEtag(kind, name, m, expected)
}

// ConcurrentModification is the error for a record changed between load and store.
func ConcurrentModification(kind, name string) error {
	return record.ConcurrentModification(kind, name)
}

// NotFound is the error for a record that does not exist in the office named.
func NotFound(kind, name string) error { return record.NotFound(kind, name) }

// AlreadyExists is the error for a create whose id is already taken.
func AlreadyExists(kind, name string) error { return record.AlreadyExists(kind, name) }

var (
	newMeta       = record.NewMeta
	checkMaxLen   = record.CheckMaxLen
	checkPast     = record.CheckPast
	checkRequired = record.CheckRequired
)

func applied[S ~string](trail []Transition[S], requestID string) bool {
	return record.Applied(trail, requestID)
}

func transition[S ~string](l lifecycle[S], name string, status *S, trail *[]Transition[S], to S, c Change) error {
	return record.Apply(l, name, status, trail, to, c)
}

func checkEnum[E ~string](v *errs.Violations, field string, x E, allowed enumeration[E]) {
	record.CheckEnum(v, field, x, allowed)
}
