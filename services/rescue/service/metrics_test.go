package service_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/identity"
)

// metricsLegalName is the protected identity of the metrics tests' survivors.
const metricsLegalName = "Kusum Metricstest Mondal"

// The metrics the rescue service provides.
const (
	survivorsRescued    = "survivors_rescued"
	minorsRescued       = "minors_rescued"
	operationsConducted = "operations_conducted"
)

// officeZone is the time zone of both default offices (Asia/Kolkata,
// UTC+05:30, no daylight saving): the metrics count months in it.
var officeZone = time.FixedZone("IST", 5*3600+1800)

// monthOf is the test's own statement of the metrics' month: the calendar
// month in the office's time zone.
func monthOf(t time.Time) string { return t.In(officeZone).Format("2006-01") }

func mkey(office, metric, month string) counters.Key {
	return counters.Key{Office: office, Metric: metric, Month: month}
}

// istTime is a wall-clock time in the offices' zone.
func istTime(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, officeZone)
}

// caller calls with one token, minted once.
type caller struct{ token string }

func (e *env) caller(t *testing.T, p identity.Principal) caller { return caller{token: e.token(t, p)} }

func (c caller) ctx(t *testing.T) context.Context {
	t.Helper()
	return metadata.AppendToOutgoingContext(ctxT(t), "authorization", "Bearer "+c.token)
}

