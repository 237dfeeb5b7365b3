// Package mongodb stores the rescue service's records in MongoDB (or the
// embedded FerretDB, which speaks the same protocol) with the official
// driver. Each record is one document in its collection (locations,
// operations, survivors) of the service's own database; documents are bson
// structs of this package, kept apart from the domain types.
//
// Every query carries the caller's office scope in its filter ({office:
// {$in: scope}}, with the record's own office for a read by name), so a
// record of an office the caller does not hold is never read, not even to
// be refused: it is NOT_FOUND with the message of an absent one. With a
// sharded cluster every query is targeted. Changes
// use optimistic concurrency: a document's version must still be the one
// loaded for a replace or delete to apply. Only single-document writes and
// the aggregation stages FerretDB v1 supports ($match, $group) are used.
//
// A survivor's protected identity (legal name, date of birth, family
// contact, address, photo) is encrypted field by field before it reaches
// the database (a Cipher, in production a fieldcrypt.Keyring with the
// office's keys), each ciphertext bound to the record's name and the field,
// and stored as binary. Duplicates are found through a keyed hash of the
// normalised legal name and date of birth (identity_index), never plaintext.
//
// FerretDB v1 runs a filtered update or delete as a query followed by a
// write by _id, so its version filter alone is not a compare-and-swap: two
// writers that loaded the same version could both succeed. The repositories
// therefore also serialise the load-change-store of each record within the
// process (mongostore.WriteLocks). On MongoDB the filter is atomic and the lock only
// saves a lost race; on the embedded FerretDB, which serves one process, it
// is what makes "exactly one of two writers with the same etag wins" true.
//
// # Metric counters
//
// Operations and survivors feed the service's pre-aggregated metric
// counters (package counters; MetricsRepository reads them). Each such
// document carries its counters bookkeeping (a counters.State). Every write
// of one computes the record's contribution (domain.OperationMetrics,
// domain.SurvivorMetrics, in the office's time zone) and, when it changed,
// stores a pending change with the record in the same single-document
// write, under the record's lock; once the lock is released the change is
// applied to the counters (Tracker.Apply, which takes the same lock). A
// failed Apply is logged and the request still succeeds: the change stays
// pending with the record until MetricsRepository.Repair applies it, so a
// crash between the write and the Apply costs nothing but a repair pass.
// An operation is deleted by writing a pending delete, which Apply carries
// out after subtracting its contribution; until then every read of the
// repositories treats the record as absent (counters.Tracker.NotDeleted is
// part of every filter of a tracked collection).
package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// updateAttempts is how often Update re-reads and re-applies a change that
// lost a race. The update function sees the fresh record each time, so an
// etag check or a lifecycle rule in it is judged against what is stored.
const updateAttempts = 3

// Collections of the service's database.
const (
	LocationsCollection  = "locations"
	OperationsCollection = "operations"
	SurvivorsCollection  = "survivors"
)

// mapping tells the generic store how a domain record T and its document D
// relate. The conversions may fail (a survivor's fields are encrypted and
// decrypted on the way); their errors never carry field values.
type mapping[T, D any] struct {
	kind       string // "location"
	collection string // resource collection in names, e.g. "locations"
	toDoc      func(*T) (*D, error)
	fromDoc    func(*D) (*T, error)
	meta       func(*T) *domain.Meta
}

// infallible adapts a conversion that cannot fail to a mapping's.
func infallible[A, B any](f func(*A) *B) func(*A) (*B, error) {
	return func(a *A) (*B, error) { return f(a), nil }
}

// store is the repository logic shared by the three collections.
type store[T, D any] struct {
	coll  *mongo.Collection
	codec *pagination.Codec
	spec  func(q domain.ListQuery) listing.Spec
	m     mapping[T, D]
	// locks serialise the writes of one record (key office/id), shared
	// with the collection's counters tracker.
	locks *mongostore.WriteLocks
	// tracked is set for a collection whose records feed the metric counters.
	tracked *tracking[D]
}

// tracking ties a collection to the metric counters.
type tracking[D any] struct {
	tracker *counters.Tracker
	// state is the counters bookkeeping of a document.
	state   func(*D) *counters.State
	metrics *metrics
}

// lockKey is the key of a record's lock in its collection's WriteLocks.
func lockKey(office, id string) string { return office + "/" + id }

func (s *store[T, D]) name(office, id string) string { return domain.Name(office, s.m.collection, id) }

