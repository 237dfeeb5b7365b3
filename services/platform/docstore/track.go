package docstore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/counters"
)

// Counters is what a tracked Collection needs of the metric counters its
// records feed; *metricstore.Store implements it.
type Counters interface {
	// Track registers a collection of records as a source of the counters
	// (counters.Store.Track) and returns its tracker.
	Track(src counters.Source) (*counters.Tracker, error)
	// ApplyPending carries the pending changes of the record named name
	// (_id id) to the counters (counters.Tracker.Apply), once the record is
	// written and its lock released. It never fails the write: a failure
	// leaves the change pending with the record until a repair applies it.
	ApplyPending(ctx context.Context, t *counters.Tracker, name, id string)
}

// Tracking makes a Collection's records feed metric counters.
type Tracking[D any] struct {
	// Counters are the counters the records feed.
	Counters Counters
	// State returns a pointer to a document's counters bookkeeping, a
	// counters.State the document stores under the field
	// counters.DefaultField ("counters").
	State func(doc *D) *counters.State
	// Cells is a record's contribution to the counters, computed from its
	// stored document alone: a pure function (see counters.Source). It is
	// called on every write and on every record of a recount.
	Cells func(doc *D) ([]counters.Cell, error)
}

// Track makes the collection's records feed the counters of t: every
// write stores the record's pending counter changes with it, a delete
// becomes a pending delete, and every read skips records being deleted.
// Call it once, right after New, before the collection serves.
func (c *Collection[T, D]) Track(t Tracking[D]) error {
	switch {
	case c.tracked != nil:
		return fmt.Errorf("docstore.Track: %s is already tracked", c.coll.Name())
	case t.Counters == nil || t.State == nil || t.Cells == nil:
		return errors.New("docstore.Track: Tracking.Counters, State and Cells are required")
	}
	if err := checkStateField(t.State); err != nil {
		return fmt.Errorf("docstore.Track: %s: %w", c.coll.Name(), err)
	}
	tracker, err := t.Counters.Track(counters.Source{
		Collection: c.coll,
		Field:      counters.DefaultField,
		Contribute: func(raw bson.Raw) ([]counters.Cell, error) {
			var doc D
			if err := bson.Unmarshal(raw, &doc); err != nil {
				return nil, fmt.Errorf("decode %s: %w", c.m.Kind, err)
			}
			return t.Cells(&doc)
		},
		Locks:   c.locks,
		LockKey: recordLockKey,
	})
	if err != nil {
		return fmt.Errorf("docstore.Track: %w", err)
	}
	c.tracked = &tracking[D]{counters: t.Counters, tracker: tracker, state: t.State}
	return nil
}

// checkStateField checks that a document stores the State that state
// points at under counters.DefaultField, where the tracker and the pending
// delete look for it.
func checkStateField[D any](state func(*D) *counters.State) error {
	var doc D
	*state(&doc) = counters.State{Pending: []counters.Change{{ID: "probe"}}}
	raw, err := bson.Marshal(&doc)
	if err != nil {
		return fmt.Errorf("marshal a document: %w", err)
	}
	if _, err := bson.Raw(raw).LookupErr(counters.DefaultField, "pending"); err != nil {
		return fmt.Errorf("the document's counters.State must be stored under the field %q (tag it `bson:%q`)",
			counters.DefaultField, counters.DefaultField)
	}
	return nil
}

// lockKey is the key of a record's lock in its collection's WriteLocks.
func lockKey(office, id string) string { return office + "/" + id }

// recordLockKey is the lock key of a stored record, the one the
// collection's writes use: office/id.
func recordLockKey(raw bson.Raw) string {
	office, _ := raw.Lookup("office").StringValueOK()
	id, _ := raw.Lookup("_id").StringValueOK()
	return lockKey(office, id)
}

// stateOf is the counters bookkeeping stored with doc (zero when untracked).
func (c *Collection[T, D]) stateOf(doc *D) counters.State {
	if c.tracked == nil {
		return counters.State{}
	}
	return *c.tracked.state(doc)
}

// mark sets the counters bookkeeping of doc, a tracked record's new
// content, from prev, the bookkeeping stored with the record before: a
// pending change when the record's contribution to the metrics changed. It
// reports whether the document will hold pending changes, which apply must
// then carry to the counters once the record is written.
func (c *Collection[T, D]) mark(prev counters.State, doc *D) (bool, error) {
	if c.tracked == nil {
		return false, nil
	}
	st, err := c.tracked.tracker.Mark(prev, doc)
	if err != nil {
		return false, fmt.Errorf("count %s: %w", c.m.Kind, err)
	}
	*c.tracked.state(doc) = st
	return !st.Settled(), nil
}

// apply carries a written record's pending changes to the counters. It is
// called after the record's lock is released and never fails the request
// (see Counters.ApplyPending).
func (c *Collection[T, D]) apply(ctx context.Context, r ref) {
	c.tracked.counters.ApplyPending(ctx, c.tracked.tracker, c.name(r), r.id)
}
