package counters_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/storetest"
)

// record is the fake service's document: a reported case that may be
// rescued and closed, counted by report month and rescue month.
type record struct {
	ID       string         `bson:"_id"`
	Office   string         `bson:"office"`
	Status   string         `bson:"status"` // reported, rescued, closed
	Reported string         `bson:"reported"`
	Rescued  string         `bson:"rescued,omitempty"`
	Minor    bool           `bson:"minor"`
	Version  int64          `bson:"version"`
	Counters counters.State `bson:"counters"`
}

// contributionOf is the fake service's pure contribution function.
func contributionOf(r record) []counters.Cell {
	cells := []counters.Cell{{Office: r.Office, Metric: "cases_reported", Month: r.Reported, Delta: 1}}
	if r.Status == "rescued" || r.Status == "closed" {
		cells = append(cells, counters.Cell{Office: r.Office, Metric: "survivors_rescued", Month: r.Rescued, Delta: 1})
		if r.Minor {
			cells = append(cells, counters.Cell{Office: r.Office, Metric: "minors_rescued", Month: r.Rescued, Delta: 1})
		}
	}
	if r.Status == "closed" {
		cells = append(cells, counters.Cell{Office: r.Office, Metric: "cases_closed", Month: r.Rescued, Delta: 1})
	}
	return cells
}

// fixture is a store, a tracked record collection and the fake service's
// repository on it.
type fixture struct {
	t       *testing.T
	db      *mongo.Database
	store   *counters.Store
	tracker *counters.Tracker
	records *mongo.Collection
	locks   mongostore.WriteLocks
	// extra, when set, makes the contribution function count every record
	// in metric "all_records" too (a changed contribution function).
	extra atomic.Bool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, db: storetest.NewDatabase(t)}
	ctx := context.Background()
	var err error
	f.store, err = counters.NewStore(ctx, f.db, "counters")
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	f.records = f.db.Collection("records")
	f.tracker, err = f.store.Track(counters.Source{
		Collection: f.records,
		Contribute: f.contribute,
		Locks:      &f.locks,
		LockKey: func(r bson.Raw) string {
			return lockKey(r.Lookup("office").StringValue(), r.Lookup("_id").StringValue())
		},
	})
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	return f
}

func lockKey(office, id string) string { return office + "/" + id }

func (f *fixture) contribute(raw bson.Raw) ([]counters.Cell, error) {
	var r record
	if err := bson.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	cells := contributionOf(r)
	if f.extra.Load() {
		cells = append(cells, counters.Cell{Office: r.Office, Metric: "all_records", Month: r.Reported, Delta: 1})
	}
	return cells, nil
}

// create inserts r with its pending change and, if apply, applies it.
func (f *fixture) create(ctx context.Context, r record, apply bool) error {
	var err error
	if r.Counters, err = f.tracker.Mark(counters.State{}, r); err != nil {
		return err
	}
	if _, err := f.records.InsertOne(ctx, r); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if apply {
		return f.tracker.Apply(ctx, r.ID)
	}
	return nil
}

var errGone = errors.New("record not found")

// update changes the record as the service would: load, change, replace
// under the record's lock with a version check, then (outside the lock)
// apply if asked.
func (f *fixture) update(ctx context.Context, id string, change func(*record), apply bool) error {
	if err := f.write(ctx, id, func(cur record) (record, error) {
		next := cur
		change(&next)
		var err error
		next.Counters, err = f.tracker.Mark(cur.Counters, next)
		return next, err
	}); err != nil {
		return err
	}
	if apply {
		return f.tracker.Apply(ctx, id)
	}
	return nil
}

// remove deletes the record as the service would: it writes the delete
// intent, then applies it if asked.
func (f *fixture) remove(ctx context.Context, id string, apply bool) error {
	if err := f.write(ctx, id, func(cur record) (record, error) {
		var err error
		cur.Counters, err = cur.Counters.Delete()
		return cur, err
	}); err != nil {
		return err
	}
	if apply {
		return f.tracker.Apply(ctx, id)
	}
	return nil
}

