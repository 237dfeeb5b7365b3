package service_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
)

// etags returns the current etag of each case.
func (e *env) etags(t *testing.T, cases ...*prosecutionv1.Case) []string {
	t.Helper()
	var out []string
	for _, c := range cases {
		got, err := e.client.GetCase(ctxT(t), &prosecutionv1.GetCaseRequest{Name: c.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got.GetEtag())
	}
	return out
}

// untilRescueAnswers repeats call until it succeeds: rescue, started
// again, may take a moment to be reached.
func untilRescueAnswers(t *testing.T, what string, call func() error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := call()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s after rescue started again: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRescueStopped_LinksFailUnavailableAndWriteNothing: with rescue
// stopped, every request that must ask it about a survivor or an
// operation (a case created with links, a link, a witness) fails with
// UNAVAILABLE RESCUE_UNAVAILABLE and a retry delay, and writes nothing:
// no record, no idempotency key, no change to a case. What needs no answer
// from rescue goes on. Once rescue is back, the same requests, under the
// same request ids, succeed once.
func TestRescueStopped_LinksFailUnavailableAndWriteNothing(t *testing.T) {
	t.Parallel()
	e := start(t)
	child := e.rescue.survivor(t, "mumbai", true).GetName()
	adult := e.rescue.survivor(t, "mumbai", false).GetName()
	op := e.rescue.operation(t, "mumbai").GetName()
	linked := e.createCase(t, "mumbai", child)
	bare := e.createCase(t, "mumbai")

	e.rescue.halt()
	before, etags := e.snapshot(t), e.etags(t, linked, bare)
	createCase := func(ctx context.Context) (*prosecutionv1.Case, error) {
		return e.client.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(adult, op), RequestId: "down-case"})
	}
	link := func(ctx context.Context) (*prosecutionv1.Case, error) {
		return e.client.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: bare.GetName(), Reference: adult, RequestId: "down-link"})
	}
	linkOperation := func(ctx context.Context) (*prosecutionv1.Case, error) {
		return e.client.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: linked.GetName(), Reference: op, Etag: etags[0]})
	}
	witness := func(ctx context.Context) (*prosecutionv1.Witness, error) {
		return e.client.CreateWitness(ctx, &prosecutionv1.CreateWitnessRequest{Parent: linked.GetName(),
			Witness: &prosecutionv1.Witness{Survivor: child}, RequestId: "down-witness"})
	}
	refused := map[string]func() error{
		"CreateCase with links": func() error { _, err := createCase(ctxT(t)); return err },
		"LinkCaseReference":     func() error { _, err := link(ctxT(t)); return err },
		"link an operation":     func() error { _, err := linkOperation(ctxT(t)); return err },
		"CreateWitness":         func() error { _, err := witness(ctxT(t)); return err },
	}
	for what, call := range refused {
		st := statusOf(t, call(), codes.Unavailable, "RESCUE_UNAVAILABLE")
		if ri := kittest.RetryInfo(st); ri == nil || ri.GetRetryDelay().AsDuration() <= 0 {
			t.Errorf("%s: no retry delay in %v", what, st.Details())
		}
		if msg := st.Message(); !strings.Contains(msg, "nothing was written") || !strings.Contains(msg, "retry") {
			t.Errorf("%s: message %q does not say nothing was written and to retry", what, msg)
		}
	}
	// What rescue need not answer goes on: reading, and linking a survivor already linked.
	if _, err := e.client.GetCase(ctxT(t), &prosecutionv1.GetCaseRequest{Name: linked.GetName()}); err != nil {
		t.Errorf("GetCase with rescue stopped: %v", err)
	}
	if c, err := e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: linked.GetName(), Reference: child}); err != nil ||
		c.GetEtag() != etags[0] {
		t.Errorf("linking a survivor already linked, with rescue stopped: %v, %v", c, err)
	}
	e.assertSnapshot(t, before)
	if now := e.etags(t, linked, bare); !slices.Equal(now, etags) {
		t.Errorf("case etags changed from %v to %v", etags, now)
	}
	if _, err := e.client.CreateHearing(ctxT(t), &prosecutionv1.CreateHearingRequest{Parent: linked.GetName(),
		Hearing: &prosecutionv1.Hearing{Date: day(2025, 1, 15), Purpose: prosecutionv1.HearingPurpose_HEARING_PURPOSE_EVIDENCE}}); err != nil {
		t.Errorf("CreateHearing with rescue stopped: %v", err)
	}

	e.rescue.start(t)
	var created, relinked *prosecutionv1.Case
	var w *prosecutionv1.Witness
	untilRescueAnswers(t, "CreateCase", func() (err error) { created, err = createCase(ctxT(t)); return err })
	untilRescueAnswers(t, "LinkCaseReference", func() (err error) { relinked, err = link(ctxT(t)); return err })
	untilRescueAnswers(t, "CreateWitness", func() (err error) { w, err = witness(ctxT(t)); return err })
	if !slices.Equal(created.GetSurvivors(), []string{adult}) || !slices.Equal(created.GetOperations(), []string{op}) ||
		!slices.Equal(relinked.GetSurvivors(), []string{adult}) || !w.GetMinor() {
		t.Errorf("after rescue came back: case %v, link %v, witness %v", created, relinked, w)
	}
	// Sent again, each is answered alike and writes nothing more.
	again, err := createCase(ctxT(t))
	if err != nil || again.GetName() != created.GetName() {
		t.Errorf("CreateCase sent again = %v, %v; want %s", again, err, created.GetName())
	}
	if w2, err := witness(ctxT(t)); err != nil || w2.GetName() != w.GetName() {
		t.Errorf("CreateWitness sent again = %v, %v; want %s", w2, err, w.GetName())
	}
	after := e.snapshot(t).documents
	for coll, n := range map[string]int64{"cases": 1, "witnesses": 1, "hearings": 1, "idempotency_keys": 3} {
		if after[coll] != before.documents[coll]+n {
			t.Errorf("%s: %d documents, want %d: %d before rescue stopped, %d written since", coll, after[coll], before.documents[coll]+n,
				before.documents[coll], n)
		}
	}
}

