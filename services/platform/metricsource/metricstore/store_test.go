package metricstore_test

import (
	"bytes"
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/metricsource/metricstore"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/storetest"
)

// filing is the fake service's record: a charge sheet filed at a time,
// counted in "charge_sheets_filed" in the month of its office's calendar.
type filing struct {
	record.Meta
	Filed time.Time
}

type filingDoc struct {
	Meta     docstore.MetaFields `bson:",inline"`
	Filed    time.Time           `bson:"filed"`
	Counters counters.State      `bson:"counters"`
}

var ist = time.FixedZone("IST", 5*3600+1800)

const metricFiled = "charge_sheets_filed"

// fixture is a Store with one tracked collection of filings, Mumbai in
// Indian time and every other office in UTC.
type fixture struct {
	db      *mongo.Database
	store   *metricstore.Store
	filings *docstore.Collection[filing, filingDoc]
	log     *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: storetest.NewDatabase(t), log: &bytes.Buffer{}}
	var err error
	f.store, err = metricstore.NewStore(ctx, f.db, metricstore.Options{
		Zones: func(office string) *time.Location {
			if office == "mumbai" {
				return ist
			}
			return nil
		},
		Logger: slog.New(slog.NewTextHandler(f.log, nil)),
	})
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	f.filings = docstore.New(f.db.Collection("filings"), nil, docstore.Mapping[filing, filingDoc]{
		Kind: "filing", Collection: "filings",
		ToDoc: docstore.Infallible(func(r *filing) *filingDoc {
			return &filingDoc{Meta: docstore.FromMeta(r.Meta), Filed: r.Filed}
		}),
		FromDoc: docstore.Infallible(func(d *filingDoc) *filing { return &filing{Meta: d.Meta.ToMeta(), Filed: d.Filed.UTC()} }),
		Meta:    func(r *filing) *record.Meta { return &r.Meta },
	})
	err = f.filings.Track(docstore.Tracking[filingDoc]{
		Counters: f.store,
		State:    func(d *filingDoc) *counters.State { return &d.Counters },
		Cells: func(d *filingDoc) ([]counters.Cell, error) {
			office := d.Meta.Office
			return metricstore.Cells(office, []metricsource.MetricCount{
				{Metric: metricFiled, Month: metricsource.Month(d.Filed, f.store.Zone(office)), Delta: 1},
			}), nil
		},
	})
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	return f
}

func (f *fixture) file(t *testing.T, office, id string, at time.Time) {
	t.Helper()
	r := &filing{Meta: record.NewMeta(id, office, "clerk", at), Filed: at}
	if err := f.filings.Create(context.Background(), r); err != nil {
		t.Fatalf("Create %s: %v", id, err)
	}
}

// assertCounts checks that the counters equal want and a recount, through
// the store's own Query (every office and month of the metric).
func (f *fixture) assertCounts(t *testing.T, want map[counters.Key]int64) {
	t.Helper()
	ctx := context.Background()
	values, err := f.store.Query(ctx, metricsource.MetricsQuery{Offices: []string{"kolkata", "mumbai", "pune"}, Metrics: []string{metricFiled}})
	if err != nil {
		t.Fatal(err)
	}
	got := make(map[counters.Key]int64, len(values))
	for _, v := range values {
		got[counters.Key{Office: v.Office, Metric: v.Metric, Month: v.Month}] = v.Value
	}
	if recount, err := f.store.Counters().Recount(ctx); err != nil || !maps.Equal(got, recount) || !maps.Equal(got, want) {
		t.Errorf("counters %v, recount %v (%v), want %v", got, recount, err, want)
	}
}

func filed(office, month string) counters.Key {
	return counters.Key{Office: office, Metric: metricFiled, Month: month}
}

func TestCountersFollowWritesInTheOfficesMonth(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// 00:30 IST on 1 April: April in Mumbai; March in Pune, whose zone is unknown (UTC).
	at := time.Date(2025, 3, 31, 19, 0, 0, 0, time.UTC)
	f.file(t, "mumbai", "f1", at)
	f.file(t, "pune", "f2", at)
	f.file(t, "pune", "f3", at.AddDate(0, 0, -40))
	f.assertCounts(t, map[counters.Key]int64{filed("mumbai", "2025-04"): 1, filed("pune", "2025-03"): 1, filed("pune", "2025-02"): 1})
	if f.store.Zone("pune") != time.UTC || f.store.Zone("mumbai") != ist {
		t.Errorf("Zone: pune %v, mumbai %v", f.store.Zone("pune"), f.store.Zone("mumbai"))
	}

	values, err := f.store.Query(ctx, metricsource.MetricsQuery{Offices: []string{"mumbai", "pune"}, Metrics: []string{metricFiled, "other"},
		FromMonth: "2025-03"})
	if err != nil {
		t.Fatal(err)
	}
	want := []metricsource.MetricValue{
		{Office: "mumbai", Metric: metricFiled, Month: "2025-04", Value: 1},
		{Office: "pune", Metric: metricFiled, Month: "2025-03", Value: 1},
	}
	if !slices.Equal(values, want) {
		t.Errorf("Query = %v, want %v", values, want)
	}
	for _, q := range []metricsource.MetricsQuery{
		{Metrics: []string{metricFiled}},
		{Offices: []string{"mumbai"}},
		{Offices: []string{"kolkata"}, Metrics: []string{metricFiled}},
	} {
		if values, err := f.store.Query(ctx, q); err != nil || len(values) != 0 {
			t.Errorf("Query(%+v) = %v, %v; want nothing (no office or no metric selects nothing)", q, values, err)
		}
	}
}

