package service_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/counters/counterstest"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
)

// The metrics the prosecution service provides, as the test states them.
const (
	criminalsRestrained = "criminals_restrained"
	convictions         = "convictions"
	acquittals          = "acquittals"
	casesChargeSheeted  = "cases_charge_sheeted"
)

// The stages and custody states, by their contract names.
const (
	firRegistered    = prosecutionv1.CaseStage_CASE_STAGE_FIR_REGISTERED
	chargesheetFiled = prosecutionv1.CaseStage_CASE_STAGE_CHARGESHEET_FILED
	cognizance       = prosecutionv1.CaseStage_CASE_STAGE_COGNIZANCE
	judgment         = prosecutionv1.CaseStage_CASE_STAGE_JUDGMENT
	stageConvicted   = prosecutionv1.CaseStage_CASE_STAGE_CONVICTED
	stageAcquitted   = prosecutionv1.CaseStage_CASE_STAGE_ACQUITTED
	stageDischarged  = prosecutionv1.CaseStage_CASE_STAGE_DISCHARGED
	stageAbated      = prosecutionv1.CaseStage_CASE_STAGE_ABATED
	stageWithdrawn   = prosecutionv1.CaseStage_CASE_STAGE_WITHDRAWN
	appeal           = prosecutionv1.CaseStage_CASE_STAGE_APPEAL

	atLarge  = prosecutionv1.Custody_CUSTODY_AT_LARGE
	arrested = prosecutionv1.Custody_CUSTODY_ARRESTED
	judicial = prosecutionv1.Custody_CUSTODY_JUDICIAL_CUSTODY
	onBail   = prosecutionv1.Custody_CUSTODY_ON_BAIL
)

// trialStages are the open stages in trial order, FIR_REGISTERED to
// JUDGMENT: the contract numbers them so.
var trialStages = func() []prosecutionv1.CaseStage {
	var out []prosecutionv1.CaseStage
	for s := firRegistered; s <= judgment; s++ {
		out = append(out, s)
	}
	return out
}()

// trialIndex is the place of s in the trial, -1 for a closing stage or APPEAL.
func trialIndex(s prosecutionv1.CaseStage) int { return slices.Index(trialStages, s) }

// custodyMoves are the custody changes ChangeAccusedCustody allows.
var custodyMoves = map[prosecutionv1.Custody][]prosecutionv1.Custody{
	atLarge:  {arrested},
	arrested: {atLarge, judicial, onBail},
	judicial: {onBail},
	onBail:   {atLarge, judicial},
}

// The model of the property test: what the test knows of each record.
type (
	modelCase struct {
		name, office string
		stage        prosecutionv1.CaseStage
		appealedFrom prosecutionv1.CaseStage
		// last is the latest date given for the case: its next move is dated no earlier.
		last time.Time
		// chargesheet is the date the case reached (or passed)
		// CHARGESHEET_FILED; zero before, and after a correction back before it.
		chargesheet time.Time
	}
	modelAccused struct {
		name, office string
		kase         *modelCase
		custody      prosecutionv1.Custody
		// last is the latest date given for the accused.
		last         time.Time
		firstCustody time.Time
		verdict      prosecutionv1.Verdict
		verdictDate  time.Time
	}
	prosecutionModel struct {
		cases   []*modelCase
		accused []*modelAccused
	}
)

func month(d time.Time) string { return d.Format("2006-01") }

// expected is what the model's records count for, by the metrics' written definitions.
func (m *prosecutionModel) expected() map[counters.Key]int64 {
	out := map[counters.Key]int64{}
	add := func(office, metric string, d time.Time) {
		out[counters.Key{Office: office, Metric: metric, Month: month(d)}]++
	}
	for _, c := range m.cases {
		if !c.chargesheet.IsZero() {
			add(c.office, casesChargeSheeted, c.chargesheet)
		}
	}
	for _, a := range m.accused {
		if !a.firstCustody.IsZero() {
			add(a.office, criminalsRestrained, a.firstCustody)
		}
		switch a.verdict {
		case prosecutionv1.Verdict_VERDICT_CONVICTED:
			add(a.office, convictions, a.verdictDate)
		case prosecutionv1.Verdict_VERDICT_ACQUITTED:
			add(a.office, acquittals, a.verdictDate)
		}
	}
	return out
}