// TestReferencesOfAnotherOfficeOrUnknownToRescueAreRefused: a survivor of
// another office is refused before rescue is asked (INVALID_ARGUMENT on
// the field that names it, without repeating the name); one rescue does
// not know, in the case's office, is NOT_FOUND REFERENCE_NOT_FOUND naming
// it and its field. Nothing is written.
func TestReferencesOfAnotherOfficeOrUnknownToRescueAreRefused(t *testing.T) {
	t.Parallel()
	e := start(t)
	mumbai := e.rescue.survivor(t, "mumbai", false).GetName()
	kolkata := e.rescue.survivor(t, "kolkata", false).GetName()
	c := e.createCase(t, "mumbai", mumbai)
	// The id of kolkata's survivor, named as if it were mumbai's: rescue
	// answers for the office the name gives.
	disguised := "offices/mumbai/survivors/" + kolkata[strings.LastIndex(kolkata, "/")+1:]
	const absent, absentOp = "offices/mumbai/survivors/absent1", "offices/mumbai/operations/absent2"

	before, etags := e.snapshot(t), e.etags(t, c)
	otherOffice := "must name a record of the case's office mumbai"
	tests := []struct {
		name    string
		call    func() error
		code    codes.Code
		reason  string
		field   string
		message string
	}{
		{"a case linking another office's survivor", func() error {
			_, err := e.client.CreateCase(ctxT(t), &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(mumbai, kolkata), RequestId: "c1"})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", "case.survivors[1]", otherOffice},
		{"a link to another office's survivor", func() error {
			_, err := e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: c.GetName(), Reference: kolkata})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", "reference", otherOffice},
		{"a witness of another office's survivor", func() error {
			_, err := e.client.CreateWitness(ctxT(t), &prosecutionv1.CreateWitnessRequest{Parent: c.GetName(), Witness: &prosecutionv1.Witness{Survivor: kolkata}})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", "witness.survivor", otherOffice},
		{"a compensation of another office's survivor", func() error {
			_, err := e.client.CreateCompensation(ctxT(t), &prosecutionv1.CreateCompensationRequest{Parent: c.GetName(),
				Compensation: &prosecutionv1.Compensation{Survivor: kolkata, AppliedDate: day(2024, 9, 1)}})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", "compensation.survivor", otherOffice},
		{"a case linking a survivor rescue does not know", func() error {
			_, err := e.client.CreateCase(ctxT(t), &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(mumbai, absent), RequestId: "c2"})
			return err
		}, codes.NotFound, "REFERENCE_NOT_FOUND", "case.survivors[1]", "survivor " + absent + " does not exist in rescue"},
		{"a case linking an operation rescue does not know", func() error {
			_, err := e.client.CreateCase(ctxT(t), &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(absentOp)})
			return err
		}, codes.NotFound, "REFERENCE_NOT_FOUND", "case.operations[0]", "operation " + absentOp + " does not exist in rescue"},
		{"a link to another office's survivor named as this office's", func() error {
			_, err := e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: c.GetName(), Reference: disguised, RequestId: "l1"})
			return err
		}, codes.NotFound, "REFERENCE_NOT_FOUND", "reference", "survivor " + disguised + " does not exist in rescue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := statusOf(t, tc.call(), tc.code, tc.reason, tc.field)
			if !strings.Contains(st.Message(), tc.message) {
				t.Errorf("message %q does not say %q", st.Message(), tc.message)
			}
			if tc.code == codes.InvalidArgument && strings.Contains(st.Message(), kolkata) {
				t.Errorf("message %q repeats the refused name", st.Message())
			}
			if tc.code == codes.NotFound && kittest.ErrorInfo(st).GetMetadata()["reference"] == "" {
				t.Errorf("ErrorInfo %v does not name the reference", kittest.ErrorInfo(st))
			}
		})
	}
	e.assertSnapshot(t, before)
	if now := e.etags(t, c); !slices.Equal(now, etags) {
		t.Errorf("the case changed: etag %v, was %v", now, etags)
	}
}

