package counters

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/mongostore"
)

// MaxApplied bounds the change ids a series document remembers. Ids are
// removed as soon as the change is settled on its record, so the list
// holds only changes in flight (and the rare leftover of a crash between
// settling and removing); the bound only caps what leftovers can add.
const MaxApplied = 64

// generationID is the _id of the document holding the current generation.
const generationID = "generation"

// casAttempts bounds the read / compare-and-swap loop on one series
// document, which only loses to another process's concurrent write.
const casAttempts = 10

// series is a counter document: the monthly values of one metric of one
// office, in one generation.
type series struct {
	ID     string           `bson:"_id"` // "<gen>|<office>|<metric>"
	Gen    int64            `bson:"gen"`
	Office string           `bson:"office"`
	Metric string           `bson:"metric"`
	Months map[string]int64 `bson:"months"` // "YYYY-MM" -> value; zeros omitted
	// Seq counts the document's writes; every change is a compare-and-swap
	// on it, atomic on MongoDB (and serialised in-process for FerretDB).
	Seq int64 `bson:"seq"`
	// Applied lists the ids of the changes applied but not yet settled on
	// their records (at most MaxApplied, newest last).
	Applied []string `bson:"applied"`
}

func seriesID(gen int64, office, metric string) string {
	return fmt.Sprintf("%d|%s|%s", gen, office, metric)
}

// Store keeps the counters of one service in one collection. It is safe
// for concurrent use. Register each record collection that feeds it with
// Track before serving.
type Store struct {
	coll  *mongo.Collection
	locks mongostore.WriteLocks // per series document

	mu         sync.Mutex // guards rebuilding, deferred and trackers
	rebuilding bool
	deferred   []deferredApply
	trackers   []*Tracker

	// gate is held shared by Apply and Repair and exclusively by Rebuild.
	gate sync.RWMutex
	// rebuildMu lets one Rebuild run at a time.
	rebuildMu sync.Mutex

	hooks hooks
}

// deferredApply is an Apply that arrived during a Rebuild.
type deferredApply struct {
	t  *Tracker
	id any
}

// hooks let tests stop an operation where a crash could stop it. All nil
// outside tests.
type hooks struct {
	// afterCounters runs after a change reached the counters, before the
	// record is settled; an error aborts Apply there.
	afterCounters func(changeID string) error
	// afterSettle runs after the record is settled, before the change id
	// is removed from the series documents; an error aborts Apply there.
	afterSettle func(changeID string) error
	// beforeSwitch runs in Rebuild after the new generation is written,
	// before readers are switched to it.
	beforeSwitch func()
}

// NewStore returns a Store on db's collection, creating the collection's
// index and its generation document if missing. Call it at every start.
func NewStore(ctx context.Context, db *mongo.Database, collection string) (*Store, error) {
	if collection == "" {
		return nil, errors.New("counters.NewStore: collection is required")
	}
	coll := db.Collection(collection)
	err := mongostore.EnsureIndexes(ctx, coll, []mongo.IndexModel{{
		Keys:    bson.D{{Key: "gen", Value: 1}, {Key: "office", Value: 1}, {Key: "metric", Value: 1}},
		Options: options.Index().SetName("gen_office_metric"),
	}})
	if err != nil {
		return nil, fmt.Errorf("counters.NewStore: %w", err)
	}
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: generationID}, {Key: "current", Value: int64(1)}})
	if err != nil && !mongostore.IsDuplicateKey(err) {
		return nil, fmt.Errorf("counters.NewStore: create generation: %w", err)
	}
	return &Store{coll: coll}, nil
}

// Collection returns the counters collection.
func (s *Store) Collection() *mongo.Collection { return s.coll }

// generation returns the generation readers and writers use now.
func (s *Store) generation(ctx context.Context) (int64, error) {
	var doc struct {
		Current int64 `bson:"current"`
	}
	if err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: generationID}}).Decode(&doc); err != nil {
		return 0, fmt.Errorf("read generation: %w", err)
	}
	return doc.Current, nil
}

// seriesKey names one series within a generation.
type seriesKey struct{ office, metric string }

