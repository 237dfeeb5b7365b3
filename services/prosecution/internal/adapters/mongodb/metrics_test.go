package mongodb_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/counters/counterstest"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/prosecution/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

func key(office, metric, month string) counters.Key {
	return counters.Key{Office: office, Metric: metric, Month: month}
}

// assertCounters checks that the counters equal want and a recount from the records.
func assertCounters(t *testing.T, repos *mongodb.Repositories, want map[counters.Key]int64) {
	t.Helper()
	counterstest.Equal(t, repos.Metrics.Counters(), want)
}

// The counters follow every write of a case or an accused, in the month of
// the court record's date, as the domain's definitions say.
func TestCountersFollowCasesAndAccused(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	create(t, repos.Cases, newCase(t, "mumbai", "c1", day(2024, 11, 2)))
	create(t, repos.Accused, newAccused(t, "mumbai", "c1", "a1", "Ravi"), newAccused(t, "kolkata", "k1", "a2", "Sunil"))
	assertCounters(t, repos, map[counters.Key]int64{})

	update := func(id string, fn func(*domain.Accused) error) {
		t.Helper()
		office := map[string]string{"a1": "mumbai", "a2": "kolkata"}[id]
		caseID := map[string]string{"a1": "c1", "a2": "k1"}[id]
		if _, err := repos.Accused.Update(ctx, all, office, caseID, id, func(a *domain.Accused) (*domain.Accused, error) { return a, fn(a) }); err != nil {
			t.Fatal(err)
		}
	}
	custody := func(to domain.Custody, on domain.Date) func(*domain.Accused) error {
		return func(a *domain.Accused) error { return a.ChangeCustody(to, on, "", change(""), ist) }
	}
	if _, err := repos.Cases.Update(ctx, all, "mumbai", "c1", func(c *domain.Case) (*domain.Case, error) {
		return c, c.Advance(domain.StageChargesheetFiled, day(2025, 1, 31), "", change(""), ist)
	}); err != nil {
		t.Fatal(err)
	}
	// Arrested in February, remanded, bailed, absconded and re-arrested in
	// April: one criminal restrained, in February.
	update("a1", custody(domain.CustodyArrested, day(2025, 2, 28)))
	update("a1", custody(domain.CustodyJudicialCustody, day(2025, 3, 1)))
	update("a1", custody(domain.CustodyOnBail, day(2025, 3, 20)))
	update("a1", custody(domain.CustodyAtLarge, day(2025, 4, 1)))
	update("a1", custody(domain.CustodyArrested, day(2025, 4, 9)))
	update("a1", func(a *domain.Accused) error {
		return a.RecordVerdict(domain.VerdictConvicted, day(2025, 5, 2), nil, change(""), ist)
	})
	// A discharge is neither a conviction nor an acquittal.
	update("a2", func(a *domain.Accused) error {
		return a.RecordVerdict(domain.VerdictDischarged, day(2025, 5, 2), nil, change(""), ist)
	})
	assertCounters(t, repos, map[counters.Key]int64{
		key("mumbai", domain.MetricCasesChargeSheeted, "2025-01"):  1,
		key("mumbai", domain.MetricCriminalsRestrained, "2025-02"): 1,
		key("mumbai", domain.MetricConvictions, "2025-05"):         1,
	})

	// Corrected back before the chargesheet, the case stops counting.
	if _, err := repos.Cases.Update(ctx, all, "mumbai", "c1", func(c *domain.Case) (*domain.Case, error) {
		return c, c.Correct(domain.StageInvestigation, "the chargesheet was returned", change(""))
	}); err != nil {
		t.Fatal(err)
	}
	assertCounters(t, repos, map[counters.Key]int64{
		key("mumbai", domain.MetricCriminalsRestrained, "2025-02"): 1,
		key("mumbai", domain.MetricConvictions, "2025-05"):         1,
	})
	values, err := repos.Metrics.Query(ctx, metricsource.MetricsQuery{Offices: []string{"mumbai", "kolkata"}, Metrics: domain.ProvidedMetrics()})
	if err != nil {
		t.Fatal(err)
	}
	if want := []metricsource.MetricValue{
		{Office: "mumbai", Metric: domain.MetricConvictions, Month: "2025-05", Value: 1},
		{Office: "mumbai", Metric: domain.MetricCriminalsRestrained, Month: "2025-02", Value: 1},
	}; !slices.Equal(values, want) {
		t.Errorf("Query = %+v, want %+v", values, want)
	}
}

