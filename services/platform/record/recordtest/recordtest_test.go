package recordtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/record/recordtest"
)

type thing struct {
	record.Meta
	Label string
}

func (t *thing) name() string { return record.Name(t.Office, "things", t.ID) }

func newThings() *recordtest.Memory[thing] {
	return recordtest.New("thing", (*thing).name, func(t *thing) *record.Meta { return &t.Meta },
		func(t *thing) *thing { c := *t; return &c })
}

func TestMemoryKeepsTheRepositoryContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newThings()
	mumbai, kolkata := record.NewScope("mumbai"), record.NewScope("kolkata")
	a := &thing{Meta: record.NewMeta("a", "mumbai", "priya", time.Now()), Label: "first"}
	if err := m.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, a); !errs.Is(err, errs.KindAlreadyExists) {
		t.Errorf("second create: %v, want ALREADY_EXISTS", err)
	}
	a.Label = "changed after create"
	got, err := m.Get(mumbai, "mumbai", a.name())
	if err != nil || got.Label != "first" {
		t.Fatalf("Get = %+v, %v; want the stored copy", got, err)
	}
	if _, err := m.Get(kolkata, "mumbai", a.name()); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another office's read: %v, want NOT_FOUND", err)
	}
	if _, err := m.Get(mumbai, "kolkata", a.name()); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("read naming the wrong office: %v, want NOT_FOUND", err)
	}
	up, err := m.Update(mumbai, "mumbai", a.name(), func(t *thing) (*thing, error) { t.Label = "second"; return t, nil })
	if err != nil || up.Version != 2 || up.Label != "second" {
		t.Fatalf("Update = %+v, %v", up, err)
	}
	_, err = m.Update(mumbai, "mumbai", a.name(), func(cur *thing) (*thing, error) {
		// Another writer wins meanwhile.
		if _, err := m.Update(mumbai, "mumbai", a.name(), func(t *thing) (*thing, error) { return t, nil }); err != nil {
			t.Fatal(err)
		}
		return cur, nil
	})
	if !errs.Is(err, errs.KindAborted) {
		t.Errorf("update racing another: %v, want ABORTED", err)
	}
	if err := m.Delete(mumbai, "mumbai", a.name(), 1); !errs.Is(err, errs.KindAborted) {
		t.Errorf("delete at an old version: %v, want ABORTED", err)
	}
	if err := m.Delete(kolkata, "mumbai", a.name(), 3); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("delete from another office: %v, want NOT_FOUND", err)
	}
	b := &thing{Meta: record.NewMeta("b", "kolkata", "rina", time.Now())}
	if err := m.Create(ctx, b); err != nil {
		t.Fatal(err)
	}
	if got := m.Select(record.NewScope("mumbai", "kolkata"), nil); len(got) != 2 || got[0].ID != "b" {
		t.Errorf("Select = %v, want both, by name", got)
	}
	if got := m.Page(record.ListQuery{Scope: mumbai}, func(t *thing) bool { return t.Label != "" }).Items; len(got) != 1 || got[0].ID != "a" {
		t.Errorf("Page = %v, want mumbai's", got)
	}
	if err := m.Delete(mumbai, "mumbai", a.name(), 3); err != nil || m.Len() != 1 {
		t.Errorf("Delete: %v, %d left", err, m.Len())
	}
}

func TestMemoryHooksStageRaces(t *testing.T) {
	t.Parallel()
	m := newThings()
	var before, after int
	m.BeforeCreate = func(*thing) { before++ }
	m.AfterCreate = func(*thing) { after = m.Len() }
	if err := m.Create(context.Background(), &thing{Meta: record.NewMeta("a", "mumbai", "p", time.Now())}); err != nil {
		t.Fatal(err)
	}
	if before != 1 || after != 1 {
		t.Errorf("hooks ran %d before and saw %d records after; want 1 and 1", before, after)
	}
}
