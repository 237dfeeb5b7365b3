package auth_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

func TestPolicyAllows(t *testing.T) {
	t.Parallel()
	const (
		get    = "/justice.test.v1.Records/GetRecord"
		locked = "/justice.test.v1.Records/Locked"
	)
	p := auth.Policy{
		get:    {Roles: []string{auth.RoleLawyer, auth.RoleInvestigator}, Audit: true},
		locked: {},
	}
	tests := []struct {
		name      string
		method    string
		roles     []string
		reason    string // "" means allowed
		wantInMsg []string
	}{
		{name: "a listed role may call", method: get, roles: []string{auth.RoleInvestigator}},
		{name: "one listed role among others is enough", method: get, roles: []string{auth.RoleTrainer, auth.RoleLawyer}},
		{name: "an unlisted role is denied naming the allowed roles", method: get, roles: []string{auth.RoleTrainer},
			reason: auth.ReasonRoleNotAllowed, wantInMsg: []string{get, "investigator, lawyer", "trainer"}},
		{name: "admin is not implicitly allowed", method: get, roles: []string{auth.RoleAdmin},
			reason: auth.ReasonRoleNotAllowed},
		{name: "no roles are denied", method: get,
			reason: auth.ReasonRoleNotAllowed, wantInMsg: []string{"none"}},
		{name: "a method without an entry is denied", method: "/justice.test.v1.Records/Unlisted", roles: []string{auth.RoleAdmin},
			reason: auth.ReasonPolicyMissing, wantInMsg: []string{"/justice.test.v1.Records/Unlisted has no policy entry; denied"}},
		{name: "an entry with no roles denies everyone", method: locked, roles: []string{auth.RoleAdmin},
			reason: auth.ReasonRoleNotAllowed, wantInMsg: []string{"may not be called by any role"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := p.Allows(tc.method, identity.Principal{Subject: "x", Roles: tc.roles})
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("Allows() = %v, want nil", err)
				}
				return
			}
			wantAuthErr(t, err, errs.KindPermissionDenied, tc.reason, "", tc.wantInMsg...)
		})
	}
}

func TestPolicyMissingListsMethodsWithoutEntry(t *testing.T) {
	t.Parallel()
	desc := grpc.ServiceDesc{
		ServiceName: "justice.test.v1.Records",
		Methods:     []grpc.MethodDesc{{MethodName: "GetRecord"}, {MethodName: "DeleteRecord"}, {MethodName: "ListRecords"}},
		Streams:     []grpc.StreamDesc{{StreamName: "WatchRecords"}},
	}
	other := grpc.ServiceDesc{ServiceName: "justice.test.v1.Other", Methods: []grpc.MethodDesc{{MethodName: "Ping"}}}
	p := auth.Policy{"/justice.test.v1.Records/GetRecord": {Roles: []string{auth.RoleAdmin}}}
	want := []string{
		"/justice.test.v1.Other/Ping",
		"/justice.test.v1.Records/DeleteRecord",
		"/justice.test.v1.Records/ListRecords",
		"/justice.test.v1.Records/WatchRecords",
	}
	if got := p.Missing(desc, other); !slices.Equal(got, want) {
		t.Fatalf("Missing() = %v, want %v", got, want)
	}
	full := auth.Policy{}
	for _, m := range append(want, "/justice.test.v1.Records/GetRecord") {
		full[m] = auth.Rule{Roles: []string{auth.RoleAdmin}}
	}
	if got := full.Missing(desc, other); len(got) != 0 {
		t.Fatalf("Missing() of a complete policy = %v, want none", got)
	}
}

func TestDefaultExemptCoversOnlyHealthAndReflection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method string
		want   bool
	}{
		{"/grpc.health.v1.Health/Check", true},
		{"/grpc.health.v1.Health/Watch", true},
		{"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", true},
		{"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", true},
		{"/justice.rescue.v1.RescueService/GetSurvivor", false},
		{"/grpc.health.v1.HealthX/Check", false},
		{"/justice.grpc.health.v1.Health/Check", false},
		{"", false},
	}
	var exempt auth.Exempt = auth.DefaultExempt
	for _, tc := range tests {
		if got := exempt(tc.method); got != tc.want {
			t.Errorf("DefaultExempt(%q) = %v, want %v", tc.method, got, tc.want)
		}
	}
}

func TestAllowsNeverAcceptsAnonymous(t *testing.T) {
	t.Parallel()
	p := auth.Policy{"/a/B": {Roles: auth.Roles()}}
	if err := p.Allows("/a/B", identity.FromContext(context.Background())); !errs.Is(err, errs.KindPermissionDenied) {
		t.Fatalf("Allows(anonymous) = %v, want PERMISSION_DENIED", err)
	}
}
