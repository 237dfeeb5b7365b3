package counters

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/mongostore"
)

// DefaultField is the record field holding the State when Source.Field is empty.
const DefaultField = "counters"

// maxChanges bounds the changes one Apply settles on one record.
const maxChanges = 1000

// forgetTimeout bounds the clean-up after a change is settled, which runs
// even if the caller's context has ended.
const forgetTimeout = 5 * time.Second

// Source describes a collection of records that feed the counters.
type Source struct {
	// Collection holds the records.
	Collection *mongo.Collection
	// Field is the top-level field of each record holding its State
	// (DefaultField if empty).
	Field string
	// Contribute computes a record's contribution from its stored document:
	// a pure function of the document, the one the service uses when it
	// writes (see Tracker.Mark). Recount and Rebuild call it on every
	// record; records whose deletion is pending are skipped.
	Contribute func(record bson.Raw) ([]Cell, error)
	// Locks is the mongostore.WriteLocks the service holds while it loads,
	// changes and rewrites a record. Apply and Rebuild hold the same lock
	// while they rewrite the record's State, so neither loses the other's
	// write on FerretDB. If nil, the tracker uses locks of its own, which
	// serialise its writes but not the service's.
	Locks *mongostore.WriteLocks
	// LockKey returns the key of a record's lock in Locks, the one the
	// service uses (e.g. office + "/" + id). If nil: the collection name,
	// "/" and the _id. A write that changes a record's key (e.g. moves it
	// to another office) must hold the lock of its old key, as the
	// service's load-change-replace does; the tracker checks the key again
	// once it holds the lock.
	LockKey func(record bson.Raw) string
}

// Tracker applies the pending changes of one Source's records to its
// Store's counters.
type Tracker struct {
	store   *Store
	coll    *mongo.Collection
	field   string
	contrib func(bson.Raw) ([]Cell, error)
	locks   *mongostore.WriteLocks
	lockKey func(bson.Raw) string
}

