package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/justiceops/justice/services/platform/record/recordtest"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// The in-memory repositories of the use case tests (recordtest.Memory
// behind the domain's interfaces).

type memCases struct {
	*recordtest.Memory[domain.Case]
	// afterUpdate, when set, runs once after the next successful update (to stage races).
	afterUpdate *func()
}

func (m memCases) Get(_ context.Context, scope domain.Scope, office, id string) (*domain.Case, error) {
	return m.Memory.Get(scope, office, domain.CaseName(office, id))
}

func (m memCases) GetMany(_ context.Context, scope domain.Scope, office string, ids []string) (map[string]*domain.Case, error) {
	out := map[string]*domain.Case{}
	for _, c := range m.Select(scope, func(c *domain.Case) bool { return c.Office == office && slices.Contains(ids, c.ID) }) {
		out[c.ID] = c
	}
	return out, nil
}

func (m memCases) Update(_ context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[domain.Case]) (*domain.Case, error) {
	c, err := m.Memory.Update(scope, office, domain.CaseName(office, id), fn)
	if hook := *m.afterUpdate; err == nil && hook != nil {
		*m.afterUpdate = nil
		hook()
	}
	return c, err
}

func (m memCases) List(_ context.Context, q domain.ListQuery) (domain.Page[*domain.Case], error) {
	return m.Page(q, nil), nil
}

func (m memCases) ListWithCognizance(_ context.Context, scope domain.Scope, office string) (map[string]domain.Date, error) {
	out := map[string]domain.Date{}
	for _, c := range m.Select(scope, func(c *domain.Case) bool { return c.Office == office && !c.CognizanceDate.IsZero() }) {
		out[c.ID] = c.CognizanceDate
	}
	return out, nil
}

// child is what the records under a case have in common.
type child interface {
	Name() string
}

// memChildren stores records under a case, keyed by resource name.
type memChildren[T any] struct {
	*recordtest.Memory[T]
	coll string
}

func (m memChildren[T]) name(office, caseID, id string) string {
	return domain.CaseName(office, caseID) + "/" + m.coll + "/" + id
}

func (m memChildren[T]) Get(_ context.Context, scope domain.Scope, office, caseID, id string) (*T, error) {
	return m.Memory.Get(scope, office, m.name(office, caseID, id))
}

func (m memChildren[T]) Update(_ context.Context, scope domain.Scope, office, caseID, id string, fn domain.UpdateFunc[T]) (*T, error) {
	return m.Memory.Update(scope, office, m.name(office, caseID, id), fn)
}

func (m memChildren[T]) Delete(_ context.Context, scope domain.Scope, office, caseID, id string, version int64) error {
	return m.Memory.Delete(scope, office, m.name(office, caseID, id), version)
}

func (m memChildren[T]) List(_ context.Context, office, caseID string, q domain.ListQuery) (domain.Page[*T], error) {
	prefix := domain.CaseName(office, caseID) + "/"
	if caseID == domain.AllCases {
		prefix = "offices/" + office + "/cases/"
	}
	return m.Page(q, func(r *T) bool { return strings.HasPrefix(any(r).(child).Name(), prefix) }), nil
}

type memWitnesses struct{ memChildren[domain.Witness] }

func (m memWitnesses) CountBySurvivor(_ context.Context, scope domain.Scope, office, caseID, survivor string) (int, error) {
	return len(m.Select(scope, func(w *domain.Witness) bool {
		return w.Office == office && w.CaseID == caseID && w.Survivor == survivor
	})), nil
}

type memCompensations struct {
	memChildren[domain.Compensation]
}

func (m memCompensations) CountBySurvivor(_ context.Context, scope domain.Scope, office, caseID, survivor string) (int, error) {
	return len(m.Select(scope, func(c *domain.Compensation) bool {
		return c.Office == office && c.CaseID == caseID && c.Survivor == survivor
	})), nil
}

type memHearings struct{ memChildren[domain.Hearing] }

func (m memHearings) Calendar(_ context.Context, q domain.CalendarQuery) (domain.Page[*domain.Hearing], error) {
	items := m.Select(q.Scope, func(h *domain.Hearing) bool {
		return h.Office == q.Office && !h.Date.Before(q.Start) && !h.Date.After(q.End)
	})
	slices.SortStableFunc(items, func(a, b *domain.Hearing) int { return a.Date.Compare(b.Date) })
	return domain.Page[*domain.Hearing]{Items: items}, nil
}

type memory struct {
	cases         memCases
	accused       memChildren[domain.Accused]
	hearings      memHearings
	witnesses     memWitnesses
	compensations memCompensations
}

func newMemory() *memory {
	return &memory{
		cases: memCases{recordtest.New("case", (*domain.Case).Name, func(c *domain.Case) *domain.Meta { return &c.Meta }, (*domain.Case).Clone),
			new(func())},
		accused: memChildren[domain.Accused]{recordtest.New("accused", (*domain.Accused).Name,
			func(a *domain.Accused) *domain.Meta { return &a.Meta }, (*domain.Accused).Clone), domain.CollectionAccused},
		hearings: memHearings{memChildren[domain.Hearing]{recordtest.New("hearing", (*domain.Hearing).Name,
			func(h *domain.Hearing) *domain.Meta { return &h.Meta }, (*domain.Hearing).Clone), domain.CollectionHearings}},
		witnesses: memWitnesses{memChildren[domain.Witness]{recordtest.New("witness", (*domain.Witness).Name,
			func(w *domain.Witness) *domain.Meta { return &w.Meta }, (*domain.Witness).Clone), domain.CollectionWitnesses}},
		compensations: memCompensations{memChildren[domain.Compensation]{recordtest.New("compensation", (*domain.Compensation).Name,
			func(c *domain.Compensation) *domain.Meta { return &c.Meta }, (*domain.Compensation).Clone), domain.CollectionCompensations}},
	}
}

func (m *memory) repositories() app.Repositories {
	return app.Repositories{Cases: m.cases, Accused: m.accused, Hearings: m.hearings, Witnesses: m.witnesses, Compensations: m.compensations}
}

// fakeRescue answers reference lookups from the survivors and operations it
// knows; down makes it unavailable.
type fakeRescue struct {
	mu      sync.Mutex
	known   map[string]app.Reference
	down    bool
	calls   [][]string
	failErr error
}

func newRescue() *fakeRescue { return &fakeRescue{known: map[string]app.Reference{}} }

func (f *fakeRescue) add(name string, minor bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kind := app.ReferenceOperation
	if strings.Contains(name, "/survivors/") {
		kind = app.ReferenceSurvivor
	}
	f.known[name] = app.Reference{Name: name, Found: true, Kind: kind, Minor: minor}
}

func (f *fakeRescue) Lookup(_ context.Context, names []string) ([]app.Reference, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, slices.Clone(names))
	if f.down {
		return nil, app.RescueUnavailable(errors.New("connection refused"))
	}
	if f.failErr != nil {
		return nil, f.failErr
	}
	out := make([]app.Reference, len(names))
	for i, n := range names {
		if r, ok := f.known[n]; ok {
			out[i] = r
		} else {
			out[i] = app.Reference{Name: n}
		}
	}
	return out, nil
}

func (f *fakeRescue) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}
