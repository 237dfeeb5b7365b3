package app_test

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// memory is an in-memory repository for the application's unit tests. It
// keeps the repository contract's semantics that the use cases rely on
// (office scoping, NOT_FOUND, ALREADY_EXISTS, versioned updates) and nothing
// of storage: the MongoDB adapter has its own contract tests.
type memory[T any] struct {
	mu      sync.Mutex
	kind    string
	coll    string
	records map[string]*T // by name
	meta    func(*T) *domain.Meta
	clone   func(*T) *T
	// beforeCreate, when set, runs inside Create before the insert (to stage races).
	beforeCreate func(*T)
}

func (m *memory[T]) key(office, id string) string { return domain.Name(office, m.coll, id) }

func (m *memory[T]) Create(_ context.Context, rec *T) error {
	if m.beforeCreate != nil {
		m.beforeCreate(rec)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	meta := m.meta(rec)
	k := m.key(meta.Office, meta.ID)
	if _, ok := m.records[k]; ok {
		return domain.AlreadyExists(m.kind, k)
	}
	m.records[k] = m.clone(rec)
	return nil
}

func (m *memory[T]) Get(_ context.Context, scope domain.Scope, office, id string) (*T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rec, ok := m.records[m.key(office, id)]
	if !ok || !scope.Contains(office) {
		return nil, domain.NotFound(m.kind, m.key(office, id))
	}
	return m.clone(rec), nil
}

func (m *memory[T]) Update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[T]) (*T, error) {
	cur, err := m.Get(ctx, scope, office, id)
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
	k := m.key(office, id)
	stored, ok := m.records[k]
	if !ok {
		return nil, domain.NotFound(m.kind, k)
	}
	if m.meta(stored).Version != version {
		return nil, domain.ConcurrentModification(m.kind, k)
	}
	m.meta(next).Version = version + 1
	m.records[k] = m.clone(next)
	return m.clone(next), nil
}

func (m *memory[T]) Delete(_ context.Context, scope domain.Scope, office, id string, version int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := m.key(office, id)
	stored, ok := m.records[k]
	if !ok || !scope.Contains(office) {
		return domain.NotFound(m.kind, k)
	}
	if m.meta(stored).Version != version {
		return domain.ConcurrentModification(m.kind, k)
	}
	delete(m.records, k)
	return nil
}

func (m *memory[T]) List(_ context.Context, q domain.ListQuery) (domain.Page[*T], error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for k, rec := range m.records {
		if q.Scope.Contains(m.meta(rec).Office) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	items := make([]*T, len(names))
	for i, k := range names {
		items[i] = m.clone(m.records[k])
	}
	return domain.Page[*T]{Items: items}, nil
}

func (m *memory[T]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.records)
}

type memLocations struct{ *memory[domain.Location] }

type memOperations struct{ *memory[domain.Operation] }

func (m memOperations) CountByLocation(_ context.Context, scope domain.Scope, office, location string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, o := range m.records {
		if scope.Contains(office) && o.Office == office && o.Location == location {
			n++
		}
	}
	return n, nil
}

type memSurvivors struct{ *memory[domain.Survivor] }

func (m memSurvivors) Delete(context.Context, domain.Scope, string, string, int64) error {
	panic("survivors are never deleted")
}

func (m memSurvivors) CountByOperation(_ context.Context, scope domain.Scope, operations []string) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counts := map[string]int{}
	for _, s := range m.records {
		if scope.Contains(s.Office) && slices.Contains(operations, s.Operation) {
			counts[s.Operation]++
		}
	}
	return counts, nil
}

// identityKey stands in for the adapter's blind index: the same person
// whatever the case and spacing of the name.
func identityKey(s *domain.Survivor) (string, bool) {
	name, dob, ok := s.IdentityKey()
	return strings.Join(strings.Fields(strings.ToLower(name)), " ") + "|" + dob, ok
}

func (m memSurvivors) FindDuplicates(ctx context.Context, scope domain.Scope, office, id string, limit int) ([]domain.SurvivorRef, error) {
	s, err := m.Get(ctx, scope, office, id)
	if err != nil {
		return nil, err
	}
	key, ok := identityKey(s)
	if !ok {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var refs []domain.SurvivorRef
	for _, other := range m.records {
		if k, ok := identityKey(other); ok && k == key && scope.Contains(other.Office) && other.Name() != s.Name() && len(refs) < limit {
			refs = append(refs, domain.SurvivorRef{Office: other.Office, ID: other.ID, Pseudonym: other.Pseudonym})
		}
	}
	slices.SortFunc(refs, func(a, b domain.SurvivorRef) int { return strings.Compare(a.Name(), b.Name()) })
	return refs, nil
}

func newMemory() (memLocations, memOperations, memSurvivors) {
	return memLocations{&memory[domain.Location]{
			kind: "location", coll: domain.CollectionLocations, records: map[string]*domain.Location{},
			meta: func(l *domain.Location) *domain.Meta { return &l.Meta }, clone: (*domain.Location).Clone,
		}},
		memOperations{&memory[domain.Operation]{
			kind: "operation", coll: domain.CollectionOperations, records: map[string]*domain.Operation{},
			meta: func(o *domain.Operation) *domain.Meta { return &o.Meta }, clone: (*domain.Operation).Clone,
		}},
		memSurvivors{&memory[domain.Survivor]{
			kind: "survivor", coll: domain.CollectionSurvivors, records: map[string]*domain.Survivor{},
			meta: func(s *domain.Survivor) *domain.Meta { return &s.Meta }, clone: (*domain.Survivor).Clone,
		}}
}
