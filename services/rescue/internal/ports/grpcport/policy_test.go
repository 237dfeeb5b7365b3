package grpcport

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// services are every service the rescue binary registers that needs a policy.
var services = []grpc.ServiceDesc{
	rescuev1.RescueService_ServiceDesc, rescuev1.RescueReferenceService_ServiceDesc, auditv1.AuditService_ServiceDesc,
	metricsv1.MetricsSourceService_ServiceDesc,
}

func TestEveryRPCHasAPolicyEntry(t *testing.T) {
	t.Parallel()
	if err := Policy().Check(services...); err != nil {
		t.Fatal(err)
	}
	// Services only look up references.
	if got := Policy().Callable(auth.RoleService); !slices.Equal(got, []string{"LookupReferences"}) {
		t.Errorf("a service identity may call %v", got)
	}
}

func TestEverySurvivorRPCAndTheAuditLogAreAudited(t *testing.T) {
	t.Parallel()
	for method, rule := range Policy() {
		// RebuildMetrics reads every survivor record to recount them;
		// LookupReferences reads the survivors another service names.
		touchesSurvivors := strings.Contains(method, "Survivor") || strings.HasPrefix(method, "/justice.audit.") ||
			method == metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName ||
			method == rescuev1.RescueReferenceService_LookupReferences_FullMethodName
		if rule.Audit != touchesSurvivors {
			t.Errorf("%s: Audit = %v, want %v", method, rule.Audit, touchesSurvivors)
		}
	}
}

func TestPolicyGrantsEachRoleItsWork(t *testing.T) {
	t.Parallel()
	p := Policy()
	may := p.Callable
	reads := []string{"GetLocation", "GetOperation", "GetSurvivor", "ListLocations", "ListOperations", "ListSurvivors"}
	decisions := []string{"AbortOperation", "CloseLocation", "CloseOperation", "ConductOperation", "ConfirmLocation",
		"DismissLocation", "InvestigateLocation", "MarkRaidedLocation"}
	sorted := func(lists ...[]string) []string {
		out := slices.Concat(lists...)
		slices.Sort(out)
		return out
	}
	// Every human role reads the aggregate metrics of its offices.
	metrics := []string{"QueryMetrics"}
	want := map[string][]string{
		auth.RoleInvestigator: sorted(reads, decisions, metrics, []string{"CreateLocation", "UpdateLocation", "DeleteLocation",
			"CreateOperation", "UpdateOperation", "DeleteOperation", "CreateSurvivor", "UpdateSurvivor", "FindSurvivorDuplicates"}),
		auth.RoleSocialWorker:     sorted(reads, metrics, []string{"CreateSurvivor", "UpdateSurvivor", "FindSurvivorDuplicates"}),
		auth.RoleLawyer:           sorted(reads, metrics),
		auth.RoleOfficeDirector:   sorted(reads, decisions, metrics, []string{"EraseSurvivorIdentity"}),
		auth.RoleRegionalDirector: sorted(reads, metrics),
		auth.RoleAuditor:          sorted(metrics, []string{"ListAuditEntries"}),
		auth.RoleAdmin:            sorted(reads, metrics, []string{"EraseSurvivorIdentity", "RebuildMetrics"}),
		auth.RoleTrainer:          metrics,
		auth.RolePartnerHome:      metrics,
	}
	for _, role := range auth.Roles() {
		w, ok := want[role]
		if !ok {
			t.Errorf("role %s has no expectation here: decide what it may do and add it to Policy and this test", role)
			continue
		}
		if got := may(role); !slices.Equal(got, w) {
			t.Errorf("%s may call %v, want %v", role, got, w)
		}
	}
	if got := may(auth.RoleService); !slices.Equal(got, []string{"LookupReferences"}) {
		t.Errorf("a service identity may call %v; want LookupReferences only", got)
	}
	for _, role := range auth.Roles() {
		if p.Allows(rescuev1.RescueReferenceService_LookupReferences_FullMethodName, identity.Principal{Roles: []string{role}}) == nil {
			t.Errorf("the human role %s may look up references; only services may", role)
		}
	}
}

