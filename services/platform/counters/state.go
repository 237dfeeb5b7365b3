package counters

import (
	"errors"
	"fmt"
	"time"

	"github.com/justiceops/justice/services/platform/resname"
)

// State is the counters bookkeeping a tracked record carries in its own
// document, under the field named by Source.Field (e.g. "counters"). The
// service embeds it in its document type, keeps it when it rewrites the
// document, and changes it only through Set and Delete, in the same
// single-document write that changes the record: so the record and its
// intent to change the counters are stored atomically.
type State struct {
	// Counted is the contribution the counters reflect now.
	Counted []Cell `bson:"counted,omitempty"`
	// Pending lists the changes not yet applied to the counters, oldest
	// first. Usually empty; Tracker.Apply empties it right after the write.
	Pending []Change `bson:"pending,omitempty"`
}

// Change is one pending change of a record's contribution.
type Change struct {
	// ID identifies the change. The counters remember the ids they applied,
	// so applying a change again adds nothing.
	ID string `bson:"id"`
	// Time is when the change was made (for Repair's minimum age).
	Time time.Time `bson:"time"`
	// Cells is the record's whole contribution after the change, normalized.
	Cells []Cell `bson:"cells,omitempty"`
	// Delete reports that the record is being deleted: once its
	// contribution is subtracted, Tracker.Apply deletes the document.
	Delete bool `bson:"delete,omitempty"`
}

// ErrDeleted is returned by Set and Delete for a record whose deletion is
// pending: it is gone for every purpose but the counters.
var ErrDeleted = errors.New("counters: the record is being deleted")

// Contribution returns what the counters will reflect once the pending
// changes are applied: the latest change's cells, or Counted.
func (s State) Contribution() []Cell {
	if n := len(s.Pending); n > 0 {
		return s.Pending[n-1].Cells
	}
	return s.Counted
}

// Deleted reports that a delete is pending: the service must treat the
// record as absent (see Tracker.NotDeleted for list filters).
func (s State) Deleted() bool {
	n := len(s.Pending)
	return n > 0 && s.Pending[n-1].Delete
}

// Settled reports that no change is pending.
func (s State) Settled() bool { return len(s.Pending) == 0 }

// Set returns the state to store with the record whose contribution is now
// cells (computed from the record's new content by the service's pure
// contribution function). If the contribution did not change, s is
// returned as it is: no counter needs an update. Otherwise a change with a
// new id is appended. The cells are validated and normalized. A create
// starts from the zero State.
func (s State) Set(cells []Cell) (State, error) {
	if s.Deleted() {
		return s, fmt.Errorf("counters.State.Set: %w", ErrDeleted)
	}
	if err := validateCells(cells); err != nil {
		return s, fmt.Errorf("counters.State.Set: %w", err)
	}
	cells = Normalize(cells)
	if equalCells(cells, s.Contribution()) {
		return s, nil
	}
	return s.with(Change{ID: resname.NewID(), Time: time.Now().UTC(), Cells: cells}), nil
}

// Delete returns the state to store with a record being deleted. The
// service writes it instead of deleting the document; Tracker.Apply then
// subtracts the record's contribution and deletes the document.
func (s State) Delete() (State, error) {
	if s.Deleted() {
		return s, fmt.Errorf("counters.State.Delete: %w", ErrDeleted)
	}
	return s.with(Change{ID: resname.NewID(), Time: time.Now().UTC(), Delete: true}), nil
}

// with returns a copy of s with c appended, sharing nothing with s.
func (s State) with(c Change) State {
	pending := make([]Change, len(s.Pending), len(s.Pending)+1)
	copy(pending, s.Pending)
	return State{Counted: s.Counted, Pending: append(pending, c)}
}