// A write whose counter update did not happen (the process stopped right
// after it) leaves its change pending with the record until a Repair.
func TestAnInterruptedApplyWaitsForTheRepair(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	a := newAccused(t, "mumbai", "c1", "a1", "Ravi")
	if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 3, 3), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	repos.Metrics.SimulateCrashes(1)
	create(t, repos.Accused, a)
	if !repos.Metrics.NeedsRepair() {
		t.Error("a skipped apply does not ask for a repair")
	}
	if got, _ := repos.Metrics.Counters().Counts(ctx); len(got) != 0 {
		t.Errorf("counters %v before the repair", got)
	}
	if n, err := repos.Metrics.Repair(ctx, 0); err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v; want 1 record settled", n, err)
	}
	assertCounters(t, repos, map[counters.Key]int64{key("mumbai", domain.MetricCriminalsRestrained, "2025-03"): 1})
	if repos.Metrics.NeedsRepair() {
		t.Error("still asks for a repair after a successful one")
	}
}

// TestCountersEqualRecountAfterRandomHistories is the property for
// prosecution: after any history of cases and accused (stage advances and
// corrections, custody changes, bail, verdicts and sentences, requests
// duplicated and run at once, applies interrupted as by a crash, repairs
// now and then), followed by a Repair, the counters equal a recount from
// the records, a rebuild into a new generation, and the model: the sum of
// the domain's contributions (CaseMetrics, AccusedMetrics) of the records as
// the writes returned them.
func TestCountersEqualRecountAfterRandomHistories(t *testing.T) {
	t.Parallel()
	for seed := range uint64(3) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			runHistory(t, seed, 150)
		})
	}
}

// history is a random history's model: the records as the writes returned them.
type history struct {
	t       *testing.T
	repos   *mongodb.Repositories
	rng     *rand.Rand
	cases   map[string]*domain.Case    // by office/id
	accused map[string]*domain.Accused // by office/case/id
	log     []string
	next    int
}

var historyOffices = []string{"mumbai", "kolkata"}

// today is the offices' today at now.
var today = day(2025, 6, 30)

func runHistory(t *testing.T, seed uint64, steps int) {
	repos, _ := newRepos(t)
	ctx := context.Background()
	h := &history{t: t, repos: repos, rng: rand.New(rand.NewPCG(seed, 0xc0de)),
		cases: map[string]*domain.Case{}, accused: map[string]*domain.Accused{}}
	for step := range steps {
		crash := h.rng.IntN(8) == 0
		if crash {
			repos.Metrics.SimulateCrashes(1)
		}
		times := 1
		if h.rng.IntN(6) == 0 {
			times = 2 // the same request twice at once
		}
		what := ""
		switch op := h.rng.IntN(100); {
		case op < 12 || len(h.cases) == 0:
			what = h.createCase()
		case op < 24:
			what = h.createAccused()
		case op < 46:
			what = h.updateCase(times)
		case op < 92:
			what = h.updateAccused(times)
		default:
			what = "repair"
			h.repairTwiceAtOnce(ctx)
			assertCounters(t, repos, h.expected())
		}
		repos.Metrics.SimulateCrashes(0)
		h.log = append(h.log, fmt.Sprintf("%d: %s (x%d, crash %v)", step, what, times, crash))
		if t.Failed() {
			t.Fatalf("history:\n%s", strings.Join(h.log, "\n"))
		}
	}

	if _, err := repos.Metrics.Repair(ctx, 0); err != nil {
		t.Fatal(err)
	}
	want := h.expected()
	assertCounters(t, repos, want)
	// The history reached every metric, in several months.
	metrics, months := map[string]bool{}, map[string]bool{}
	for k := range want {
		metrics[k.Metric], months[k.Month] = true, true
	}
	if len(metrics) != len(domain.ProvidedMetrics()) || len(months) < 4 {
		t.Errorf("the history counted only %v in %d months", slices.Sorted(maps.Keys(metrics)), len(months))
	}
	res, err := repos.Metrics.Rebuild(ctx, metricsource.RebuildRequest{Actor: "admin", Time: now, Reason: "property test"})
	if err != nil || res.Corrected != 0 || res.Records != int64(len(h.cases)+len(h.accused)) {
		t.Fatalf("Rebuild = %+v, %v; want every record counted, nothing to correct", res, err)
	}
	if got, err := repos.Metrics.Counters().Counts(ctx); err != nil || !maps.Equal(got, want) {
		t.Errorf("the rebuilt generation %d = %v, %v; want %v", res.Generation, got, err, want)
	}
	// The records stored are the model's.
	for k, c := range h.cases {
		got, err := repos.Cases.Get(ctx, all, c.Office, c.ID)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("case %s stored %+v, %v; model %+v", k, got, err, c)
		}
	}
	for k, a := range h.accused {
		got, err := repos.Accused.Get(ctx, all, a.Office, a.CaseID, a.ID)
		if err != nil || !reflect.DeepEqual(got, a) {
			t.Errorf("accused %s stored %+v, %v; model %+v", k, got, err, a)
		}
	}
	if t.Failed() {
		t.Logf("history:\n%s", strings.Join(h.log, "\n"))
	}
}