// Track registers src with the store (for Repair, Recount and Rebuild) and
// returns its tracker. Register every source once, before serving.
func (s *Store) Track(src Source) (*Tracker, error) {
	field := src.Field
	if field == "" {
		field = DefaultField
	}
	switch {
	case src.Collection == nil:
		return nil, errors.New("counters.Track: Source.Collection is required")
	case src.Contribute == nil:
		return nil, errors.New("counters.Track: Source.Contribute is required")
	case strings.ContainsAny(field, ".$") || field == "_id":
		return nil, fmt.Errorf("counters.Track: Source.Field %q must be a top-level field name without '.' or '$'", field)
	}
	t := &Tracker{store: s, coll: src.Collection, field: field, contrib: src.Contribute, locks: src.Locks, lockKey: src.LockKey}
	if t.locks == nil {
		t.locks = &mongostore.WriteLocks{}
	}
	if t.lockKey == nil {
		name := src.Collection.Name()
		t.lockKey = func(r bson.Raw) string {
			v := r.Lookup("_id")
			if str, ok := v.StringValueOK(); ok {
				return name + "/" + str
			}
			return name + "/" + v.String()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.trackers {
		if o.coll.Database().Name() == t.coll.Database().Name() && o.coll.Name() == t.coll.Name() && o.field == t.field {
			return nil, fmt.Errorf("counters.Track: %s.%s is already tracked", t.coll.Name(), field)
		}
	}
	s.trackers = append(s.trackers, t)
	return t, nil
}

// Mark returns the state to store with record, whose new content is
// record (any value the bson package marshals, e.g. the service's document
// struct): state.Set of the record's contribution by Source.Contribute.
// Using Mark rather than State.Set guarantees that writes and Recount use
// the same contribution function.
func (t *Tracker) Mark(state State, record any) (State, error) {
	raw, err := bson.Marshal(record)
	if err != nil {
		return state, fmt.Errorf("counters.Mark: marshal record: %w", err)
	}
	cells, err := t.contrib(raw)
	if err != nil {
		return state, fmt.Errorf("counters.Mark: contribution: %w", err)
	}
	next, err := state.Set(cells)
	if err != nil {
		return state, fmt.Errorf("counters.Mark: %w", err)
	}
	return next, nil
}

// NotDeleted is the filter element that excludes records whose deletion is
// pending; add it to every query of the service's reads.
func (t *Tracker) NotDeleted() bson.E {
	return bson.E{Key: t.field + ".pending.delete", Value: bson.D{{Key: "$ne", Value: true}}}
}

// Apply applies the pending changes of the record with _id id to the
// counters, oldest first, settles each on the record (Counted becomes the
// change's cells, the change leaves Pending) and, for a pending delete,
// deletes the record. A record without pending changes, or no longer
// stored, needs nothing. Apply is idempotent and safe to call concurrently
// with itself, Repair and Rebuild; a change is counted once however often
// it is applied.
//
// Call it after the record write, outside the service's own record lock
// (WriteLocks are not reentrant). If it fails, the changes stay pending and
// Repair applies them: the request that wrote the record may still
// succeed. During a Rebuild, Apply returns at once and the Rebuild applies
// the record's changes before it ends.
func (t *Tracker) Apply(ctx context.Context, id any) error {
	s := t.store
	s.mu.Lock()
	if s.rebuilding {
		s.deferred = append(s.deferred, deferredApply{t: t, id: id})
		s.mu.Unlock()
		return nil
	}
	s.gate.RLock()
	s.mu.Unlock()
	defer s.gate.RUnlock()
	if err := t.settle(ctx, id); err != nil {
		return fmt.Errorf("counters.Apply: %w", err)
	}
	return nil
}

// find reads a record; nil if it does not exist.
func (t *Tracker) find(ctx context.Context, id any) (bson.Raw, error) {
	raw, err := t.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Raw()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s record: %w", t.coll.Name(), err)
	}
	return raw, nil
}

// state decodes a record's State; a record without the field has none.
func (t *Tracker) state(raw bson.Raw) (State, error) {
	var st State
	v, err := raw.LookupErr(t.field)
	if err != nil {
		return st, nil
	}
	if v.Type == bson.TypeNull {
		return st, nil
	}
	if err := v.Unmarshal(&st); err != nil {
		return st, fmt.Errorf("decode %s.%s: %w", t.coll.Name(), t.field, err)
	}
	return st, nil
}

// settle applies the record's pending changes. The caller holds the
// store's gate (shared or exclusive).
func (t *Tracker) settle(ctx context.Context, id any) error {
	for range 3 {
		raw, err := t.find(ctx, id)
		if err != nil || raw == nil {
			return err
		}
		st, err := t.state(raw)
		if err != nil || st.Settled() {
			return err
		}
		done, err := t.settleLocked(ctx, id, t.lockKey(raw))
		if err != nil || done {
			return err
		}
	}
	return fmt.Errorf("%s record: its lock key keeps changing", t.coll.Name())
}

// settleLocked applies the record's pending changes while holding the
// record's lock key. It reports false if the record's lock key is no
// longer key (e.g. the record moved office), so the caller retries.
//
// Holding the record's lock for the whole change (read, counters, settle,
// forget) is what lets the series documents forget a change once it is
// settled: no other Apply of this process can still be holding a copy of
// the record that lists it.
func (t *Tracker) settleLocked(ctx context.Context, id any, key string) (bool, error) {
	defer t.locks.Lock(key)()
	s := t.store
	for range maxChanges {
		raw, err := t.find(ctx, id)
		if err != nil || raw == nil {
			return true, err
		}
		if t.lockKey(raw) != key {
			return false, nil
		}
		st, err := t.state(raw)
		if err != nil {
			return false, err
		}
		if st.Settled() {
			return true, nil
		}
		head := st.Pending[0]
		gen, err := s.generation(ctx)
		if err != nil {
			return false, err
		}
		var next []Cell
		if !head.Delete {
			next = head.Cells
		}
		sids, err := s.applyChange(ctx, gen, head.ID, Diff(st.Counted, next))
		if err != nil {
			return false, err
		}
		if h := s.hooks.afterCounters; h != nil {
			if err := h(head.ID); err != nil {
				return false, err
			}
		}
		settled, err := t.settleHead(ctx, id, st, head, next)
		if err != nil {
			return false, err
		}
		if !settled {
			continue // changed by another process: read it again
		}
		if h := s.hooks.afterSettle; h != nil {
			if err := h(head.ID); err != nil {
				return false, err
			}
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), forgetTimeout)
		s.forget(fctx, sids, head.ID)
		cancel()
		if head.Delete {
			return true, nil
		}
	}
	return false, fmt.Errorf("%s record: more than %d pending changes", t.coll.Name(), maxChanges)
}

// settleHead records on the record that its oldest pending change is
// counted, or deletes the record for a delete. The filter matches only the
// state that was read, so a concurrent writer of another process is never
// overwritten. It reports whether the record was written.
func (t *Tracker) settleHead(ctx context.Context, id any, st State, head Change, counted []Cell) (bool, error) {
	filter := bson.D{
		{Key: "_id", Value: id},
		{Key: t.field + ".pending.0.id", Value: head.ID},
		{Key: t.field + ".pending", Value: bson.D{{Key: "$size", Value: len(st.Pending)}}},
	}
	if head.Delete {
		res, err := t.coll.DeleteOne(ctx, filter)
		if err != nil {
			return false, fmt.Errorf("delete %s record: %w", t.coll.Name(), err)
		}
		return res.DeletedCount == 1, nil
	}
	var set, unset bson.D
	if len(counted) > 0 {
		set = append(set, bson.E{Key: t.field + ".counted", Value: counted})
	} else {
		unset = append(unset, bson.E{Key: t.field + ".counted", Value: ""})
	}
	update := bson.D{}
	if len(st.Pending) == 1 {
		unset = append(unset, bson.E{Key: t.field + ".pending", Value: ""})
	} else {
		update = append(update, bson.E{Key: "$pop", Value: bson.D{{Key: t.field + ".pending", Value: -1}}})
	}
	if len(set) > 0 {
		update = append(update, bson.E{Key: "$set", Value: set})
	}
	if len(unset) > 0 {
		update = append(update, bson.E{Key: "$unset", Value: unset})
	}
	res, err := t.coll.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, fmt.Errorf("settle %s record: %w", t.coll.Name(), err)
	}
	return res.MatchedCount == 1, nil
}
