package docstore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/record"
)

// UpdateAttempts is how often Update re-reads and re-applies a change that
// lost a race. The update function sees the fresh record each time, so an
// etag check or a lifecycle rule in it is judged against what is stored.
const UpdateAttempts = 3

// Mapping tells a Collection how a domain record T and its document D
// relate. The conversions may fail (a record's protected fields may be
// encrypted and decrypted on the way); their errors must never carry field
// values.
type Mapping[T, D any] struct {
	// Kind names a record in messages and error reasons, e.g. "location"
	// (NOT_FOUND reason LOCATION_NOT_FOUND).
	Kind string
	// Collection is the record's collection in resource names
	// (offices/{office}/{collection}/{id}), e.g. "locations".
	Collection string
	// ToDoc converts a record to its document.
	ToDoc func(*T) (*D, error)
	// FromDoc converts a stored document to its record.
	FromDoc func(*D) (*T, error)
	// Meta returns a pointer to the record's Meta, which the Collection
	// reads (id, office, version) and sets (the version of an update).
	Meta func(*T) *record.Meta
	// List gives what List allows for a query: the filterable fields, the
	// order_by fields and the default order (the query's Now is there for
	// filters on time-dependent fields). Nil allows no filter and orders
	// by _id.
	List func(record.ListQuery) listing.Spec
	// Repository names the repository in the messages of unexpected
	// errors, e.g. "mongodb.LocationRepository": Get then fails with
	// "mongodb.LocationRepository.Get: find location: ...". Empty means
	// "docstore." followed by Collection. Typed errors (package errs) stay
	// findable by errs.As.
	Repository string
}

// Infallible adapts a conversion that cannot fail to a Mapping's.
func Infallible[A, B any](f func(*A) *B) func(*A) (*B, error) {
	return func(a *A) (*B, error) { return f(a), nil }
}

// Collection stores the records of one kind, one document each, with
// the office scope in every filter, optimistic concurrency and, when
// tracked, the metric counters' bookkeeping (see the package comment). It
// is safe for concurrent use once built and tracked.
type Collection[T, D any] struct {
	coll  *mongo.Collection
	codec *pagination.Codec
	m     Mapping[T, D]
	// locks serialise the writes of one record (key office/id), shared
	// with the collection's counters tracker.
	locks *mongostore.WriteLocks
	// tracked is set for a collection whose records feed the metric counters.
	tracked *tracking[D]
	// parent is set for a collection of records that sit under a parent
	// record (NewChildren).
	parent *Parent[T]
}

// ref names one record of a collection: its office, the id of its parent
// (children only, else "") and its id.
type ref struct{ office, parent, id string }

// tracking ties a collection to the metric counters.
type tracking[D any] struct {
	counters Counters
	tracker  *counters.Tracker
	// state is the counters bookkeeping of a document.
	state func(*D) *counters.State
}

// New returns the Collection of m's records stored in coll; codec signs
// and checks List's page tokens.
func New[T, D any](coll *mongo.Collection, codec *pagination.Codec, m Mapping[T, D]) *Collection[T, D] {
	if m.Repository == "" {
		m.Repository = "docstore." + m.Collection
	}
	return &Collection[T, D]{coll: coll, codec: codec, m: m, locks: &mongostore.WriteLocks{}}
}

// Mongo returns the MongoDB collection, for what the helpers do not cover
// (indexes, tests). A query on it must carry ScopeFilter.
func (c *Collection[T, D]) Mongo() *mongo.Collection { return c.coll }

// Name is the resource name of the record office/id of the collection.
func (c *Collection[T, D]) Name(office, id string) string {
	return record.Name(office, c.m.Collection, id)
}

// name is the resource name of the record r: under its parent's name for a
// child, offices/{office}/{parents}/{parent}/{collection}/{id}.
func (c *Collection[T, D]) name(r ref) string {
	if c.parent == nil {
		return c.Name(r.office, r.id)
	}
	return record.Name(r.office, c.parent.Collection, r.parent) + "/" + c.m.Collection + "/" + r.id
}

// refOf names the record rec.
func (c *Collection[T, D]) refOf(rec *T) ref {
	meta := c.m.Meta(rec)
	r := ref{office: meta.Office, id: meta.ID}
	if c.parent != nil {
		r.parent = c.parent.ID(rec)
	}
	return r
}

// Wrap names the failing operation on an error, keeping typed errors
// findable by errs.As; nil stays nil.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// wrap names the failing method of the collection's repository.
func (c *Collection[T, D]) wrap(method string, err error) error {
	return Wrap(c.m.Repository+"."+method, err)
}