// assertCountersEqualRecount compares the service's counters with a
// recount from its records, and with want unless want is nil.
func assertCountersEqualRecount(t *testing.T, e *env, want map[counters.Key]int64) {
	t.Helper()
	store := e.svc.MetricsRepository().Counters()
	got, err := store.Counts(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	recount, err := store.Recount(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, recount) {
		t.Errorf("counters != recount:\ncounters %v\nrecount  %v", got, recount)
	}
	if want != nil && !maps.Equal(recount, want) {
		t.Errorf("recount != model:\nrecount %v\nmodel   %v", recount, want)
	}
}

// queryValues is QueryMetrics' answer as a map.
func queryValues(t *testing.T, resp *metricsv1.QueryMetricsResponse) map[counters.Key]int64 {
	t.Helper()
	out := map[counters.Key]int64{}
	var prev *metricsv1.MonthlyValue
	for _, v := range resp.GetValues() {
		if prev != nil && fmt.Sprint(prev.GetOffice(), "|", prev.GetMetric(), "|", prev.GetMonth()) >= fmt.Sprint(v.GetOffice(), "|", v.GetMetric(), "|", v.GetMonth()) {
			t.Errorf("values not sorted by office, metric, month: %v then %v", prev, v)
		}
		prev = v
		out[mkey(v.GetOffice(), v.GetMetric(), v.GetMonth())] = v.GetValue()
	}
	return out
}

// The model of the property test: what the test itself knows of each record.
type (
	modelOperation struct {
		seq                  int
		name, office, status string
		conduct              time.Time
	}
	modelSurvivor struct {
		seq          int
		name, office string
		age          int
		rescue       time.Time
		erased       bool
	}
	model struct {
		operations map[string]*modelOperation
		survivors  map[string]*modelSurvivor
	}
)

// expected is the counters the model's records must add up to, by the
// metrics' written definitions.
func (m *model) expected() map[counters.Key]int64 {
	out := map[counters.Key]int64{}
	for _, o := range m.operations {
		if o.status == "CONDUCTED" || o.status == "CLOSED" {
			out[mkey(o.office, operationsConducted, monthOf(o.conduct))]++
		}
	}
	for _, s := range m.survivors {
		out[mkey(s.office, survivorsRescued, monthOf(s.rescue))]++
		if s.age < 18 {
			out[mkey(s.office, minorsRescued, monthOf(s.rescue))]++
		}
	}
	return out
}

// pick returns a random one of the model's records that satisfy ok. The
// candidates are taken in the order the records were made (their names are
// random), so a seed always picks the same.
func pick[T any](r *rand.Rand, records map[string]*T, seq func(*T) int, ok func(*T) bool) *T {
	var candidates []*T
	for _, rec := range records {
		if ok(rec) {
			candidates = append(candidates, rec)
		}
	}
	if len(candidates) == 0 {
		return nil
	}
	slices.SortFunc(candidates, func(a, b *T) int { return seq(a) - seq(b) })
	return candidates[r.IntN(len(candidates))]
}

func operationSeq(o *modelOperation) int { return o.seq }
func survivorSeq(s *modelSurvivor) int   { return s.seq }

// propertyRun is one seeded random sequence against one service.
type propertyRun struct {
	t         *testing.T
	e         *env
	r         *rand.Rand
	as        caller
	m         *model
	locations map[string]string
	months    []time.Time
	// retries are requests already answered, to send again later.
	retries []func() error
	seq     int
	// done counts what the run did, by kind.
	done map[string]int
	// made counts the records made, to order them.
	made int
}

// boundaryTime is a time close to the start of a random month of the run,
// in the offices' zone: a few minutes or hours either side of local
// midnight (where the local and the UTC month differ), or mid-month.
func (p *propertyRun) boundaryTime() time.Time {
	base := p.months[p.r.IntN(len(p.months))]
	offsets := []time.Duration{-6 * time.Hour, -45 * time.Minute, -3 * time.Minute, 3 * time.Minute, 4 * time.Hour, 12 * 24 * time.Hour}
	return base.Add(offsets[p.r.IntN(len(offsets))])
}

// requestID returns a fresh request id, or "" (no idempotency) now and then.
func (p *propertyRun) requestID() string {
	if p.r.IntN(5) == 0 {
		return ""
	}
	p.seq++
	return fmt.Sprintf("prop-%d", p.seq)
}

// send makes a call; when it carries a request id, it is sent again at
// once half of the time (a retry after a lost answer) and remembered to be
// sent again later. The retries must be answered alike and change nothing.
//
// call is a method expression of the client, e.g.
// rescuev1.RescueServiceClient.CreateOperation: a retry sent after a
// restart goes to the service running then.
func send[Req, Resp proto.Message](p *propertyRun, what string, req Req, requestID string,
	call func(rescuev1.RescueServiceClient, context.Context, Req, ...grpc.CallOption) (Resp, error)) Resp {
	p.t.Helper()
	resp, err := call(p.e.anon, p.as.ctx(p.t), req)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	p.done[what]++
	if requestID == "" {
		return resp
	}
	again := func() error {
		dup, err := call(p.e.anon, p.as.ctx(p.t), proto.CloneOf(req))
		if err != nil {
			return fmt.Errorf("%s retried: %w", what, err)
		}
		if name := func(m proto.Message) string {
			f := m.ProtoReflect().Descriptor().Fields().ByName("name")
			return m.ProtoReflect().Get(f).String()
		}; name(dup) != name(resp) {
			return fmt.Errorf("%s retried answered %s, first %s", what, name(dup), name(resp))
		}
		return nil
	}
	if p.r.IntN(2) == 0 {
		if err := again(); err != nil {
			p.t.Fatal(err)
		}
		p.done["retried at once"]++
	}
	p.retries = append(p.retries, again)
	return resp
}

func (p *propertyRun) createOperation(office string) *modelOperation {
	rid := p.requestID()
	req := &rescuev1.CreateOperationRequest{Parent: "offices/" + office, RequestId: rid, Operation: operationAt(p.locations[office])}
	o := send(p, "CreateOperation", req, rid, rescuev1.RescueServiceClient.CreateOperation)
	p.made++
	mo := &modelOperation{seq: p.made, name: o.GetName(), office: office, status: "PLANNED"}
	p.m.operations[mo.name] = mo
	return mo
}

func (p *propertyRun) conduct(o *modelOperation) {
	rid := p.requestID()
	at := p.boundaryTime()
	send(p, "ConductOperation", &rescuev1.ConductOperationRequest{Name: o.name, RequestId: rid, ConductTime: timestamppb.New(at),
		SuspectsApprehended: 2}, rid, rescuev1.RescueServiceClient.ConductOperation)
	o.status, o.conduct = "CONDUCTED", at
}

// assertCountersBehind checks that a simulated crash left the counters
// behind the records.
func (p *propertyRun) assertCountersBehind() {
	p.t.Helper()
	store := p.e.svc.MetricsRepository().Counters()
	counts, err := store.Counts(ctxT(p.t))
	if err != nil {
		p.t.Fatal(err)
	}
	recount, err := store.Recount(ctxT(p.t))
	if err != nil {
		p.t.Fatal(err)
	}
	if maps.Equal(counts, recount) {
		p.t.Fatal("the simulated crash left the counters equal to the recount: it did not skip the update")
	}
}

// crashAndRestart skips the counter updates of a survivor's create and of an
// operation's delete, checks that the deleted operation is gone for every
// read although its document is not, and starts the service again: its
// start-up repair must leave the counters equal to the model.
func (p *propertyRun) crashAndRestart() {
	p.t.Helper()
	deleted := p.createOperation("kolkata")
	o := p.createOperation("mumbai")
	p.conduct(o)
	p.e.svc.MetricsRepository().SimulateCrashes(2)
	p.createSurvivor(o)
	if _, err := p.e.anon.DeleteOperation(p.as.ctx(p.t), &rescuev1.DeleteOperationRequest{Name: deleted.name}); err != nil {
		p.t.Fatalf("DeleteOperation: %v", err)
	}
	delete(p.m.operations, deleted.name)
	p.assertCountersBehind()
	if n, _ := p.e.db.Collection("operations").CountDocuments(ctxT(p.t), bson.D{{Key: "counters.pending.delete", Value: true}}); n != 1 {
		p.t.Errorf("%d operations with a pending delete, want the one just deleted", n)
	}
	_, err := p.e.anon.GetOperation(p.as.ctx(p.t), &rescuev1.GetOperationRequest{Name: deleted.name})
	statusOf(p.t, err, codes.NotFound, "OPERATION_NOT_FOUND")
	list, err := p.e.anon.ListOperations(p.as.ctx(p.t), &rescuev1.ListOperationsRequest{Parent: "offices/-", PageSize: 500})
	if err != nil {
		p.t.Fatal(err)
	}
	if len(list.GetOperations()) != len(p.m.operations) || slices.ContainsFunc(list.GetOperations(), func(o *rescuev1.Operation) bool {
		return o.GetName() == deleted.name
	}) {
		p.t.Errorf("ListOperations shows %d operations, want the model's %d without the deleted one", len(list.GetOperations()), len(p.m.operations))
	}
	p.e = startWith(p.t, options{restartOf: p.e})
	assertCountersEqualRecount(p.t, p.e, p.m.expected())
	if n, _ := p.e.db.Collection("operations").CountDocuments(ctxT(p.t), bson.D{{Key: "_id", Value: deleted.name[strings.LastIndex(deleted.name, "/")+1:]}}); n != 0 {
		p.t.Error("the start-up repair did not carry out the pending delete")
	}
}

func (p *propertyRun) step() {
	office := []string{"mumbai", "kolkata"}[p.r.IntN(2)]
	conducted := func(o *modelOperation) bool {
		return o.office == office && (o.status == "CONDUCTED" || o.status == "CLOSED")
	}
	switch n := p.r.IntN(100); {
	case n < 14:
		p.createOperation(office)
	case n < 28:
		if o := pick(p.r, p.m.operations, operationSeq, func(o *modelOperation) bool { return o.status == "PLANNED" }); o != nil {
			p.conduct(o)
		}
	case n < 35:
		if o := pick(p.r, p.m.operations, operationSeq, func(o *modelOperation) bool { return o.status == "CONDUCTED" }); o != nil {
			rid := p.requestID()
			send(p, "CloseOperation", &rescuev1.CloseOperationRequest{Name: o.name, RequestId: rid}, rid, rescuev1.RescueServiceClient.CloseOperation)
			o.status = "CLOSED"
		}
	case n < 42:
		if o := pick(p.r, p.m.operations, operationSeq, func(o *modelOperation) bool { return o.status == "PLANNED" }); o != nil {
			rid := p.requestID()
			send(p, "AbortOperation", &rescuev1.AbortOperationRequest{Name: o.name, RequestId: rid, Reason: "called off"}, rid, rescuev1.RescueServiceClient.AbortOperation)
			o.status = "ABORTED"
		}
	case n < 50:
		if o := pick(p.r, p.m.operations, operationSeq, func(o *modelOperation) bool { return o.status == "PLANNED" || o.status == "ABORTED" }); o != nil {
			if _, err := p.e.anon.DeleteOperation(p.as.ctx(p.t), &rescuev1.DeleteOperationRequest{Name: o.name}); err != nil {
				p.t.Fatalf("DeleteOperation: %v", err)
			}
			p.done["DeleteOperation"]++
			delete(p.m.operations, o.name)
		}
	case n < 72:
		o := pick(p.r, p.m.operations, operationSeq, conducted)
		if o == nil {
			o = p.createOperation(office)
			p.conduct(o)
		}
		p.createSurvivor(o)
	case n < 88:
		if s := pick(p.r, p.m.survivors, survivorSeq, func(*modelSurvivor) bool { return true }); s != nil {
			p.updateSurvivor(s)
		}
	case n < 93:
		if s := pick(p.r, p.m.survivors, survivorSeq, func(s *modelSurvivor) bool { return !s.erased }); s != nil {
			rid := p.requestID()
			send(p, "EraseSurvivorIdentity", &rescuev1.EraseSurvivorIdentityRequest{Name: s.name, RequestId: rid, Reason: "purpose served"},
				rid, rescuev1.RescueServiceClient.EraseSurvivorIdentity)
			s.erased = true
		}
	default:
		if len(p.retries) > 0 {
			if err := p.retries[p.r.IntN(len(p.retries))](); err != nil {
				p.t.Fatal(err)
			}
			p.done["retried later"]++
		}
	}
}

func (p *propertyRun) createSurvivor(o *modelOperation) {
	rid := p.requestID()
	age := 10 + p.r.IntN(25)
	at := p.boundaryTime()
	sv := &rescuev1.Survivor{
		Pseudonym: fmt.Sprintf("P%d", len(p.m.survivors)), AgeAtRescue: int32(age), Gender: rescuev1.Gender_GENDER_FEMALE,
		Citizenship: "IN", RescueTime: timestamppb.New(at), Operation: o.name,
		// Valid for minors and adults alike, so age updates may cross 18.
		LegalBasis: &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_PROSECUTION_OF_OFFENCE, Reference: "FIR 9/2025"},
	}
	if p.r.IntN(2) == 0 {
		sv.LegalName = metricsLegalName
	}
	s := send(p, "CreateSurvivor", &rescuev1.CreateSurvivorRequest{Parent: "offices/" + o.office, RequestId: rid, Survivor: sv}, rid,
		rescuev1.RescueServiceClient.CreateSurvivor)
	p.made++
	p.m.survivors[s.GetName()] = &modelSurvivor{seq: p.made, name: s.GetName(), office: o.office, age: age, rescue: at}
}

