package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

var now = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

type fixture struct {
	app        *app.Application
	locations  memLocations
	operations memOperations
	survivors  memSurvivors
	ctx        context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	l, o, s := newMemory()
	ctx := identity.WithPrincipal(context.Background(), identity.Principal{Subject: "priya", Offices: []string{"mumbai"}})
	return &fixture{
		app:       app.New(l, o, s, nil, app.ClockFunc(func() time.Time { return now }), nil, []string{"kolkata", "mumbai"}),
		locations: l, operations: o, survivors: s, ctx: ctx,
	}
}

func (f *fixture) location(t *testing.T, id string, status domain.LocationStatus) *domain.Location {
	t.Helper()
	l, err := f.app.CreateLocation(f.ctx, app.CreateLocation{Office: "mumbai", ID: id, Fields: domain.LocationFields{
		DisplayName: "Lane 4 lodge", Type: domain.LocationTypeBrothel,
	}})
	if err != nil {
		t.Fatalf("CreateLocation: %v", err)
	}
	path := map[domain.LocationStatus][]domain.LocationStatus{
		domain.LocationSuspected:          nil,
		domain.LocationConfirmed:          {domain.LocationUnderInvestigation, domain.LocationConfirmed},
		domain.LocationRaided:             {domain.LocationUnderInvestigation, domain.LocationConfirmed, domain.LocationRaided},
		domain.LocationDismissed:          {domain.LocationDismissed},
		domain.LocationClosed:             {domain.LocationUnderInvestigation, domain.LocationConfirmed, domain.LocationRaided, domain.LocationClosed},
		domain.LocationUnderInvestigation: {domain.LocationUnderInvestigation},
	}[status]
	for _, to := range path {
		if l, err = f.app.TransitionLocation(f.ctx, app.Transition{Office: "mumbai", ID: id}, to); err != nil {
			t.Fatalf("TransitionLocation %s: %v", to, err)
		}
	}
	return l
}

