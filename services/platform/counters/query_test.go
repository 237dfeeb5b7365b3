package counters_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestQuerySelectsOfficesMetricsAndMonths(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	for _, r := range []record{
		{ID: "a", Office: "mumbai", Status: "rescued", Reported: "2025-01", Rescued: "2025-02"},
		{ID: "b", Office: "mumbai", Status: "reported", Reported: "2025-03"},
		{ID: "c", Office: "kolkata", Status: "rescued", Reported: "2024-12", Rescued: "2025-01", Minor: true},
		{ID: "d", Office: "chennai", Status: "reported", Reported: "2025-01"},
	} {
		if err := f.create(ctx, r, true); err != nil {
			t.Fatal(err)
		}
	}
	// A counter that went back to zero is not returned.
	if err := f.remove(ctx, "d", true); err != nil {
		t.Fatal(err)
	}
	v := func(office, metric, month string, n int64) counters.Value {
		return counters.Value{Office: office, Metric: metric, Month: month, Value: n}
	}
	tests := []struct {
		name string
		q    counters.Query
		want []counters.Value
	}{
		{"everything, sorted", counters.Query{}, []counters.Value{
			v("kolkata", "cases_reported", "2024-12", 1),
			v("kolkata", "minors_rescued", "2025-01", 1),
			v("kolkata", "survivors_rescued", "2025-01", 1),
			v("mumbai", "cases_reported", "2025-01", 1),
			v("mumbai", "cases_reported", "2025-03", 1),
			v("mumbai", "survivors_rescued", "2025-02", 1),
		}},
		{"one office", counters.Query{Offices: []string{"mumbai"}}, []counters.Value{
			v("mumbai", "cases_reported", "2025-01", 1),
			v("mumbai", "cases_reported", "2025-03", 1),
			v("mumbai", "survivors_rescued", "2025-02", 1),
		}},
		{"one metric in two offices", counters.Query{Offices: []string{"mumbai", "kolkata"}, Metrics: []string{"survivors_rescued"}}, []counters.Value{
			v("kolkata", "survivors_rescued", "2025-01", 1),
			v("mumbai", "survivors_rescued", "2025-02", 1),
		}},
		{"a month range", counters.Query{FromMonth: "2025-01", ToMonth: "2025-02"}, []counters.Value{
			v("kolkata", "minors_rescued", "2025-01", 1),
			v("kolkata", "survivors_rescued", "2025-01", 1),
			v("mumbai", "cases_reported", "2025-01", 1),
			v("mumbai", "survivors_rescued", "2025-02", 1),
		}},
		{"from a month on", counters.Query{FromMonth: "2025-03"}, []counters.Value{v("mumbai", "cases_reported", "2025-03", 1)}},
		{"up to a month", counters.Query{ToMonth: "2024-12"}, []counters.Value{v("kolkata", "cases_reported", "2024-12", 1)}},
		{"an office without counters", counters.Query{Offices: []string{"chennai"}}, nil},
	}
	for _, tt := range tests {
		got, err := f.store.Query(ctx, tt.q)
		if err != nil {
			t.Fatalf("%s: Query: %v", tt.name, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: Query(%+v) =\n%v\nwant\n%v", tt.name, tt.q, got, tt.want)
		}
	}
}

func TestQueryRejectsMalformedQueries(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	tests := []struct {
		q     counters.Query
		field string
	}{
		{counters.Query{FromMonth: "2025-1"}, "from_month"},
		{counters.Query{ToMonth: "March"}, "to_month"},
		{counters.Query{FromMonth: "2025-03", ToMonth: "2025-01"}, "to_month"},
		{counters.Query{Offices: []string{"Mumbai"}}, "offices"},
		{counters.Query{Metrics: []string{"$where"}}, "metrics"},
	}
	for _, tt := range tests {
		_, err := f.store.Query(ctx, tt.q)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != counters.ReasonInvalidQuery ||
			len(e.Violations) != 1 || e.Violations[0].Field != tt.field {
			t.Errorf("Query(%+v) = %v; want INVALID_ARGUMENT %s with a violation on %s", tt.q, err, counters.ReasonInvalidQuery, tt.field)
		}
	}
}

// TestQueryReadsOnlyCounterDocuments proves that a query's cost does not
// depend on the records: every command it sends names the counters
// collection, and it reads one document per office and metric.
func TestQueryReadsOnlyCounterDocuments(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	f.seed(ctx, 30)

	var mu sync.Mutex
	type command struct {
		name, collection string
		returned         int
	}
	var commands []command
	monitor := &event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) {
			mu.Lock()
			defer mu.Unlock()
			coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
			if e.CommandName == "getMore" {
				coll, _ = e.Command.Lookup("collection").StringValueOK()
			}
			commands = append(commands, command{name: e.CommandName, collection: coll})
		},
		Succeeded: func(_ context.Context, e *event.CommandSucceededEvent) {
			mu.Lock()
			defer mu.Unlock()
			for _, batch := range []string{"firstBatch", "nextBatch"} {
				if docs, err := e.Reply.LookupErr("cursor", batch); err == nil {
					vals, _ := docs.Array().Values()
					commands[len(commands)-1].returned += len(vals)
				}
			}
		},
	}
	client, err := mongo.Connect(options.Client().ApplyURI(storetest.URI(t)).SetMonitor(monitor).SetTimeout(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	store, err := counters.NewStore(ctx, client.Database(f.db.Name()), "counters")
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	commands = nil
	mu.Unlock()

	values, err := store.Query(ctx, counters.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(values) == 0 {
		t.Fatal("the query must return the seeded counters")
	}
	mu.Lock()
	defer mu.Unlock()
	read := 0
	for _, c := range commands {
		if c.collection != "counters" {
			t.Errorf("Query sent %s to %q; it may only read the counters collection", c.name, c.collection)
		}
		read += c.returned
	}
	// One series document per office and metric, and the generation document.
	series := map[[2]string]bool{}
	for _, v := range values {
		series[[2]string{v.Office, v.Metric}] = true
	}
	if read != len(series)+1 {
		t.Errorf("Query read %d documents, want %d (%d series and the generation) whatever the number of records",
			read, len(series)+1, len(series))
	}
}
