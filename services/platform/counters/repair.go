package counters

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Repair applies the pending changes of every record of every tracked
// source whose oldest pending change is at least minAge old, and returns
// how many records it settled. It is what makes a crash between a record
// write and its Apply harmless: run it at start-up, before serving, and
// periodically (e.g. every minute) to retry Applies that failed.
//
// Repair is safe at any time in the process that serves the records (it
// and Apply serialise on the record's lock). With several processes
// writing one database, give a minAge longer than any request takes, so
// that Repair never applies a change another process is applying at the
// same moment. During a Rebuild, Repair does nothing and returns 0: the
// Rebuild settles every record itself.
//
// Records that cannot be settled are skipped; their errors are returned
// together after the others were tried.
func (s *Store) Repair(ctx context.Context, minAge time.Duration) (int, error) {
	s.mu.Lock()
	if s.rebuilding {
		s.mu.Unlock()
		return 0, nil
	}
	s.gate.RLock()
	trackers := s.trackers
	s.mu.Unlock()
	defer s.gate.RUnlock()

	settled := 0
	var errs []error
	for _, t := range trackers {
		n, err := t.repair(ctx, minAge)
		settled += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return settled, fmt.Errorf("counters.Repair: %w", err)
	}
	return settled, nil
}

// repair settles the source's records with old enough pending changes.
func (t *Tracker) repair(ctx context.Context, minAge time.Duration) (int, error) {
	filter := bson.D{{Key: t.field + ".pending", Value: bson.D{{Key: "$exists", Value: true}}}}
	if minAge > 0 {
		filter = append(filter, bson.E{Key: t.field + ".pending.0.time",
			Value: bson.D{{Key: "$lte", Value: time.Now().UTC().Add(-minAge)}}})
	}
	// The ids are read first and the records settled afterwards, so the
	// scan never sees documents it is rewriting.
	cur, err := t.coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, fmt.Errorf("find pending %s records: %w", t.coll.Name(), err)
	}
	var ids []bson.RawValue
	for cur.Next(ctx) {
		v := cur.Current.Lookup("_id")
		ids = append(ids, bson.RawValue{Type: v.Type, Value: slices.Clone(v.Value)})
	}
	err = cur.Err()
	_ = cur.Close(ctx)
	if err != nil {
		return 0, fmt.Errorf("find pending %s records: %w", t.coll.Name(), err)
	}
	settled := 0
	var errs []error
	for _, id := range ids {
		if err := t.settle(ctx, id); err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}
	return settled, errors.Join(errs...)
}
