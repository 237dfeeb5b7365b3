package docstore

import (
	"errors"
	"time"

	"github.com/justiceops/justice/services/platform/record"
)

// MetaFields are the stored form of a record's Meta, which every document
// embeds inline (`bson:",inline"`): _id, office (part of every filter),
// the audit fields and version (optimistic concurrency). Field names are
// the API's snake_case names, so filters and order_by map one to one.
type MetaFields struct {
	ID         string    `bson:"_id"`
	Office     string    `bson:"office"`
	CreateTime time.Time `bson:"create_time"`
	UpdateTime time.Time `bson:"update_time"`
	CreatedBy  string    `bson:"created_by"`
	UpdatedBy  string    `bson:"updated_by"`
	Version    int64     `bson:"version"`
}

// FromMeta is the stored form of m.
func FromMeta(m record.Meta) MetaFields {
	return MetaFields{ID: m.ID, Office: m.Office, CreateTime: m.CreateTime, UpdateTime: m.UpdateTime,
		CreatedBy: m.CreatedBy, UpdatedBy: m.UpdatedBy, Version: m.Version}
}

// ToMeta is the Meta the fields store, times in UTC.
func (f MetaFields) ToMeta() record.Meta {
	return record.Meta{ID: f.ID, Office: f.Office, CreateTime: f.CreateTime.UTC(), UpdateTime: f.UpdateTime.UTC(),
		CreatedBy: f.CreatedBy, UpdatedBy: f.UpdatedBy, Version: f.Version}
}

// TransitionDoc is the stored form of one record.Transition of a status trail.
type TransitionDoc struct {
	From      string    `bson:"from"`
	To        string    `bson:"to"`
	Actor     string    `bson:"actor"`
	Time      time.Time `bson:"time"`
	Reason    string    `bson:"reason,omitempty"`
	RequestID string    `bson:"request_id,omitempty"`
}

// FromTransitions is the stored form of a status trail (never nil, so an
// empty trail is stored as an empty array).
func FromTransitions[S ~string](ts []record.Transition[S]) []TransitionDoc {
	docs := make([]TransitionDoc, len(ts))
	for i, t := range ts {
		docs[i] = TransitionDoc{From: string(t.From), To: string(t.To), Actor: t.Actor, Time: t.Time, Reason: t.Reason, RequestID: t.RequestID}
	}
	return docs
}

// ToTransitions is the status trail docs store, times in UTC; nil when empty.
func ToTransitions[S ~string](docs []TransitionDoc) []record.Transition[S] {
	if len(docs) == 0 {
		return nil
	}
	ts := make([]record.Transition[S], len(docs))
	for i, d := range docs {
		ts[i] = record.Transition[S]{From: S(d.From), To: S(d.To), Actor: d.Actor, Time: d.Time.UTC(), Reason: d.Reason, RequestID: d.RequestID}
	}
	return ts
}

// OptionalTime is the stored form of a time that may be unset: nil for the
// zero time (store it with omitempty).
func OptionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// FromOptionalTime is the time OptionalTime stored, in UTC; zero for nil.
func FromOptionalTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// OptionalDate is the stored form of a calendar date: "YYYY-MM-DD", which
// sorts and range-filters as the dates do (a string comparison of ISO
// dates is a date comparison); "" for the zero Date (store it with
// omitempty).
func OptionalDate(d record.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.ISO()
}

// errStoredDate is FromOptionalDate's error. It does not quote the value:
// a date may be protected identity (a date of birth).
var errStoredDate = errors.New("the stored date is not a YYYY-MM-DD date")

// FromOptionalDate is the date OptionalDate stored; the zero Date for "".
func FromOptionalDate(s string) (record.Date, error) {
	if s == "" {
		return record.Date{}, nil
	}
	d, ok := record.ParseDate(s)
	if !ok {
		return record.Date{}, errStoredDate
	}
	return d, nil
}