func compareSeries(a, b seriesKey) int {
	return compareCells(Cell{Office: a.office, Metric: a.metric}, Cell{Office: b.office, Metric: b.metric})
}

// applyChange adds the delta of change id to the counters of generation
// gen, once: a series document that already lists id is left alone. It
// returns the ids of the series documents the change is now listed in.
func (s *Store) applyChange(ctx context.Context, gen int64, id string, delta []Cell) ([]string, error) {
	bySeries := map[seriesKey]map[string]int64{}
	for _, c := range delta {
		k := seriesKey{c.Office, c.Metric}
		if bySeries[k] == nil {
			bySeries[k] = map[string]int64{}
		}
		bySeries[k][c.Month] += c.Delta
	}
	keys := slices.SortedFunc(maps.Keys(bySeries), compareSeries)
	touched := make([]string, 0, len(keys))
	for _, k := range keys {
		sid := seriesID(gen, k.office, k.metric)
		if err := s.applySeries(ctx, gen, sid, k, id, bySeries[k]); err != nil {
			return touched, err
		}
		touched = append(touched, sid)
	}
	return touched, nil
}

// applySeries adds months to one series document unless it lists id.
func (s *Store) applySeries(ctx context.Context, gen int64, sid string, k seriesKey, id string, months map[string]int64) error {
	defer s.locks.Lock(s.coll.Name() + "/" + sid)()
	for range casAttempts {
		var doc series
		err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: sid}}).Decode(&doc)
		if errors.Is(err, mongo.ErrNoDocuments) {
			doc = series{ID: sid, Gen: gen, Office: k.office, Metric: k.metric,
				Months: addMonths(nil, months), Seq: 1, Applied: []string{id}}
			_, err := s.coll.InsertOne(ctx, doc)
			if err == nil {
				return nil
			}
			if mongostore.IsDuplicateKey(err) {
				continue // created meanwhile by another process
			}
			return fmt.Errorf("insert counter %s: %w", sid, err)
		}
		if err != nil {
			return fmt.Errorf("read counter %s: %w", sid, err)
		}
		if slices.Contains(doc.Applied, id) {
			return nil // a replay: already counted
		}
		applied := append(doc.Applied, id)
		if n := len(applied); n > MaxApplied {
			applied = applied[n-MaxApplied:]
		}
		// Each month is set or unset by its own path: FerretDB v1 takes a
		// $set of a whole embedded document whose values equal the stored
		// ones under other keys for "unchanged" and ignores it.
		set := bson.D{{Key: "seq", Value: doc.Seq + 1}, {Key: "applied", Value: applied}}
		var unset bson.D
		for _, m := range slices.Sorted(maps.Keys(months)) {
			if v := doc.Months[m] + months[m]; v != 0 {
				set = append(set, bson.E{Key: "months." + m, Value: v})
			} else {
				unset = append(unset, bson.E{Key: "months." + m, Value: ""})
			}
		}
		update := bson.D{{Key: "$set", Value: set}}
		if len(unset) > 0 {
			update = append(update, bson.E{Key: "$unset", Value: unset})
		}
		res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: sid}, {Key: "seq", Value: doc.Seq}}, update)
		if err != nil {
			return fmt.Errorf("update counter %s: %w", sid, err)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("update counter %s: still contended after %d attempts", sid, casAttempts)
}

// addMonths returns a copy of base with delta added, zeros removed.
func addMonths(base, delta map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(base)+len(delta))
	maps.Copy(out, base)
	for m, d := range delta {
		if v := out[m] + d; v != 0 {
			out[m] = v
		} else {
			delete(out, m)
		}
	}
	return out
}

// forget removes a settled change's id from the series documents. A
// failure only leaves the id behind (bounded by MaxApplied): the change can
// no longer be replayed, since its record no longer lists it.
func (s *Store) forget(ctx context.Context, sids []string, id string) {
	for _, sid := range sids {
		unlock := s.locks.Lock(s.coll.Name() + "/" + sid)
		_, _ = s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: sid}},
			bson.D{
				{Key: "$pull", Value: bson.D{{Key: "applied", Value: id}}},
				{Key: "$inc", Value: bson.D{{Key: "seq", Value: int64(1)}}},
			})
		unlock()
	}
}