// live adds to a filter of a tracked collection the condition that excludes
// records whose deletion is pending: for every purpose but the counters
// they are gone.
func (s *store[T, D]) live(filter bson.D) bson.D {
	if s.tracked == nil {
		return filter
	}
	return append(filter, s.tracked.tracker.NotDeleted())
}

// key is the filter of one record read by name within the caller's scope:
// its id, and its office only if the scope holds it. A record of an office
// outside the scope matches nothing, exactly like an absent one; so does a
// record being deleted.
func (s *store[T, D]) key(scope domain.Scope, office, id string) bson.D {
	return s.live(bson.D{
		{Key: "_id", Value: id},
		{Key: "office", Value: bson.D{{Key: "$eq", Value: office}, {Key: "$in", Value: scope.Offices()}}},
	})
}

// scope is the restriction every query over several records carries: the
// offices of the scope ({office: {$in: scope}}; an empty scope matches
// nothing) and, for a tracked collection, no record being deleted.
func (s *store[T, D]) scope(scope domain.Scope) bson.D {
	return s.live(bson.D{{Key: "office", Value: bson.D{{Key: "$in", Value: scope.Offices()}}}})
}

// stateOf is the counters bookkeeping stored with doc (zero when untracked).
func (s *store[T, D]) stateOf(doc *D) counters.State {
	if s.tracked == nil {
		return counters.State{}
	}
	return *s.tracked.state(doc)
}

// mark sets the counters bookkeeping of doc, a tracked record's new
// content, from prev, the bookkeeping stored with the record before: a
// pending change when the record's contribution to the metrics changed. It
// reports whether the document will hold pending changes, which apply must
// then carry to the counters once the record is written.
func (s *store[T, D]) mark(prev counters.State, doc *D) (bool, error) {
	if s.tracked == nil {
		return false, nil
	}
	st, err := s.tracked.tracker.Mark(prev, doc)
	if err != nil {
		return false, fmt.Errorf("count %s: %w", s.m.kind, err)
	}
	*s.tracked.state(doc) = st
	return !st.Settled(), nil
}

// apply carries a written record's pending changes to the counters. It is
// called after the record's lock is released and never fails the request:
// see metrics.apply.
func (s *store[T, D]) apply(ctx context.Context, office, id string) {
	s.tracked.metrics.apply(ctx, s.tracked.tracker, s.name(office, id), id)
}

func (s *store[T, D]) create(ctx context.Context, rec *T) error {
	meta := s.m.meta(rec)
	doc, err := s.m.toDoc(rec)
	if err != nil {
		return err
	}
	pending, err := s.mark(counters.State{}, doc)
	if err != nil {
		return err
	}
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		if mongostore.IsDuplicateKey(err) {
			return domain.AlreadyExists(s.m.kind, s.name(meta.Office, meta.ID))
		}
		return fmt.Errorf("insert %s: %w", s.m.kind, err)
	}
	if pending {
		s.apply(ctx, meta.Office, meta.ID)
	}
	return nil
}

// load reads the stored document of a record within the scope.
func (s *store[T, D]) load(ctx context.Context, scope domain.Scope, office, id string) (*D, error) {
	var doc D
	err := s.coll.FindOne(ctx, s.key(scope, office, id)).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, domain.NotFound(s.m.kind, s.name(office, id))
	}
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", s.m.kind, err)
	}
	return &doc, nil
}

func (s *store[T, D]) get(ctx context.Context, scope domain.Scope, office, id string) (*T, error) {
	doc, err := s.load(ctx, scope, office, id)
	if err != nil {
		return nil, err
	}
	return s.m.fromDoc(doc)
}

// update applies fn to the stored record and replaces the document only if
// its version is still the one loaded, bumping the version. A lost race is
// retried with the fresh record; after updateAttempts it is ABORTED. The
// counters follow once the record's lock is released.
func (s *store[T, D]) update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[T]) (*T, error) {
	next, pending, err := s.updateLocked(ctx, scope, office, id, fn)
	if err != nil {
		return nil, err
	}
	if pending {
		s.apply(ctx, office, id)
	}
	return next, nil
}

