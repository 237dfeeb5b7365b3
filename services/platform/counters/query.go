package counters

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/errs"
)

// ReasonInvalidQuery is the ErrorInfo reason of a malformed Query.
const ReasonInvalidQuery = "INVALID_METRICS_QUERY"

// Query selects counters. Empty lists select everything; empty months are
// unbounded.
type Query struct {
	// Offices restricts the offices (the caller's scope, e.g.).
	Offices []string
	// Metrics restricts the metrics.
	Metrics []string
	// FromMonth and ToMonth bound the months, inclusive, "YYYY-MM".
	FromMonth, ToMonth string
}

// Value is one counter's value.
type Value struct {
	Office string
	Metric string
	Month  string
	Value  int64
}

// Validate checks the query's months and names. Its errors are
// INVALID_ARGUMENT reason INVALID_METRICS_QUERY with violations on
// "offices", "metrics", "from_month" and "to_month".
func (q Query) Validate() error {
	var v errs.Violations
	for _, o := range q.Offices {
		if !officeRe.MatchString(o) {
			v.Add("offices", "%q is not an office code (a lowercase letter, then 1 to 39 lowercase letters, digits or '-')", o)
		}
	}
	for _, m := range q.Metrics {
		if !metricRe.MatchString(m) {
			v.Add("metrics", "%q is not a metric name (a lowercase letter, then up to 62 lowercase letters, digits or '_')", m)
		}
	}
	if q.FromMonth != "" && !monthRe.MatchString(q.FromMonth) {
		v.Add("from_month", "must be YYYY-MM, e.g. 2025-03; got %q", q.FromMonth)
	}
	if q.ToMonth != "" && !monthRe.MatchString(q.ToMonth) {
		v.Add("to_month", "must be YYYY-MM, e.g. 2025-03; got %q", q.ToMonth)
	}
	if q.FromMonth != "" && q.ToMonth != "" && q.FromMonth > q.ToMonth {
		v.Add("to_month", "must not be before from_month (%s); got %s", q.FromMonth, q.ToMonth)
	}
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, fv := range v {
		parts[i] = fv.Field + ": " + fv.Description
	}
	return errs.InvalidArgument(ReasonInvalidQuery, "invalid metrics query: "+strings.Join(parts, "; "), v...)
}

// Query returns the non-zero counters q selects, sorted by office, metric
// and month. It reads only counter documents: the generation document and
// one document per office and metric (which holds all months), so its cost
// does not depend on the number of records.
func (s *Store) Query(ctx context.Context, q Query) ([]Value, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	gen, err := s.generation(ctx)
	if err != nil {
		return nil, fmt.Errorf("counters.Query: %w", err)
	}
	filter := bson.D{{Key: "gen", Value: gen}}
	if len(q.Offices) > 0 {
		filter = append(filter, bson.E{Key: "office", Value: bson.D{{Key: "$in", Value: q.Offices}}})
	}
	if len(q.Metrics) > 0 {
		filter = append(filter, bson.E{Key: "metric", Value: bson.D{{Key: "$in", Value: q.Metrics}}})
	}
	opts := options.Find().
		SetProjection(bson.D{{Key: "office", Value: 1}, {Key: "metric", Value: 1}, {Key: "months", Value: 1}}).
		SetBatchSize(10000)
	cur, err := s.coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, fmt.Errorf("counters.Query: %w", err)
	}
	var docs []series
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("counters.Query: %w", err)
	}
	var out []Value
	for _, d := range docs {
		for month, v := range d.Months {
			if v == 0 || (q.FromMonth != "" && month < q.FromMonth) || (q.ToMonth != "" && month > q.ToMonth) {
				continue
			}
			out = append(out, Value{Office: d.Office, Metric: d.Metric, Month: month, Value: v})
		}
	}
	slices.SortFunc(out, func(a, b Value) int {
		return cmp.Or(cmp.Compare(a.Office, b.Office), cmp.Compare(a.Metric, b.Metric), cmp.Compare(a.Month, b.Month))
	})
	return out, nil
}
