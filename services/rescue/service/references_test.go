package service_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/encoding/prototext"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

// prosecutionIdentity is the identity the prosecution service calls with.
var prosecutionIdentity = identity.Principal{Subject: auth.ServiceSubjectPrefix + "prosecution", Roles: []string{auth.RoleService}, AllOffices: true}

func TestLookupReferencesAnswersServicesWithoutIdentity(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	child, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: minor(o.GetName(), time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	kolkataOp := e.conductedOperation(t, "kolkata")
	names := []string{child.GetName(), o.GetName(), "offices/mumbai/survivors/absent", "offices/chennai/operations/o1", kolkataOp.GetName()}
	resp, err := e.references.LookupReferences(e.ctxAs(t, prosecutionIdentity), &rescuev1.LookupReferencesRequest{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	refs := resp.GetReferences()
	if len(refs) != len(names) {
		t.Fatalf("%d references for %d names", len(refs), len(names))
	}
	for i, r := range refs {
		if r.GetName() != names[i] {
			t.Errorf("reference %d names %s, want %s (the request's order)", i, r.GetName(), names[i])
		}
	}
	if r := refs[0]; !r.GetFound() || r.GetKind() != rescuev1.ReferenceKind_REFERENCE_KIND_SURVIVOR || !r.GetMinor() ||
		!r.GetRescueTime().AsTime().Equal(child.GetRescueTime().AsTime()) {
		t.Errorf("the child survivor = %v", r)
	}
	if r := refs[1]; !r.GetFound() || r.GetKind() != rescuev1.ReferenceKind_REFERENCE_KIND_OPERATION || r.GetConductTime() == nil {
		t.Errorf("the conducted operation = %v", r)
	}
	for _, r := range refs[2:4] {
		if r.GetFound() || r.GetMinor() || r.GetRescueTime() != nil || r.GetConductTime() != nil {
			t.Errorf("an absent record = %v, want found false and nothing else", r)
		}
	}
	if !refs[4].GetFound() {
		t.Errorf("an all-offices service does not find kolkata's operation: %v", refs[4])
	}
	text := prototext.Format(resp)
	assertNoIdentityIn(t, "the references", text)
	if strings.Contains(text, "Asha") {
		t.Error("the references carry the survivor's pseudonym")
	}

	// A service identity of kolkata reads mumbai's survivor as absent.
	kolkataSvc := prosecutionIdentity
	kolkataSvc.AllOffices, kolkataSvc.Offices = false, []string{"kolkata"}
	resp, err = e.references.LookupReferences(e.ctxAs(t, kolkataSvc), &rescuev1.LookupReferencesRequest{Names: names[:1]})
	if err != nil || resp.GetReferences()[0].GetFound() {
		t.Errorf("another office's survivor for a kolkata service: %v, %v", resp, err)
	}

	// People may not call it, whatever their role; each call and attempt is audited.
	_, err = e.references.LookupReferences(e.ctxRole(t, auth.RoleInvestigator, "mumbai"), &rescuev1.LookupReferencesRequest{Names: names[:1]})
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	n, err := e.db.Collection("audit_log").CountDocuments(ctxT(t), bson.D{{Key: "action", Value: rescuev1.RescueReferenceService_LookupReferences_FullMethodName}})
	if err != nil || n != 3 {
		t.Errorf("%d audit entries of LookupReferences (%v), want 3: two lookups and the refused attempt", n, err)
	}
}

func TestLookupReferencesRefusesBadNamesNamingEach(t *testing.T) {
	t.Parallel()
	e := start(t)
	svc := e.ctxAs(t, prosecutionIdentity)
	tests := []struct {
		names  []string
		fields []string
	}{
		{nil, []string{"names"}},
		{make([]string, 101), []string{"names"}},
		{[]string{"offices/mumbai/survivors/ok1", "offices/mumbai/locations/l1", "survivors/x", "offices/Mumbai/operations/o1"},
			[]string{"names[1]", "names[2]", "names[3]"}},
	}
	for _, tc := range tests {
		for i := range tc.names {
			if tc.names[i] == "" {
				tc.names[i] = fmt.Sprintf("offices/mumbai/survivors/s%d", i)
			}
		}
		_, err := e.references.LookupReferences(svc, &rescuev1.LookupReferencesRequest{Names: tc.names})
		statusOf(t, err, codes.InvalidArgument, "", tc.fields...)
	}
}