func TestOnlyIdentityRolesSeeIdentity(t *testing.T) {
	t.Parallel()
	for _, role := range auth.Roles() {
		want := role == auth.RoleInvestigator || role == auth.RoleSocialWorker || role == auth.RoleLawyer
		if got := SeesIdentity(identity.Principal{Roles: []string{role}}); got != want {
			t.Errorf("%s sees identity = %v, want %v", role, got, want)
		}
	}
	if !SeesIdentity(identity.Principal{Roles: []string{auth.RoleRegionalDirector, auth.RoleLawyer}}) {
		t.Error("a caller holding an identity role among others must see identity")
	}
	if SeesIdentity(identity.Anonymous) {
		t.Error("an anonymous caller sees identity")
	}
}

func TestOnlyIdentityRolesSetIdentity(t *testing.T) {
	t.Parallel()
	director := identity.WithPrincipal(context.Background(), identity.Principal{Subject: "d", Roles: []string{auth.RoleRegionalDirector}})
	err := checkIdentityWrite(director, []domain.SurvivorField{domain.SurvivorFieldDateOfBirth, domain.SurvivorFieldPhoto})
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindPermissionDenied || e.Reason != "IDENTITY_FIELD_NOT_ALLOWED" ||
		!strings.Contains(e.Message, "survivor.date_of_birth") || e.Metadata["field"] != "survivor.date_of_birth" {
		t.Fatalf("err = %v, want PERMISSION_DENIED naming survivor.date_of_birth", err)
	}
	if err := checkIdentityWrite(director, nil); err != nil {
		t.Errorf("no identity field set: %v", err)
	}
	worker := identity.WithPrincipal(context.Background(), identity.Principal{Subject: "w", Roles: []string{auth.RoleSocialWorker}})
	if err := checkIdentityWrite(worker, domain.SurvivorIdentityFields); err != nil {
		t.Errorf("social worker setting identity: %v", err)
	}
}

// fakeKeys keys the fingerprint with a fixed prefix; the real keyring is a
// keyed PRF (fieldcrypt).
type fakeKeys struct{ Keys }

func (fakeKeys) BlindIndex(parts ...string) (string, error) {
	return "keyed:" + strings.Join(parts, "|"), nil
}

func TestCreateSurvivorFingerprintHidesIdentity(t *testing.T) {
	t.Parallel()
	req := &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", RequestId: "r1", Survivor: &rescuev1.Survivor{
		Pseudonym: "Asha", LegalName: "Secret Name", DateOfBirth: &date.Date{Year: 2001, Month: 2, Day: 3},
		FamilyContact: "contact", Address: "address", Photo: []byte("photo"),
	}}
	fp, err := createSurvivorFingerprint(fakeKeys{}, req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := proto.Marshal(fp)
	for _, secret := range []string{"Secret Name", "contact", "address", "photo"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the fingerprinted request carries %q", secret)
		}
	}
	if fp.GetSurvivor().GetDateOfBirth() != nil || fp.GetSurvivor().GetPseudonym() != "Asha" || fp.GetRequestId() != "r1" {
		t.Errorf("fingerprinted request = %v", fp)
	}
	if req.GetSurvivor().GetLegalName() != "Secret Name" {
		t.Error("the request itself was changed")
	}
	other := proto.CloneOf(req)
	other.Survivor.DateOfBirth.Day = 4
	fp2, _ := createSurvivorFingerprint(fakeKeys{}, other)
	if proto.Equal(fp, fp2) {
		t.Error("requests with different identity fingerprint alike")
	}
	same, _ := createSurvivorFingerprint(fakeKeys{}, proto.CloneOf(req))
	if !proto.Equal(fp, same) {
		t.Error("the same request fingerprints differently")
	}
}
