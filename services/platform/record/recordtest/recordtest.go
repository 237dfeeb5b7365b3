// Package recordtest is an in-memory store of records for the unit tests of
// services' use cases. It keeps the semantics of the repository contract
// that use cases rely on (office scoping in every read, NOT_FOUND for a
// record of another office exactly as for an absent one, ALREADY_EXISTS for
// a taken id, versioned updates that fail when the record changed) and
// nothing of storage: each service's database adapter has its own contract
// tests. A service's test wraps a Memory in the repository interface of
// its domain.
package recordtest

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/justiceops/justice/services/platform/record"
)

// Memory holds the records of one collection by resource name.
type Memory[T any] struct {
	// BeforeCreate, when set, runs inside Create before the insert (to stage races).
	BeforeCreate func(*T)
	// AfterCreate, when set, runs inside Create after the insert (to stage races).
	AfterCreate func(*T)

	kind  string
	name  func(*T) string
	meta  func(*T) *record.Meta
	clone func(*T) *T

	mu      sync.Mutex
	records map[string]*T
}

// New returns an empty collection of records of the kind named in errors
// (e.g. "case"): name gives a record's resource name, meta its Meta, clone
// a deep copy (records go in and out as copies, as through a database).
func New[T any](kind string, name func(*T) string, meta func(*T) *record.Meta, clone func(*T) *T) *Memory[T] {
	return &Memory[T]{kind: kind, name: name, meta: meta, clone: clone, records: map[string]*T{}}
}

// Create inserts a copy of rec; a taken name is ALREADY_EXISTS.
func (m *Memory[T]) Create(_ context.Context, rec *T) error {
	if m.BeforeCreate != nil {
		m.BeforeCreate(rec)
	}
	m.mu.Lock()
	k := m.name(rec)
	if _, ok := m.records[k]; ok {
		m.mu.Unlock()
		return record.AlreadyExists(m.kind, k)
	}
	m.records[k] = m.clone(rec)
	m.mu.Unlock()
	if m.AfterCreate != nil {
		m.AfterCreate(rec)
	}
	return nil
}

// Get returns a copy of the record named name of office, or NOT_FOUND when
// it does not exist or office is not in scope.
func (m *Memory[T]) Get(scope record.Scope, office, name string) (*T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[name]
	if !ok || !scope.Contains(office) || m.meta(rec).Office != office {
		return nil, record.NotFound(m.kind, name)
	}
	return m.clone(rec), nil
}

// Update loads the record (as Get), applies fn to a copy and stores the
// result at the next version, unless the record changed meanwhile (ABORTED
// reason ETAG_MISMATCH) or is gone (NOT_FOUND).
func (m *Memory[T]) Update(scope record.Scope, office, name string, fn record.UpdateFunc[T]) (*T, error) {
	cur, err := m.Get(scope, office, name)
	if err != nil {
		return nil, err
	}
	version := m.meta(cur).Version
	next, err := fn(cur)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	stored, ok := m.records[name]
	if !ok {
		return nil, record.NotFound(m.kind, name)
	}
	if m.meta(stored).Version != version {
		return nil, record.ConcurrentModification(m.kind, name)
	}
	m.meta(next).Version = version + 1
	m.records[name] = m.clone(next)
	return m.clone(next), nil
}

// Delete removes the record if it is still at version (ABORTED otherwise;
// NOT_FOUND when it does not exist or office is not in scope).
func (m *Memory[T]) Delete(scope record.Scope, office, name string, version int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	stored, ok := m.records[name]
	if !ok || !scope.Contains(office) || m.meta(stored).Office != office {
		return record.NotFound(m.kind, name)
	}
	if m.meta(stored).Version != version {
		return record.ConcurrentModification(m.kind, name)
	}
	delete(m.records, name)
	return nil
}

// Select returns copies of the records of offices in scope that keep
// accepts (every one for a nil keep), sorted by name.
func (m *Memory[T]) Select(scope record.Scope, keep func(*T) bool) []*T {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []*T
	for _, k := range slices.Sorted(maps.Keys(m.records)) {
		rec := m.records[k]
		if scope.Contains(m.meta(rec).Office) && (keep == nil || keep(rec)) {
			out = append(out, m.clone(rec))
		}
	}
	return out
}

// Page is Select as one page of a list, without paging.
func (m *Memory[T]) Page(q record.ListQuery, keep func(*T) bool) record.Page[*T] {
	return record.Page[*T]{Items: m.Select(q.Scope, keep)}
}

// Len is how many records the collection holds, of every office.
func (m *Memory[T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}