func (f *fixture) operation(t *testing.T, id, location string, status domain.OperationStatus) *app.OperationView {
	t.Helper()
	o, err := f.app.CreateOperation(f.ctx, app.CreateOperation{Office: "mumbai", ID: id, Fields: domain.OperationFields{
		Location: domain.Name("mumbai", domain.CollectionLocations, location), PlannedTime: now.Add(time.Hour),
		PoliceUnit: "AHTU Mumbai", LegalBasis: domain.OperationBasisITPAS16Rescue,
	}})
	if err != nil {
		t.Fatalf("CreateOperation: %v", err)
	}
	tr := app.Transition{Office: "mumbai", ID: id}
	switch status {
	case domain.OperationConducted, domain.OperationClosed:
		if o, err = f.app.ConductOperation(f.ctx, tr, domain.Conduct{Time: now, SuspectsApprehended: 2}); err != nil {
			t.Fatal(err)
		}
		if status == domain.OperationClosed {
			if o, err = f.app.CloseOperation(f.ctx, tr); err != nil {
				t.Fatal(err)
			}
		}
	case domain.OperationAborted:
		if o, err = f.app.AbortOperation(f.ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func survivorCmd(id, operation string, age int, basis domain.LawfulBasis) app.CreateSurvivor {
	return app.CreateSurvivor{Office: "mumbai", ID: id, Operation: domain.Name("mumbai", domain.CollectionOperations, operation),
		Fields: domain.SurvivorFields{
			Pseudonym: "Asha", AgeAtRescue: age, Gender: domain.GenderFemale, Citizenship: "IN",
			RescueTime: now.Add(-time.Hour), LegalBasis: domain.LegalBasis{Basis: basis, Reference: "FIR 12/2025"},
		}}
}

func wantErr(t *testing.T, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Reason != reason {
		t.Fatalf("err = %v, want %s %s", err, kind, reason)
	}
	return e
}

func TestCreateRecordsWhoAndWhen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.location(t, "loc1", domain.LocationSuspected)
	if l.CreatedBy != "priya" || !l.CreateTime.Equal(now) || l.Status != domain.LocationSuspected {
		t.Errorf("location = %+v", l)
	}
}

func TestCreateRetryReturnsTheFirstRecord(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	first := f.location(t, "loc1", domain.LocationSuspected)
	again, err := f.app.CreateLocation(f.ctx, app.CreateLocation{Office: "mumbai", ID: "loc1", Retry: true, Fields: domain.LocationFields{
		DisplayName: "Lane 4 lodge", Type: domain.LocationTypeBrothel,
	}})
	if err != nil || again.Name() != first.Name() || again.Version != first.Version {
		t.Fatalf("retry: %v, %+v", err, again)
	}
	if n := f.locations.len(); n != 1 {
		t.Errorf("%d locations stored, want 1", n)
	}
	_, err = f.app.CreateLocation(f.ctx, app.CreateLocation{Office: "mumbai", ID: "loc1", Fields: domain.LocationFields{
		DisplayName: "Lane 4 lodge", Type: domain.LocationTypeBrothel,
	}})
	wantErr(t, err, errs.KindAlreadyExists, "LOCATION_ALREADY_EXISTS")
}

func TestTransitionRetryAppliesOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc1", domain.LocationSuspected)
	tr := app.Transition{Office: "mumbai", ID: "loc1", RequestID: "r-1", Reason: "tip-off corroborated"}
	l, err := f.app.TransitionLocation(f.ctx, tr, domain.LocationUnderInvestigation)
	if err != nil {
		t.Fatal(err)
	}
	tr.Retry = true
	tr.Etag = "1" // stale by now: the retry must not trip over its own first attempt
	again, err := f.app.TransitionLocation(f.ctx, tr, domain.LocationUnderInvestigation)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if len(again.Transitions) != 1 || again.Version != l.Version {
		t.Errorf("retry applied again: %d transitions, version %d (first %d)", len(again.Transitions), again.Version, l.Version)
	}
	if again.Transitions[0].RequestID != "r-1" || again.Transitions[0].Actor != "priya" {
		t.Errorf("transition = %+v", again.Transitions[0])
	}
}

func TestStaleEtagIsAborted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	l := f.location(t, "loc1", domain.LocationSuspected)
	update := app.UpdateLocation{Office: "mumbai", ID: "loc1", Etag: l.Etag(),
		Fields: []domain.LocationField{domain.LocationFieldNotes}, Values: domain.LocationFields{Notes: "first"}}
	if _, err := f.app.UpdateLocation(f.ctx, update); err != nil {
		t.Fatal(err)
	}
	update.Values.Notes = "second"
	_, err := f.app.UpdateLocation(f.ctx, update)
	wantErr(t, err, errs.KindAborted, "ETAG_MISMATCH")
	_, err = f.app.TransitionLocation(f.ctx, app.Transition{Office: "mumbai", ID: "loc1", Etag: l.Etag()}, domain.LocationUnderInvestigation)
	wantErr(t, err, errs.KindAborted, "ETAG_MISMATCH")
	err = f.app.DeleteLocation(f.ctx, "mumbai", "loc1", l.Etag())
	wantErr(t, err, errs.KindAborted, "ETAG_MISMATCH")
	got, _ := f.app.GetLocation(f.ctx, "mumbai", "loc1")
	if got.Notes != "first" || got.Status != domain.LocationSuspected {
		t.Errorf("record changed by stale requests: %+v", got)
	}
}

func TestOperationNeedsAConfirmedLocationOfTheSameOffice(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "suspected", domain.LocationSuspected)
	f.location(t, "confirmed", domain.LocationConfirmed)
	f.location(t, "raided", domain.LocationRaided)
	f.location(t, "closed", domain.LocationClosed)
	cmd := func(location string) app.CreateOperation {
		return app.CreateOperation{Office: "mumbai", ID: "op-" + location[len(location)-4:], Fields: domain.OperationFields{
			Location: location, PlannedTime: now, PoliceUnit: "AHTU", LegalBasis: domain.OperationBasisITPAS15Search,
		}}
	}
	_, err := f.app.CreateOperation(f.ctx, cmd("offices/mumbai/locations/nowhere"))
	e := wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	if e.Message != `location "offices/mumbai/locations/nowhere" does not exist in office mumbai` ||
		len(e.Violations) != 1 || e.Violations[0].Field != "operation.location" {
		t.Errorf("not found error = %q %+v", e.Message, e.Violations)
	}
	_, err = f.app.CreateOperation(f.ctx, cmd("offices/kolkata/locations/confirmed"))
	e = wantErr(t, err, errs.KindInvalidArgument, "INVALID_FIELDS")
	if e.Violations[0].Field != "operation.location" {
		t.Errorf("violations = %+v", e.Violations)
	}
	for _, name := range []string{"suspected", "closed"} {
		_, err = f.app.CreateOperation(f.ctx, cmd("offices/mumbai/locations/"+name))
		wantErr(t, err, errs.KindFailedPrecondition, "LOCATION_NOT_CONFIRMED")
	}
	if n := f.operations.len(); n != 0 {
		t.Fatalf("%d operations stored after refusals", n)
	}
	for _, name := range []string{"confirmed", "raided"} {
		o, err := f.app.CreateOperation(f.ctx, cmd("offices/mumbai/locations/"+name))
		if err != nil || o.Status != domain.OperationPlanned || o.SurvivorsRescued != 0 {
			t.Errorf("at a %s location: %v %+v", name, err, o)
		}
	}
	l, _ := f.app.GetLocation(f.ctx, "mumbai", "confirmed")
	if l.Status != domain.LocationConfirmed {
		t.Errorf("planning an operation moved the location to %s", l.Status)
	}
}