// Create inserts a new record with its given id and office; a taken id is
// ALREADY_EXISTS (reason KIND_ALREADY_EXISTS). The caller checks first
// that the office is in the caller's scope.
func (c *Collection[T, D]) Create(ctx context.Context, rec *T) error {
	return c.wrap("Create", c.create(ctx, rec))
}

func (c *Collection[T, D]) create(ctx context.Context, rec *T) error {
	r := c.refOf(rec)
	doc, err := c.m.ToDoc(rec)
	if err != nil {
		return err
	}
	pending, err := c.mark(counters.State{}, doc)
	if err != nil {
		return err
	}
	if _, err := c.coll.InsertOne(ctx, doc); err != nil {
		if mongostore.IsDuplicateKey(err) {
			return record.AlreadyExists(c.m.Kind, c.name(r))
		}
		return fmt.Errorf("insert %s: %w", c.m.Kind, err)
	}
	if pending {
		c.apply(ctx, r)
	}
	return nil
}

// notFound is the error of a record absent, outside the scope or being deleted.
func (c *Collection[T, D]) notFound(r ref) error {
	return record.NotFound(c.m.Kind, c.name(r))
}

// load reads the stored document of a record within the scope.
func (c *Collection[T, D]) load(ctx context.Context, scope record.Scope, r ref) (*D, error) {
	var doc D
	if err := c.findOne(ctx, scope, r, nil, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// Get returns the record office/id if scope holds its office, else (and if
// it is absent or being deleted) NOT_FOUND reason KIND_NOT_FOUND, with the
// same message either way.
func (c *Collection[T, D]) Get(ctx context.Context, scope record.Scope, office, id string) (*T, error) {
	return c.get(ctx, scope, ref{office: office, id: id})
}

func (c *Collection[T, D]) get(ctx context.Context, scope record.Scope, r ref) (*T, error) {
	doc, err := c.load(ctx, scope, r)
	if err != nil {
		return nil, c.wrap("Get", err)
	}
	rec, err := c.m.FromDoc(doc)
	return rec, c.wrap("Get", err)
}

// Update applies fn to the stored record and replaces the document only if
// its version is still the one loaded, bumping the version (fn cannot
// change the id, office or version). A lost race is retried with the fresh
// record; after UpdateAttempts it is ABORTED reason ETAG_MISMATCH. An error
// of fn stores nothing and is returned. The counters follow once the
// record's lock is released.
func (c *Collection[T, D]) Update(ctx context.Context, scope record.Scope, office, id string, fn record.UpdateFunc[T]) (*T, error) {
	return c.update(ctx, scope, ref{office: office, id: id}, fn)
}

func (c *Collection[T, D]) update(ctx context.Context, scope record.Scope, r ref, fn record.UpdateFunc[T]) (*T, error) {
	next, pending, err := c.updateLocked(ctx, scope, r, fn)
	if err != nil {
		return nil, c.wrap("Update", err)
	}
	if pending {
		c.apply(ctx, r)
	}
	return next, nil
}

// updateLocked is Update's load-change-replace under the record's lock. It
// reports whether the stored record holds pending counter changes.
func (c *Collection[T, D]) updateLocked(ctx context.Context, scope record.Scope, r ref, fn record.UpdateFunc[T]) (*T, bool, error) {
	defer c.locks.Lock(lockKey(r.office, r.id))()
	for range UpdateAttempts {
		doc, err := c.load(ctx, scope, r)
		if err != nil {
			return nil, false, err
		}
		cur, err := c.m.FromDoc(doc)
		if err != nil {
			return nil, false, err
		}
		loaded := c.m.Meta(cur).Version
		next, err := fn(cur)
		if err != nil {
			return nil, false, err
		}
		meta := c.m.Meta(next)
		meta.ID, meta.Office, meta.Version = r.id, r.office, loaded+1
		if c.parent != nil && c.parent.ID(next) != r.parent {
			return nil, false, fmt.Errorf("update %s: the update function moved %s to another parent; a record's parent never changes",
				c.m.Kind, c.name(r))
		}
		nextDoc, err := c.m.ToDoc(next)
		if err != nil {
			return nil, false, err
		}
		pending, err := c.mark(c.stateOf(doc), nextDoc)
		if err != nil {
			return nil, false, err
		}
		filter := append(c.key(scope, r), bson.E{Key: "version", Value: loaded})
		res, err := c.coll.ReplaceOne(ctx, filter, nextDoc)
		if err != nil {
			return nil, false, fmt.Errorf("replace %s: %w", c.m.Kind, err)
		}
		if res.MatchedCount == 1 {
			return next, pending, nil
		}
	}
	return nil, false, record.ConcurrentModification(c.m.Kind, c.name(r))
}

// Delete removes the record if it is still at version: ABORTED reason
// ETAG_MISMATCH if it changed, NOT_FOUND if it is gone (or outside the
// scope). A tracked record is not removed at once: a pending delete is
// written with it (which makes it absent to every read), and the apply
// subtracts its contribution from the counters and then removes the
// document.
func (c *Collection[T, D]) Delete(ctx context.Context, scope record.Scope, office, id string, version int64) error {
	return c.wrap("Delete", c.delete(ctx, scope, ref{office: office, id: id}, version))
}

func (c *Collection[T, D]) delete(ctx context.Context, scope record.Scope, r ref, version int64) error {
	if c.tracked != nil {
		if err := c.markDeleted(ctx, scope, r, version); err != nil {
			return err
		}
		c.apply(ctx, r)
		return nil
	}
	defer c.locks.Lock(lockKey(r.office, r.id))()
	filter := append(c.key(scope, r), bson.E{Key: "version", Value: version})
	res, err := c.coll.DeleteOne(ctx, filter)
	if err != nil {
		return fmt.Errorf("delete %s: %w", c.m.Kind, err)
	}
	if res.DeletedCount == 1 {
		return nil
	}
	if _, err := c.load(ctx, scope, r); err != nil {
		return err
	}
	return record.ConcurrentModification(c.m.Kind, c.name(r))
}

// markDeleted writes a tracked record's pending delete, if the record is
// still at version, under the record's lock.
func (c *Collection[T, D]) markDeleted(ctx context.Context, scope record.Scope, r ref, version int64) error {
	defer c.locks.Lock(lockKey(r.office, r.id))()
	doc, err := c.load(ctx, scope, r)
	if err != nil {
		return err
	}
	st, err := c.stateOf(doc).Delete()
	if err != nil {
		return fmt.Errorf("delete %s: %w", c.m.Kind, err)
	}
	filter := append(c.key(scope, r), bson.E{Key: "version", Value: version})
	res, err := c.coll.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: counters.DefaultField, Value: st}}}})
	if err != nil {
		return fmt.Errorf("delete %s: %w", c.m.Kind, err)
	}
	if res.MatchedCount == 0 {
		return record.ConcurrentModification(c.m.Kind, c.name(r))
	}
	return nil
}

