package service_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/requestid"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/internal/ports/grpcport"
	"github.com/justiceops/justice/services/rescue/service"
)

const auditLegalName = "Nasreen Audittest Bibi"

// wantEntry is an audit entry the test expects, in the order of the calls.
type wantEntry struct {
	action, resource, requestID string
	outcome                     auditv1.Outcome
	code                        string
}

// TestEverySurvivorAccessIsAudited makes N reads and writes of survivor
// records, one refused and one failed attempt, and calls that touch no
// survivor; an auditor then finds exactly one entry per survivor access,
// saying who, what, on which record, under which request id and how it ended.
func TestEverySurvivorAccessIsAudited(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	auditee := identity.Principal{Subject: "auditee", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}
	call := func(requestID string) context.Context {
		return requestid.WithRequestID(e.ctxAs(t, auditee), requestID)
	}
	const n = 3
	var want []wantEntry
	ok := func(method, resource, requestID string) {
		want = append(want, wantEntry{method, resource, requestID, auditv1.Outcome_OUTCOME_ALLOWED, "OK"})
	}
	var names []string
	for i := range n {
		s := adult(o.GetName())
		s.LegalName = auditLegalName
		id := fmt.Sprintf("create-%d", i)
		sv, err := e.anon.CreateSurvivor(call(id), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, sv.GetName())
		ok(rescuev1.RescueService_CreateSurvivor_FullMethodName, "offices/mumbai", id)
	}
	for i, name := range names {
		id := fmt.Sprintf("get-%d", i)
		if _, err := e.anon.GetSurvivor(call(id), &rescuev1.GetSurvivorRequest{Name: name}); err != nil {
			t.Fatal(err)
		}
		ok(rescuev1.RescueService_GetSurvivor_FullMethodName, name, id)
	}
	if _, err := e.anon.ListSurvivors(call("list"), &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai"}); err != nil {
		t.Fatal(err)
	}
	ok(rescuev1.RescueService_ListSurvivors_FullMethodName, "offices/mumbai", "list")
	if _, err := e.anon.UpdateSurvivor(call("update"), &rescuev1.UpdateSurvivorRequest{
		Survivor: &rescuev1.Survivor{Name: names[0], Pseudonym: "Asha R"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pseudonym"}},
	}); err != nil {
		t.Fatal(err)
	}
	ok(rescuev1.RescueService_UpdateSurvivor_FullMethodName, names[0], "update")
	if _, err := e.anon.FindSurvivorDuplicates(call("dups"), &rescuev1.FindSurvivorDuplicatesRequest{Name: names[1]}); err != nil {
		t.Fatal(err)
	}
	ok(rescuev1.RescueService_FindSurvivorDuplicates_FullMethodName, names[1], "dups")
	missing := "offices/mumbai/survivors/doesnotexist"
	_, err := e.anon.GetSurvivor(call("missing"), &rescuev1.GetSurvivorRequest{Name: missing})
	statusOf(t, err, codes.NotFound, "SURVIVOR_NOT_FOUND")
	want = append(want, wantEntry{rescuev1.RescueService_GetSurvivor_FullMethodName, missing, "missing", auditv1.Outcome_OUTCOME_FAILED, "NOT_FOUND"})
	_, err = e.anon.EraseSurvivorIdentity(call("erase"), &rescuev1.EraseSurvivorIdentityRequest{Name: names[2], Reason: "r"})
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	want = append(want, wantEntry{rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName, names[2], "erase", auditv1.Outcome_OUTCOME_DENIED, "PERMISSION_DENIED"})
	// Calls that touch no survivor record are not audited.
	if _, err := e.anon.GetOperation(call("op"), &rescuev1.GetOperationRequest{Name: o.GetName()}); err != nil {
		t.Fatal(err)
	}

	auditor := e.ctxRole(t, auth.RoleAuditor, "mumbai")
	var got []*auditv1.AuditEntry
	req := &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", Filter: `subject = "auditee"`, PageSize: 4}
	for {
		resp, err := e.audit.ListAuditEntries(auditor, req)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.GetAuditEntries()...)
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	slices.Reverse(got) // newest first
	if len(got) != len(want) {
		t.Fatalf("%d audit entries for %d survivor accesses:\n%v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.GetAction() != w.action || g.GetResource() != w.resource || g.GetRequestId() != w.requestID ||
			g.GetOutcome() != w.outcome || g.GetCode() != w.code || g.GetSubject() != "auditee" ||
			!slices.Equal(g.GetRoles(), []string{auth.RoleInvestigator}) || !slices.Equal(g.GetOffices(), []string{"mumbai"}) ||
			g.GetService() != service.Name || g.GetTime() == nil {
			t.Errorf("entry %d = %v\nwant %+v", i, g, w)
		}
	}
	assertNoIdentityIn(t, "audit entries", fmt.Sprint(got))

	// The auditor's own reading is audited; auditors of other offices see nothing of mumbai.
	resp, err := e.audit.ListAuditEntries(auditor, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai",
		Filter: fmt.Sprintf(`action = %q`, auditv1.AuditService_ListAuditEntries_FullMethodName)})
	if err != nil || len(resp.GetAuditEntries()) == 0 {
		t.Errorf("the auditor's reading is not audited: %v, %v", resp, err)
	}
	_, err = e.audit.ListAuditEntries(e.ctxRole(t, auth.RoleAuditor, "kolkata"), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	statusOf(t, err, codes.NotFound, auth.ReasonOfficeNotFound)
	resp, err = e.audit.ListAuditEntries(e.ctxRole(t, auth.RoleAuditor, "kolkata"), &auditv1.ListAuditEntriesRequest{Parent: "offices/-",
		Filter: `subject = "auditee"`})
	if err != nil || len(resp.GetAuditEntries()) != 0 {
		t.Errorf("a kolkata auditor sees mumbai's entries: %v, %v", resp, err)
	}
	_, err = e.audit.ListAuditEntries(e.ctxAs(t, auditee), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
}

// switchAuditor is an auth.Auditor that fails on demand, as a database
// that has gone away would.
type switchAuditor struct {
	inner auth.Auditor
	fail  atomic.Bool
}

var errAuditDown = errors.New("audit log unreachable")

func (a *switchAuditor) Begin(ctx context.Context, ev auth.AccessEvent) (func(context.Context, codes.Code), error) {
	if a.fail.Load() {
		return nil, errAuditDown
	}
	return a.inner.Begin(ctx, ev)
}

func (a *switchAuditor) Denied(ctx context.Context, ev auth.AccessEvent, code codes.Code) error {
	if a.fail.Load() {
		return errAuditDown
	}
	return a.inner.Denied(ctx, ev, code)
}

// TestAuditFailureFailsTheRequest: when the audit entry cannot be written,
// a survivor call fails with UNAVAILABLE AUDIT_UNAVAILABLE, returns no
// record and changes nothing. Calls that are not audited go on.
func TestAuditFailureFailsTheRequest(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	auditor := &switchAuditor{}
	e := startWith(t, options{db: db, serverOptions: func(_ *service.Service, cfg service.Config, issuer *auth.Issuer) []grpc.ServerOption {
		store, err := audit.NewStore(context.Background(), db, service.Name)
		if err != nil {
			t.Fatal(err)
		}
		auditor.inner = store
		verifier, err := auth.NewVerifierFromJWKS(cfg.Auth, issuer.JWKS())
		if err != nil {
			t.Fatal(err)
		}
		return auth.ServerOptions(verifier, grpcport.Policy(), auditor, nil)
	}})
	ctx := ctxT(t)
	o := e.conductedOperation(t, "mumbai")
	sv, err := e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())})
	if err != nil {
		t.Fatal(err)
	}

	auditor.fail.Store(true)
	before := e.counts(t)
	got, err := e.client.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	statusOf(t, err, codes.Unavailable, auth.ReasonAuditUnavailable)
	if got != nil {
		t.Errorf("a record was returned without an audit entry: %v", got)
	}
	_, err = e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName()), RequestId: "no-audit"})
	statusOf(t, err, codes.Unavailable, auth.ReasonAuditUnavailable)
	_, err = e.client.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{
		Survivor: &rescuev1.Survivor{Name: sv.GetName(), Pseudonym: "Changed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pseudonym"}}})
	statusOf(t, err, codes.Unavailable, auth.ReasonAuditUnavailable)
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("unaudited calls changed the database: before %v, after %v", before, after)
	}
	if _, err := e.client.GetOperation(ctx, &rescuev1.GetOperationRequest{Name: o.GetName()}); err != nil {
		t.Errorf("an unaudited RPC failed with the audit log: %v", err)
	}

	auditor.fail.Store(false)
	again, err := e.client.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	if err != nil || again.GetEtag() != sv.GetEtag() || again.GetPseudonym() != "Asha" {
		t.Errorf("after the audit log came back: %v, %v", again, err)
	}
}

// TestADisconnectedAuditLogFailsTheRequest uses the real audit store on a
// client that has been disconnected: Begin cannot write, so nothing runs.
func TestADisconnectedAuditLogFailsTheRequest(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	e := startWith(t, options{db: db, serverOptions: func(_ *service.Service, cfg service.Config, issuer *auth.Issuer) []grpc.ServerOption {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		client, err := mongostore.Connect(ctx, mongostore.Config{URI: storetest.URI(t), Database: db.Name(),
			ConnectTimeout: 10 * time.Second, OperationTimeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		store, err := audit.NewStore(ctx, client.Database(db.Name()), service.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := client.Disconnect(ctx); err != nil {
			t.Fatal(err)
		}
		verifier, err := auth.NewVerifierFromJWKS(cfg.Auth, issuer.JWKS())
		if err != nil {
			t.Fatal(err)
		}
		return auth.ServerOptions(verifier, grpcport.Policy(), store, nil)
	}})
	o := e.conductedOperation(t, "mumbai")
	before := e.counts(t)
	_, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName()), RequestId: "r1"})
	statusOf(t, err, codes.Unavailable, auth.ReasonAuditUnavailable)
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the refused create wrote: before %v, after %v", before, after)
	}
}
