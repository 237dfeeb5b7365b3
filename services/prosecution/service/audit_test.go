package service_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/prosecution/service"
)

// auditAttempt is one call of TestEveryAuditedRPCIsAudited.
type auditAttempt struct {
	method   string
	caller   identity.Principal
	resource string
	code     codes.Code
}

// TestEveryAuditedRPCIsAudited calls every RPC of the policy table once as
// a caller the policy allows and once as one it refuses, each under its
// own subject, on records of mumbai. An allowed call of an RPC flagged
// Audit leaves exactly one entry (who, which RPC, on which record, in
// which office, how it ended), an allowed call of any other RPC none; a
// refused call leaves one whatever the RPC (the platform audits every
// denied attempt). The entries of mumbai are listed to an auditor of
// mumbai, and to no auditor of another office; those of no office (a call
// naming no record) only to an auditor of every office.
func TestEveryAuditedRPCIsAudited(t *testing.T) {
	t.Parallel()
	e := start(t)
	policy := service.Policy()
	calls := matrixCalls()
	f := newMatrixFixture(t, e)
	roles := append(auth.Roles(), auth.RoleService)

	var attempts []auditAttempt
	for _, method := range slices.Sorted(maps.Keys(policy)) {
		rule := policy[method]
		short := method[strings.LastIndex(method, "/")+1:]
		allowed := identity.Principal{Subject: "allowed-" + short, Roles: rule.Roles[:1], Offices: []string{"mumbai"}}
		if slices.Contains(allOfficesMethods, method) {
			allowed.Offices, allowed.AllOffices = nil, true
		}
		refused := roles[slices.IndexFunc(roles, func(r string) bool { return !slices.Contains(rule.Roles, r) })]
		denied := identity.Principal{Subject: "denied-" + short, Roles: []string{refused}, Offices: []string{"mumbai"}}
		for _, a := range []auditAttempt{{method, allowed, "", codes.OK}, {method, denied, "", codes.PermissionDenied}} {
			resource, err := calls[method](t, f, e.ctxAs(t, a.caller), a.code == codes.OK)
			if got := status.Code(err); got != a.code {
				t.Fatalf("%s as %s: %s (%v), want %s", method, a.caller.Subject, got, err, a.code)
			}
			a.resource = resource
			attempts = append(attempts, a)
		}
	}

	// The entries of mumbai, as its auditor reads them, and those of no
	// office (a call over every office), which only an auditor of every
	// office reads, under offices/-.
	mumbaiAuditor := e.ctxRole(t, auth.RoleAuditor, "mumbai")
	everyOffice := e.ctxAs(t, identity.Principal{Subject: "chief-auditor", Roles: []string{auth.RoleAuditor}, AllOffices: true})
	bySubject := map[string][]*auditv1.AuditEntry{}
	for _, entry := range kittest.AuditEntries(t, mumbaiAuditor, e.audit, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"}) {
		bySubject[entry.GetSubject()] = append(bySubject[entry.GetSubject()], entry)
	}
	for _, entry := range kittest.AuditEntries(t, everyOffice, e.audit, &auditv1.ListAuditEntriesRequest{Parent: "offices/-", Filter: `office = ""`}) {
		bySubject[entry.GetSubject()] = append(bySubject[entry.GetSubject()], entry)
	}

	for _, a := range attempts {
		got := bySubject[a.caller.Subject]
		if a.code == codes.OK && !policy[a.method].Audit {
			if len(got) != 0 {
				t.Errorf("%s is not audited, yet %s's call left %v", a.method, a.caller.Subject, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%s's call of %s left %d entries, want 1: %v", a.caller.Subject, a.method, len(got), got)
			continue
		}
		g := got[0]
		office := auth.OfficeOf(a.resource)
		if office == "" {
			office = "-"
		}
		outcome := auditv1.Outcome_OUTCOME_ALLOWED
		if a.code != codes.OK {
			outcome = auditv1.Outcome_OUTCOME_DENIED
		}
		if g.GetAction() != a.method || g.GetResource() != a.resource || !strings.HasPrefix(g.GetName(), "offices/"+office+"/auditEntries/") ||
			g.GetOutcome() != outcome || g.GetCode() != audit.CodeName(a.code) ||
			!slices.Equal(g.GetRoles(), a.caller.Roles) || g.GetService() != service.Name || g.GetTime() == nil {
			t.Errorf("%s's entry = %v\nwant action %s, resource %q, office %s, outcome %s", a.caller.Subject, g, a.method, a.resource, office, outcome)
		}
	}
	assertNoIdentityIn(t, "the audit log", fmt.Sprint(bySubject))

	// Another office's auditor reads none of it, and is told mumbai does not exist.
	kolkataAuditor := e.ctxRole(t, auth.RoleAuditor, "kolkata")
	_, err := e.audit.ListAuditEntries(kolkataAuditor, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	statusOf(t, err, codes.NotFound, auth.ReasonOfficeNotFound)
	for _, entry := range kittest.AuditEntries(t, kolkataAuditor, e.audit, &auditv1.ListAuditEntriesRequest{Parent: "offices/-"}) {
		if entry.GetSubject() != kittest.RoleCaller(auth.RoleAuditor, "kolkata").Subject {
			t.Errorf("an auditor of kolkata reads %v", entry)
		}
	}
	// An auditor of mumbai reads no entry of no office, even under offices/-.
	for _, entry := range kittest.AuditEntries(t, mumbaiAuditor, e.audit, &auditv1.ListAuditEntriesRequest{Parent: "offices/-"}) {
		if !strings.HasPrefix(entry.GetName(), "offices/mumbai/") {
			t.Errorf("an auditor of mumbai reads %v", entry)
		}
	}
}