// List returns one page of the records of q.Scope that match q's filter, in
// q's order (Mapping.List says what is allowed), with the errors of
// listing.Find for a bad request. A filter cannot reach past the scope.
func (c *Collection[T, D]) List(ctx context.Context, q record.ListQuery) (record.Page[*T], error) {
	p, err := c.list(ctx, q, nil, c.spec(q))
	return p, c.wrap("List", err)
}

// ListWhere is List over the records of q.Scope that also match where
// (conditions on fields other than office; nil for none), with spec in
// place of Mapping.List's. where is part of what the page tokens are bound
// to, like the scope. It serves the lists that are not the collection's
// plain List: a calendar over a date range, the records under one parent
// (Children.List), a list whose spec must read the database first.
func (c *Collection[T, D]) ListWhere(ctx context.Context, q record.ListQuery, where bson.D, spec listing.Spec) (record.Page[*T], error) {
	p, err := c.list(ctx, q, where, spec)
	return p, c.wrap("List", err)
}

// spec is what Mapping.List allows for q: no filter and the _id order when
// the Mapping has none.
func (c *Collection[T, D]) spec(q record.ListQuery) listing.Spec {
	if c.m.List == nil {
		return listing.Spec{}
	}
	return c.m.List(q)
}

func (c *Collection[T, D]) list(ctx context.Context, q record.ListQuery, where bson.D, spec listing.Spec) (record.Page[*T], error) {
	page, err := listing.Find[D](ctx, c.coll, c.codec, spec, listing.Request{
		Scope:     append(c.ScopeFilter(q.Scope), where...),
		Filter:    q.Filter,
		OrderBy:   q.OrderBy,
		PageToken: q.PageToken,
		PageSize:  q.PageSize,
		QueryKey:  q.QueryKey,
	})
	if err != nil {
		return record.Page[*T]{}, err
	}
	items := make([]*T, len(page.Items))
	for i := range page.Items {
		if items[i], err = c.m.FromDoc(&page.Items[i]); err != nil {
			return record.Page[*T]{}, err
		}
	}
	return record.Page[*T]{Items: items, NextPageToken: page.NextPageToken}, nil
}

// findOne decodes the document of a record within the scope into out.
func (c *Collection[T, D]) findOne(ctx context.Context, scope record.Scope, r ref, opts []optionsFindOne, out any) error {
	err := c.coll.FindOne(ctx, c.key(scope, r), opts...).Decode(out)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return c.notFound(r)
	}
	if err != nil {
		return fmt.Errorf("find %s: %w", c.m.Kind, err)
	}
	return nil
}