// expected is the model's counters: the domain's contributions of its records.
func (h *history) expected() map[counters.Key]int64 {
	want := map[counters.Key]int64{}
	add := func(office string, counts []domain.MetricCount) {
		for _, m := range counts {
			want[key(office, m.Metric, m.Month)] += m.Delta
		}
	}
	for _, c := range h.cases {
		add(c.Office, domain.CaseMetrics(c))
	}
	for _, a := range h.accused {
		add(a.Office, domain.AccusedMetrics(a))
	}
	return want
}

// pickKey returns a random key of m, in a stable order.
func pickKey[V any](rng *rand.Rand, m map[string]V) string {
	keys := slices.Sorted(maps.Keys(m))
	return keys[rng.IntN(len(keys))]
}

// laterDate is a date from floor to 59 days after it, never after today.
func laterDate(floor domain.Date, offset int) domain.Date {
	d := floor.AddDays(offset)
	if d.After(today) {
		return today
	}
	return d
}

func (h *history) createCase() string {
	office := historyOffices[h.rng.IntN(len(historyOffices))]
	id := fmt.Sprintf("c%d", h.next)
	h.next++
	c := newCase(h.t, office, id, day(2024, 1, 1).AddDays(h.rng.IntN(450)))
	if err := h.repos.Cases.Create(context.Background(), c); err != nil {
		h.t.Fatalf("create case: %v", err)
	}
	h.cases[office+"/"+id] = c
	return "create case " + id
}

func (h *history) createAccused() string {
	c := h.cases[pickKey(h.rng, h.cases)]
	id := fmt.Sprintf("a%d", h.next)
	h.next++
	a := newAccused(h.t, c.Office, c.ID, id, "Accused "+id)
	if err := h.repos.Accused.Create(context.Background(), a); err != nil {
		h.t.Fatalf("create accused: %v", err)
	}
	h.accused[c.Office+"/"+c.ID+"/"+id] = a
	return "create accused " + id + " in " + c.ID
}

// caseFloor is the earliest date a case's next advance may take.
func caseFloor(c *domain.Case) domain.Date {
	floor := c.FIRDate
	for _, s := range c.StageHistory {
		if s.EffectiveDate.After(floor) {
			floor = s.EffectiveDate
		}
	}
	return floor
}

// accusedFloor is the earliest date an accused's next change may take.
func accusedFloor(a *domain.Accused) domain.Date {
	floor := day(2024, 1, 1)
	for _, c := range a.CustodyHistory {
		if c.EffectiveDate.After(floor) {
			floor = c.EffectiveDate
		}
	}
	for _, e := range a.BailEvents {
		if e.Date.After(floor) {
			floor = e.Date
		}
	}
	return floor
}

