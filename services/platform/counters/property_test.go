package counters_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/justiceops/justice/services/platform/counters"
)

// TestCountersEqualRecountAfterARandomHistory is the property: after
// any sequence of creates, transitions (moving records between months,
// metrics and offices), deletes, duplicated requests, interrupted writes
// and crashes, followed by a Repair, the counters equal the recount for
// every office and month.
func TestCountersEqualRecountAfterARandomHistory(t *testing.T) {
	t.Parallel()
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runRandomHistory(t, seed, 70)
		})
	}
}

func runRandomHistory(t *testing.T, seed uint64, steps int) {
	ctx := testContext(t)
	f := newFixture(t)
	var c crashes
	c.install(f.store, nil)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	offices := []string{"mumbai", "kolkata", "chennai"}
	months := []string{"2024-12", "2025-01", "2025-02", "2025-03"}
	statuses := []string{"reported", "rescued", "closed"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }

	// model holds the records as the service last wrote them (a write is
	// durable once it returned, whether or not Apply ran).
	model := map[string]record{}
	nextID := 0
	var log []string
	randomID := func() (string, bool) {
		if len(model) == 0 {
			return "", false
		}
		ids := slices.Sorted(maps.Keys(model))
		return ids[rng.IntN(len(ids))], true
	}
	// apply decides how the write's Apply goes: normally, not at all (the
	// process stopped after the record write), crashing after the counters,
	// crashing after settling, or twice at once (a duplicated request).
	apply := func() (bool, string) {
		switch rng.IntN(10) {
		case 0:
			return false, "interrupted"
		case 1:
			c.afterCounters.Store(1)
			return true, "crash-after-counters"
		case 2:
			c.afterSettle.Store(1)
			return true, "crash-after-settle"
		default:
			return true, "applied"
		}
	}
	check := func(step int, what string, err error) {
		t.Helper()
		if err != nil && !errors.Is(err, errCrash) {
			t.Fatalf("step %d %s: %v\nhistory:\n%v", step, what, err, log)
		}
		c.afterCounters.Store(0)
		c.afterSettle.Store(0)
	}

	for step := range steps {
		switch op := rng.IntN(100); {
		case op < 30 || len(model) == 0: // create
			r := record{ID: fmt.Sprintf("r%03d", nextID), Office: pick(offices), Status: pick(statuses),
				Reported: pick(months), Rescued: pick(months), Minor: rng.IntN(2) == 0}
			nextID++
			doApply, how := apply()
			err := f.create(ctx, r, doApply)
			check(step, "create "+how, err)
			model[r.ID] = r
			log = append(log, fmt.Sprintf("create %s %s", r.ID, how))
		case op < 65: // transition
			id, _ := randomID()
			var change func(*record)
			var what string
			switch rng.IntN(4) {
			case 0:
				s := pick(statuses)
				change, what = func(r *record) { r.Status = s }, "status "+s
			case 1:
				m := pick(months)
				change, what = func(r *record) { r.Rescued = m }, "rescue month "+m
			case 2:
				o := pick(offices)
				change, what = func(r *record) { r.Office = o }, "office "+o
			default:
				change, what = func(r *record) { r.Minor = !r.Minor }, "minor"
			}
			doApply, how := apply()
			err := f.update(ctx, id, change, doApply)
			check(step, "transition", err)
			r := model[id]
			change(&r)
			model[id] = r
			log = append(log, fmt.Sprintf("update %s %s %s", id, what, how))
		case op < 75: // delete
			id, _ := randomID()
			doApply, how := apply()
			err := f.remove(ctx, id, doApply)
			check(step, "delete", err)
			delete(model, id)
			log = append(log, fmt.Sprintf("delete %s %s", id, how))
		case op < 90: // a duplicated request: the same Apply runs again, twice at once
			id, _ := randomID()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				wg.Go(func() { errs[i] = f.tracker.Apply(ctx, id) })
			}
			wg.Wait()
			check(step, "duplicate apply", errors.Join(errs...))
			log = append(log, "duplicate apply "+id)
		default: // a periodic Repair
			_, err := f.store.Repair(ctx, 0)
			check(step, "repair", err)
			f.requireConsistent(ctx, expected(model))
			log = append(log, "repair")
		}
	}

	if _, err := f.store.Repair(ctx, 0); err != nil {
		t.Fatalf("final Repair: %v", err)
	}
	want := expected(model)
	got, re := f.counts(ctx), f.recount(ctx)
	if !maps.Equal(got, re) || !maps.Equal(got, want) {
		t.Fatalf("after the history and a Repair:\ncounters vs recount:\n%scounters vs model:\n%shistory:\n%v",
			diffCounts(got, re), diffCounts(got, want), log)
	}
	// Every office and month of the history, including zeros.
	for _, o := range offices {
		for _, m := range months {
			for _, metric := range []string{"cases_reported", "survivors_rescued", "minors_rescued", "cases_closed"} {
				k := counters.Key{Office: o, Metric: metric, Month: m}
				if got[k] != want[k] {
					t.Errorf("%s: counter %d, recount %d", k, got[k], want[k])
				}
			}
		}
	}
	stored, err := f.records.CountDocuments(ctx, map[string]any{})
	if err != nil || int(stored) != len(model) {
		t.Fatalf("stored records = %d, %v; want %d (pending deletes applied)", stored, err, len(model))
	}
}
