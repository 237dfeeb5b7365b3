package counters_test

import (
	"context"
	"fmt"
	"maps"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/counters"
)

// seed creates n settled records spread over two offices and two months.
func (f *fixture) seed(ctx context.Context, n int) map[string]record {
	f.t.Helper()
	model := map[string]record{}
	for i := range n {
		r := record{ID: fmt.Sprintf("s%03d", i), Office: []string{"mumbai", "kolkata"}[i%2],
			Status: []string{"reported", "rescued", "closed"}[i%3], Reported: []string{"2025-01", "2025-02"}[i%2],
			Rescued: "2025-02", Minor: i%4 == 0}
		if err := f.create(ctx, r, true); err != nil {
			f.t.Fatalf("seed: %v", err)
		}
		model[r.ID] = r
	}
	return model
}

func TestRebuildReplacesWrongCountersWithTheRecount(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 12)
	want := expected(model)
	f.requireConsistent(ctx, want)

	// Break the counters behind the package's back.
	_, err := f.store.Collection().UpdateMany(ctx, bson.D{{Key: "gen", Value: int64(1)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "months.2025-01", Value: int64(999)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if maps.Equal(f.counts(ctx), f.recount(ctx)) {
		t.Fatal("the damaged counters must differ from the recount")
	}

	res, err := f.store.Rebuild(ctx)
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if res.Generation != 2 || res.Records != len(model) || res.Corrected != 0 || res.Counters != len(want) || res.Unsettled != 0 {
		t.Fatalf("Rebuild = %+v; want generation 2, %d records, none corrected, %d counters", res, len(model), len(want))
	}
	f.requireConsistent(ctx, want)

	// Counting goes on in the new generation.
	if err := f.update(ctx, "s000", func(r *record) { r.Status = "reported" }, true); err != nil {
		t.Fatal(err)
	}
	r := model["s000"]
	r.Status = "reported"
	model["s000"] = r
	f.requireConsistent(ctx, expected(model))

	// The previous generation stays for readers until the next Rebuild.
	gens := func() map[int64]bool {
		out := map[int64]bool{}
		cur, err := f.store.Collection().Find(ctx, bson.D{{Key: "gen", Value: bson.D{{Key: "$exists", Value: true}}}})
		if err != nil {
			t.Fatal(err)
		}
		var docs []struct {
			Gen int64 `bson:"gen"`
		}
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			out[d.Gen] = true
		}
		return out
	}
	if g := gens(); !g[1] || !g[2] {
		t.Fatalf("after one Rebuild generations 1 and 2 must be stored; got %v", g)
	}
	if res, err := f.store.Rebuild(ctx); err != nil || res.Generation != 3 {
		t.Fatalf("second Rebuild = %+v, %v", res, err)
	}
	if g := gens(); g[1] || !g[2] || !g[3] {
		t.Fatalf("after two Rebuilds generations 2 and 3 must be stored, 1 deleted; got %v", g)
	}
	f.requireConsistent(ctx, expected(model))
}

func TestRebuildSettlesPendingChangesAndDeletes(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 6)
	var c crashes
	c.install(f.store, nil)
	if err := f.update(ctx, "s001", func(r *record) { r.Minor = true }, false); err != nil {
		t.Fatal(err)
	}
	c.afterCounters.Store(1)
	if err := f.update(ctx, "s002", func(r *record) { r.Rescued = "2025-03" }, true); err == nil {
		t.Fatal("the update must stop at the simulated crash")
	}
	if err := f.remove(ctx, "s003", false); err != nil {
		t.Fatal(err)
	}
	for id, change := range map[string]func(*record){
		"s001": func(r *record) { r.Minor = true },
		"s002": func(r *record) { r.Rescued = "2025-03" },
	} {
		r := model[id]
		change(&r)
		model[id] = r
	}
	delete(model, "s003")

	res, err := f.store.Rebuild(ctx)
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if res.Corrected != 3 || res.Records != len(model) {
		t.Fatalf("Rebuild = %+v; want 3 corrected and %d records", res, len(model))
	}
	f.requireConsistent(ctx, expected(model))
	for _, id := range []string{"s001", "s002"} {
		if r := f.raw(ctx, id); !r.Counters.Settled() {
			t.Errorf("Rebuild must settle %s; got %+v", id, r.Counters)
		}
	}
	if f.raw(ctx, "s003") != nil {
		t.Error("Rebuild must apply the pending delete of s003")
	}
}

func TestRebuildAdoptsAChangedContributionFunction(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 8)
	f.extra.Store(true) // a new release counts "all_records" too
	want := expected(model)
	for _, r := range model {
		want[key(r.Office, "all_records", r.Reported)]++
	}
	res, err := f.store.Rebuild(ctx)
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if res.Corrected != len(model) {
		t.Fatalf("Rebuild corrected %d records, want all %d", res.Corrected, len(model))
	}
	f.requireConsistent(ctx, want)
	// The records now store the new contribution, so later changes diff
	// against it.
	if err := f.remove(ctx, "s000", true); err != nil {
		t.Fatal(err)
	}
	r := model["s000"]
	for _, c := range contributionOf(r) {
		want[c.Key()]--
	}
	want[key(r.Office, "all_records", r.Reported)]--
	maps.DeleteFunc(want, func(_ counters.Key, v int64) bool { return v == 0 })
	f.requireConsistent(ctx, want)
}

