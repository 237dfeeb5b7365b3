package counters_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/counters"
)

func TestApplyFollowsCreatesTransitionsAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)

	steps := []struct {
		name string
		do   func() error
		want map[counters.Key]int64
	}{
		{"create counts the report", func() error {
			return f.create(ctx, record{ID: "r1", Office: "mumbai", Status: "reported", Reported: "2025-01", Minor: true}, true)
		}, map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): 1}},
		{"rescue counts the survivor and the minor", func() error {
			return f.update(ctx, "r1", func(r *record) { r.Status, r.Rescued = "rescued", "2025-02" }, true)
		}, map[counters.Key]int64{
			key("mumbai", "cases_reported", "2025-01"):    1,
			key("mumbai", "survivors_rescued", "2025-02"): 1,
			key("mumbai", "minors_rescued", "2025-02"):    1,
		}},
		{"correcting the rescue month moves the counts", func() error {
			return f.update(ctx, "r1", func(r *record) { r.Rescued = "2025-03" }, true)
		}, map[counters.Key]int64{
			key("mumbai", "cases_reported", "2025-01"):    1,
			key("mumbai", "survivors_rescued", "2025-03"): 1,
			key("mumbai", "minors_rescued", "2025-03"):    1,
		}},
		{"a change that does not touch counted fields changes nothing", func() error {
			return f.update(ctx, "r1", func(r *record) {}, true)
		}, map[counters.Key]int64{
			key("mumbai", "cases_reported", "2025-01"):    1,
			key("mumbai", "survivors_rescued", "2025-03"): 1,
			key("mumbai", "minors_rescued", "2025-03"):    1,
		}},
		{"a transfer moves the counts to the other office", func() error {
			return f.update(ctx, "r1", func(r *record) { r.Office = "kolkata" }, true)
		}, map[counters.Key]int64{
			key("kolkata", "cases_reported", "2025-01"):    1,
			key("kolkata", "survivors_rescued", "2025-03"): 1,
			key("kolkata", "minors_rescued", "2025-03"):    1,
		}},
		{"a second record adds to the same counter", func() error {
			return f.create(ctx, record{ID: "r2", Office: "kolkata", Status: "reported", Reported: "2025-01"}, true)
		}, map[counters.Key]int64{
			key("kolkata", "cases_reported", "2025-01"):    2,
			key("kolkata", "survivors_rescued", "2025-03"): 1,
			key("kolkata", "minors_rescued", "2025-03"):    1,
		}},
		{"a delete subtracts the record's contribution", func() error {
			return f.remove(ctx, "r1", true)
		}, map[counters.Key]int64{key("kolkata", "cases_reported", "2025-01"): 1}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := f.counts(ctx); !equalCounts(got, s.want) {
			t.Fatalf("%s: counters differ:\n%s", s.name, diffCounts(got, s.want))
		}
		f.requireConsistent(ctx, s.want)
	}
	if r := f.raw(ctx, "r1"); r != nil {
		t.Fatalf("Apply of a delete must delete the document; it is still stored: %+v", r)
	}
	r2 := f.raw(ctx, "r2")
	if !r2.Counters.Settled() || len(r2.Counters.Counted) != 1 {
		t.Fatalf("an applied record must be settled with its contribution counted; got %+v", r2.Counters)
	}
	for id, applied := range f.seriesApplied(ctx) {
		if len(applied) != 0 {
			t.Errorf("series %s still lists settled changes %v; a settled change must be forgotten", id, applied)
		}
	}
}

func equalCounts(a, b map[counters.Key]int64) bool { return diffCounts(a, b) == "" }

func TestApplyIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	if err := f.create(ctx, record{ID: "r1", Office: "mumbai", Status: "rescued", Reported: "2025-01", Rescued: "2025-01"}, true); err != nil {
		t.Fatal(err)
	}
	want := map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): 1, key("mumbai", "survivors_rescued", "2025-01"): 1}
	for i := range 3 {
		if err := f.tracker.Apply(ctx, "r1"); err != nil {
			t.Fatalf("Apply again (%d): %v", i, err)
		}
	}
	if err := f.tracker.Apply(ctx, "never-created"); err != nil {
		t.Fatalf("Apply of an absent record must do nothing; got %v", err)
	}
	f.requireConsistent(ctx, want)
}