// metricsRun is one seeded random sequence of calls against one service,
// as a lawyer of both offices (env.client).
type metricsRun struct {
	t *testing.T
	e *env
	r *rand.Rand
	m *prosecutionModel
	// retries send requests already answered again; each must be answered
	// as the first time and change nothing.
	retries []func() error
	ids     int
	done    map[string]int
}

// latest is the last day the run dates anything: in the past, whatever the seed.
var latest = func() time.Time {
	end := time.Date(2026, time.June, 30, 0, 0, 0, 0, time.UTC)
	if past := time.Now().UTC().AddDate(0, 0, -2).Truncate(24 * time.Hour); past.Before(end) {
		return past
	}
	return end
}()

func protoDate(d time.Time) *date.Date { return day(int32(d.Year()), int32(d.Month()), int32(d.Day())) }

// after returns a day on or after d, often in another month, never after latest.
func (p *metricsRun) after(d time.Time) time.Time {
	next := d.AddDate(0, 0, []int{0, 1, 3, 12, 25, 40}[p.r.IntN(6)])
	if next.After(latest) {
		return latest
	}
	return next
}

// requestID returns a fresh request id, or "" (no idempotency) one time in four.
func (p *metricsRun) requestID() string {
	if p.r.IntN(4) == 0 {
		return ""
	}
	p.ids++
	return fmt.Sprintf("metrics-%d", p.ids)
}

// send makes a call with e.client. A request with a request id is, half of
// the time, sent again at once (a retry after a lost answer), and is kept
// to be sent again at the end: each retry must get the first answer back.
func send[Req interface {
	proto.Message
	GetRequestId() string
}, Resp proto.Message](p *metricsRun, what string, req Req,
	call func(prosecutionv1.ProsecutionServiceClient, context.Context, Req, ...grpc.CallOption) (Resp, error)) Resp {
	p.t.Helper()
	resp, err := call(p.e.client, ctxT(p.t), req)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	p.done[what]++
	if req.GetRequestId() == "" {
		return resp
	}
	again := func() error {
		dup, err := call(p.e.client, ctxT(p.t), proto.CloneOf(req))
		if err != nil {
			return fmt.Errorf("%s sent again: %w", what, err)
		}
		if !proto.Equal(dup, resp) {
			return fmt.Errorf("%s sent again answered\n%v\nfirst\n%v", what, dup, resp)
		}
		return nil
	}
	p.retries = append(p.retries, again)
	if p.r.IntN(2) == 0 {
		p.resend(len(p.retries)-1, "sent again at once")
	}
	return resp
}

// resend sends the i-th request kept again, counting it as what.
func (p *metricsRun) resend(i int, what string) {
	p.t.Helper()
	if err := p.retries[i](); err != nil {
		p.t.Fatal(err)
	}
	p.done[what]++
}

func (p *metricsRun) createCase() {
	fir := time.Date(2024, time.August, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, p.r.IntN(150))
	k := newCase()
	k.FirDate = protoDate(fir)
	k.Charges[0].OffenceDate = protoDate(fir)
	office := []string{"mumbai", "kolkata"}[p.r.IntN(2)]
	c := send(p, "CreateCase", &prosecutionv1.CreateCaseRequest{Parent: "offices/" + office, Case: k, RequestId: p.requestID()},
		prosecutionv1.ProsecutionServiceClient.CreateCase)
	p.m.cases = append(p.m.cases, &modelCase{name: c.GetName(), office: office, stage: firRegistered, last: fir})
}

// advanceTargets are the stages a case at s may advance to.
func advanceTargets(s prosecutionv1.CaseStage) []prosecutionv1.CaseStage {
	i := trialIndex(s)
	switch {
	case s == judgment:
		return []prosecutionv1.CaseStage{stageConvicted, stageAcquitted, stageConvicted, stageAcquitted, stageAbated}
	case i >= 0:
		next := slices.Clone(trialStages[i+1:])
		// The next stage is the likeliest.
		next = append(next, trialStages[i+1], trialStages[i+1], trialStages[i+1], stageWithdrawn)
		if s == chargesheetFiled || s == cognizance {
			next = append(next, stageDischarged)
		}
		return next
	case s == stageConvicted || s == stageAcquitted:
		return []prosecutionv1.CaseStage{appeal}
	}
	return nil
}

