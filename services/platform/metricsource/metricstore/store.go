// Package metricstore keeps a metrics source's pre-aggregated counters
// (office x metric x month, package counters) in the service's MongoDB
// database: the Store, fed by the service's record collections
// (docstore.Collection.Track), which implements metricsource.Repository
// for the metrics use cases, and Cells, which turns a record's
// metricsource.MetricCounts into counter cells of its office.
//
// It is kept apart from package metricsource so that a service's pure
// domain, which needs only the metric types, does not depend on the
// MongoDB driver.
package metricstore

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/resname"
)

// Collections of the metric counters in the service's database.
const (
	// CountersCollection holds the pre-aggregated metric counters (package counters).
	CountersCollection = "metric_counters"
	// RebuildsCollection keeps a record of every recount of the counters:
	// when, by whom, why and with what result.
	RebuildsCollection = "metric_rebuilds"
)

// applyTimeout bounds the counter update that follows a record write. It
// runs even if the request's caller has gone away: the record is written,
// and the sooner its change is counted the better.
const applyTimeout = 10 * time.Second

// rebuildTimeout bounds a Rebuild, which runs to its end even if the caller
// goes away: a recount half done is wasted work (the counters stay as they
// were), and the caller learns the outcome from the record of the rebuild.
const rebuildTimeout = time.Hour

// TimeZones gives the time zone of an office, in which the metrics' months
// are counted. It returns nil (meaning UTC) for an office it does not know.
type TimeZones func(office string) *time.Location

// Options are a Store's optional settings.
type Options struct {
	// Zones gives each office's time zone (see Store.Zone). Nil means UTC
	// for every office.
	Zones TimeZones
	// Logger receives the warnings of counter updates that failed after a
	// write (they are retried by Repair). Nil means slog.Default().
	Logger *slog.Logger
}

// Store keeps a service's metric counters (counters.Store in
// CountersCollection) and the record of their recounts
// (RebuildsCollection), and does their upkeep (Repair). It implements
// metricsource.Repository for the service's use cases, and
// docstore.Counters for the record collections that feed it
// (docstore.Collection.Track).
type Store struct {
	store    *counters.Store
	zones    TimeZones
	logger   *slog.Logger
	rebuilds *mongo.Collection
	// crashes is how many of the next applies to skip (SimulateCrashes).
	crashes atomic.Int64
	// dirty is set when an apply failed or was skipped, or a Rebuild left a
	// record unsettled, since the last Repair began.
	dirty atomic.Bool
}

var _ metricsource.Repository = (*Store)(nil)

// NewStore returns the Store on db, creating its collections' indexes and
// the counters' generation if missing. It applies no pending counter
// change: track the record collections, then call Repair before serving.
func NewStore(ctx context.Context, db *mongo.Database, opts Options) (*Store, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	cs, err := counters.NewStore(ctx, db, CountersCollection)
	if err != nil {
		return nil, fmt.Errorf("metricstore.NewStore: %w", err)
	}
	rebuilds := db.Collection(RebuildsCollection)
	if err := mongostore.EnsureIndexes(ctx, rebuilds, []mongo.IndexModel{{
		Keys: bson.D{{Key: "time", Value: 1}}, Options: options.Index().SetName("time"),
	}}); err != nil {
		return nil, fmt.Errorf("metricstore.NewStore: %w", err)
	}
	return &Store{store: cs, zones: opts.Zones, logger: logger, rebuilds: rebuilds}, nil
}

// Zone is the time zone of office in which its records' months are
// counted: Options.Zones' answer, UTC when it has none.
func (s *Store) Zone(office string) *time.Location {
	if s.zones == nil {
		return time.UTC
	}
	if tz := s.zones(office); tz != nil {
		return tz
	}
	return time.UTC
}

// Track registers a collection of records that feeds the counters (see
// counters.Store.Track); docstore.Collection.Track calls it.
func (s *Store) Track(src counters.Source) (*counters.Tracker, error) { return s.store.Track(src) }

