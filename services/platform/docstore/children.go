package docstore

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/resname"
)

// AllParents is the parent id of a Children.List that lists the records
// under every parent of the office (AIP-159: offices/{office}/cases/-).
const AllParents = "-"

// Parent describes where the records of a child collection sit: under a
// record of another collection, named
// offices/{office}/{Collection}/{parent}/{Mapping.Collection}/{id}.
type Parent[T any] struct {
	// Collection is the parent's collection in resource names, e.g. "cases".
	Collection string
	// Field is the document field that stores the parent's id, e.g.
	// "case_id". Every read by name matches it.
	Field string
	// ID returns the id of a record's parent. It never changes: an update
	// that moves a record to another parent fails.
	ID func(*T) string
}

// Children stores records that sit under a parent record of the same
// office (a case's hearings, say), one document each, with everything a
// Collection does. A child is read by its office, its parent's id and its
// id: a record asked for under another parent is NOT_FOUND exactly like an
// absent one, and errors name it by its full resource name
// (offices/{office}/cases/{case}/hearings/{id}). Its id is still its
// document's _id, unique in the collection.
type Children[T, D any] struct {
	c *Collection[T, D]
}

// NewChildren returns the Children of m's records stored in coll under
// parents described by p; codec signs and checks their lists' page tokens.
func NewChildren[T, D any](coll *mongo.Collection, codec *pagination.Codec, m Mapping[T, D], p Parent[T]) *Children[T, D] {
	c := New(coll, codec, m)
	c.parent = &p
	return &Children[T, D]{c: c}
}

// Collection returns the underlying Collection, for what concerns every
// record alike: Track, Mongo, Count, CountBy, Find, ScopeFilter and
// ListWhere; GetMany reads records by id whatever their parent. Its
// methods by name (Get, Update, Delete, FindOne) know no parent and match
// no child, and its Name is not a child's name: use the Children's.
func (c *Children[T, D]) Collection() *Collection[T, D] { return c.c }

// Name is the resource name of the record office/parent/id.
func (c *Children[T, D]) Name(office, parent, id string) string {
	return c.c.name(ref{office: office, parent: parent, id: id})
}

// Create inserts a new record under its parent (Parent.ID), with its given
// id and office; a taken id is ALREADY_EXISTS. The caller checks first that
// the office is in the caller's scope and that the parent exists.
func (c *Children[T, D]) Create(ctx context.Context, rec *T) error { return c.c.Create(ctx, rec) }

// Get returns the record id under parent of office if scope holds the
// office, else (and if it is absent, under another parent or being
// deleted) NOT_FOUND with the same message.
func (c *Children[T, D]) Get(ctx context.Context, scope record.Scope, office, parent, id string) (*T, error) {
	return c.c.get(ctx, scope, ref{office: office, parent: parent, id: id})
}

// Update is Collection.Update for the record id under parent of office.
func (c *Children[T, D]) Update(ctx context.Context, scope record.Scope, office, parent, id string, fn record.UpdateFunc[T]) (*T, error) {
	return c.c.update(ctx, scope, ref{office: office, parent: parent, id: id}, fn)
}

// Delete is Collection.Delete for the record id under parent of office.
func (c *Children[T, D]) Delete(ctx context.Context, scope record.Scope, office, parent, id string, version int64) error {
	return c.c.wrap("Delete", c.c.delete(ctx, scope, ref{office: office, parent: parent, id: id}, version))
}

// List returns one page of the records under parent (every parent for
// AllParents) of office (every office of q.Scope for resname.AllOffices),
// within q.Scope, as Mapping.List allows.
func (c *Children[T, D]) List(ctx context.Context, office, parent string, q record.ListQuery) (record.Page[*T], error) {
	return c.ListWithSpec(ctx, office, parent, q, c.c.spec(q))
}

// ListWithSpec is List with spec in place of Mapping.List's: for a list
// whose spec must read the database first (a filter on a field derived
// from other records).
func (c *Children[T, D]) ListWithSpec(ctx context.Context, office, parent string, q record.ListQuery, spec listing.Spec) (record.Page[*T], error) {
	if office != resname.AllOffices {
		q.Scope = q.Scope.Narrow([]string{office})
	}
	var where bson.D
	if parent != AllParents {
		where = bson.D{{Key: c.c.parent.Field, Value: parent}}
	}
	return c.c.ListWhere(ctx, q, where, spec)
}