func TestConcurrentApplyOfOneChangeCountsItOnce(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	var c crashes
	c.install(f.store, nil)

	// One change already reached the counters before a crash; the other
	// was written and never applied.
	c.afterCounters.Store(1)
	if err := f.create(ctx, record{ID: "r1", Office: "mumbai", Status: "reported", Reported: "2025-01"}, true); !errors.Is(err, errCrash) {
		t.Fatalf("create with a crash after the counters: %v, want the crash", err)
	}
	if err := f.create(ctx, record{ID: "r2", Office: "mumbai", Status: "rescued", Reported: "2025-01", Rescued: "2025-02"}, false); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 16 {
		wg.Go(func() {
			id := []string{"r1", "r2"}[i%2]
			errs <- f.tracker.Apply(ctx, id)
		})
	}
	for range 2 {
		wg.Go(func() {
			_, err := f.store.Repair(ctx, 0)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent Apply/Repair: %v", err)
		}
	}
	f.requireConsistent(ctx, map[counters.Key]int64{
		key("mumbai", "cases_reported", "2025-01"):    2,
		key("mumbai", "survivors_rescued", "2025-02"): 1,
	})
}

func TestConcurrentChangesToOneCounterAreAllCounted(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- f.create(ctx, record{ID: fmt.Sprintf("r%02d", i), Office: "mumbai", Status: "reported", Reported: "2025-01"}, true)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent create: %v", err)
		}
	}
	f.requireConsistent(ctx, map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): n})
}

func TestACrashBeforeSettlingIsRepairedWithoutCountingTwice(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	var c crashes
	c.install(f.store, nil)
	if err := f.create(ctx, record{ID: "r1", Office: "mumbai", Status: "reported", Reported: "2025-01"}, true); err != nil {
		t.Fatal(err)
	}
	c.afterCounters.Store(1)
	err := f.update(ctx, "r1", func(r *record) { r.Status, r.Rescued = "rescued", "2025-01" }, true)
	if !errors.Is(err, errCrash) {
		t.Fatalf("update with a crash after the counters: %v, want the crash", err)
	}
	want := map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): 1, key("mumbai", "survivors_rescued", "2025-01"): 1}
	if got := f.counts(ctx); !equalCounts(got, want) {
		t.Fatalf("the change must have reached the counters before the crash:\n%s", diffCounts(got, want))
	}
	if r := f.raw(ctx, "r1"); len(r.Counters.Pending) != 1 {
		t.Fatalf("the record must still list the change after the crash; got %+v", r.Counters)
	}
	n, err := f.store.Repair(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v; want 1 record settled", n, err)
	}
	f.requireConsistent(ctx, want)
	if r := f.raw(ctx, "r1"); !r.Counters.Settled() {
		t.Fatalf("Repair must settle the record; got %+v", r.Counters)
	}
	for id, applied := range f.seriesApplied(ctx) {
		if len(applied) != 0 {
			t.Errorf("series %s still lists %v after Repair", id, applied)
		}
	}
}

func TestACrashAfterSettlingLeavesNoWrongCount(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	var c crashes
	c.install(f.store, nil)
	c.afterSettle.Store(1)
	if err := f.create(ctx, record{ID: "r1", Office: "mumbai", Status: "reported", Reported: "2025-01"}, true); !errors.Is(err, errCrash) {
		t.Fatalf("create with a crash after settling: %v, want the crash", err)
	}
	leftovers := 0
	for _, applied := range f.seriesApplied(ctx) {
		leftovers += len(applied)
	}
	if leftovers != 1 {
		t.Fatalf("the crash must leave the change id behind in its series; found %d ids", leftovers)
	}
	for range 2 {
		if err := f.tracker.Apply(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Repair(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.create(ctx, record{ID: "r2", Office: "mumbai", Status: "reported", Reported: "2025-01"}, true); err != nil {
		t.Fatal(err)
	}
	f.requireConsistent(ctx, map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): 2})
}

func TestSeriesRememberAtMostMaxAppliedChanges(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	var c crashes
	c.install(f.store, nil)
	const n = counters.MaxApplied + 6
	c.afterSettle.Store(n) // every change leaves its id behind
	for i := range n {
		err := f.create(ctx, record{ID: fmt.Sprintf("r%03d", i), Office: "mumbai", Status: "reported", Reported: "2025-01"}, true)
		if !errors.Is(err, errCrash) {
			t.Fatalf("create %d: %v, want the crash", i, err)
		}
	}
	for id, applied := range f.seriesApplied(ctx) {
		if len(applied) != counters.MaxApplied {
			t.Errorf("series %s lists %d ids, want the newest %d", id, len(applied), counters.MaxApplied)
		}
	}
	f.requireConsistent(ctx, map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): n})
}

