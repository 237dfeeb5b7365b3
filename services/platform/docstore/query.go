package docstore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/record"
)

type optionsFindOne = options.Lister[options.FindOneOptions]

// live adds to a filter of a tracked collection the condition that excludes
// records whose deletion is pending: for every purpose but the counters
// they are gone.
func (c *Collection[T, D]) live(filter bson.D) bson.D {
	if c.tracked == nil {
		return filter
	}
	return append(filter, c.tracked.tracker.NotDeleted())
}

// key is the filter of one record read by name within the caller's scope:
// its id, its office only if the scope holds it and, for a child, its
// parent. A record of an office outside the scope matches nothing, exactly
// like an absent one; so does a record under another parent, and a record
// being deleted.
func (c *Collection[T, D]) key(scope record.Scope, r ref) bson.D {
	key := bson.D{
		{Key: "_id", Value: r.id},
		{Key: "office", Value: bson.D{{Key: "$eq", Value: r.office}, {Key: "$in", Value: scope.Offices()}}},
	}
	if c.parent != nil {
		key = append(key, bson.E{Key: c.parent.Field, Value: r.parent})
	}
	return c.live(key)
}

// ScopeFilter is the restriction every query over several records carries:
// the offices of the scope ({office: {$in: scope}}; an empty scope matches
// nothing) and, for a tracked collection, no record being deleted. Append
// the query's own conditions to it (never one on office: narrow the scope
// instead, with record.Scope.Narrow).
func (c *Collection[T, D]) ScopeFilter(scope record.Scope) bson.D {
	return c.live(bson.D{{Key: "office", Value: bson.D{{Key: "$in", Value: scope.Offices()}}}})
}

// filter is ScopeFilter(scope) and then the conditions of filter.
func (c *Collection[T, D]) filter(scope record.Scope, filter bson.D) bson.D {
	return append(c.ScopeFilter(scope), filter...)
}

// Count counts the records of scope that match filter (conditions on
// fields other than office; narrow the scope to count one office's).
func (c *Collection[T, D]) Count(ctx context.Context, scope record.Scope, filter bson.D) (int, error) {
	n, err := c.coll.CountDocuments(ctx, c.filter(scope, filter))
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", c.m.Kind, err)
	}
	return int(n), nil
}

// CountBy counts, in one aggregation ($match on the scope and field in
// values, $group by field), the records of scope whose string field holds
// each of values. Values no record holds are absent from the map. An empty
// scope or no values reads nothing.
func (c *Collection[T, D]) CountBy(ctx context.Context, scope record.Scope, field string, values []string) (map[string]int, error) {
	counts := make(map[string]int, len(values))
	if scope.Empty() || len(values) == 0 {
		return counts, nil
	}
	match := c.filter(scope, bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: values}}}})
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$" + field}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	cur, err := c.coll.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, fmt.Errorf("count %s by %s: %w", c.m.Kind, field, err)
	}
	var rows []struct {
		Value string `bson:"_id"`
		N     int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("count %s by %s: %w", c.m.Kind, field, err)
	}
	for _, row := range rows {
		counts[row.Value] = row.N
	}
	return counts, nil
}

// FindOne decodes into out the stored document of the record office/id
// within scope, reading only the fields of projection (every field when
// nil): NOT_FOUND, like Get, when the record is absent, outside the scope
// or being deleted. Reading a projection spares decoding (and decrypting)
// what a query does not need.
func (c *Collection[T, D]) FindOne(ctx context.Context, scope record.Scope, office, id string, projection bson.D, out any) error {
	var opts []optionsFindOne
	if projection != nil {
		opts = append(opts, options.FindOne().SetProjection(projection))
	}
	return c.findOne(ctx, scope, ref{office: office, id: id}, opts, out)
}

// GetMany returns, by id, the records of office among ids, if scope holds
// the office: ids absent, outside the scope or being deleted are absent
// from the map, not an error. It reads them in one query.
func (c *Collection[T, D]) GetMany(ctx context.Context, scope record.Scope, office string, ids []string) (map[string]*T, error) {
	recs := make(map[string]*T, len(ids))
	scope = scope.Narrow([]string{office})
	if scope.Empty() || len(ids) == 0 {
		return recs, nil
	}
	var docs []D
	if err := c.Find(ctx, scope, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, &docs); err != nil {
		return nil, c.wrap("GetMany", err)
	}
	for i := range docs {
		rec, err := c.m.FromDoc(&docs[i])
		if err != nil {
			return nil, c.wrap("GetMany", err)
		}
		recs[c.m.Meta(rec).ID] = rec
	}
	return recs, nil
}

// Find decodes into out (a pointer to a slice) the documents of the records
// of scope that match filter (conditions on fields other than office),
// with opts (projection, sort, limit).
func (c *Collection[T, D]) Find(ctx context.Context, scope record.Scope, filter bson.D, out any, opts ...options.Lister[options.FindOptions]) error {
	cur, err := c.coll.Find(ctx, c.filter(scope, filter), opts...)
	if err != nil {
		return fmt.Errorf("find %s: %w", c.m.Kind, err)
	}
	if err := cur.All(ctx, out); err != nil {
		return fmt.Errorf("find %s: %w", c.m.Kind, err)
	}
	return nil
}

// Index is an ascending compound index with an explicit name, so a changed
// definition needs a new name (see mongostore.EnsureIndexes).
func Index(name string, keys ...string) mongo.IndexModel {
	d := make(bson.D, len(keys))
	for i, k := range keys {
		d[i] = bson.E{Key: k, Value: 1}
	}
	return mongo.IndexModel{Keys: d, Options: options.Index().SetName(name)}
}

// EnumValues returns the stored values of an enumeration as strings, e.g.
// for a filtering.Field's Enum.
func EnumValues[E ~string](values []E) []string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return s
}

// InvalidFilter is the INVALID_ARGUMENT error (reason INVALID_FILTER, a
// violation on the field "filter") a filtering.Field's Translate returns
// for a condition it cannot build; description says what is wrong and what
// is allowed.
func InvalidFilter(description string) error {
	return errs.InvalidArgument(filtering.ReasonInvalidFilter, "invalid filter: "+description,
		errs.FieldViolation{Field: "filter", Description: description})
}