func (p *metricsRun) advance(c *modelCase) {
	targets := advanceTargets(c.stage)
	if len(targets) == 0 {
		return
	}
	to := targets[p.r.IntN(len(targets))]
	on := p.after(c.last)
	send(p, "AdvanceCaseStage", &prosecutionv1.AdvanceCaseStageRequest{Name: c.name, Stage: to, EffectiveDate: protoDate(on),
		RequestId: p.requestID()}, prosecutionv1.ProsecutionServiceClient.AdvanceCaseStage)
	if trialIndex(to) >= trialIndex(chargesheetFiled) && c.chargesheet.IsZero() {
		c.chargesheet = on
	}
	if to == appeal {
		c.appealedFrom = c.stage
	}
	c.stage, c.last = to, on
}

// corrections are the stages a case may be corrected back to.
func (c *modelCase) corrections() []prosecutionv1.CaseStage {
	switch i := trialIndex(c.stage); {
	case i >= 0:
		return slices.Clone(trialStages[:i])
	case c.stage == appeal:
		return append(slices.Clone(trialStages), c.appealedFrom)
	}
	return slices.Clone(trialStages)
}

func (p *metricsRun) correct(c *modelCase) {
	back := c.corrections()
	if len(back) == 0 {
		return
	}
	to := back[p.r.IntN(len(back))]
	send(p, "CorrectCaseStage", &prosecutionv1.CorrectCaseStageRequest{Name: c.name, Stage: to, Reason: "the stage recorded was wrong",
		RequestId: p.requestID()}, prosecutionv1.ProsecutionServiceClient.CorrectCaseStage)
	if i := trialIndex(to); i >= 0 && i < trialIndex(chargesheetFiled) {
		c.chargesheet = time.Time{}
		p.done["charge-sheet undone"]++
	}
	c.stage = to
}

func (p *metricsRun) createAccused(c *modelCase) {
	a := send(p, "CreateAccused", &prosecutionv1.CreateAccusedRequest{Parent: c.name, RequestId: p.requestID(),
		Accused: &prosecutionv1.Accused{DisplayName: fmt.Sprintf("Accused %d", len(p.m.accused)+1), Role: prosecutionv1.AccusedRole_ACCUSED_ROLE_PIMP}},
		prosecutionv1.ProsecutionServiceClient.CreateAccused)
	p.m.accused = append(p.m.accused, &modelAccused{name: a.GetName(), office: c.office, kase: c, custody: atLarge, last: c.last})
}

// takeInto records a move of the accused into custody state to on the day.
func (a *modelAccused) takeInto(to prosecutionv1.Custody, on time.Time) {
	if (to == arrested || to == judicial) && a.firstCustody.IsZero() {
		a.firstCustody = on
	}
	a.custody, a.last = to, on
}

func (p *metricsRun) changeCustody(a *modelAccused) {
	moves := custodyMoves[a.custody]
	if a.verdict != 0 || len(moves) == 0 {
		return
	}
	to, on := moves[p.r.IntN(len(moves))], p.after(a.last)
	send(p, "ChangeAccusedCustody", &prosecutionv1.ChangeAccusedCustodyRequest{Name: a.name, Custody: to, EffectiveDate: protoDate(on),
		RequestId: p.requestID()}, prosecutionv1.ProsecutionServiceClient.ChangeAccusedCustody)
	if to == arrested && a.firstCustody.IsZero() {
		p.done["first arrest"]++
	} else if to == arrested || to == judicial {
		p.done["taken into custody again"]++
	}
	a.takeInto(to, on)
}