// TestTheDatabaseHoldsRescueNamesOnly: after cases, links, witnesses and
// compensations name survivors (created with identity in rescue), no
// document of any collection of the prosecution database (records,
// idempotency keys, audit log, counters) holds their identity or
// pseudonym; the records hold their rescue names.
func TestTheDatabaseHoldsRescueNamesOnly(t *testing.T) {
	t.Parallel()
	e := start(t)
	child := e.rescue.survivor(t, "mumbai", true).GetName()
	adult := e.rescue.survivor(t, "mumbai", false).GetName()
	op := e.rescue.operation(t, "mumbai").GetName()
	c, err := e.client.CreateCase(ctxT(t), &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(child, op), RequestId: "names-1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.LinkCaseReference(ctxT(t), &prosecutionv1.LinkCaseReferenceRequest{Name: c.GetName(), Reference: adult,
		RequestId: "names-2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateWitness(ctxT(t), &prosecutionv1.CreateWitnessRequest{Parent: c.GetName(),
		Witness: &prosecutionv1.Witness{Survivor: child}, RequestId: "names-3"}); err != nil {
		t.Fatal(err)
	}
	e.newCompensation(t, c.GetName(), adult, day(2024, 9, 1))

	ctx := context.Background()
	names, err := e.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	for _, coll := range names {
		cur, err := e.db.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		text := bsonText(t, docs)
		assertNoIdentityIn(t, "the "+coll+" collection", text)
		if strings.Contains(text, "Meera") {
			t.Errorf("the %s collection holds a survivor's pseudonym", coll)
		}
		want := map[string][]string{"cases": {child, adult, op}, "witnesses": {child}, "compensations": {adult}}[coll]
		for _, name := range want {
			if !strings.Contains(text, name) {
				t.Errorf("the %s collection does not hold %s", coll, name)
			}
		}
	}
	for _, coll := range []string{"cases", "witnesses", "compensations", "idempotency_keys", "audit_log"} {
		if !slices.Contains(names, coll) {
			t.Errorf("no %s collection among %v", coll, names)
		}
	}
}