func TestOperationCreateWithdrawsWhenItsLocationIsDeletedMeanwhile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc1", domain.LocationConfirmed)
	// Between the create's check and its insert, the location is dismissed and deleted.
	f.operations.BeforeCreate = func(*domain.Operation) {
		if _, err := f.app.TransitionLocation(f.ctx, app.Transition{Office: "mumbai", ID: "loc1"}, domain.LocationDismissed); err != nil {
			t.Errorf("dismiss: %v", err)
		}
		if err := f.app.DeleteLocation(f.ctx, "mumbai", "loc1", ""); err != nil {
			t.Errorf("delete: %v", err)
		}
	}
	_, err := f.app.CreateOperation(f.ctx, app.CreateOperation{Office: "mumbai", ID: "op1", Fields: domain.OperationFields{
		Location: "offices/mumbai/locations/loc1", PlannedTime: now, PoliceUnit: "AHTU", LegalBasis: domain.OperationBasisITPAS15Search,
	}})
	wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	if n := f.operations.len(); n != 0 {
		t.Errorf("an operation naming a deleted location was left behind")
	}
}

func TestDeleteLocationRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "confirmed", domain.LocationConfirmed)
	err := f.app.DeleteLocation(f.ctx, "mumbai", "confirmed", "")
	wantErr(t, err, errs.KindFailedPrecondition, "LOCATION_NOT_DELETABLE")

	f.operation(t, "op1", "confirmed", domain.OperationPlanned)
	if _, err := f.app.TransitionLocation(f.ctx, app.Transition{Office: "mumbai", ID: "confirmed"}, domain.LocationDismissed); err != nil {
		t.Fatal(err)
	}
	err = f.app.DeleteLocation(f.ctx, "mumbai", "confirmed", "")
	wantErr(t, err, errs.KindFailedPrecondition, "LOCATION_IN_USE")

	l := f.location(t, "fresh", domain.LocationSuspected)
	if err := f.app.DeleteLocation(f.ctx, "mumbai", "fresh", l.Etag()); err != nil {
		t.Fatalf("delete a suspected location: %v", err)
	}
	_, err = f.app.GetLocation(f.ctx, "mumbai", "fresh")
	wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	err = f.app.DeleteLocation(f.ctx, "mumbai", "fresh", "")
	wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
}

func TestDeleteOperationRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	for _, s := range domain.OperationStatuses {
		id := "op-" + string(s)
		f.operation(t, id, "loc", s)
		err := f.app.DeleteOperation(f.ctx, "mumbai", id, "")
		if s == domain.OperationPlanned || s == domain.OperationAborted {
			if err != nil {
				t.Errorf("delete %s operation: %v", s, err)
			}
			continue
		}
		wantErr(t, err, errs.KindFailedPrecondition, "OPERATION_NOT_DELETABLE")
	}
}

func TestSurvivorNeedsAConductedOperation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	for _, s := range domain.OperationStatuses {
		f.operation(t, "op-"+string(s), "loc", s)
	}
	for _, s := range domain.OperationStatuses {
		_, err := f.app.CreateSurvivor(f.ctx, survivorCmd("s-"+string(s), "op-"+string(s), 25, domain.BasisConsent))
		if s == domain.OperationConducted || s == domain.OperationClosed {
			if err != nil {
				t.Errorf("survivor of a %s operation: %v", s, err)
			}
			continue
		}
		wantErr(t, err, errs.KindFailedPrecondition, "OPERATION_NOT_CONDUCTED")
	}
	_, err := f.app.CreateSurvivor(f.ctx, survivorCmd("s-x", "missing", 25, domain.BasisConsent))
	e := wantErr(t, err, errs.KindNotFound, "OPERATION_NOT_FOUND")
	if len(e.Violations) != 1 || e.Violations[0].Field != "survivor.operation" {
		t.Errorf("violations = %+v", e.Violations)
	}
	cmd := survivorCmd("s-y", "op-CONDUCTED", 25, domain.BasisConsent)
	cmd.Operation = "offices/kolkata/operations/op-CONDUCTED"
	_, err = f.app.CreateSurvivor(f.ctx, cmd)
	wantErr(t, err, errs.KindInvalidArgument, "INVALID_FIELDS")
	if n := f.survivors.len(); n != 2 {
		t.Errorf("%d survivors stored, want 2", n)
	}
}

func TestMinorWithoutAChildBasisWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "op", "loc", domain.OperationConducted)
	cmd := survivorCmd("s1", "op", 15, domain.BasisConsent)
	if err := f.app.CheckCreateSurvivor(cmd); !errs.Is(err, errs.KindFailedPrecondition) {
		t.Errorf("check: err = %v, want FAILED_PRECONDITION", err)
	}
	_, err := f.app.CreateSurvivor(f.ctx, cmd)
	wantErr(t, err, errs.KindFailedPrecondition, "LEGAL_BASIS_REQUIRED")
	if n := f.survivors.len(); n != 0 {
		t.Errorf("%d survivors stored, want none", n)
	}
	cmd.Fields.LegalBasis.Basis = domain.BasisChildProtectionUnderLaw
	s, err := f.app.CreateSurvivor(f.ctx, cmd)
	if err != nil || !s.Minor() || s.CWCStatus(now) != domain.CWCPending {
		t.Errorf("minor with a child basis: %v %+v", err, s)
	}
}

func TestOperationsCountTheirSurvivors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "op1", "loc", domain.OperationConducted)
	f.operation(t, "op2", "loc", domain.OperationConducted)
	f.operation(t, "op3", "loc", domain.OperationPlanned)
	for i, op := range []string{"op1", "op1", "op2"} {
		if _, err := f.app.CreateSurvivor(f.ctx, survivorCmd("s"+string(rune('a'+i)), op, 30, domain.BasisConsent)); err != nil {
			t.Fatal(err)
		}
	}
	page, err := f.app.ListOperations(f.ctx, app.ListQuery{Offices: []string{"mumbai"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, o := range page.Items {
		got[o.ID] = o.SurvivorsRescued
	}
	if got["op1"] != 2 || got["op2"] != 1 || got["op3"] != 0 || len(got) != 3 {
		t.Errorf("survivors rescued = %v", got)
	}
	o, err := f.app.CloseOperation(f.ctx, app.Transition{Office: "mumbai", ID: "op1"})
	if err != nil || o.SurvivorsRescued != 2 {
		t.Errorf("close: %v, survivors %d", err, o.SurvivorsRescued)
	}
	err = f.app.DeleteOperation(f.ctx, "mumbai", "op1", "")
	wantErr(t, err, errs.KindFailedPrecondition, "OPERATION_NOT_DELETABLE")
}

func TestOtherOfficeIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationSuspected)
	_, errOther := f.app.GetLocation(f.ctx, "kolkata", "loc")
	_, errMissing := f.app.GetLocation(f.ctx, "kolkata", "missing")
	a := wantErr(t, errOther, errs.KindNotFound, "LOCATION_NOT_FOUND")
	b := wantErr(t, errMissing, errs.KindNotFound, "LOCATION_NOT_FOUND")
	if a.Message == "" || b.Message == "" || a.Message[:len(`location "offices/kolkata/locations/`)] != b.Message[:len(`location "offices/kolkata/locations/`)] {
		t.Errorf("messages differ in shape: %q vs %q", a.Message, b.Message)
	}
	_, err := f.app.UpdateLocation(f.ctx, app.UpdateLocation{Office: "kolkata", ID: "loc",
		Fields: []domain.LocationField{domain.LocationFieldNotes}})
	wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
}

func TestUpdateSurvivorRevalidates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "op", "loc", domain.OperationConducted)
	s, err := f.app.CreateSurvivor(f.ctx, survivorCmd("s1", "op", 16, domain.BasisProsecutionOfOffence))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.app.UpdateSurvivor(f.ctx, app.UpdateSurvivor{Office: "mumbai", ID: "s1", Etag: s.Etag(),
		Fields: []domain.SurvivorField{domain.SurvivorFieldLegalBasisBasis},
		Values: domain.SurvivorFields{LegalBasis: domain.LegalBasis{Basis: domain.BasisConsent}}})
	wantErr(t, err, errs.KindFailedPrecondition, "LEGAL_BASIS_REQUIRED")
	got, err := f.app.UpdateSurvivor(f.ctx, app.UpdateSurvivor{Office: "mumbai", ID: "s1", Etag: s.Etag(),
		Fields: []domain.SurvivorField{domain.SurvivorFieldCWCProductionTime},
		Values: domain.SurvivorFields{CWCProductionTime: now}})
	if err != nil || got.CWCStatus(now) != domain.CWCProduced || got.Version != 2 || got.UpdatedBy != "priya" {
		t.Errorf("record production: %v %+v", err, got)
	}
}
