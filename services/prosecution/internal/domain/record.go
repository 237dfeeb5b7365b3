package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// The collections of the prosecution service, as they appear in resource
// names. Cases sit under an office; the rest sit under a case:
// offices/{office}/cases/{case}/{collection}/{id}.
const (
	CollectionCases         = "cases"
	CollectionAccused       = "accused"
	CollectionHearings      = "hearings"
	CollectionWitnesses     = "witnesses"
	CollectionCompensations = "compensations"
)

// The rescue collections a case refers to, by resource name only.
const (
	RescueCollectionOperations = "operations"
	RescueCollectionSurvivors  = "survivors"
)

// AllCases is the case segment of a parent that means every case of the
// office (offices/{office}/cases/-), per AIP-159.
const AllCases = "-"

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
	// Change describes who asks for a change, when and why.
	Change = record.Change
	// Date is a calendar date with no time zone.
	Date = record.Date
)

// MaxReasonLength is the longest reason a caller may give for a change.
const MaxReasonLength = record.MaxReasonLength

// Name formats the resource name of a case: offices/{office}/cases/{id}.
// (It formats any offices/{office}/{collection}/{id} name.)
func Name(office, collection, id string) string { return record.Name(office, collection, id) }

// CaseName is the resource name of the case caseID of office.
func CaseName(office, caseID string) string { return Name(office, CollectionCases, caseID) }

// childName is the name of a record under a case:
// offices/{office}/cases/{case}/{collection}/{id}.
func childName(office, caseID, collection, id string) string {
	return CaseName(office, caseID) + "/" + collection + "/" + id
}

// NewScope returns the scope of the given office codes.
func NewScope(offices ...string) Scope { return record.NewScope(offices...) }

// Today is the calendar date of now in the office's time zone tz.
func Today(now time.Time, tz *time.Location) Date { return record.Today(now, tz) }

// CheckEtag fails with ABORTED reason ETAG_MISMATCH unless expected is empty or current.
func CheckEtag(kind, name string, m Meta, expected string) error {
	return record.CheckEtag(kind, name, m, expected)
}

// NotFound is the error for a record that does not exist in the office named.
func NotFound(kind, name string) error { return record.NotFound(kind, name) }

// AlreadyExists is the error for a create whose id is already taken.
func AlreadyExists(kind, name string) error { return record.AlreadyExists(kind, name) }

var (
	newMeta        = record.NewMeta
	checkRequired  = record.CheckRequired
	checkMaxLen    = record.CheckMaxLen
	checkDate      = record.CheckDate
	checkNotFuture = record.CheckNotFuture
	checkNotBefore = record.CheckNotBefore
)

type (
	lifecycle[S ~string]   = record.Lifecycle[S]
	enumeration[E ~string] = record.Enumeration[E]
)

func checkEnum[E ~string](v *errs.Violations, field string, x E, allowed enumeration[E]) {
	record.CheckEnum(v, field, x, allowed)
}

// checkPastDate checks a date the caller says has happened: required or
// optional, valid, and not after today in the office's calendar.
func checkPastDate(v *errs.Violations, field string, d Date, required bool, today Date) bool {
	return checkDate(v, field, d, required) && checkNotFuture(v, field, d, today)
}

// checkRequiredText checks a required string of at most maxLen characters.
func checkRequiredText(v *errs.Violations, field, s string, maxLen int) {
	if checkRequired(v, field, s) {
		checkMaxLen(v, field, s, maxLen, true)
	}
}

// invalidMask is the error for an update mask naming a field that cannot change.
func invalidMask(kind, field, why string) error {
	msg := kind + " field " + field + " cannot be updated"
	if why != "" {
		msg += ": " + why
	}
	return errs.InvalidArgument("INVALID_UPDATE_MASK", msg)
}

// truncate shortens s to n characters for a message, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// cloneOrNil copies a slice, keeping empty slices nil so a record read back
// from the store equals the record written.
func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return append([]T(nil), s...)
}

// Limits shared by several records, in characters.
const (
	// MaxNotesLength bounds free-text notes.
	MaxNotesLength = 4000
	// MaxChangeNoteLength bounds the note on a stage or custody change.
	MaxChangeNoteLength = 2000
	// MaxCourtLength bounds a court's name.
	MaxCourtLength = 300
	// MaxAmountINR bounds an amount in rupees (₹1,000 crore), to catch typos.
	MaxAmountINR int64 = 10_000_000_000
	// MaxHistory bounds a record's stage or custody history and its bail
	// events, so one record cannot grow without end.
	MaxHistory = 500
)

// checkHistoryRoom fails with FAILED_PRECONDITION once a history is full.
func checkHistoryRoom(kind, name, what string, n int) error {
	if n < MaxHistory {
		return nil
	}
	return errs.FailedPrecondition("HISTORY_FULL",
		"%s %s already holds %d %s, the most one record keeps", kind, name, MaxHistory, what)
}