// skipApply reports whether a simulated crash takes the place of this apply.
func (s *Store) skipApply() bool {
	for {
		n := s.crashes.Load()
		if n <= 0 {
			return false
		}
		if s.crashes.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// ApplyPending applies the pending changes of the record named name (_id
// id) to the counters, once the record is written and its lock released.
// A failure is logged, not returned: the record is written and its change
// stays pending with it until Repair applies it (NeedsRepair then says so).
func (s *Store) ApplyPending(ctx context.Context, t *counters.Tracker, name, id string) {
	if s.skipApply() {
		s.dirty.Store(true)
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), applyTimeout)
	defer cancel()
	if err := t.Apply(actx, id); err != nil {
		s.dirty.Store(true)
		s.logger.WarnContext(ctx, "metric counters not updated after a write; the next repair will count the change",
			"record", name, "error", err)
	}
}

// Query implements metricsource.Repository. It reads counter documents
// only. A query naming no office or no metric selects nothing.
func (s *Store) Query(ctx context.Context, q metricsource.MetricsQuery) ([]metricsource.MetricValue, error) {
	if len(q.Offices) == 0 || len(q.Metrics) == 0 {
		return nil, nil
	}
	values, err := s.store.Query(ctx, counters.Query{
		Offices: q.Offices, Metrics: q.Metrics, FromMonth: q.FromMonth, ToMonth: q.ToMonth,
	})
	if err != nil {
		return nil, fmt.Errorf("metricstore.Store.Query: %w", err)
	}
	out := make([]metricsource.MetricValue, len(values))
	for i, v := range values {
		out[i] = metricsource.MetricValue{Office: v.Office, Metric: v.Metric, Month: v.Month, Value: v.Value}
	}
	return out, nil
}

// rebuildDoc is the stored record of one recount.
type rebuildDoc struct {
	ID         string     `bson:"_id"`
	Time       time.Time  `bson:"time"`
	Actor      string     `bson:"actor"`
	Reason     string     `bson:"reason"`
	RequestID  string     `bson:"request_id,omitempty"`
	EndTime    *time.Time `bson:"end_time,omitempty"`
	Outcome    string     `bson:"outcome,omitempty"`
	Generation int64      `bson:"generation,omitempty"`
	Records    int64      `bson:"records,omitempty"`
	Corrected  int64      `bson:"corrected,omitempty"`
	Counters   int64      `bson:"counters,omitempty"`
	Unsettled  int64      `bson:"unsettled,omitempty"`
}

// Rebuild implements metricsource.Repository: it records who asks and why
// (no record, no rebuild), recounts every metric from the tracked
// collections and switches the readers to the new counters
// (counters.Store.Rebuild), then records the outcome (DONE or FAILED).
// Once started, the recount runs to its end (at most an hour) even if the
// caller goes away. Records left unsettled by writes racing the Rebuild
// are left for the next Repair.
func (s *Store) Rebuild(ctx context.Context, req metricsource.RebuildRequest) (metricsource.MetricsRebuild, error) {
	rec := rebuildDoc{ID: resname.NewID(), Time: record.Timestamp(req.Time), Actor: req.Actor, Reason: req.Reason, RequestID: req.RequestID}
	if _, err := s.rebuilds.InsertOne(ctx, rec); err != nil {
		return metricsource.MetricsRebuild{}, fmt.Errorf("metricstore.Store.Rebuild: record the rebuild: %w", err)
	}
	rctx, cancelRebuild := context.WithTimeout(context.WithoutCancel(ctx), rebuildTimeout)
	defer cancelRebuild()
	res, err := s.store.Rebuild(rctx)
	if res.Unsettled > 0 {
		s.dirty.Store(true)
	}
	out := metricsource.MetricsRebuild{Generation: res.Generation, Records: int64(res.Records), Corrected: int64(res.Corrected), Counters: int64(res.Counters)}
	end := record.Timestamp(time.Now())
	set := bson.D{{Key: "end_time", Value: end}, {Key: "outcome", Value: "DONE"}, {Key: "generation", Value: out.Generation},
		{Key: "records", Value: out.Records}, {Key: "corrected", Value: out.Corrected}, {Key: "counters", Value: out.Counters},
		{Key: "unsettled", Value: int64(res.Unsettled)}}
	if err != nil {
		set = bson.D{{Key: "end_time", Value: end}, {Key: "outcome", Value: "FAILED"}}
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), applyTimeout)
	defer cancel()
	if _, uerr := s.rebuilds.UpdateOne(uctx, bson.D{{Key: "_id", Value: rec.ID}}, bson.D{{Key: "$set", Value: set}}); uerr != nil {
		s.logger.WarnContext(ctx, "recording the outcome of a metrics rebuild failed", "rebuild", rec.ID, "error", uerr)
	}
	if err != nil {
		return metricsource.MetricsRebuild{}, fmt.Errorf("metricstore.Store.Rebuild: %w", err)
	}
	return out, nil
}

// Repair applies every pending counter change of the tracked collections'
// records whose oldest pending change is at least minAge old, and returns
// how many records it settled (see counters.Store.Repair). It scans every
// tracked collection: run it at start-up, before serving, and now and
// then. Only a repair of every pending change (minAge 0) answers
// NeedsRepair.
func (s *Store) Repair(ctx context.Context, minAge time.Duration) (int, error) {
	if minAge <= 0 {
		s.dirty.Store(false)
	}
	n, err := s.store.Repair(ctx, minAge)
	if err != nil {
		s.dirty.Store(true)
		return n, fmt.Errorf("metricstore.Store.Repair: %w", err)
	}
	return n, nil
}

// NeedsRepair reports whether, since the last Repair began, an apply of
// this process failed or was skipped, or a Rebuild left a record unsettled:
// pending changes are known to wait for a Repair.
func (s *Store) NeedsRepair() bool { return s.dirty.Load() }

// Counters returns the counters store, for tests that compare the counters
// with a recount from the records (counters.Store.Counts, Recount).
func (s *Store) Counters() *counters.Store { return s.store }

// SimulateCrashes makes the next n record writes skip the apply that
// follows them, as if the process had stopped right after writing the
// record: the record keeps its pending change until a Repair (e.g. the one
// at the next start) applies it. For tests of crash recovery only.
func (s *Store) SimulateCrashes(n int) { s.crashes.Store(int64(n)) }

// Cells turns a record's metric counts into counter cells of its office:
// what a docstore.Tracking's Cells returns.
func Cells(office string, counts []metricsource.MetricCount) []counters.Cell {
	out := make([]counters.Cell, len(counts))
	for i, c := range counts {
		out[i] = counters.Cell{Office: office, Metric: c.Metric, Month: c.Month, Delta: c.Delta}
	}
	return out
}