// updateCase advances or corrects a random case, the request sent times times at once.
func (h *history) updateCase(times int) string {
	k := pickKey(h.rng, h.cases)
	c := h.cases[k]
	choice, offset, correct := h.rng.IntN(1000), h.rng.IntN(60), h.rng.IntN(4) == 0
	what := "advance " + c.ID
	if correct {
		what = "correct " + c.ID
	}
	fn := func(c *domain.Case) (*domain.Case, error) {
		if correct {
			options := c.Corrections()
			if len(options) == 0 {
				return nil, errs.FailedPrecondition("ILLEGAL_TRANSITION", "nothing to correct")
			}
			return c, c.Correct(options[choice%len(options)], "recorded wrongly", change(""))
		}
		options := domain.NextCaseStages(c.Stage)
		if len(options) == 0 {
			return nil, errs.FailedPrecondition("ILLEGAL_TRANSITION", "nothing to advance to")
		}
		return c, c.Advance(options[choice%len(options)], laterDate(caseFloor(c), offset), "", change(""), ist)
	}
	if got := runAtOnce(h.t, times, caseMeta, func() (*domain.Case, error) {
		return h.repos.Cases.Update(context.Background(), all, c.Office, c.ID, fn)
	}); got != nil {
		h.cases[k] = got
		what += " to " + string(got.Stage)
	}
	return what
}

// updateAccused changes a random accused's custody, records bail or a
// verdict (with or without a sentence) or a later sentence, the request
// sent times times at once.
func (h *history) updateAccused(times int) string {
	if len(h.accused) == 0 {
		return h.createAccused()
	}
	k := pickKey(h.rng, h.accused)
	a := h.accused[k]
	choice, offset, kind := h.rng.IntN(1000), h.rng.IntN(60), h.rng.IntN(10)
	names := []string{"custody", "custody", "custody", "custody", "bail", "bail", "verdict", "verdict", "sentence", "custody"}
	fn := func(a *domain.Accused) (*domain.Accused, error) {
		on := laterDate(accusedFloor(a), offset)
		switch names[kind] {
		case "bail":
			kinds := domain.BailEventKinds
			return a, a.RecordBailEvent(domain.BailEvent{Kind: kinds[choice%len(kinds)], Date: on}, change(""), ist)
		case "verdict":
			verdict := domain.Verdicts[choice%len(domain.Verdicts)]
			var sentence *domain.Sentence
			if verdict == domain.VerdictConvicted && choice%2 == 0 {
				sentence = &domain.Sentence{ImprisonmentMonths: 24}
			}
			return a, a.RecordVerdict(verdict, on, sentence, change(""), ist)
		case "sentence":
			return a, a.RecordSentence(domain.Sentence{FineINR: 5000}, change(""), ist)
		default:
			options := domain.NextCustodyStates(a.Custody)
			if len(options) == 0 {
				return nil, errs.FailedPrecondition("ILLEGAL_TRANSITION", "custody is final")
			}
			return a, a.ChangeCustody(options[choice%len(options)], on, "", change(""), ist)
		}
	}
	what := names[kind] + " " + a.ID
	if got := runAtOnce(h.t, times, accusedMeta, func() (*domain.Accused, error) {
		return h.repos.Accused.Update(context.Background(), all, a.Office, a.CaseID, a.ID, fn)
	}); got != nil {
		h.accused[k] = got
		what += " -> " + string(got.Custody)
	}
	return what
}

// runAtOnce runs a write times times at once and returns what the last
// write that succeeded stored (the highest version), nil if none did. A
// refusal by the domain's rules is part of a history; any other error
// fails the test.
func runAtOnce[T any](t *testing.T, times int, meta func(*T) *domain.Meta, write func() (*T, error)) *T {
	t.Helper()
	results := make([]*T, times)
	failures := make([]error, times)
	var wg sync.WaitGroup
	for i := range times {
		wg.Go(func() { results[i], failures[i] = write() })
	}
	wg.Wait()
	var last *T
	var lastVersion int64
	for i, err := range failures {
		if err != nil {
			if e, ok := errs.As(err); !ok || (e.Kind != errs.KindFailedPrecondition && e.Kind != errs.KindInvalidArgument) {
				t.Fatalf("write: %v", err)
			}
			continue
		}
		if v := meta(results[i]).Version; v > lastVersion {
			last, lastVersion = results[i], v
		}
	}
	return last
}

// repairTwiceAtOnce runs two repairs of every pending change at once, as
// two instances starting together would: each pending change is applied once.
func (h *history) repairTwiceAtOnce(ctx context.Context) {
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if _, err := h.repos.Metrics.Repair(ctx, 0); err != nil {
				h.t.Errorf("Repair: %v", err)
			}
		})
	}
	wg.Wait()
}
