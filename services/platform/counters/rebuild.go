package counters

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// insertBatch is how many series documents Rebuild inserts per command.
const insertBatch = 500

// deferredTimeout bounds each Apply that arrived during a Rebuild and is
// run at its end, even if the Rebuild's context has ended.
const deferredTimeout = 10 * time.Second

// Recount computes the counters from the records: the sum of
// Source.Contribute over every record of every tracked source, skipping
// records whose deletion is pending. Zero values are left out. It reads
// only records, never counters, and writes nothing. It is not a snapshot:
// compare it with Counts while no record is being written.
func (s *Store) Recount(ctx context.Context) (map[Key]int64, error) {
	s.mu.Lock()
	trackers := s.trackers
	s.mu.Unlock()
	sum := map[Key]int64{}
	for _, t := range trackers {
		err := t.scan(ctx, func(raw bson.Raw, _ State, cells []Cell) error {
			addCells(sum, cells)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("counters.Recount: %w", err)
		}
	}
	dropZeros(sum)
	return sum, nil
}

// Counts returns every non-zero counter of the current generation. It
// reads only counter documents.
func (s *Store) Counts(ctx context.Context) (map[Key]int64, error) {
	values, err := s.Query(ctx, Query{})
	if err != nil {
		return nil, fmt.Errorf("counters.Counts: %w", err)
	}
	out := make(map[Key]int64, len(values))
	for _, v := range values {
		out[Key{Office: v.Office, Metric: v.Metric, Month: v.Month}] = v.Value
	}
	return out, nil
}

// RebuildResult says what a Rebuild did.
type RebuildResult struct {
	// Generation is the generation readers use from now on.
	Generation int64
	// Records is how many records contribute to the counters.
	Records int
	// Corrected is how many records had pending changes or a stored
	// contribution different from Source.Contribute's, and were settled.
	Corrected int
	// Counters is how many non-zero counters the new generation holds.
	Counters int
	// Unsettled is how many records changed during the Rebuild could not
	// be settled at its end; they stay pending for Repair.
	Unsettled int
}

// Rebuild recomputes every counter from the records and replaces the
// counters with the result, for the admin "recount" operation and after a
// change of a contribution function (e.g. a new metric).
//
// Readers never see a half-built state: the counters live in generations.
// Rebuild writes a complete new generation beside the current one, then
// switches the generation document to it in one single-document write;
// Query and Counts read the generation document first and then only that
// generation. The previous generation stays until the next Rebuild, so a
// reader that read the generation just before the switch still reads a
// complete (one Rebuild old) set.
//
// Records are scanned once. A record already settled with a stored
// contribution equal to Source.Contribute's adds its contribution as it
// is. Any other is corrected first, through the ordinary path on the
// current generation: its pending changes are applied, then, if its
// contribution still differs, a correcting change is written and applied.
// So the current generation stays consistent with the records even if the
// Rebuild fails half way, and the new one equals Recount.
//
// While it runs, Apply returns at once and its record is settled (into the
// new generation) before Rebuild returns; Repair does nothing. Record
// writes by the service continue. One Rebuild runs at a time per Store; with
// several processes writing the database, run it where the others are
// drained (their Applies are not paused).
func (s *Store) Rebuild(ctx context.Context) (RebuildResult, error) {
	s.rebuildMu.Lock()
	defer s.rebuildMu.Unlock()
	s.mu.Lock()
	s.rebuilding = true
	trackers := s.trackers
	s.mu.Unlock()
	s.gate.Lock()
	var res RebuildResult
	defer func() { res.Unsettled = s.endRebuild(ctx) }()

	gen, err := s.generation(ctx)
	if err != nil {
		return res, fmt.Errorf("counters.Rebuild: %w", err)
	}
	next := gen + 1
	// Remove older generations and what a failed Rebuild left behind.
	_, err = s.coll.DeleteMany(ctx, bson.D{{Key: "gen", Value: bson.D{{Key: "$exists", Value: true}, {Key: "$ne", Value: gen}}}})
	if err != nil {
		return res, fmt.Errorf("counters.Rebuild: delete old generations: %w", err)
	}

	sum := map[Key]int64{}
	for _, t := range trackers {
		var dirty []bson.RawValue
		err := t.scan(ctx, func(raw bson.Raw, st State, cells []Cell) error {
			if st.Settled() && equalCells(st.Counted, cells) {
				addCells(sum, cells)
				res.Records++
				return nil
			}
			v := raw.Lookup("_id")
			dirty = append(dirty, bson.RawValue{Type: v.Type, Value: slices.Clone(v.Value)})
			return nil
		})
		if err == nil {
			err = t.scanDeleted(ctx, func(id bson.RawValue) { dirty = append(dirty, id) })
		}
		if err != nil {
			return res, fmt.Errorf("counters.Rebuild: %w", err)
		}
		for _, id := range dirty {
			counted, exists, err := t.correct(ctx, id)
			if err != nil {
				return res, fmt.Errorf("counters.Rebuild: %w", err)
			}
			res.Corrected++
			if exists {
				addCells(sum, counted)
				res.Records++
			}
		}
	}
	dropZeros(sum)
	res.Counters = len(sum)

	if err := s.writeGeneration(ctx, next, sum); err != nil {
		return res, fmt.Errorf("counters.Rebuild: %w", err)
	}
	if h := s.hooks.beforeSwitch; h != nil {
		h()
	}
	upd, err := s.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: generationID}, {Key: "current", Value: gen}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "current", Value: next}}}})
	if err != nil {
		return res, fmt.Errorf("counters.Rebuild: switch generation: %w", err)
	}
	if upd.MatchedCount != 1 {
		return res, errors.New("counters.Rebuild: the generation changed meanwhile: another process rebuilt the counters")
	}
	res.Generation = next
	return res, nil
}

