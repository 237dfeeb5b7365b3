package app_test

import (
	"context"
	"slices"
	"strings"

	"github.com/justiceops/justice/services/platform/record/recordtest"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// memory is an in-memory repository for the application's unit tests: the
// platform's recordtest.Memory behind the domain's repository interfaces,
// keyed by resource name.
type memory[T any] struct {
	*recordtest.Memory[T]
	coll string
}

func newMem[T any](kind, coll string, name func(*T) string, meta func(*T) *domain.Meta, clone func(*T) *T) *memory[T] {
	return &memory[T]{Memory: recordtest.New(kind, name, meta, clone), coll: coll}
}

func (m *memory[T]) key(office, id string) string { return domain.Name(office, m.coll, id) }

func (m *memory[T]) Get(_ context.Context, scope domain.Scope, office, id string) (*T, error) {
	return m.Memory.Get(scope, office, m.key(office, id))
}

func (m *memory[T]) Update(_ context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[T]) (*T, error) {
	return m.Memory.Update(scope, office, m.key(office, id), fn)
}

func (m *memory[T]) Delete(_ context.Context, scope domain.Scope, office, id string, version int64) error {
	return m.Memory.Delete(scope, office, m.key(office, id), version)
}

func (m *memory[T]) List(_ context.Context, q domain.ListQuery) (domain.Page[*T], error) {
	return m.Page(q, nil), nil
}

func (m *memory[T]) len() int { return m.Len() }

type memLocations struct{ *memory[domain.Location] }

type memOperations struct{ *memory[domain.Operation] }

func (m memOperations) CountByLocation(_ context.Context, scope domain.Scope, office, location string) (int, error) {
	return len(m.Select(scope, func(o *domain.Operation) bool { return o.Office == office && o.Location == location })), nil
}

type memSurvivors struct{ *memory[domain.Survivor] }

func (m memSurvivors) Delete(context.Context, domain.Scope, string, string, int64) error {
	panic("survivors are never deleted")
}

func (m memSurvivors) CountByOperation(_ context.Context, scope domain.Scope, operations []string) (map[string]int, error) {
	counts := map[string]int{}
	for _, s := range m.Select(scope, func(s *domain.Survivor) bool { return slices.Contains(operations, s.Operation) }) {
		counts[s.Operation]++
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
	var refs []domain.SurvivorRef
	for _, other := range m.Select(scope, nil) {
		if k, ok := identityKey(other); ok && k == key && other.Name() != s.Name() && len(refs) < limit {
			refs = append(refs, domain.SurvivorRef{Office: other.Office, ID: other.ID, Pseudonym: other.Pseudonym})
		}
	}
	slices.SortFunc(refs, func(a, b domain.SurvivorRef) int { return strings.Compare(a.Name(), b.Name()) })
	return refs, nil
}

func newMemory() (memLocations, memOperations, memSurvivors) {
	return memLocations{newMem("location", domain.CollectionLocations, (*domain.Location).Name,
			func(l *domain.Location) *domain.Meta { return &l.Meta }, (*domain.Location).Clone)},
		memOperations{newMem("operation", domain.CollectionOperations, (*domain.Operation).Name,
			func(o *domain.Operation) *domain.Meta { return &o.Meta }, (*domain.Operation).Clone)},
		memSurvivors{newMem("survivor", domain.CollectionSurvivors, (*domain.Survivor).Name,
			func(s *domain.Survivor) *domain.Meta { return &s.Meta }, (*domain.Survivor).Clone)}
}
