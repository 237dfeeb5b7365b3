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
package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
	locks mongostore.WriteLocks
}

func (s *store[T, D]) name(office, id string) string { return domain.Name(office, s.m.collection, id) }

// key is the filter of one record read by name within the caller's scope:
// its id, and its office only if the scope holds it. A record of an office
// outside the scope matches nothing, exactly like an absent one.
func key(scope domain.Scope, office, id string) bson.D {
	return bson.D{
		{Key: "_id", Value: id},
		{Key: "office", Value: bson.D{{Key: "$eq", Value: office}, {Key: "$in", Value: scope.Offices()}}},
	}
}

func (s *store[T, D]) create(ctx context.Context, rec *T) error {
	meta := s.m.meta(rec)
	doc, err := s.m.toDoc(rec)
	if err != nil {
		return err
	}
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		if mongostore.IsDuplicateKey(err) {
			return domain.AlreadyExists(s.m.kind, s.name(meta.Office, meta.ID))
		}
		return fmt.Errorf("insert %s: %w", s.m.kind, err)
	}
	return nil
}

func (s *store[T, D]) get(ctx context.Context, scope domain.Scope, office, id string) (*T, error) {
	var doc D
	err := s.coll.FindOne(ctx, key(scope, office, id)).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, domain.NotFound(s.m.kind, s.name(office, id))
	}
	if err != nil {
		return nil, fmt.Errorf("find %s: %w", s.m.kind, err)
	}
	return s.m.fromDoc(&doc)
}

// update applies fn to the stored record and replaces the document only if
// its version is still the one loaded, bumping the version. A lost race is
// retried with the fresh record; after updateAttempts it is ABORTED.
func (s *store[T, D]) update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[T]) (*T, error) {
	defer s.locks.Lock(office + "/" + id)()
	for range updateAttempts {
		cur, err := s.get(ctx, scope, office, id)
		if err != nil {
			return nil, err
		}
		loaded := s.m.meta(cur).Version
		next, err := fn(cur)
		if err != nil {
			return nil, err
		}
		meta := s.m.meta(next)
		meta.ID, meta.Office, meta.Version = id, office, loaded+1
		doc, err := s.m.toDoc(next)
		if err != nil {
			return nil, err
		}
		filter := append(key(scope, office, id), bson.E{Key: "version", Value: loaded})
		res, err := s.coll.ReplaceOne(ctx, filter, doc)
		if err != nil {
			return nil, fmt.Errorf("replace %s: %w", s.m.kind, err)
		}
		if res.MatchedCount == 1 {
			return next, nil
		}
	}
	return nil, domain.ConcurrentModification(s.m.kind, s.name(office, id))
}

// delete removes the document if it is still at version.
func (s *store[T, D]) delete(ctx context.Context, scope domain.Scope, office, id string, version int64) error {
	defer s.locks.Lock(office + "/" + id)()
	filter := append(key(scope, office, id), bson.E{Key: "version", Value: version})
	res, err := s.coll.DeleteOne(ctx, filter)
	if err != nil {
		return fmt.Errorf("delete %s: %w", s.m.kind, err)
	}
	if res.DeletedCount == 1 {
		return nil
	}
	if _, err := s.get(ctx, scope, office, id); err != nil {
		return err
	}
	return domain.ConcurrentModification(s.m.kind, s.name(office, id))
}

func (s *store[T, D]) list(ctx context.Context, q domain.ListQuery) (domain.Page[*T], error) {
	page, err := listing.Find[D](ctx, s.coll, s.codec, s.spec(q), listing.Request{
		Scope:     officeScope(q.Scope),
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

// officeScope is the office restriction every query over several records
// carries: {office: {$in: scope}}. An empty scope matches nothing.
func officeScope(scope domain.Scope) bson.D {
	return bson.D{{Key: "office", Value: bson.D{{Key: "$in", Value: scope.Offices()}}}}
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