// endRebuild applies the Applies deferred during the Rebuild, until none
// arrive, then lets Apply and Repair run again. It returns how many
// records could not be settled.
func (s *Store) endRebuild(ctx context.Context) int {
	failed := 0
	for {
		s.mu.Lock()
		batch := s.deferred
		s.deferred = nil
		if len(batch) == 0 {
			s.rebuilding = false
			s.gate.Unlock()
			s.mu.Unlock()
			return failed
		}
		s.mu.Unlock()
		for _, d := range batch {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), deferredTimeout)
			if err := d.t.settle(dctx, d.id); err != nil {
				failed++
			}
			cancel()
		}
	}
}

// correct settles a record on the current generation and makes its
// stored contribution equal Source.Contribute's, through ordinary changes.
// It returns the record's contribution, or exists=false if the record is
// gone (e.g. its pending delete was applied).
func (t *Tracker) correct(ctx context.Context, id bson.RawValue) (counted []Cell, exists bool, err error) {
	for range 5 {
		if err := t.settle(ctx, id); err != nil {
			return nil, false, err
		}
		counted, exists, retry, err := t.correctLocked(ctx, id)
		if err != nil || !retry {
			return counted, exists, err
		}
	}
	return nil, false, fmt.Errorf("%s record keeps changing during the rebuild", t.coll.Name())
}

// correctLocked checks a settled record under its lock; if its stored
// contribution is wrong it writes a correcting change and asks for a retry
// (which applies it).
func (t *Tracker) correctLocked(ctx context.Context, id bson.RawValue) (counted []Cell, exists, retry bool, err error) {
	raw, err := t.find(ctx, id)
	if err != nil || raw == nil {
		return nil, false, false, err
	}
	key := t.lockKey(raw)
	defer t.locks.Lock(key)()
	if raw, err = t.find(ctx, id); err != nil || raw == nil {
		return nil, false, false, err
	}
	if t.lockKey(raw) != key {
		return nil, false, true, nil // moved meanwhile: check again under its new key
	}
	st, err := t.state(raw)
	if err != nil {
		return nil, false, false, err
	}
	if !st.Settled() {
		return nil, false, true, nil // written meanwhile: settle again
	}
	cells, err := t.contribution(raw)
	if err != nil {
		return nil, false, false, err
	}
	if equalCells(st.Counted, cells) {
		return st.Counted, true, false, nil
	}
	fixed, err := st.Set(cells)
	if err != nil {
		return nil, false, false, err
	}
	_, err = t.coll.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: t.field + ".pending", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: t.field + ".pending", Value: fixed.Pending}}}})
	if err != nil {
		return nil, false, false, fmt.Errorf("correct %s record: %w", t.coll.Name(), err)
	}
	return nil, false, true, nil
}