// updateSurvivor moves the survivor's rescue to another time (often another
// month) or its age across 18, or both.
func (p *propertyRun) updateSurvivor(s *modelSurvivor) {
	sv := &rescuev1.Survivor{Name: s.name}
	var mask []string
	age, at := s.age, s.rescue
	if c := p.r.IntN(3); c != 0 {
		at = p.boundaryTime()
		sv.RescueTime = timestamppb.New(at)
		mask = append(mask, "rescue_time")
	}
	if c := p.r.IntN(3); c != 0 || len(mask) == 0 {
		if age < 18 {
			age = 18 + p.r.IntN(20)
		} else {
			age = 8 + p.r.IntN(10)
		}
		sv.AgeAtRescue = int32(age)
		mask = append(mask, "age_at_rescue")
	}
	if _, err := p.e.anon.UpdateSurvivor(p.as.ctx(p.t), &rescuev1.UpdateSurvivorRequest{Survivor: sv,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: mask}}); err != nil {
		p.t.Fatalf("UpdateSurvivor %v: %v", mask, err)
	}
	if monthOf(at) != monthOf(s.rescue) {
		p.done["rescue moved to another month"]++
	}
	if (age < 18) != (s.age < 18) {
		p.done["age moved across 18"]++
	}
	s.age, s.rescue = age, at
}

