package auth_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"

	"github.com/justiceops/justice/services/platform/auth"
)

func TestCallableListsTheMethodsOfARole(t *testing.T) {
	t.Parallel()
	p := auth.Policy{
		"/justice.x.v1.X/GetThing":    {Roles: []string{auth.RoleLawyer, auth.RoleInvestigator}},
		"/justice.x.v1.X/DeleteThing": {Roles: []string{auth.RoleInvestigator}},
		"/justice.y.v1.Y/AuditThing":  {Roles: []string{auth.RoleAuditor}, Audit: true},
	}
	if got := p.Callable(auth.RoleInvestigator); !slices.Equal(got, []string{"DeleteThing", "GetThing"}) {
		t.Errorf("investigator: %v", got)
	}
	if got := p.Callable(auth.RoleTrainer); len(got) != 0 {
		t.Errorf("trainer: %v, want nothing", got)
	}
}

func TestRulesAndUnknownEntries(t *testing.T) {
	t.Parallel()
	if r := auth.Allow(auth.RoleLawyer); r.Audit || !slices.Equal(r.Roles, []string{auth.RoleLawyer}) {
		t.Errorf("Allow = %+v", r)
	}
	if r := auth.AllowAudited(auth.RoleAuditor); !r.Audit || !slices.Equal(r.Roles, []string{auth.RoleAuditor}) {
		t.Errorf("AllowAudited = %+v", r)
	}
	sd := grpc.ServiceDesc{ServiceName: "justice.x.v1.X", Methods: []grpc.MethodDesc{{MethodName: "GetThing"}},
		Streams: []grpc.StreamDesc{{StreamName: "WatchThings"}}}
	p := auth.Policy{
		"/justice.x.v1.X/GetThing":    auth.Allow(auth.RoleLawyer),
		"/justice.x.v1.X/WatchThings": auth.Allow(auth.RoleLawyer),
		"/justice.x.v1.X/OldThing":    auth.Allow(auth.RoleLawyer),
	}
	if got := p.Unknown(sd); !slices.Equal(got, []string{"/justice.x.v1.X/OldThing"}) {
		t.Errorf("Unknown = %v", got)
	}
	p["/justice.x.v1.X/NoOne"] = auth.Rule{}
	p["/justice.x.v1.X/Odd"] = auth.Allow("wizard")
	delete(p, "/justice.x.v1.X/WatchThings")
	err := p.Check(sd)
	for _, want := range []string{"without a policy entry (denied to everyone until added): [/justice.x.v1.X/WatchThings]",
		"naming no registered RPC: [/justice.x.v1.X/NoOne /justice.x.v1.X/Odd /justice.x.v1.X/OldThing]",
		"/justice.x.v1.X/NoOne: no role may call it", `/justice.x.v1.X/Odd: role "wizard" is not a role a token may carry`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check = %v, want it to say %q", err, want)
		}
	}
	if err := (auth.Policy{"/justice.x.v1.X/GetThing": auth.Allow(auth.RoleLawyer), "/justice.x.v1.X/WatchThings": auth.Allow(auth.RoleService)}).Check(sd); err != nil {
		t.Errorf("a sound policy: %v", err)
	}
}