func TestRepairAppliesInterruptedWrites(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	if err := f.create(ctx, record{ID: "r1", Office: "mumbai", Status: "reported", Reported: "2025-01"}, false); err != nil {
		t.Fatal(err)
	}
	if err := f.create(ctx, record{ID: "r2", Office: "mumbai", Status: "reported", Reported: "2025-01"}, true); err != nil {
		t.Fatal(err)
	}
	// Three writes of r2 that were never applied, the last a delete.
	if err := f.update(ctx, "r2", func(r *record) { r.Status, r.Rescued = "rescued", "2025-02" }, false); err != nil {
		t.Fatal(err)
	}
	if err := f.update(ctx, "r2", func(r *record) { r.Minor = true }, false); err != nil {
		t.Fatal(err)
	}
	if err := f.remove(ctx, "r2", false); err != nil {
		t.Fatal(err)
	}
	if got := f.counts(ctx); !equalCounts(got, map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): 1}) {
		t.Fatalf("before Repair only r2's create is counted; got %v", got)
	}
	if _, err := f.get(ctx, "r2"); !errors.Is(err, errGone) {
		t.Fatalf("a record whose delete is pending must read as absent; got %v", err)
	}

	if n, err := f.store.Repair(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("Repair with a minimum age of an hour = %d, %v; want nothing settled", n, err)
	}
	n, err := f.store.Repair(ctx, 0)
	if err != nil || n != 2 {
		t.Fatalf("Repair = %d, %v; want 2 records settled", n, err)
	}
	f.requireConsistent(ctx, map[counters.Key]int64{key("mumbai", "cases_reported", "2025-01"): 1})
	if f.raw(ctx, "r2") != nil {
		t.Fatal("Repair must apply the pending delete and delete the document")
	}
	if n, err := f.store.Repair(ctx, 0); err != nil || n != 0 {
		t.Fatalf("a second Repair = %d, %v; want nothing to do", n, err)
	}
}

func TestTrackRejectsIncompleteSources(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	contribute := func(bson.Raw) ([]counters.Cell, error) { return nil, nil }
	for name, src := range map[string]counters.Source{
		"no collection":   {Contribute: contribute},
		"no contribution": {Collection: f.db.Collection("other")},
		"dotted field":    {Collection: f.db.Collection("other"), Contribute: contribute, Field: "a.b"},
		"tracked twice":   {Collection: f.records, Contribute: contribute},
	} {
		if _, err := f.store.Track(src); err == nil {
			t.Errorf("Track with %s succeeded, want an error", name)
		}
	}
	if _, err := counters.NewStore(ctx, f.db, "counters"); err != nil {
		t.Fatalf("NewStore must be safe to call at every start; got %v", err)
	}
}

func TestMarkUsesTheSourcesContribution(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := record{ID: "r1", Office: "mumbai", Status: "closed", Reported: "2025-01", Rescued: "2025-02", Minor: true}
	st, err := f.tracker.Mark(counters.State{}, r)
	if err != nil {
		t.Fatal(err)
	}
	want := counters.Normalize(contributionOf(r))
	if got := st.Contribution(); !equalCells(got, want) {
		t.Fatalf("Mark contribution = %v, want %v", got, want)
	}
	if _, err := f.tracker.Mark(counters.State{}, record{ID: "r2", Office: "Bad Office", Reported: "2025-01"}); err == nil {
		t.Fatal("Mark must reject a contribution with a malformed office")
	}
}

func equalCells(a, b []counters.Cell) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
