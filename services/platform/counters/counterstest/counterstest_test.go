package counterstest_test

import (
	"context"
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/counters/counterstest"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// recorder stands in for a test that Equal fails.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func TestEqualComparesCountersRecountAndWant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.NewDatabase(t)
	store, err := counters.NewStore(ctx, db, "counters")
	if err != nil {
		t.Fatal(err)
	}
	k := counters.Key{Office: "mumbai", Metric: "cases_filed", Month: "2025-03"}
	records := db.Collection("cases")
	if _, err := store.Track(counters.Source{Collection: records, Contribute: func(bson.Raw) ([]counters.Cell, error) {
		return []counters.Cell{{Office: k.Office, Metric: k.Metric, Month: k.Month, Delta: 1}}, nil
	}}); err != nil {
		t.Fatal(err)
	}
	counterstest.Equal(t, store, map[counters.Key]int64{})

	// A record whose change was never applied: the recount has it, the counters do not.
	if _, err := records.InsertOne(ctx, bson.D{{Key: "_id", Value: "c1"}}); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	counterstest.Equal(r, store, map[counters.Key]int64{k: 1})
	if len(r.failures) != 2 {
		t.Errorf("failures %q, want counters != recount and counters != want", r.failures)
	}
	if _, err := store.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	counterstest.Equal(t, store, map[counters.Key]int64{k: 1})
}
