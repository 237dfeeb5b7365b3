package mongodb

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/resname"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Collections of the metric counters.
const (
	// CountersCollection holds the pre-aggregated metric counters (package counters).
	CountersCollection = "metric_counters"
	// RebuildsCollection keeps a record of every recount of the counters:
	// when, by whom, why and with what result.
	RebuildsCollection = "metric_rebuilds"
)

// countersField is the document field holding a tracked record's counters bookkeeping.
const countersField = counters.DefaultField

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

// metrics is what the tracked repositories share about the counters.
type metrics struct {
	store    *counters.Store
	zones    TimeZones
	logger   *slog.Logger
	rebuilds *mongo.Collection
	// crashes is how many of the next Applies to skip (SimulateCrashes).
	crashes atomic.Int64
	// dirty is set when an Apply failed or was skipped, or a Rebuild left a
	// record unsettled, since the last Repair began.
	dirty atomic.Bool
}

func (m *metrics) zone(office string) *time.Location {
	if m.zones == nil {
		return time.UTC
	}
	if tz := m.zones(office); tz != nil {
		return tz
	}
	return time.UTC
}

// cells turns a record's metric counts into counter cells of its office.
func cells(office string, counts []domain.MetricCount) []counters.Cell {
	out := make([]counters.Cell, len(counts))
	for i, c := range counts {
		out[i] = counters.Cell{Office: office, Metric: c.Metric, Month: c.Month, Delta: c.Delta}
	}
	return out
}

// operationCells is the contribution of a stored operation: the domain's
// OperationMetrics in its office's time zone.
func (m *metrics) operationCells(raw bson.Raw) ([]counters.Cell, error) {
	var d operationDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode operation: %w", err)
	}
	o := fromOperationDoc(&d)
	return cells(o.Office, domain.OperationMetrics(o, m.zone(o.Office))), nil
}

// survivorCells is the contribution of a stored survivor: the domain's
// SurvivorMetrics in its office's time zone, computed without decrypting
// (nor reading) the protected identity.
func (m *metrics) survivorCells(raw bson.Raw) ([]counters.Cell, error) {
	var d survivorDoc
	if err := bson.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("decode survivor: %w", err)
	}
	s := survivorWithoutIdentity(&d)
	return cells(s.Office, domain.SurvivorMetrics(s, m.zone(s.Office))), nil
}

// recordLockKey is the lock key of a stored record, the one the
// repositories use: office/id.
func recordLockKey(raw bson.Raw) string {
	office, _ := raw.Lookup("office").StringValueOK()
	id, _ := raw.Lookup("_id").StringValueOK()
	return lockKey(office, id)
}