// contribution runs Source.Contribute on a record and validates and
// normalizes the result.
func (t *Tracker) contribution(raw bson.Raw) ([]Cell, error) {
	cells, err := t.contrib(raw)
	if err != nil {
		return nil, fmt.Errorf("contribution of a %s record: %w", t.coll.Name(), err)
	}
	if err := validateCells(cells); err != nil {
		return nil, fmt.Errorf("contribution of a %s record: %w", t.coll.Name(), err)
	}
	return Normalize(cells), nil
}

// scan calls fn with every record not being deleted, its state and its
// contribution.
func (t *Tracker) scan(ctx context.Context, fn func(raw bson.Raw, st State, cells []Cell) error) error {
	cur, err := t.coll.Find(ctx, bson.D{t.NotDeleted()}, options.Find().SetBatchSize(1000))
	if err != nil {
		return fmt.Errorf("scan %s: %w", t.coll.Name(), err)
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		st, err := t.state(cur.Current)
		if err != nil {
			return err
		}
		cells, err := t.contribution(cur.Current)
		if err != nil {
			return err
		}
		if err := fn(cur.Current, st, cells); err != nil {
			return err
		}
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("scan %s: %w", t.coll.Name(), err)
	}
	return nil
}

// scanDeleted calls fn with the id of every record whose deletion is pending.
func (t *Tracker) scanDeleted(ctx context.Context, fn func(id bson.RawValue)) error {
	cur, err := t.coll.Find(ctx, bson.D{{Key: t.field + ".pending.delete", Value: true}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return fmt.Errorf("scan deleted %s: %w", t.coll.Name(), err)
	}
	defer func() { _ = cur.Close(ctx) }()
	for cur.Next(ctx) {
		v := cur.Current.Lookup("_id")
		fn(bson.RawValue{Type: v.Type, Value: slices.Clone(v.Value)})
	}
	if err := cur.Err(); err != nil {
		return fmt.Errorf("scan deleted %s: %w", t.coll.Name(), err)
	}
	return nil
}

// writeGeneration inserts the series documents of generation gen holding sum.
func (s *Store) writeGeneration(ctx context.Context, gen int64, sum map[Key]int64) error {
	bySeries := map[seriesKey]map[string]int64{}
	for k, v := range sum {
		sk := seriesKey{k.Office, k.Metric}
		if bySeries[sk] == nil {
			bySeries[sk] = map[string]int64{}
		}
		bySeries[sk][k.Month] = v
	}
	docs := make([]any, 0, insertBatch)
	flush := func() error {
		if len(docs) == 0 {
			return nil
		}
		if _, err := s.coll.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("write generation %d: %w", gen, err)
		}
		docs = docs[:0]
		return nil
	}
	for _, sk := range slices.SortedFunc(maps.Keys(bySeries), compareSeries) {
		docs = append(docs, series{ID: seriesID(gen, sk.office, sk.metric), Gen: gen, Office: sk.office,
			Metric: sk.metric, Months: bySeries[sk], Seq: 1, Applied: []string{}})
		if len(docs) == insertBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

func addCells(sum map[Key]int64, cells []Cell) {
	for _, c := range cells {
		sum[c.Key()] += c.Delta
	}
}

func dropZeros(sum map[Key]int64) {
	maps.DeleteFunc(sum, func(_ Key, v int64) bool { return v == 0 })
}
