package audit_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc/codes"

	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/embedstore"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/resname"
	"github.com/justiceops/justice/services/platform/storetest"
)

const (
	getSurvivor    = "/justice.rescue.v1.RescueService/GetSurvivor"
	updateSurvivor = "/justice.rescue.v1.RescueService/UpdateSurvivor"
	listSurvivors  = "/justice.rescue.v1.RescueService/ListSurvivors"
)

var priya = identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai", "kolkata"}}

func getEvent(requestID string) auth.AccessEvent {
	return auth.AccessEvent{
		Principal: priya,
		Method:    getSurvivor,
		Resource:  "offices/mumbai/survivors/s1",
		Office:    "mumbai",
		RequestID: requestID,
	}
}

// entryByRequestID returns the one stored entry with the request id.
func entryByRequestID(t *testing.T, db *mongo.Database, requestID string) audit.Entry {
	t.Helper()
	var found []audit.Entry
	for _, e := range storedEntries(t, db) {
		if e.RequestID == requestID {
			found = append(found, e)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d entries with request id %q, want 1: %+v", len(found), requestID, found)
	}
	return found[0]
}

func TestBeginRecordsTheAccessBeforeTheHandlerRuns(t *testing.T) {
	t.Parallel()
	s, db, c := newStore(t)
	c.Set(base.Add(123456789 * time.Nanosecond).In(time.FixedZone("IST", 5*3600+1800)))

	finish, err := s.Begin(tctx(t), getEvent("req-1"))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	got := onlyEntry(t, db)
	if _, id, err := resname.Parse(resname.Format("mumbai", audit.Collection, got.ID), audit.Collection, "name"); err != nil || id != got.ID || len(got.ID) != resname.IDLength {
		t.Errorf("entry id %q is not a resname.NewID id", got.ID)
	}
	want := audit.Entry{
		ID:        got.ID,
		Time:      base.Add(123 * time.Millisecond),
		Subject:   "priya",
		Roles:     []string{"investigator"},
		Offices:   []string{"mumbai", "kolkata"},
		Action:    getSurvivor,
		Resource:  "offices/mumbai/survivors/s1",
		Office:    "mumbai",
		RequestID: "req-1",
		Outcome:   audit.OutcomeUnfinished,
		Code:      "",
		Service:   "rescue",
	}
	assertEntry(t, got, want)

	finish(tctx(t), codes.OK)
	want.Outcome, want.Code = audit.OutcomeAllowed, "OK"
	assertEntry(t, storedEntry(t, db, got.ID), want)
}

// assertEntry compares entries, times by instant.
func assertEntry(t *testing.T, got, want audit.Entry) {
	t.Helper()
	if !got.Time.Equal(want.Time) {
		t.Errorf("entry time %v, want %v", got.Time, want.Time)
	}
	got.Time, want.Time = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("entry\n got  %+v\n want %+v", got, want)
	}
}

func TestFinishRecordsOutcomeAndCanonicalCode(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	cases := []struct {
		code    codes.Code
		outcome string
		name    string
	}{
		{codes.OK, audit.OutcomeAllowed, "OK"},
		{codes.Canceled, audit.OutcomeFailed, "CANCELLED"},
		{codes.Unknown, audit.OutcomeFailed, "UNKNOWN"},
		{codes.InvalidArgument, audit.OutcomeFailed, "INVALID_ARGUMENT"},
		{codes.DeadlineExceeded, audit.OutcomeFailed, "DEADLINE_EXCEEDED"},
		{codes.NotFound, audit.OutcomeFailed, "NOT_FOUND"},
		{codes.AlreadyExists, audit.OutcomeFailed, "ALREADY_EXISTS"},
		{codes.PermissionDenied, audit.OutcomeDenied, "PERMISSION_DENIED"},
		{codes.ResourceExhausted, audit.OutcomeFailed, "RESOURCE_EXHAUSTED"},
		{codes.FailedPrecondition, audit.OutcomeFailed, "FAILED_PRECONDITION"},
		{codes.Aborted, audit.OutcomeFailed, "ABORTED"},
		{codes.OutOfRange, audit.OutcomeFailed, "OUT_OF_RANGE"},
		{codes.Unimplemented, audit.OutcomeFailed, "UNIMPLEMENTED"},
		{codes.Internal, audit.OutcomeFailed, "INTERNAL"},
		{codes.Unavailable, audit.OutcomeFailed, "UNAVAILABLE"},
		{codes.DataLoss, audit.OutcomeFailed, "DATA_LOSS"},
		{codes.Unauthenticated, audit.OutcomeDenied, "UNAUTHENTICATED"},
	}
	for _, tc := range cases {
		if got := audit.OutcomeOf(tc.code); got != tc.outcome {
			t.Errorf("OutcomeOf(%v) = %q, want %q", tc.code, got, tc.outcome)
		}
		if got := audit.CodeName(tc.code); got != tc.name {
			t.Errorf("CodeName(%v) = %q, want %q", tc.code, got, tc.name)
		}
		finish, err := s.Begin(tctx(t), getEvent("req-"+tc.name))
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		finish(tctx(t), tc.code)
		e := entryByRequestID(t, db, "req-"+tc.name)
		if e.Outcome != tc.outcome || e.Code != tc.name {
			t.Errorf("finish(%v) stored outcome %q code %q, want %q %q", tc.code, e.Outcome, e.Code, tc.outcome, tc.name)
		}
	}
	if got, want := audit.CodeName(codes.Code(17)), "CODE_17"; got != want {
		t.Errorf("CodeName(17) = %q, want %q", got, want)
	}
	if got := audit.OutcomeOf(codes.Code(17)); got != audit.OutcomeFailed {
		t.Errorf("OutcomeOf(17) = %q, want FAILED", got)
	}
}