// skipApply reports whether a simulated crash takes the place of this Apply.
func (m *metrics) skipApply() bool {
	for {
		n := m.crashes.Load()
		if n <= 0 {
			return false
		}
		if m.crashes.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// apply applies the pending changes of the record named name (_id id) to
// the counters. A failure is logged, not returned: the record is written
// and its change stays pending with it until Repair applies it.
func (m *metrics) apply(ctx context.Context, t *counters.Tracker, name, id string) {
	if m.skipApply() {
		m.dirty.Store(true)
		return
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), applyTimeout)
	defer cancel()
	if err := t.Apply(actx, id); err != nil {
		m.dirty.Store(true)
		m.logger.WarnContext(ctx, "metric counters not updated after a write; the next repair will count the change",
			"record", name, "error", err)
	}
}

// MetricsRepository implements domain.MetricsRepository over the counters
// the operation and survivor repositories keep, and the upkeep they need
// (Repair).
type MetricsRepository struct {
	m *metrics
}

var _ domain.MetricsRepository = (*MetricsRepository)(nil)

// Query implements domain.MetricsRepository. It reads counter documents
// only. A query naming no office or no metric selects nothing.
func (r *MetricsRepository) Query(ctx context.Context, q domain.MetricsQuery) ([]domain.MetricValue, error) {
	if len(q.Offices) == 0 || len(q.Metrics) == 0 {
		return nil, nil
	}
	values, err := r.m.store.Query(ctx, counters.Query{
		Offices: q.Offices, Metrics: q.Metrics, FromMonth: q.FromMonth, ToMonth: q.ToMonth,
	})
	if err != nil {
		return nil, fmt.Errorf("mongodb.MetricsRepository.Query: %w", err)
	}
	out := make([]domain.MetricValue, len(values))
	for i, v := range values {
		out[i] = domain.MetricValue{Office: v.Office, Metric: v.Metric, Month: v.Month, Value: v.Value}
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

// Rebuild implements domain.MetricsRepository: it records who asks and why
// (no record, no rebuild), recounts every metric from the operations and
// survivors and switches the readers to the new counters (counters.Store.Rebuild),
// then records the outcome. Once started, the recount runs to its end (at
// most an hour) even if the caller goes away. Records left unsettled by
// writes racing the Rebuild are left for the next Repair.
func (r *MetricsRepository) Rebuild(ctx context.Context, req domain.RebuildRequest) (domain.MetricsRebuild, error) {
	rec := rebuildDoc{ID: resname.NewID(), Time: domain.Timestamp(req.Time), Actor: req.Actor, Reason: req.Reason, RequestID: req.RequestID}
	if _, err := r.m.rebuilds.InsertOne(ctx, rec); err != nil {
		return domain.MetricsRebuild{}, fmt.Errorf("mongodb.MetricsRepository.Rebuild: record the rebuild: %w", err)
	}
	rctx, cancelRebuild := context.WithTimeout(context.WithoutCancel(ctx), rebuildTimeout)
	defer cancelRebuild()
	res, err := r.m.store.Rebuild(rctx)
	if res.Unsettled > 0 {
		r.m.dirty.Store(true)
	}
	out := domain.MetricsRebuild{Generation: res.Generation, Records: int64(res.Records), Corrected: int64(res.Corrected), Counters: int64(res.Counters)}
	end := domain.Timestamp(time.Now())
	set := bson.D{{Key: "end_time", Value: end}, {Key: "outcome", Value: "DONE"}, {Key: "generation", Value: out.Generation},
		{Key: "records", Value: out.Records}, {Key: "corrected", Value: out.Corrected}, {Key: "counters", Value: out.Counters},
		{Key: "unsettled", Value: int64(res.Unsettled)}}
	if err != nil {
		set = bson.D{{Key: "end_time", Value: end}, {Key: "outcome", Value: "FAILED"}}
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), applyTimeout)
	defer cancel()
	if _, uerr := r.m.rebuilds.UpdateOne(uctx, bson.D{{Key: "_id", Value: rec.ID}}, bson.D{{Key: "$set", Value: set}}); uerr != nil {
		r.m.logger.WarnContext(ctx, "recording the outcome of a metrics rebuild failed", "rebuild", rec.ID, "error", uerr)
	}
	if err != nil {
		return domain.MetricsRebuild{}, fmt.Errorf("mongodb.MetricsRepository.Rebuild: %w", err)
	}
	return out, nil
}

// Repair applies every pending counter change of the operations and
// survivors whose oldest pending change is at least minAge old, and returns
// how many records it settled (see counters.Store.Repair). It scans both
// collections: run it at start-up, before serving, and now and then. Only
// a repair of every pending change (minAge 0) answers NeedsRepair.
func (r *MetricsRepository) Repair(ctx context.Context, minAge time.Duration) (int, error) {
	if minAge <= 0 {
		r.m.dirty.Store(false)
	}
	n, err := r.m.store.Repair(ctx, minAge)
	if err != nil {
		r.m.dirty.Store(true)
		return n, fmt.Errorf("mongodb.MetricsRepository.Repair: %w", err)
	}
	return n, nil
}

// NeedsRepair reports whether, since the last Repair began, an Apply of
// this process failed or was skipped, or a Rebuild left a record unsettled:
// pending changes are known to wait for a Repair.
func (r *MetricsRepository) NeedsRepair() bool { return r.m.dirty.Load() }

// Counters returns the counters store, for tests that compare the counters
// with a recount from the records (Store.Counts, Store.Recount).
func (r *MetricsRepository) Counters() *counters.Store { return r.m.store }

// SimulateCrashes makes the next n record writes skip the Apply that
// follows them, as if the process had stopped right after writing the
// record: the record keeps its pending change until a Repair (e.g. the one
// at the next start) applies it. For tests of crash recovery only.
func (r *MetricsRepository) SimulateCrashes(n int) { r.m.crashes.Store(int64(n)) }