// TestMetricCountersEqualARecountAfterARandomHistory is the issue's
// property test, through the real service over gRPC on the embedded store:
// a seeded random sequence of creates (operations; survivors of both
// offices, of every age, rescued near month boundaries), transitions
// (conduct, close, abort), deletes of operations, updates moving a
// survivor's rescue month or age across 18, erasures, duplicated requests
// (the same request_id sent again at once and later), and a crash between a
// record write and its counter update (the update skipped, then the
// service started again on the same database, whose start-up repairs it).
// At checkpoints and at the end the counters must equal a recount from the
// records, for every office and month, and the recount the test's own model.
func TestMetricCountersEqualARecountAfterARandomHistory(t *testing.T) {
	t.Parallel()
	const steps = 150
	for _, seed := range []uint64{1, 2, 3, 4} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			e := start(t)
			r := rand.New(rand.NewPCG(seed, 0x5eed))
			// Months in the past, so every time the test sends is too.
			var months []time.Time
			for i := range 4 {
				months = append(months, istTime(2025, time.January+time.Month(i), 1, 0, 0))
			}
			p := &propertyRun{t: t, e: e, r: r, m: &model{operations: map[string]*modelOperation{}, survivors: map[string]*modelSurvivor{}},
				months: months, locations: map[string]string{}, done: map[string]int{}}
			p.as = e.caller(t, identity.Principal{Subject: "prop", Roles: []string{auth.RoleInvestigator, auth.RoleOfficeDirector},
				Offices: []string{"kolkata", "mumbai"}})
			for _, office := range []string{"mumbai", "kolkata"} {
				p.locations[office] = e.confirmedLocation(t, office).GetName()
			}
			crashAt := 15 + r.IntN(steps-30)
			restartAt := crashAt + 3 + r.IntN(10)
			for i := range steps {
				switch i {
				case crashAt:
					// A counter update fails after a conduct is written: the
					// operation is CONDUCTED, its count is not; the service
					// goes on (and may write the same record again).
					p.e.svc.MetricsRepository().SimulateCrashes(1)
					p.conduct(p.createOperation("mumbai"))
					p.assertCountersBehind()
				case restartAt:
					// The process stops right after writing a survivor and
					// right after writing the delete of an operation; the
					// service is started again on the same database.
					p.crashAndRestart()
				}
				p.step()
				if i%10 == 9 && (i < crashAt || i >= restartAt) {
					assertCountersEqualRecount(t, p.e, p.m.expected())
				}
			}
			for _, retry := range p.retries {
				if err := retry(); err != nil {
					t.Fatal(err)
				}
			}
			want := p.m.expected()
			assertCountersEqualRecount(t, p.e, want)
			resp, err := p.e.metrics.QueryMetrics(p.as.ctx(t), &metricsv1.QueryMetricsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if got := queryValues(t, resp); !maps.Equal(got, want) {
				t.Errorf("QueryMetrics = %v\nmodel %v", got, want)
			}
			t.Logf("seed %d: %d operations, %d survivors, %d counters, crash at step %d, restart at %d; did %v",
				seed, len(p.m.operations), len(p.m.survivors), len(want), crashAt, restartAt, p.done)
		})
	}
}