func TestFinishSetsTheOutcomeOnlyOnce(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	finish, err := s.Begin(tctx(t), getEvent("req-1"))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	other, err := s.Begin(tctx(t), getEvent("req-2"))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	finish(tctx(t), codes.OK)
	first := entryByRequestID(t, db, "req-1")

	finish(tctx(t), codes.Internal)
	finish(tctx(t), codes.PermissionDenied)
	if got := entryByRequestID(t, db, "req-1"); !reflect.DeepEqual(got, first) {
		t.Errorf("a second finish changed the entry:\n before %+v\n after  %+v", first, got)
	}
	if got := entryByRequestID(t, db, "req-2"); got.Outcome != audit.OutcomeUnfinished || got.Code != "" {
		t.Errorf("finishing one entry changed another: %+v", got)
	}
	other(tctx(t), codes.NotFound)
	if got := entryByRequestID(t, db, "req-2"); got.Outcome != audit.OutcomeFailed || got.Code != "NOT_FOUND" {
		t.Errorf("second entry: outcome %q code %q, want FAILED NOT_FOUND", got.Outcome, got.Code)
	}
}

func TestFinishWritesAfterTheCallerHungUp(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)

	cancelled, cancel := context.WithCancel(tctx(t))
	finish, err := s.Begin(cancelled, getEvent("req-cancelled"))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	cancel()
	finish(cancelled, codes.Canceled)

	expiring, cancel2 := context.WithTimeout(tctx(t), 10*time.Second)
	defer cancel2()
	finish2, err := s.Begin(expiring, getEvent("req-expired"))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	expired, cancel3 := context.WithDeadline(expiring, time.Now().Add(-time.Second))
	defer cancel3()
	finish2(expired, codes.DeadlineExceeded)

	if e := entryByRequestID(t, db, "req-cancelled"); e.Outcome != audit.OutcomeFailed || e.Code != "CANCELLED" {
		t.Errorf("cancelled caller: outcome %q code %q, want FAILED CANCELLED", e.Outcome, e.Code)
	}
	if e := entryByRequestID(t, db, "req-expired"); e.Outcome != audit.OutcomeFailed || e.Code != "DEADLINE_EXCEEDED" {
		t.Errorf("expired caller: outcome %q code %q, want FAILED DEADLINE_EXCEEDED", e.Outcome, e.Code)
	}
}

