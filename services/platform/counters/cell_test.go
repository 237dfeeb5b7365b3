package counters_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/justiceops/justice/services/platform/counters"
)

func cell(office, metric, month string, delta int64) counters.Cell {
	return counters.Cell{Office: office, Metric: metric, Month: month, Delta: delta}
}

func TestDiffIsNewMinusOldNormalized(t *testing.T) {
	t.Parallel()
	a := cell("mumbai", "rescued", "2025-01", 1)
	b := cell("mumbai", "rescued", "2025-02", 1)
	m := cell("mumbai", "minors", "2025-01", 1)
	tests := []struct {
		name     string
		old, new []counters.Cell
		want     []counters.Cell
	}{
		{"create adds the new contribution", nil, []counters.Cell{a, m}, []counters.Cell{m, a}},
		{"delete subtracts the old contribution", []counters.Cell{a}, nil, []counters.Cell{cell("mumbai", "rescued", "2025-01", -1)}},
		{"no change is empty", []counters.Cell{a, m}, []counters.Cell{m, a}, []counters.Cell{}},
		{"moving a month moves the count", []counters.Cell{a}, []counters.Cell{b},
			[]counters.Cell{cell("mumbai", "rescued", "2025-01", -1), b}},
		{"moving an office moves the count", []counters.Cell{a}, []counters.Cell{cell("kolkata", "rescued", "2025-01", 1)},
			[]counters.Cell{cell("kolkata", "rescued", "2025-01", 1), cell("mumbai", "rescued", "2025-01", -1)}},
		{"equal keys are summed", nil, []counters.Cell{a, a}, []counters.Cell{cell("mumbai", "rescued", "2025-01", 2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := counters.Diff(tt.old, tt.new); !slices.Equal(got, tt.want) {
				t.Fatalf("Diff(%v, %v) = %v, want %v", tt.old, tt.new, got, tt.want)
			}
		})
	}
}

func TestNormalizeDropsZerosAndSorts(t *testing.T) {
	t.Parallel()
	got := counters.Normalize([]counters.Cell{
		cell("mumbai", "b", "2025-02", 1), cell("kolkata", "a", "2025-01", 2),
		cell("mumbai", "b", "2025-02", -1), cell("mumbai", "a", "2025-03", 1),
	})
	want := []counters.Cell{cell("kolkata", "a", "2025-01", 2), cell("mumbai", "a", "2025-03", 1)}
	if !slices.Equal(got, want) {
		t.Fatalf("Normalize = %v, want %v", got, want)
	}
}

func TestStateSetAppendsAChangeOnlyWhenTheContributionChanges(t *testing.T) {
	t.Parallel()
	a := cell("mumbai", "rescued", "2025-01", 1)
	s, err := counters.State{}.Set([]counters.Cell{a})
	if err != nil {
		t.Fatalf("Set: %v", err)
	}
	if len(s.Pending) != 1 || s.Pending[0].ID == "" || s.Pending[0].Time.IsZero() || !slices.Equal(s.Pending[0].Cells, []counters.Cell{a}) {
		t.Fatalf("a create must add one change with an id, a time and the cells; got %+v", s)
	}
	same, err := s.Set([]counters.Cell{a})
	if err != nil || len(same.Pending) != 1 {
		t.Fatalf("an unchanged contribution must add no change; got %+v, %v", same, err)
	}
	next, err := s.Set(nil)
	if err != nil || len(next.Pending) != 2 || next.Pending[1].ID == s.Pending[0].ID || len(next.Contribution()) != 0 {
		t.Fatalf("a changed contribution must add a change with a new id; got %+v, %v", next, err)
	}
	if len(s.Pending) != 1 {
		t.Fatalf("Set must not modify its receiver; it now has %d changes", len(s.Pending))
	}
	settled := counters.State{Counted: []counters.Cell{a}}
	if again, _ := settled.Set([]counters.Cell{a}); !again.Settled() {
		t.Fatalf("a settled state with the same contribution must stay settled; got %+v", again)
	}
}

func TestStateDeleteMarksTheRecordDeleted(t *testing.T) {
	t.Parallel()
	s := counters.State{Counted: []counters.Cell{cell("mumbai", "rescued", "2025-01", 1)}}
	d, err := s.Delete()
	if err != nil || !d.Deleted() || s.Deleted() || len(d.Contribution()) != 0 {
		t.Fatalf("Delete = %+v, %v; want a pending delete, the receiver unchanged", d, err)
	}
	if _, err := d.Set(nil); !errors.Is(err, counters.ErrDeleted) {
		t.Fatalf("Set after Delete = %v, want ErrDeleted", err)
	}
	if _, err := d.Delete(); !errors.Is(err, counters.ErrDeleted) {
		t.Fatalf("Delete after Delete = %v, want ErrDeleted", err)
	}
}

func TestStateSetRejectsMalformedCells(t *testing.T) {
	t.Parallel()
	for _, c := range []counters.Cell{
		cell("Mumbai", "rescued", "2025-01", 1),
		cell("m", "rescued", "2025-01", 1),
		cell("mumbai|x", "rescued", "2025-01", 1),
		cell("mumbai", "Rescued", "2025-01", 1),
		cell("mumbai", "res|cued", "2025-01", 1),
		cell("mumbai", "rescued", "2025-13", 1),
		cell("mumbai", "rescued", "2025-1", 1),
		cell("mumbai", "rescued", "", 1),
	} {
		if _, err := (counters.State{}).Set([]counters.Cell{c}); err == nil {
			t.Errorf("Set(%+v) succeeded, want an error", c)
		}
	}
}
