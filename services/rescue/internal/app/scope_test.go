package app_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func as(p identity.Principal) context.Context {
	return identity.WithPrincipal(context.Background(), p)
}

func TestScopeComesFromTheCallersOffices(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tests := []struct {
		name string
		ctx  context.Context
		want []string
	}{
		{"one office", f.ctx, []string{"mumbai"}},
		{"all offices", as(identity.Principal{Subject: "a", AllOffices: true}), []string{"kolkata", "mumbai"}},
		{"unknown offices are dropped", as(identity.Principal{Subject: "a", Offices: []string{"chennai", "kolkata"}}), []string{"kolkata"}},
		{"no identity", context.Background(), nil},
	}
	for _, tc := range tests {
		if got := f.app.Scope(tc.ctx).Offices(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: scope = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRecordsOutsideTheCallersOfficesAreNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	kolkata := as(identity.Principal{Subject: "rina", Offices: []string{"kolkata"}})
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "op", "loc", domain.OperationConducted)
	if _, err := f.app.CreateSurvivor(f.ctx, survivorCmd("s1", "op", 30, domain.BasisConsent)); err != nil {
		t.Fatal(err)
	}

	_, err := f.app.GetLocation(kolkata, "mumbai", "loc")
	foreign := wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	_, err = f.app.GetLocation(f.ctx, "mumbai", "nothere")
	missing := wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	if foreign.Message != `location "offices/mumbai/locations/loc" does not exist` || missing.Message != `location "offices/mumbai/locations/nothere" does not exist` {
		t.Errorf("a foreign record reads differently from a missing one: %q, %q", foreign.Message, missing.Message)
	}
	_, err = f.app.GetOperation(kolkata, "mumbai", "op")
	wantErr(t, err, errs.KindNotFound, "OPERATION_NOT_FOUND")
	_, err = f.app.GetSurvivor(kolkata, "mumbai", "s1")
	wantErr(t, err, errs.KindNotFound, "SURVIVOR_NOT_FOUND")
	_, err = f.app.UpdateSurvivor(kolkata, app.UpdateSurvivor{Office: "mumbai", ID: "s1",
		Fields: []domain.SurvivorField{domain.SurvivorFieldPseudonym}, Values: domain.SurvivorFields{Pseudonym: "X"}})
	wantErr(t, err, errs.KindNotFound, "SURVIVOR_NOT_FOUND")
	_, err = f.app.EraseSurvivorIdentity(kolkata, app.Transition{Office: "mumbai", ID: "s1", Reason: "r"})
	wantErr(t, err, errs.KindNotFound, "SURVIVOR_NOT_FOUND")
	_, err = f.app.FindSurvivorDuplicates(kolkata, "mumbai", "s1")
	wantErr(t, err, errs.KindNotFound, "SURVIVOR_NOT_FOUND")
	_, err = f.app.TransitionLocation(kolkata, app.Transition{Office: "mumbai", ID: "loc"}, domain.LocationRaided)
	wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	_, err = f.app.CloseOperation(kolkata, app.Transition{Office: "mumbai", ID: "op"})
	wantErr(t, err, errs.KindNotFound, "OPERATION_NOT_FOUND")
	err = f.app.DeleteOperation(kolkata, "mumbai", "op", "")
	wantErr(t, err, errs.KindNotFound, "OPERATION_NOT_FOUND")
	err = f.app.DeleteLocation(kolkata, "mumbai", "loc", "")
	wantErr(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")

	// A list asking for another office's records gets none.
	page, err := f.app.ListSurvivors(kolkata, app.ListQuery{Offices: []string{"kolkata", "mumbai"}})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("kolkata caller listed %d survivors (%v)", len(page.Items), err)
	}
	// A create in an office the caller does not hold reads like an unknown office.
	cmd := survivorCmd("s2", "op", 30, domain.BasisConsent)
	_, err = f.app.CreateSurvivor(kolkata, cmd)
	e := wantErr(t, err, errs.KindNotFound, "OFFICE_NOT_FOUND")
	if e.Message != `office "mumbai" not found` {
		t.Errorf("message = %q", e.Message)
	}
	_, err = f.app.CreateLocation(context.Background(), app.CreateLocation{Office: "mumbai", ID: "x",
		Fields: domain.LocationFields{DisplayName: "x", Type: domain.LocationTypeOther}})
	wantErr(t, err, errs.KindNotFound, "OFFICE_NOT_FOUND")
	if n := f.survivors.len(); n != 1 {
		t.Errorf("%d survivors stored, want 1", n)
	}
	// The same records, reached by a caller of both offices.
	both := as(identity.Principal{Subject: "meera", AllOffices: true})
	if _, err := f.app.GetSurvivor(both, "mumbai", "s1"); err != nil {
		t.Errorf("all-offices caller: %v", err)
	}
}

func TestEraseSurvivorIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "op", "loc", domain.OperationConducted)
	cmd := survivorCmd("s1", "op", 30, domain.BasisConsent)
	cmd.Fields.LegalName, cmd.Fields.FamilyContact = "Legal Name", "contact"
	s, err := f.app.CreateSurvivor(f.ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}

	err = f.app.CheckEraseSurvivorIdentity(app.Transition{Office: "mumbai", ID: "s1"})
	wantErr(t, err, errs.KindInvalidArgument, "INVALID_FIELDS")
	_, err = f.app.EraseSurvivorIdentity(f.ctx, app.Transition{Office: "mumbai", ID: "s1", Reason: "done", Etag: "99"})
	wantErr(t, err, errs.KindAborted, "ETAG_MISMATCH")

	tr := app.Transition{Office: "mumbai", ID: "s1", Reason: "case closed", RequestID: "erase-1", Etag: s.Etag()}
	erased, err := f.app.EraseSurvivorIdentity(f.ctx, tr)
	if err != nil {
		t.Fatal(err)
	}
	if erased.LegalName != "" || erased.FamilyContact != "" || erased.Erasure == nil || !erased.Erasure.Time.Equal(now) ||
		erased.Erasure.Actor != "priya" || erased.Pseudonym != "Asha" || erased.Version != s.Version+1 {
		t.Errorf("erased = %+v", erased)
	}
	tr.Retry = true
	again, err := f.app.EraseSurvivorIdentity(f.ctx, tr)
	if err != nil || again.Version != erased.Version {
		t.Errorf("retry of the same erasure: %v, version %d", err, again.Version)
	}
	_, err = f.app.EraseSurvivorIdentity(f.ctx, app.Transition{Office: "mumbai", ID: "s1", Reason: "again", RequestID: "erase-2", Retry: true})
	wantErr(t, err, errs.KindFailedPrecondition, "ALREADY_ERASED")
	o, err := f.app.GetOperation(f.ctx, "mumbai", "op")
	if err != nil || o.SurvivorsRescued != 1 {
		t.Errorf("survivors rescued after erasure = %d, %v; want 1", o.SurvivorsRescued, err)
	}
}

func TestFindSurvivorDuplicates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "op", "loc", domain.OperationConducted)
	dob := &domain.Date{Year: 1995, Month: 4, Day: 9}
	for id, name := range map[string]string{"s1": "Asha Rani", "s2": "ASHA  rani", "s3": "Asha Rani"} {
		cmd := survivorCmd(id, "op", 30, domain.BasisConsent)
		cmd.Fields.LegalName, cmd.Fields.DateOfBirth, cmd.Fields.RescueTime = name, dob, now.Add(-time.Hour)
		if id == "s3" {
			cmd.Fields.DateOfBirth = &domain.Date{Year: 1995, Month: 4, Day: 10}
		}
		if _, err := f.app.CreateSurvivor(f.ctx, cmd); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := f.app.FindSurvivorDuplicates(f.ctx, "mumbai", "s1")
	if err != nil || len(refs) != 1 || refs[0].Name() != "offices/mumbai/survivors/s2" || refs[0].Pseudonym != "Asha" {
		t.Errorf("duplicates of s1 = %+v, %v", refs, err)
	}
}