// ownClient connects a client of its own to db's store, which the test may
// disconnect without upsetting storetest's cleanup.
func ownClient(t *testing.T, db *mongo.Database) *mongo.Client {
	t.Helper()
	client, err := mongostore.Connect(tctx(t), mongostore.Config{
		URI:              storetest.URI(t),
		Database:         db.Name(),
		ConnectTimeout:   10 * time.Second,
		OperationTimeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client
}

func TestFinishFailureIsLoggedNotReturned(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	client := ownClient(t, db)
	s, err := audit.NewStore(tctx(t), client.Database(db.Name()), "rescue")
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	var logs logBuffer
	callCtx := logging.WithLogger(tctx(t), newLogger(&logs))
	finish, err := s.Begin(callCtx, getEvent("req-1"))
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	if err := client.Disconnect(tctx(t)); err != nil {
		t.Fatalf("disconnect: %v", err)
	}

	start := time.Now()
	finish(callCtx, codes.OK)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("a failing finish took %v", d)
	}

	e := onlyEntry(t, db)
	if e.Outcome != audit.OutcomeUnfinished {
		t.Errorf("outcome %q stored through a disconnected client", e.Outcome)
	}
	recs := logs.records(t)
	if len(recs) != 1 {
		t.Fatalf("logged %d records, want 1: %v", len(recs), recs)
	}
	rec := recs[0]
	if rec["level"] != "ERROR" || rec["msg"] != "audit: recording the outcome failed" ||
		rec["audit_entry"] != e.ID || rec["code"] != "OK" || rec["error"] == nil {
		t.Errorf("log record %v: want level ERROR, the message, audit_entry %s, code OK and the error", rec, e.ID)
	}
}

func TestBeginFailsWhenTheClientIsDisconnected(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	client := ownClient(t, db)
	s, err := audit.NewStore(tctx(t), client.Database(db.Name()), "rescue")
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	if err := client.Disconnect(tctx(t)); err != nil {
		t.Fatalf("disconnect: %v", err)
	}

	finish, err := s.Begin(tctx(t), getEvent("req-1"))
	if err == nil {
		t.Fatal("Begin succeeded on a disconnected client")
	}
	if finish != nil {
		t.Error("Begin returned a finish function with its error")
	}
	if err := s.Denied(tctx(t), getEvent("req-2"), codes.PermissionDenied); err == nil {
		t.Error("Denied succeeded on a disconnected client")
	}
	if n := len(rawEntries(t, db)); n != 0 {
		t.Errorf("%d entries stored through a disconnected client", n)
	}
}

func TestBeginFailsWhenTheStoreIsStopped(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := embedstore.Start(tctx(t), t.TempDir(), "127.0.0.1:0", logger)
	if err != nil {
		t.Fatalf("start store: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = store.Close()
		}
	})
	client, err := mongostore.Connect(tctx(t), mongostore.Config{
		URI: store.URI(), Database: "audit", ConnectTimeout: 5 * time.Second, OperationTimeout: 3 * time.Second,
	})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	s, err := audit.NewStore(tctx(t), client.Database("audit"), "rescue")
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	finish, err := s.Begin(tctx(t), getEvent("req-before"))
	if err != nil {
		t.Fatalf("Begin while the store runs: %v", err)
	}
	finish(tctx(t), codes.OK)

	if err := store.Close(); err != nil {
		t.Fatalf("stop store: %v", err)
	}
	stopped = true

	callCtx, cancel := context.WithTimeout(tctx(t), 5*time.Second)
	defer cancel()
	if finish, err := s.Begin(callCtx, getEvent("req-after")); err == nil || finish != nil {
		t.Errorf("Begin on a stopped store: finish %v, error %v; want an error and no finish", finish != nil, err)
	}
	if err := s.Denied(callCtx, getEvent("req-denied"), codes.Unauthenticated); err == nil {
		t.Error("Denied succeeded on a stopped store")
	}
}

func TestDeniedRecordsTheRefusal(t *testing.T) {
	t.Parallel()
	s, db, c := newStore(t)
	trainer := identity.Principal{Subject: "meera", Roles: []string{"trainer"}, Offices: []string{"mumbai"}}

	c.Set(base)
	if err := s.Denied(tctx(t), auth.AccessEvent{Method: getSurvivor, RequestID: "req-anon"}, codes.Unauthenticated); err != nil {
		t.Fatalf("Denied: %v", err)
	}
	c.Set(base.Add(time.Minute))
	cancelled, cancel := context.WithCancel(tctx(t))
	cancel()
	ev := auth.AccessEvent{Principal: trainer, Method: getSurvivor, Resource: "offices/mumbai/survivors/s1", Office: "mumbai", RequestID: "req-trainer"}
	if err := s.Denied(cancelled, ev, codes.PermissionDenied); err != nil {
		t.Fatalf("Denied with a cancelled context: %v", err)
	}

	anon := entryByRequestID(t, db, "req-anon")
	assertEntry(t, anon, audit.Entry{
		ID: anon.ID, Time: base, Subject: "", Roles: []string{}, Offices: []string{}, Action: getSurvivor,
		Resource: "", Office: "", RequestID: "req-anon", Outcome: audit.OutcomeDenied, Code: "UNAUTHENTICATED", Service: "rescue",
	})
	denied := entryByRequestID(t, db, "req-trainer")
	assertEntry(t, denied, audit.Entry{
		ID: denied.ID, Time: base.Add(time.Minute), Subject: "meera", Roles: []string{"trainer"}, Offices: []string{"mumbai"},
		Action: getSurvivor, Resource: "offices/mumbai/survivors/s1", Office: "mumbai", RequestID: "req-trainer",
		Outcome: audit.OutcomeDenied, Code: "PERMISSION_DENIED", Service: "rescue",
	})
	if anon.ID == denied.ID {
		t.Error("two entries share an id")
	}
}