func TestRebuildRecountsAndRecordsWhoAskedAndTheOutcome(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2025, 5, 10, 12, 0, 0, 0, time.UTC)
	f.file(t, "mumbai", "f1", at)
	// A record written behind the store's back: not counted, and its
	// bookkeeping says so.
	if _, err := f.filings.Mongo().InsertOne(ctx, filingDoc{Meta: docstore.FromMeta(record.NewMeta("f2", "mumbai", "x", at)), Filed: at}); err != nil {
		t.Fatal(err)
	}
	res, err := f.store.Rebuild(ctx, metricsource.RebuildRequest{Actor: "admin", Time: at.Add(time.Hour), Reason: "restored a backup", RequestID: "req-1"})
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if res.Records != 2 || res.Corrected != 1 || res.Counters != 1 || res.Generation < 2 {
		t.Errorf("Rebuild = %+v, want 2 records, 1 corrected, 1 counter, a new generation", res)
	}
	f.assertCounts(t, map[counters.Key]int64{filed("mumbai", "2025-05"): 2})

	var rec bson.M
	if err := f.db.Collection(metricstore.RebuildsCollection).FindOne(ctx, bson.D{}).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	if rec["actor"] != "admin" || rec["reason"] != "restored a backup" || rec["request_id"] != "req-1" ||
		rec["outcome"] != "DONE" || rec["records"] != int64(2) || rec["corrected"] != int64(1) || rec["end_time"] == nil {
		t.Errorf("record of the rebuild = %v", rec)
	}
	if f.store.NeedsRepair() {
		t.Error("a clean rebuild asks for a repair")
	}
}

func TestASkippedApplyWaitsForRepair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	f.store.SimulateCrashes(1)
	f.file(t, "pune", "f1", at)
	f.file(t, "pune", "f2", at)
	if !f.store.NeedsRepair() {
		t.Error("a skipped apply does not ask for a repair")
	}
	if got, _ := f.store.Counters().Counts(ctx); got[filed("pune", "2025-06")] != 1 {
		t.Errorf("counters after one skipped apply = %v, want only the second record counted", got)
	}
	n, err := f.store.Repair(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v; want 1 record settled", n, err)
	}
	if f.store.NeedsRepair() {
		t.Error("still asks for a repair after a full one")
	}
	f.assertCounts(t, map[counters.Key]int64{filed("pune", "2025-06"): 2})
}

func TestAFailedApplyIsLoggedAndLeftForRepair(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Without its generation document the counters cannot be updated.
	cs := f.db.Collection(metricstore.CountersCollection)
	var gen bson.Raw
	if err := cs.FindOne(ctx, bson.D{{Key: "_id", Value: "generation"}}).Decode(&gen); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.DeleteOne(ctx, bson.D{{Key: "_id", Value: "generation"}}); err != nil {
		t.Fatal(err)
	}
	f.file(t, "pune", "f1", time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	if !f.store.NeedsRepair() {
		t.Error("a failed apply does not ask for a repair")
	}
	if log := f.log.String(); !strings.Contains(log, "metric counters not updated after a write") || !strings.Contains(log, "offices/pune/filings/f1") {
		t.Errorf("log = %q, want a warning naming the record", log)
	}
	if _, err := cs.InsertOne(ctx, gen); err != nil {
		t.Fatal(err)
	}
	if n, err := f.store.Repair(ctx, 0); err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v", n, err)
	}
	f.assertCounts(t, map[counters.Key]int64{filed("pune", "2025-06"): 1})
}

func TestCellsAreTheRecordsOffice(t *testing.T) {
	t.Parallel()
	got := metricstore.Cells("mumbai", []metricsource.MetricCount{
		{Metric: "cases_filed", Month: "2025-03", Delta: 1},
		{Metric: "convictions", Month: "2025-04", Delta: 2},
	})
	want := []counters.Cell{
		{Office: "mumbai", Metric: "cases_filed", Month: "2025-03", Delta: 1},
		{Office: "mumbai", Metric: "convictions", Month: "2025-04", Delta: 2},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Cells = %v, want %v", got, want)
	}
	if got := metricstore.Cells("mumbai", nil); len(got) != 0 {
		t.Errorf("no counts: %v", got)
	}
}
