package service_test

// Fixtures of the access, audit, bad-input and metrics tests: prosecution
// records made through the API as the default caller.

import (
	"context"
	"maps"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/genproto/googleapis/type/date"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
)

// stageDate is the day caseAt's cases reached their stage: after newCase's
// FIR (2 August 2024).
var stageDate = day(2024, 9, 1)

// caseAt creates a case of office linking links (createCase) and advances
// it straight to stage on stageDate; FIR_REGISTERED leaves it as created.
func (e *env) caseAt(t *testing.T, office string, stage prosecutionv1.CaseStage, links ...string) *prosecutionv1.Case {
	t.Helper()
	c := e.createCase(t, office, links...)
	if stage == prosecutionv1.CaseStage_CASE_STAGE_FIR_REGISTERED {
		return c
	}
	c, err := e.client.AdvanceCaseStage(ctxT(t), &prosecutionv1.AdvanceCaseStageRequest{Name: c.GetName(), Stage: stage, EffectiveDate: stageDate})
	if err != nil {
		t.Fatalf("AdvanceCaseStage to %s: %v", stage, err)
	}
	return c
}

// newAccused creates an accused, AT_LARGE, in the case.
func (e *env) newAccused(t *testing.T, caseName string) *prosecutionv1.Accused {
	t.Helper()
	a, err := e.client.CreateAccused(ctxT(t), &prosecutionv1.CreateAccusedRequest{Parent: caseName,
		Accused: &prosecutionv1.Accused{DisplayName: "Accused 1", Role: prosecutionv1.AccusedRole_ACCUSED_ROLE_MANAGER}})
	if err != nil {
		t.Fatalf("CreateAccused: %v", err)
	}
	return a
}

// newHearing creates a hearing of the case on 15 January 2025.
func (e *env) newHearing(t *testing.T, caseName string) *prosecutionv1.Hearing {
	t.Helper()
	h, err := e.client.CreateHearing(ctxT(t), &prosecutionv1.CreateHearingRequest{Parent: caseName,
		Hearing: &prosecutionv1.Hearing{Date: day(2025, 1, 15), Purpose: prosecutionv1.HearingPurpose_HEARING_PURPOSE_EVIDENCE}})
	if err != nil {
		t.Fatalf("CreateHearing: %v", err)
	}
	return h
}

// newWitness creates the witness record of a survivor the case links.
func (e *env) newWitness(t *testing.T, caseName, survivor string) *prosecutionv1.Witness {
	t.Helper()
	w, err := e.client.CreateWitness(ctxT(t), &prosecutionv1.CreateWitnessRequest{Parent: caseName,
		Witness: &prosecutionv1.Witness{Survivor: survivor}})
	if err != nil {
		t.Fatalf("CreateWitness: %v", err)
	}
	return w
}

// newCompensation creates an application of a survivor the case links,
// made on applied.
func (e *env) newCompensation(t *testing.T, caseName, survivor string, applied *date.Date) *prosecutionv1.Compensation {
	t.Helper()
	c, err := e.client.CreateCompensation(ctxT(t), &prosecutionv1.CreateCompensationRequest{Parent: caseName,
		Compensation: &prosecutionv1.Compensation{Survivor: survivor, AppliedDate: applied, ClaimedInr: 100000}})
	if err != nil {
		t.Fatalf("CreateCompensation: %v", err)
	}
	return c
}

// snapshot is what a refused request must leave as it was: the number of
// documents of every collection of the service's database but the audit
// log (refused calls are audited), and the metric counters' values.
type snapshot struct {
	documents map[string]int64
	counters  map[counters.Key]int64
}

// snapshot takes the service's snapshot now.
func (e *env) snapshot(t *testing.T) snapshot {
	t.Helper()
	names, err := e.db.ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n == "audit_log" })
	slices.Sort(names)
	values, err := e.svc.MetricsRepository().Counters().Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{documents: kittest.Counts(t, e.db, names...), counters: values}
}

// assertSnapshot fails if the service's snapshot differs from before.
func (e *env) assertSnapshot(t *testing.T, before snapshot) {
	t.Helper()
	after := e.snapshot(t)
	if !maps.Equal(after.documents, before.documents) {
		t.Errorf("documents changed: before %v after %v", before.documents, after.documents)
	}
	if !maps.Equal(after.counters, before.counters) {
		t.Errorf("metric counters changed: before %v after %v", before.counters, after.counters)
	}
}