func TestAllOfficesCallerIsRecordedWithStar(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	admin := identity.Principal{Subject: "asha-admin", Roles: []string{"admin"}, Offices: []string{"mumbai"}, AllOffices: true}
	finish, err := s.Begin(tctx(t), auth.AccessEvent{Principal: admin, Method: getSurvivor, RequestID: "req-1"})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	finish(tctx(t), codes.OK)
	if got := onlyEntry(t, db).Offices; !slices.Equal(got, []string{audit.AllOfficesMarker}) {
		t.Errorf("offices of an all-offices caller: %q, want [*]", got)
	}
}

func TestBeginCopiesThePrincipal(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	p := identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}}
	ev := auth.AccessEvent{Principal: p, Method: getSurvivor, RequestID: "req-1"}
	finish, err := s.Begin(tctx(t), ev)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	p.Roles[0], p.Offices[0] = "admin", "kolkata"
	finish(tctx(t), codes.OK)
	if e := onlyEntry(t, db); !slices.Equal(e.Roles, []string{"investigator"}) || !slices.Equal(e.Offices, []string{"mumbai"}) {
		t.Errorf("entry roles %q offices %q changed with the caller's slices", e.Roles, e.Offices)
	}
}

// TestEntriesHoldOnlyIDsAndNames asserts the stored document's exact shape:
// the fields of Entry and nothing else, so no request body and no survivor
// identity (names, dates of birth, contacts) can be stored in the audit log.
func TestEntriesHoldOnlyIDsAndNames(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	finish, err := s.Begin(tctx(t), auth.AccessEvent{
		Principal: priya, Method: updateSurvivor, Resource: "offices/mumbai/survivors/s1", Office: "mumbai", RequestID: "req-1",
	})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	finish(tctx(t), codes.OK)
	if err := s.Denied(tctx(t), auth.AccessEvent{Method: getSurvivor, RequestID: "req-2"}, codes.Unauthenticated); err != nil {
		t.Fatalf("Denied: %v", err)
	}

	want := []string{"_id", "action", "code", "office", "offices", "outcome", "request_id", "resource", "roles", "service", "subject", "time"}
	docs := rawEntries(t, db)
	if len(docs) != 2 {
		t.Fatalf("%d documents, want 2", len(docs))
	}
	for _, doc := range docs {
		elems, err := doc.Elements()
		if err != nil {
			t.Fatalf("elements: %v", err)
		}
		var keys []string
		for _, el := range elems {
			keys = append(keys, el.Key())
			switch el.Value().Type {
			case bson.TypeString, bson.TypeDateTime, bson.TypeArray:
			default:
				t.Errorf("field %s has BSON type %v; entries hold strings, string arrays and the time", el.Key(), el.Value().Type)
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("stored fields %q, want exactly %q", keys, want)
		}
	}
}

// TestStoreOffersNoUpdateOrDelete pins the Store's method set: the log is
// append-only, and a new method that changes or removes entries must not
// appear without this test (and the package doc) being revisited.
func TestStoreOffersNoUpdateOrDelete(t *testing.T) {
	t.Parallel()
	typ := reflect.TypeFor[*audit.Store]()
	var methods []string
	for i := range typ.NumMethod() {
		methods = append(methods, typ.Method(i).Name)
	}
	want := []string{"Begin", "Denied", "List", "WithClock", "WithPageCodec"}
	if !slices.Equal(methods, want) {
		t.Errorf("*audit.Store methods %q, want exactly %q", methods, want)
	}
}

func TestNewStoreIsIdempotent(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	for range 2 {
		if _, err := audit.NewStore(tctx(t), db, "rescue"); err != nil {
			t.Fatalf("NewStore: %v", err)
		}
	}
	cur, err := db.Collection(audit.CollectionName).Indexes().List(tctx(t))
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	var idx []struct {
		Name string `bson:"name"`
	}
	if err := cur.All(tctx(t), &idx); err != nil {
		t.Fatalf("indexes: %v", err)
	}
	var names []string
	for _, i := range idx {
		names = append(names, i.Name)
	}
	slices.Sort(names)
	if want := []string{"_id_", "office_time", "resource_time", "subject_time", "time"}; !slices.Equal(names, want) {
		t.Errorf("indexes %q, want %q", names, want)
	}
}