func (p *metricsRun) bail(a *modelAccused) {
	if a.verdict != 0 {
		return
	}
	kinds := []prosecutionv1.BailEventKind{prosecutionv1.BailEventKind_BAIL_EVENT_KIND_APPLIED, prosecutionv1.BailEventKind_BAIL_EVENT_KIND_REJECTED}
	switch a.custody {
	case arrested, judicial:
		kinds = append(kinds, prosecutionv1.BailEventKind_BAIL_EVENT_KIND_GRANTED, prosecutionv1.BailEventKind_BAIL_EVENT_KIND_GRANTED)
	case onBail:
		kinds = append(kinds, prosecutionv1.BailEventKind_BAIL_EVENT_KIND_CANCELLED)
	}
	kind, on := kinds[p.r.IntN(len(kinds))], p.after(a.last)
	send(p, "RecordBailEvent", &prosecutionv1.RecordBailEventRequest{Name: a.name, RequestId: p.requestID(),
		Event: &prosecutionv1.BailEvent{Kind: kind, Date: protoDate(on)}}, prosecutionv1.ProsecutionServiceClient.RecordBailEvent)
	switch kind {
	case prosecutionv1.BailEventKind_BAIL_EVENT_KIND_GRANTED:
		a.takeInto(onBail, on)
	case prosecutionv1.BailEventKind_BAIL_EVENT_KIND_CANCELLED:
		a.takeInto(judicial, on)
	default:
		a.last = on
	}
}

func (p *metricsRun) recordVerdict(a *modelAccused) {
	if a.verdict != 0 {
		return
	}
	var verdicts []prosecutionv1.Verdict
	switch a.kase.stage {
	case judgment, stageConvicted, stageAcquitted, appeal:
		verdicts = []prosecutionv1.Verdict{prosecutionv1.Verdict_VERDICT_CONVICTED, prosecutionv1.Verdict_VERDICT_ACQUITTED}
	case chargesheetFiled, cognizance, stageDischarged:
		verdicts = []prosecutionv1.Verdict{prosecutionv1.Verdict_VERDICT_DISCHARGED}
	default:
		return
	}
	v, on := verdicts[p.r.IntN(len(verdicts))], p.after(a.last)
	req := &prosecutionv1.RecordVerdictRequest{Name: a.name, Verdict: v, VerdictDate: protoDate(on), RequestId: p.requestID()}
	if v == prosecutionv1.Verdict_VERDICT_CONVICTED && p.r.IntN(2) == 0 {
		req.Sentence = &prosecutionv1.Sentence{ImprisonmentMonths: 84, FineInr: 50000}
	}
	send(p, "RecordVerdict", req, prosecutionv1.ProsecutionServiceClient.RecordVerdict)
	a.verdict, a.verdictDate, a.last = v, on, on
	p.done["verdict "+v.String()]++
}

// pickOf returns a random element of s, or nil when s is empty.
func pickOf[T any](r *rand.Rand, s []*T) *T {
	if len(s) == 0 {
		return nil
	}
	return s[r.IntN(len(s))]
}

func (p *metricsRun) step() {
	c, a := pickOf(p.r, p.m.cases), pickOf(p.r, p.m.accused)
	switch n := p.r.IntN(100); {
	case n < 10 || c == nil:
		p.createCase()
	case n < 32:
		p.advance(c)
	case n < 38:
		p.correct(c)
	case n < 48:
		p.createAccused(c)
	case a == nil:
	case n < 66:
		p.changeCustody(a)
	case n < 78:
		p.bail(a)
	case n < 92:
		p.recordVerdict(a)
	case len(p.retries) > 0:
		p.resend(p.r.IntN(len(p.retries)), "sent again later")
	}
}

// TestMetricsEqualARecountThroughTheService is the property test of the
// prosecution metrics: after a random sequence of service calls (cases
// created, advanced, charge-sheeted, corrected back; accused arrested,
// bailed, taken into custody again, convicted, acquitted, discharged;
// requests sent again under their request ids), the counters equal a
// recount from the records and the test's own model; QueryMetrics answers
// the model; RebuildMetrics corrects nothing, and restores the model after
// the counters are damaged.
func TestMetricsEqualARecountThroughTheService(t *testing.T) {
	t.Parallel()
	// One seed keeps the test under 20 s; the sequence it draws does every
	// kind of call (checked below). Another seed is another sequence.
	for _, seed := range []uint64{1} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			e := start(t)
			p := &metricsRun{t: t, e: e, r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), m: &prosecutionModel{}, done: map[string]int{}}
			store := e.svc.MetricsRepository().Counters()
			for i := range 150 {
				p.step()
				if i%50 == 49 {
					counterstest.Equal(t, store, p.m.expected())
				}
			}
			for _, retry := range p.retries {
				if err := retry(); err != nil {
					t.Fatal(err)
				}
			}
			want := p.m.expected()
			counterstest.Equal(t, store, want)
			t.Logf("seed %d: %d cases, %d accused, %d counters; did %v", seed, len(p.m.cases), len(p.m.accused), len(want), p.done)
			for _, kind := range []string{"AdvanceCaseStage", "CorrectCaseStage", "ChangeAccusedCustody", "RecordBailEvent", "sent again at once"} {
				if p.done[kind] == 0 {
					t.Errorf("the sequence never did %s: choose another seed", kind)
				}
			}
			if !slices.ContainsFunc(slices.Collect(maps.Keys(want)), func(k counters.Key) bool { return k.Metric == convictions }) ||
				!slices.ContainsFunc(slices.Collect(maps.Keys(want)), func(k counters.Key) bool { return k.Metric == acquittals }) {
				t.Errorf("the sequence convicted or acquitted nobody (%v): choose another seed", want)
			}
			assertMetricsQueryAndRebuild(t, e, want, int64(len(p.m.cases)+len(p.m.accused)))
		})
	}
}