// updateLocked is update's load-change-replace under the record's lock. It
// reports whether the stored record holds pending counter changes.
func (s *store[T, D]) updateLocked(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[T]) (*T, bool, error) {
	defer s.locks.Lock(lockKey(office, id))()
	for range updateAttempts {
		doc, err := s.load(ctx, scope, office, id)
		if err != nil {
			return nil, false, err
		}
		cur, err := s.m.fromDoc(doc)
		if err != nil {
			return nil, false, err
		}
		loaded := s.m.meta(cur).Version
		next, err := fn(cur)
		if err != nil {
			return nil, false, err
		}
		meta := s.m.meta(next)
		meta.ID, meta.Office, meta.Version = id, office, loaded+1
		nextDoc, err := s.m.toDoc(next)
		if err != nil {
			return nil, false, err
		}
		pending, err := s.mark(s.stateOf(doc), nextDoc)
		if err != nil {
			return nil, false, err
		}
		filter := append(s.key(scope, office, id), bson.E{Key: "version", Value: loaded})
		res, err := s.coll.ReplaceOne(ctx, filter, nextDoc)
		if err != nil {
			return nil, false, fmt.Errorf("replace %s: %w", s.m.kind, err)
		}
		if res.MatchedCount == 1 {
			return next, pending, nil
		}
	}
	return nil, false, domain.ConcurrentModification(s.m.kind, s.name(office, id))
}

// delete removes the record if it is still at version. A tracked record is
// not removed at once: a pending delete is written with it (which makes it
// absent to every read), and Apply subtracts its contribution from the
// counters and then removes the document.
func (s *store[T, D]) delete(ctx context.Context, scope domain.Scope, office, id string, version int64) error {
	if s.tracked != nil {
		if err := s.markDeleted(ctx, scope, office, id, version); err != nil {
			return err
		}
		s.apply(ctx, office, id)
		return nil
	}
	defer s.locks.Lock(lockKey(office, id))()
	filter := append(s.key(scope, office, id), bson.E{Key: "version", Value: version})
	res, err := s.coll.DeleteOne(ctx, filter)
	if err != nil {
		return fmt.Errorf("delete %s: %w", s.m.kind, err)
	}
	if res.DeletedCount == 1 {
		return nil
	}
	if _, err := s.load(ctx, scope, office, id); err != nil {
		return err
	}
	return domain.ConcurrentModification(s.m.kind, s.name(office, id))
}

// markDeleted writes a tracked record's pending delete, if the record is
// still at version, under the record's lock.
func (s *store[T, D]) markDeleted(ctx context.Context, scope domain.Scope, office, id string, version int64) error {
	defer s.locks.Lock(lockKey(office, id))()
	doc, err := s.load(ctx, scope, office, id)
	if err != nil {
		return err
	}
	st, err := s.stateOf(doc).Delete()
	if err != nil {
		return fmt.Errorf("delete %s: %w", s.m.kind, err)
	}
	filter := append(s.key(scope, office, id), bson.E{Key: "version", Value: version})
	res, err := s.coll.UpdateOne(ctx, filter, bson.D{{Key: "$set", Value: bson.D{{Key: countersField, Value: st}}}})
	if err != nil {
		return fmt.Errorf("delete %s: %w", s.m.kind, err)
	}
	if res.MatchedCount == 0 {
		return domain.ConcurrentModification(s.m.kind, s.name(office, id))
	}
	return nil
}

func (s *store[T, D]) list(ctx context.Context, q domain.ListQuery) (domain.Page[*T], error) {
	page, err := listing.Find[D](ctx, s.coll, s.codec, s.spec(q), listing.Request{
		Scope:     s.scope(q.Scope),
		Filter:    q.Filter,
		OrderBy:   q.OrderBy,
		PageToken: q.PageToken,
		PageSize:  q.PageSize,
		QueryKey:  q.QueryKey,
	})
	if err != nil {
		return domain.Page[*T]{}, err
	}
	items := make([]*T, len(page.Items))
	for i := range page.Items {
		if items[i], err = s.m.fromDoc(&page.Items[i]); err != nil {
			return domain.Page[*T]{}, err
		}
	}
	return domain.Page[*T]{Items: items, NextPageToken: page.NextPageToken}, nil
}

// index is an ascending compound index with an explicit name, so a changed
// definition needs a new name (see mongostore.EnsureIndexes).
func index(name string, keys ...string) mongo.IndexModel {
	d := make(bson.D, len(keys))
	for i, k := range keys {
		d[i] = bson.E{Key: k, Value: 1}
	}
	return mongo.IndexModel{Keys: d, Options: options.Index().SetName(name)}
}
