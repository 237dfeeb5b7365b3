package auth_test

import (
	"slices"
	"testing"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

var (
	mumbaiOnly = identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}
	twoOffices = identity.Principal{Subject: "ravi", Roles: []string{auth.RoleRegionalDirector}, Offices: []string{"mumbai", "kolkata", "closed"}}
	everywhere = identity.Principal{Subject: "asha", Roles: []string{auth.RoleAdmin}, AllOffices: true}
	noOffice   = identity.Principal{Subject: "lee", Roles: []string{auth.RoleTrainer}}
)

func TestCanAccess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		p      identity.Principal
		office string
		want   bool
	}{
		{"own office", mumbaiOnly, "mumbai", true},
		{"other office", mumbaiOnly, "kolkata", false},
		{"one of several", twoOffices, "kolkata", true},
		{"all offices reach any office", everywhere, "chennai", true},
		{"no offices reach none", noOffice, "mumbai", false},
		{"empty office is never accessible", everywhere, "", false},
		{"the wildcard is not an office", everywhere, "-", false},
		{"anonymous reaches nothing", identity.Anonymous, "mumbai", false},
		{"office codes are exact", mumbaiOnly, "Mumbai", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := auth.CanAccess(tc.p, tc.office); got != tc.want {
				t.Fatalf("CanAccess(%+v, %q) = %v, want %v", tc.p, tc.office, got, tc.want)
			}
		})
	}
}

func TestOfficeScope(t *testing.T) {
	t.Parallel()
	known := []string{"mumbai", "kolkata", "chennai"}
	tests := []struct {
		name      string
		p         identity.Principal
		requested string
		want      []string
		notFound  bool
	}{
		{name: "dash is the caller's offices", p: mumbaiOnly, requested: "-", want: []string{"mumbai"}},
		{name: "dash drops offices that do not exist and sorts", p: twoOffices, requested: "-", want: []string{"kolkata", "mumbai"}},
		{name: "dash with all offices is every known office, sorted", p: everywhere, requested: "-", want: []string{"chennai", "kolkata", "mumbai"}},
		{name: "dash without offices is empty, not an error", p: noOffice, requested: "-", want: []string{}},
		{name: "own office", p: mumbaiOnly, requested: "mumbai", want: []string{"mumbai"}},
		{name: "any known office with all offices", p: everywhere, requested: "chennai", want: []string{"chennai"}},
		{name: "an existing office not held is not found", p: mumbaiOnly, requested: "kolkata", notFound: true},
		{name: "an unknown office is not found", p: mumbaiOnly, requested: "pune", notFound: true},
		{name: "an unknown office is not found even with all offices", p: everywhere, requested: "pune", notFound: true},
		{name: "a held office that does not exist is not found", p: twoOffices, requested: "closed", notFound: true},
		{name: "empty is not found", p: everywhere, requested: "", notFound: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := auth.OfficeScope(tc.p, tc.requested, known)
			if tc.notFound {
				wantAuthErr(t, err, errs.KindNotFound, auth.ReasonOfficeNotFound, "")
				if e, _ := errs.As(err); e.Message != `office "`+tc.requested+`" not found` {
					t.Fatalf("message = %q, want the same wording for absent and out-of-scope offices", e.Message)
				}
				return
			}
			if err != nil {
				t.Fatalf("OfficeScope() error = %v", err)
			}
			if got == nil || !slices.Equal(got, tc.want) {
				t.Fatalf("OfficeScope() = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestOfficeScopeHidesExistenceOutsideScope(t *testing.T) {
	t.Parallel()
	known := []string{"mumbai", "kolkata"}
	_, existing := auth.OfficeScope(mumbaiOnly, "kolkata", known)
	_, absent := auth.OfficeScope(mumbaiOnly, "kolkata", []string{"mumbai"})
	e1, _ := errs.As(existing)
	e2, _ := errs.As(absent)
	if e1 == nil || e2 == nil || e1.Message != e2.Message || e1.Reason != e2.Reason || e1.Kind != e2.Kind {
		t.Fatalf("existing-but-not-held = %v, absent = %v; want identical errors", existing, absent)
	}
}