// metricsDataset writes a small dataset whose metrics are computed by hand
// below, and returns the callers' tokens.
//
//	mumbai: operation A conducted 15 Jan 2025 (IST), then closed; B conducted
//	        00:30 IST on 1 Feb 2025 (31 Jan in UTC); C planned; D aborted.
//	        Survivors: 15 years old, 10 Jan (A); 30, 00:15 IST on 1 Feb (B);
//	        17, 23:59 IST on 28 Feb (B).
//	kolkata: operation E conducted 20 Dec 2024; survivor of 20, 20 Dec (E).
func metricsDataset(t *testing.T, e *env) {
	t.Helper()
	ctx := func() context.Context { return ctxT(t) }
	conduct := func(office string, at time.Time) *rescuev1.Operation {
		l := e.confirmedLocation(t, office)
		o, err := e.client.CreateOperation(ctx(), &rescuev1.CreateOperationRequest{Parent: "offices/" + office, Operation: operationAt(l.GetName())})
		if err != nil {
			t.Fatal(err)
		}
		if at.IsZero() {
			return o
		}
		if o, err = e.client.ConductOperation(ctx(), &rescuev1.ConductOperationRequest{Name: o.GetName(), ConductTime: timestamppb.New(at)}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	survivor := func(o *rescuev1.Operation, age int32, at time.Time) {
		s := adult(o.GetName())
		s.LegalName, s.FamilyContact, s.Address = metricsLegalName, "", ""
		s.AgeAtRescue, s.RescueTime = age, timestamppb.New(at)
		s.LegalBasis = &rescuev1.LegalBasis{Basis: rescuev1.LawfulBasis_LAWFUL_BASIS_PROSECUTION_OF_OFFENCE, Reference: "FIR 1"}
		if _, err := e.client.CreateSurvivor(ctx(), &rescuev1.CreateSurvivorRequest{Parent: "offices/" + auth.OfficeOf(o.GetName()), Survivor: s}); err != nil {
			t.Fatal(err)
		}
	}
	a := conduct("mumbai", istTime(2025, time.January, 15, 6, 0))
	if _, err := e.client.CloseOperation(ctx(), &rescuev1.CloseOperationRequest{Name: a.GetName()}); err != nil {
		t.Fatal(err)
	}
	b := conduct("mumbai", istTime(2025, time.February, 1, 0, 30))
	conduct("mumbai", time.Time{})
	d := conduct("mumbai", time.Time{})
	if _, err := e.client.AbortOperation(ctx(), &rescuev1.AbortOperationRequest{Name: d.GetName()}); err != nil {
		t.Fatal(err)
	}
	survivor(a, 15, istTime(2025, time.January, 10, 22, 0))
	survivor(b, 30, istTime(2025, time.February, 1, 0, 15))
	survivor(b, 17, istTime(2025, time.February, 28, 23, 59))
	ev := conduct("kolkata", istTime(2024, time.December, 20, 3, 0))
	survivor(ev, 20, istTime(2024, time.December, 20, 2, 0))
}

// datasetMetrics are metricsDataset's metrics, by hand.
var datasetMetrics = map[counters.Key]int64{
	mkey("kolkata", operationsConducted, "2024-12"): 1,
	mkey("kolkata", survivorsRescued, "2024-12"):    1,
	mkey("mumbai", minorsRescued, "2025-01"):        1,
	mkey("mumbai", minorsRescued, "2025-02"):        1,
	mkey("mumbai", operationsConducted, "2025-01"):  1,
	mkey("mumbai", operationsConducted, "2025-02"):  1,
	mkey("mumbai", survivorsRescued, "2025-01"):     1,
	mkey("mumbai", survivorsRescued, "2025-02"):     2,
}

func TestQueryMetrics(t *testing.T) {
	t.Parallel()
	e := start(t)
	metricsDataset(t, e)
	both := e.caller(t, identity.Principal{Subject: "rd", Roles: []string{auth.RoleRegionalDirector}, Offices: []string{"kolkata", "mumbai"}})
	kolkata := e.caller(t, identity.Principal{Subject: "kd", Roles: []string{auth.RoleOfficeDirector}, Offices: []string{"kolkata"}})
	home := e.caller(t, identity.Principal{Subject: "home", Roles: []string{auth.RolePartnerHome}, Offices: []string{"mumbai"}})
	pick := func(keys ...counters.Key) map[counters.Key]int64 {
		out := map[counters.Key]int64{}
		for _, k := range keys {
			out[k] = datasetMetrics[k]
		}
		return out
	}
	cases := []struct {
		name string
		as   caller
		req  *metricsv1.QueryMetricsRequest
		want map[counters.Key]int64
	}{
		{"everything of both offices", both, &metricsv1.QueryMetricsRequest{}, datasetMetrics},
		{"both offices named", both, &metricsv1.QueryMetricsRequest{Offices: []string{"mumbai", "kolkata", "mumbai"}}, datasetMetrics},
		{"one metric from a month, another source's metric ignored", both, &metricsv1.QueryMetricsRequest{
			Offices: []string{"mumbai"}, Metrics: []string{minorsRescued, "convictions"}, FromMonth: "2025-02"},
			pick(mkey("mumbai", minorsRescued, "2025-02"))},
		{"up to a month", both, &metricsv1.QueryMetricsRequest{ToMonth: "2024-12"},
			pick(mkey("kolkata", operationsConducted, "2024-12"), mkey("kolkata", survivorsRescued, "2024-12"))},
		{"one month", both, &metricsv1.QueryMetricsRequest{FromMonth: "2025-01", ToMonth: "2025-01", Metrics: []string{survivorsRescued, operationsConducted}},
			pick(mkey("mumbai", operationsConducted, "2025-01"), mkey("mumbai", survivorsRescued, "2025-01"))},
		{"only other sources' metrics", both, &metricsv1.QueryMetricsRequest{Metrics: []string{"convictions", "people_trained"}}, map[counters.Key]int64{}},
		{"months with nothing", both, &metricsv1.QueryMetricsRequest{FromMonth: "2023-01", ToMonth: "2023-12"}, map[counters.Key]int64{}},
		{"a caller of kolkata gets kolkata", kolkata, &metricsv1.QueryMetricsRequest{},
			pick(mkey("kolkata", operationsConducted, "2024-12"), mkey("kolkata", survivorsRescued, "2024-12"))},
		{"a partner home reads aggregates of its office", home, &metricsv1.QueryMetricsRequest{Metrics: []string{operationsConducted}},
			pick(mkey("mumbai", operationsConducted, "2025-01"), mkey("mumbai", operationsConducted, "2025-02"))},
	}
	for _, c := range cases {
		resp, err := e.metrics.QueryMetrics(c.as.ctx(t), c.req)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := queryValues(t, resp); !maps.Equal(got, c.want) {
			t.Errorf("%s: got %v\nwant %v", c.name, got, c.want)
		}
		if !slices.Equal(resp.GetProvidedMetrics(), []string{survivorsRescued, minorsRescued, operationsConducted}) {
			t.Errorf("%s: provided_metrics = %v", c.name, resp.GetProvidedMetrics())
		}
	}
	assertCountersEqualRecount(t, e, datasetMetrics)

	// Erasing identity changes no count.
	director := e.caller(t, identity.Principal{Subject: "od", Roles: []string{auth.RoleOfficeDirector}, Offices: []string{"kolkata", "mumbai"}})
	list, err := e.client.ListSurvivors(ctxT(t), &rescuev1.ListSurvivorsRequest{Parent: "offices/-"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list.GetSurvivors() {
		if _, err := e.anon.EraseSurvivorIdentity(director.ctx(t), &rescuev1.EraseSurvivorIdentityRequest{Name: s.GetName(), Reason: "purpose served"}); err != nil {
			t.Fatal(err)
		}
	}
	assertCountersEqualRecount(t, e, datasetMetrics)
}

func TestQueryMetricsRefusesOtherOfficesAndBadInput(t *testing.T) {
	t.Parallel()
	e := start(t)
	metricsDataset(t, e)
	kolkata := e.caller(t, identity.Principal{Subject: "kd", Roles: []string{auth.RoleOfficeDirector}, Offices: []string{"kolkata"}})
	// Mumbai, held by someone else, and Chennai, which does not exist, are refused alike.
	var messages []string
	for _, offices := range [][]string{{"mumbai"}, {"kolkata", "mumbai"}, {"chennai"}} {
		_, err := e.metrics.QueryMetrics(kolkata.ctx(t), &metricsv1.QueryMetricsRequest{Offices: offices})
		st := statusOf(t, err, codes.NotFound, auth.ReasonOfficeNotFound)
		messages = append(messages, strings.ReplaceAll(st.Message(), offices[len(offices)-1], "X"))
	}
	if messages[0] != messages[2] {
		t.Errorf("another office's NOT_FOUND %q differs from an unknown office's %q", messages[0], messages[2])
	}

	both := e.caller(t, identity.Principal{Subject: "rd", Roles: []string{auth.RoleRegionalDirector}, Offices: []string{"kolkata", "mumbai"}})
	bad := []struct {
		req    *metricsv1.QueryMetricsRequest
		fields []string
	}{
		{&metricsv1.QueryMetricsRequest{FromMonth: "2025-13"}, []string{"from_month"}},
		{&metricsv1.QueryMetricsRequest{ToMonth: "2025-1"}, []string{"to_month"}},
		{&metricsv1.QueryMetricsRequest{FromMonth: "2025-03", ToMonth: "2025-02"}, []string{"to_month"}},
		{&metricsv1.QueryMetricsRequest{Offices: []string{"mumbai", "Mumbai", "-"}}, []string{"offices[1]", "offices[2]"}},
		{&metricsv1.QueryMetricsRequest{Offices: []string{"mumbai"}, FromMonth: "March", ToMonth: "2025/04"}, []string{"from_month", "to_month"}},
	}
	for _, c := range bad {
		_, err := e.metrics.QueryMetrics(both.ctx(t), c.req)
		statusOf(t, err, codes.InvalidArgument, "INVALID_METRICS_QUERY", c.fields...)
	}
	// Bad input is refused before the offices are resolved: a caller learns
	// nothing about an office from the order of the checks.
	_, err := e.metrics.QueryMetrics(kolkata.ctx(t), &metricsv1.QueryMetricsRequest{Offices: []string{"mumbai"}, FromMonth: "x"})
	statusOf(t, err, codes.InvalidArgument, "INVALID_METRICS_QUERY", "from_month")

	svc := e.caller(t, identity.Principal{Subject: "svc:gateway", Roles: []string{auth.RoleService}, AllOffices: true})
	_, err = e.metrics.QueryMetrics(svc.ctx(t), &metricsv1.QueryMetricsRequest{})
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	_, err = e.metrics.QueryMetrics(ctxT(t), &metricsv1.QueryMetricsRequest{})
	statusOf(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
}

func TestRebuildMetricsRestoresDamagedCounters(t *testing.T) {
	t.Parallel()
	e := start(t)
	metricsDataset(t, e)
	ctx := ctxT(t)
	counterDocs := e.db.Collection("metric_counters")
	// Damage: a wrong value, a lost series.
	if _, err := counterDocs.UpdateMany(ctx, bson.D{{Key: "office", Value: "mumbai"}, {Key: "metric", Value: survivorsRescued}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "months.2025-01", Value: 99}}}}); err != nil {
		t.Fatal(err)
	}
	if res, err := counterDocs.DeleteMany(ctx, bson.D{{Key: "office", Value: "kolkata"}}); err != nil || res.DeletedCount == 0 {
		t.Fatalf("deleting kolkata's counters: %v, %v", res, err)
	}
	store := e.svc.MetricsRepository().Counters()
	if counts, _ := store.Counts(ctx); maps.Equal(counts, datasetMetrics) {
		t.Fatal("the counters were not damaged")
	}

	admin := e.caller(t, identity.Principal{Subject: "root", Roles: []string{auth.RoleAdmin}, AllOffices: true})
	_, err := e.metrics.RebuildMetrics(admin.ctx(t), &metricsv1.RebuildMetricsRequest{Reason: "  "})
	statusOf(t, err, codes.InvalidArgument, "INVALID_FIELDS", "reason")
	mumbaiAdmin := e.caller(t, identity.Principal{Subject: "madmin", Roles: []string{auth.RoleAdmin}, Offices: []string{"mumbai"}})
	_, err = e.metrics.RebuildMetrics(mumbaiAdmin.ctx(t), &metricsv1.RebuildMetricsRequest{Reason: "drift"})
	statusOf(t, err, codes.PermissionDenied, "ALL_OFFICES_REQUIRED")
	director := e.caller(t, identity.Principal{Subject: "rd", Roles: []string{auth.RoleRegionalDirector}, AllOffices: true})
	_, err = e.metrics.RebuildMetrics(director.ctx(t), &metricsv1.RebuildMetricsRequest{Reason: "drift"})
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)

	const reason = "counters damaged by a manual edit"
	resp, err := e.metrics.RebuildMetrics(admin.ctx(t), &metricsv1.RebuildMetricsRequest{Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	// Five operations and four survivors: every record is counted, even
	// one that contributes nothing (a planned or aborted operation).
	if resp.GetGeneration() < 1 || resp.GetRecords() != 9 || resp.GetCorrected() != 0 || resp.GetCounters() != int64(len(datasetMetrics)) {
		t.Errorf("RebuildMetrics = %v, want a new generation, 9 records, 0 corrected, %d counters", resp, len(datasetMetrics))
	}
	assertCountersEqualRecount(t, e, datasetMetrics)
	q, err := e.metrics.QueryMetrics(admin.ctx(t), &metricsv1.QueryMetricsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := queryValues(t, q); !maps.Equal(got, datasetMetrics) {
		t.Errorf("after the rebuild QueryMetrics = %v, want %v", got, datasetMetrics)
	}

	// The rebuild is on record with who asked and why, and in the audit log.
	var rec struct {
		Actor   string `bson:"actor"`
		Reason  string `bson:"reason"`
		Outcome string `bson:"outcome"`
		Records int64  `bson:"records"`
	}
	if err := e.db.Collection("metric_rebuilds").FindOne(ctx, bson.D{{Key: "outcome", Value: "DONE"}}).Decode(&rec); err != nil {
		t.Fatal(err)
	}
	if rec.Actor != "root" || rec.Reason != reason || rec.Records != 9 {
		t.Errorf("rebuild record = %+v", rec)
	}
	if n, _ := e.db.Collection("metric_rebuilds").CountDocuments(ctx, bson.D{}); n != 1 {
		t.Errorf("%d rebuild records, want 1 (refused calls rebuild nothing)", n)
	}
	n, err := e.db.Collection("audit_log").CountDocuments(ctx, bson.D{{Key: "action", Value: metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName}})
	if err != nil || n != 4 {
		t.Errorf("%d audit entries of RebuildMetrics (%v), want 4: refused for its input, its offices and its role, and done", n, err)
	}
}

func TestMaintainRepairsACounterUpdateThatFailed(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	e.svc.MetricsRepository().SimulateCrashes(1)
	if _, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())}); err != nil {
		t.Fatal(err)
	}
	store := e.svc.MetricsRepository().Counters()
	recount, err := store.Recount(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if counts, _ := store.Counts(ctxT(t)); maps.Equal(counts, recount) {
		t.Fatal("the skipped update left nothing to repair")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Maintain(ctx, 20*time.Millisecond)
	}()
	defer func() {
		cancel()
		<-done
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		counts, err := store.Counts(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		// The repair is logged once it has been applied, so wait for both.
		logged := strings.Contains(e.logs.String(), "repaired the metric counters")
		if maps.Equal(counts, recount) && logged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Maintain did not repair and log the counters (logged %v): %v, recount %v\n%s", logged, counts, recount, e.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