func TestReadersNeverSeeAHalfBuiltGeneration(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 10)
	before := f.counts(ctx)
	// Damage one counter so that the old and new generations differ.
	_, err := f.store.Collection().UpdateOne(ctx, bson.D{{Key: "_id", Value: "1|mumbai|cases_reported"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "months.2025-01", Value: int64(500)}}}})
	if err != nil {
		t.Fatal(err)
	}
	damaged := f.counts(ctx)

	late := record{ID: "late", Office: "mumbai", Status: "rescued", Reported: "2025-01", Rescued: "2025-02"}
	var during map[counters.Key]int64
	var applyErr error
	applied := make(chan struct{})
	var c crashes
	c.install(f.store, func() {
		// The new generation is written, readers are not switched yet.
		during = f.counts(ctx)
		// A write arriving now does not wait for the Rebuild to end.
		go func() {
			defer close(applied)
			applyErr = f.create(ctx, late, true)
		}()
		<-applied
	})
	res, err := f.store.Rebuild(ctx)
	if err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	if applyErr != nil {
		t.Fatalf("a create during the Rebuild: %v", applyErr)
	}
	if !maps.Equal(during, damaged) {
		t.Fatalf("before the switch readers must see the whole previous generation:\n%s", diffCounts(during, damaged))
	}
	if maps.Equal(before, damaged) {
		t.Fatal("the damage must have changed the counters")
	}
	model[late.ID] = late
	f.requireConsistent(ctx, expected(model))
	if res.Unsettled != 0 {
		t.Fatalf("Rebuild left %d records unsettled", res.Unsettled)
	}
	if r := f.raw(ctx, late.ID); !r.Counters.Settled() {
		t.Fatalf("the Apply deferred during the Rebuild must be settled before it returns; got %+v", r.Counters)
	}
}

func TestRepairDuringARebuildDoesNothing(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 4)
	if err := f.update(ctx, "s000", func(r *record) { r.Minor = !r.Minor }, false); err != nil {
		t.Fatal(err)
	}
	r := model["s000"]
	r.Minor = !r.Minor
	model["s000"] = r
	var repaired int
	var repairErr error
	var c crashes
	c.install(f.store, func() { repaired, repairErr = f.store.Repair(ctx, 0) })
	if _, err := f.store.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if repaired != 0 || repairErr != nil {
		t.Fatalf("Repair during a Rebuild = %d, %v; want 0, nil", repaired, repairErr)
	}
	f.requireConsistent(ctx, expected(model))
}

func TestAFailedRebuildLeavesTheCurrentGenerationConsistent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 6)
	if err := f.update(ctx, "s001", func(r *record) { r.Status = "closed" }, false); err != nil {
		t.Fatal(err)
	}
	r := model["s001"]
	r.Status = "closed"
	model["s001"] = r

	rctx, cancel := context.WithCancel(ctx)
	var c crashes
	c.install(f.store, cancel) // the Rebuild's caller goes away before the switch
	if _, err := f.store.Rebuild(rctx); err == nil {
		t.Fatal("Rebuild must fail when its context ends before the switch")
	}
	var gen struct {
		Current int64 `bson:"current"`
	}
	if err := f.store.Collection().FindOne(ctx, bson.D{{Key: "_id", Value: "generation"}}).Decode(&gen); err != nil || gen.Current != 1 {
		t.Fatalf("generation = %d, %v; want 1 after a failed Rebuild", gen.Current, err)
	}
	f.requireConsistent(ctx, expected(model))
	if err := f.create(ctx, record{ID: "after", Office: "mumbai", Status: "reported", Reported: "2025-01"}, true); err != nil {
		t.Fatalf("Apply after a failed Rebuild: %v", err)
	}
	model["after"] = record{ID: "after", Office: "mumbai", Status: "reported", Reported: "2025-01"}
	f.requireConsistent(ctx, expected(model))
}

func TestRebuildDuringWritesKeepsTheCountersExact(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := newFixture(t)
	model := f.seed(ctx, 10)

	done := make(chan error, 1)
	go func() {
		for i := range 30 {
			id := fmt.Sprintf("s%03d", i%10)
			var err error
			switch i % 3 {
			case 0:
				r := record{ID: fmt.Sprintf("w%03d", i), Office: "kolkata", Status: "rescued", Reported: "2025-03", Rescued: "2025-03"}
				err = f.create(ctx, r, true)
				model[r.ID] = r
			case 1:
				err = f.update(ctx, id, func(r *record) { r.Minor = !r.Minor }, true)
				r := model[id]
				r.Minor = !r.Minor
				model[id] = r
			default:
				err = f.update(ctx, id, func(r *record) { r.Office = "chennai" }, true)
				r := model[id]
				r.Office = "chennai"
				model[id] = r
			}
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 3 {
		if _, err := f.store.Rebuild(ctx); err != nil {
			t.Fatalf("Rebuild: %v", err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("write during the Rebuilds: %v", err)
	}
	// Exact without a Repair: Applies deferred by a Rebuild ran before it returned.
	f.requireConsistent(ctx, expected(model))
	if n, err := f.store.Repair(ctx, 0); err != nil || n != 0 {
		t.Fatalf("Repair after the Rebuilds = %d, %v; want nothing left pending", n, err)
	}
}