func (f *fixture) write(ctx context.Context, id string, fn func(record) (record, error)) error {
	cur, err := f.get(ctx, id)
	if err != nil {
		return err
	}
	defer f.locks.Lock(lockKey(cur.Office, id))()
	if cur, err = f.get(ctx, id); err != nil {
		return err
	}
	next, err := fn(cur)
	if err != nil {
		return err
	}
	next.Version = cur.Version + 1
	res, err := f.records.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: cur.Version}}, next)
	if err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	if res.MatchedCount != 1 {
		return errors.New("concurrent modification")
	}
	return nil
}

// get reads a record that is not being deleted.
func (f *fixture) get(ctx context.Context, id string) (record, error) {
	var r record
	err := f.records.FindOne(ctx, bson.D{{Key: "_id", Value: id}, f.tracker.NotDeleted()}).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return r, errGone
	}
	if err != nil {
		return r, fmt.Errorf("get: %w", err)
	}
	return r, nil
}

// raw reads a record as stored, deleted or not; nil if absent.
func (f *fixture) raw(ctx context.Context, id string) *record {
	f.t.Helper()
	var r record
	err := f.records.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		f.t.Fatalf("read record %s: %v", id, err)
	}
	return &r
}

// counts returns the counters, failing the test on error.
func (f *fixture) counts(ctx context.Context) map[counters.Key]int64 {
	f.t.Helper()
	c, err := f.store.Counts(ctx)
	if err != nil {
		f.t.Fatalf("Counts: %v", err)
	}
	return c
}

// recount returns the recount, failing the test on error.
func (f *fixture) recount(ctx context.Context) map[counters.Key]int64 {
	f.t.Helper()
	c, err := f.store.Recount(ctx)
	if err != nil {
		f.t.Fatalf("Recount: %v", err)
	}
	return c
}

// requireConsistent fails the test unless the counters equal the recount
// and want (if not nil).
func (f *fixture) requireConsistent(ctx context.Context, want map[counters.Key]int64) {
	f.t.Helper()
	got, re := f.counts(ctx), f.recount(ctx)
	if !maps.Equal(got, re) {
		f.t.Fatalf("counters differ from the recount:\n%s", diffCounts(got, re))
	}
	if want != nil && !maps.Equal(got, want) {
		f.t.Fatalf("counters differ from the expected values:\n%s", diffCounts(got, want))
	}
}

// seriesApplied returns the applied ids of every series document.
func (f *fixture) seriesApplied(ctx context.Context) map[string][]string {
	f.t.Helper()
	cur, err := f.store.Collection().Find(ctx, bson.D{{Key: "gen", Value: bson.D{{Key: "$exists", Value: true}}}})
	if err != nil {
		f.t.Fatalf("find series: %v", err)
	}
	var docs []struct {
		ID      string   `bson:"_id"`
		Applied []string `bson:"applied"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		f.t.Fatalf("read series: %v", err)
	}
	out := map[string][]string{}
	for _, d := range docs {
		out[d.ID] = d.Applied
	}
	return out
}

func diffCounts(got, want map[counters.Key]int64) string {
	keys := slices.Collect(maps.Keys(got))
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b counters.Key) int { return strings.Compare(a.String(), b.String()) })
	var b strings.Builder
	for _, k := range keys {
		if got[k] != want[k] {
			fmt.Fprintf(&b, "  %s: got %d, want %d\n", k, got[k], want[k])
		}
	}
	return b.String()
}

// expected sums contributionOf over the model's live records.
func expected(model map[string]record) map[counters.Key]int64 {
	sum := map[counters.Key]int64{}
	for _, r := range model {
		for _, c := range contributionOf(r) {
			sum[c.Key()] += c.Delta
		}
	}
	maps.DeleteFunc(sum, func(_ counters.Key, v int64) bool { return v == 0 })
	return sum
}

func key(office, metric, month string) counters.Key {
	return counters.Key{Office: office, Metric: metric, Month: month}
}

// crashes makes the store's operations fail at its crash points on demand.
type crashes struct {
	afterCounters, afterSettle atomic.Int32 // how many of the next changes fail there
}

var errCrash = errors.New("simulated crash")

func (c *crashes) install(s *counters.Store, beforeSwitch func()) {
	fail := func(n *atomic.Int32) func(string) error {
		return func(string) error {
			for {
				v := n.Load()
				if v <= 0 {
					return nil
				}
				if n.CompareAndSwap(v, v-1) {
					return errCrash
				}
			}
		}
	}
	counters.SetHooks(s, fail(&c.afterCounters), fail(&c.afterSettle), beforeSwitch)
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
