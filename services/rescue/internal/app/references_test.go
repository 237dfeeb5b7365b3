package app_test

import (
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func TestLookupReferencesTellsWhatExistsInTheCallersOffices(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.location(t, "loc", domain.LocationConfirmed)
	f.operation(t, "conducted", "loc", domain.OperationConducted)
	f.operation(t, "planned", "loc", domain.OperationPlanned)
	if _, err := f.app.CreateSurvivor(f.ctx, survivorCmd("child", "conducted", 15, domain.BasisChildProtectionUnderLaw)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateSurvivor(f.ctx, survivorCmd("adult", "conducted", 30, domain.BasisConsent)); err != nil {
		t.Fatal(err)
	}
	names := []string{
		"offices/mumbai/survivors/child", "offices/mumbai/survivors/adult", "offices/mumbai/operations/conducted",
		"offices/mumbai/operations/planned", "offices/mumbai/survivors/absent", "offices/chennai/survivors/child",
		"offices/mumbai/survivors/child",
	}
	svc := as(identity.Principal{Subject: "svc:prosecution", Roles: []string{"service"}, AllOffices: true})
	got, err := f.app.LookupReferences(svc, names)
	if err != nil {
		t.Fatal(err)
	}
	rescued := now.Add(-time.Hour)
	want := []app.Reference{
		{Name: names[0], Kind: app.ReferenceSurvivor, Found: true, Minor: true, RescueTime: rescued},
		{Name: names[1], Kind: app.ReferenceSurvivor, Found: true, RescueTime: rescued},
		{Name: names[2], Kind: app.ReferenceOperation, Found: true, ConductTime: now},
		{Name: names[3], Kind: app.ReferenceOperation, Found: true},
		{Name: names[4], Kind: app.ReferenceSurvivor},
		{Name: names[5], Kind: app.ReferenceSurvivor},
		{Name: names[6], Kind: app.ReferenceSurvivor, Found: true, Minor: true, RescueTime: rescued},
	}
	for i := range want {
		if g := got[i]; g.Name != want[i].Name || g.Kind != want[i].Kind || g.Found != want[i].Found || g.Minor != want[i].Minor ||
			!g.RescueTime.Equal(want[i].RescueTime) || !g.ConductTime.Equal(want[i].ConductTime) {
			t.Errorf("reference %d = %+v, want %+v", i, g, want[i])
		}
	}

	// A service identity of kolkata does not see mumbai's records: not found, as absent ones.
	kolkata := as(identity.Principal{Subject: "svc:prosecution", Roles: []string{"service"}, Offices: []string{"kolkata"}})
	got, err = f.app.LookupReferences(kolkata, names[:1])
	if err != nil || got[0].Found || got[0].Minor || !got[0].RescueTime.IsZero() {
		t.Errorf("another office's survivor = %+v, %v; want not found and nothing else", got, err)
	}
	many := make([]string, app.MaxReferences+1)
	for i := range many {
		many[i] = names[0]
	}
	_, err = f.app.LookupReferences(svc, many)
	wantErr(t, err, errs.KindInvalidArgument, "INVALID_FIELDS")
}
