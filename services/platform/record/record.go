// Package record holds what every service's records share: resource names
// (offices/{office}/{collection}/{id}), the bookkeeping Meta with its etag,
// the office Scope every read is filtered by, list queries and pages,
// lifecycles (state machines with an audit trail) and the validation
// helpers that make precise, field-naming errors. Services alias these types
// in their own domain packages.
package record

import (
	"strconv"
	"strings"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
)

// ClockSkew is how far in the future a caller-supplied time (a rescue time,
// a hearing date, a production time) may lie before it is rejected as "in the
// future". Field devices' clocks drift; a few minutes of tolerance keeps a
// record made "now" on a phone from being refused.
const ClockSkew = 2 * time.Minute

// Name formats the resource name of a record: offices/{office}/{collection}/{id}.
func Name(office, collection, id string) string {
	return "offices/" + office + "/" + collection + "/" + id
}

// SplitName splits a resource name of the given collection into its office
// and id. It only splits; callers validate names at the API edge.
func SplitName(name, collection string) (office, id string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) != 4 || parts[0] != "offices" || parts[2] != collection || parts[1] == "" || parts[3] == "" {
		return "", "", false
	}
	return parts[1], parts[3], true
}

// Meta is the bookkeeping every record carries: identity, audit fields and the
// version used for optimistic concurrency.
type Meta struct {
	// ID is the record's id within its office and collection.
	ID string
	// Office is the code of the office that owns the record.
	Office string
	// CreateTime is when the record was created.
	CreateTime time.Time
	// UpdateTime is when the record last changed.
	UpdateTime time.Time
	// CreatedBy is the subject of the caller who created the record.
	CreatedBy string
	// UpdatedBy is the subject of the caller who last changed the record.
	UpdatedBy string
	// Version starts at 1 and grows by one with every stored change. The
	// repository only stores a change made to the version it loaded.
	Version int64
}

// Etag is the opaque version tag callers send back for optimistic
// concurrency (AIP-154). It derives from Version.
func (m Meta) Etag() string {
	return strconv.FormatInt(m.Version, 10)
}

// NewMeta is the Meta of a record created now by actor: version 1.
func NewMeta(id, office, actor string, now time.Time) Meta {
	now = Timestamp(now)
	return Meta{ID: id, Office: office, CreateTime: now, UpdateTime: now, CreatedBy: actor, UpdatedBy: actor, Version: 1}
}

// Touch records a change made by actor at now.
func (m *Meta) Touch(actor string, now time.Time) {
	m.UpdateTime = Timestamp(now)
	m.UpdatedBy = actor
}

// Timestamp normalises a time to what the store keeps: UTC, millisecond
// precision. Every time a record holds passes through it, so a record read
// back equals the record written.
func Timestamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Millisecond).UTC()
}

// CheckEtag fails with ABORTED reason ETAG_MISMATCH unless expected is empty
// (no check asked for) or equals the record's current etag.
func CheckEtag(kind, name string, m Meta, expected string) error {
	if expected == "" || expected == m.Etag() {
		return nil
	}
	return errs.Aborted("ETAG_MISMATCH",
		"%s %s has changed since the given etag was read; get it again and retry with its current etag", kind, name)
}

// ConcurrentModification is the error a repository returns when the record
// changed between load and store (another request won the race).
func ConcurrentModification(kind, name string) error {
	return errs.Aborted("ETAG_MISMATCH",
		"%s %s was changed by another request at the same time; get it again and retry", kind, name)
}

// NotFound is the error for a record that does not exist in the office named.
// It reads the same whether the record is absent or belongs to another office.
func NotFound(kind, name string) error {
	return errs.NotFound(strings.ToUpper(kind)+"_NOT_FOUND", "%s %q does not exist", kind, name)
}

// AlreadyExists is the error for a create whose id is already taken.
func AlreadyExists(kind, name string) error {
	return errs.AlreadyExists(strings.ToUpper(kind)+"_ALREADY_EXISTS", "%s %q already exists", kind, name)
}