// assertMetricsQueryAndRebuild checks that QueryMetrics answers want, to a
// caller of both offices and to one of kolkata; that RebuildMetrics, as an
// admin of every office, counts records records and corrects none of them;
// and that after the counters are damaged a rebuild restores want.
func assertMetricsQueryAndRebuild(t *testing.T, e *env, want map[counters.Key]int64, records int64) {
	t.Helper()
	query := func(p identity.Principal) map[counters.Key]int64 {
		t.Helper()
		resp, err := e.metrics.QueryMetrics(e.ctxAs(t, p), &metricsv1.QueryMetricsRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.GetProvidedMetrics(); !slices.Equal(got, []string{criminalsRestrained, convictions, acquittals, casesChargeSheeted}) {
			t.Errorf("provided_metrics = %v", got)
		}
		return kittest.MetricValues(t, resp)
	}
	director := kittest.RoleCaller(auth.RoleRegionalDirector, "kolkata", "mumbai")
	if got := query(director); !maps.Equal(got, want) {
		t.Errorf("QueryMetrics = %v\nmodel %v", got, want)
	}
	kolkata := maps.Clone(want)
	maps.DeleteFunc(kolkata, func(k counters.Key, _ int64) bool { return k.Office != "kolkata" })
	if got := query(kittest.RoleCaller(auth.RoleOfficeDirector, "kolkata")); !maps.Equal(got, kolkata) {
		t.Errorf("QueryMetrics for kolkata = %v\nmodel %v", got, kolkata)
	}

	admin := e.ctxAs(t, identity.Principal{Subject: "root", Roles: []string{auth.RoleAdmin}, AllOffices: true})
	rebuild := func(reason string) *metricsv1.RebuildMetricsResponse {
		t.Helper()
		resp, err := e.metrics.RebuildMetrics(admin, &metricsv1.RebuildMetricsRequest{Reason: reason})
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetRecords() != records || resp.GetCounters() != int64(len(want)) {
			t.Errorf("RebuildMetrics = %v, want %d records and %d counters", resp, records, len(want))
		}
		return resp
	}
	first := rebuild("check")
	if first.GetCorrected() != 0 {
		t.Errorf("a rebuild of counters equal to the recount corrected %d records", first.GetCorrected())
	}
	ctx := ctxT(t)
	counterDocs := e.db.Collection("metric_counters")
	if _, err := counterDocs.DeleteMany(ctx, bson.D{{Key: "office", Value: "kolkata"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := counterDocs.UpdateMany(ctx, bson.D{{Key: "office", Value: "mumbai"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "months.2025-01", Value: 99}}}}); err != nil {
		t.Fatal(err)
	}
	store := e.svc.MetricsRepository().Counters()
	if damaged, _ := store.Counts(ctx); maps.Equal(damaged, want) {
		t.Fatal("the counters were not damaged")
	}
	// The records were settled: the rebuild corrects none, it recounts them
	// into a new generation of counters.
	if resp := rebuild("counters damaged by hand"); resp.GetCorrected() != 0 || resp.GetGeneration() <= first.GetGeneration() {
		t.Errorf("the rebuild of damaged counters = %v, after %v", resp, first)
	}
	counterstest.Equal(t, store, want)
	if got := query(director); !maps.Equal(got, want) {
		t.Errorf("after the rebuild QueryMetrics = %v\nmodel %v", got, want)
	}
}
