package grpcport

import (
	"context"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// services are every service the prosecution binary registers.
var services = []grpc.ServiceDesc{
	prosecutionv1.ProsecutionService_ServiceDesc, auditv1.AuditService_ServiceDesc, metricsv1.MetricsSourceService_ServiceDesc,
}

func TestEveryRPCHasAPolicyEntry(t *testing.T) {
	t.Parallel()
	if err := Policy().Check(services...); err != nil {
		t.Fatal(err)
	}
	// No service calls the prosecution service: every role is a person's.
	if got := Policy().Callable(auth.RoleService); len(got) != 0 {
		t.Errorf("a service identity may call %v", got)
	}
}

func TestEverySurvivorLinkAccessIsAudited(t *testing.T) {
	t.Parallel()
	for method, rule := range Policy() {
		name := method[strings.LastIndex(method, "/")+1:]
		// Cases carry survivors' names; witnesses and compensations name a
		// survivor; the audit log and a rebuild read them all.
		touches := strings.HasSuffix(name, "Case") || strings.HasSuffix(name, "Cases") || strings.Contains(name, "CaseStage") ||
			strings.Contains(name, "CaseReference") || strings.Contains(name, "Witness") || strings.Contains(name, "Compensation") ||
			strings.HasPrefix(method, "/justice.audit.") || method == metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName
		if rule.Audit != touches {
			t.Errorf("%s: Audit = %v, want %v", method, rule.Audit, touches)
		}
	}
}

func TestPolicyGrantsEachRoleItsWork(t *testing.T) {
	t.Parallel()
	p := Policy()
	may := p.Callable
	var every, reads []string
	for _, m := range prosecutionv1.ProsecutionService_ServiceDesc.Methods {
		every = append(every, m.MethodName)
		if strings.HasPrefix(m.MethodName, "Get") || strings.HasPrefix(m.MethodName, "List") || m.MethodName == "QueryHearingCalendar" {
			reads = append(reads, m.MethodName)
		}
	}
	sorted := func(lists ...[]string) []string {
		out := slices.Concat(lists...)
		slices.Sort(out)
		return out
	}
	metrics := []string{"QueryMetrics"}
	want := map[string][]string{
		auth.RoleInvestigator:     sorted(every, metrics),
		auth.RoleLawyer:           sorted(every, metrics),
		auth.RoleSocialWorker:     sorted([]string{"GetWitness", "ListWitnesses", "UpdateWitness"}, metrics),
		auth.RoleOfficeDirector:   sorted(reads, metrics),
		auth.RoleRegionalDirector: metrics,
		auth.RoleTrainer:          metrics,
		auth.RoleAuditor:          sorted([]string{"ListAuditEntries"}, metrics),
		auth.RoleAdmin:            sorted(metrics, []string{"RebuildMetrics"}),
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
	if got := may(auth.RoleService); len(got) != 0 {
		t.Errorf("a service identity may call %v; no service calls the prosecution service", got)
	}
}

func TestOnlySocialWorkersAreLimitedToSupportFields(t *testing.T) {
	t.Parallel()
	for _, role := range auth.Roles() {
		want := !slices.Contains(WitnessLegalRoles, role)
		if got := SupportOnly(identity.Principal{Roles: []string{role}}); got != want {
			t.Errorf("%s support only = %v, want %v", role, got, want)
		}
	}
	if SupportOnly(identity.Principal{Roles: []string{auth.RoleSocialWorker, auth.RoleLawyer}}) {
		t.Error("a social worker who is also a lawyer sees the testimony")
	}
	err := refuseLegalField("witness.testimony_status", "change")
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindPermissionDenied || e.Reason != ReasonWitnessFieldNotAllowed || e.Metadata["field"] != "witness.testimony_status" ||
		!strings.Contains(e.Message, "witness.testimony_status") {
		t.Errorf("err = %v, want PERMISSION_DENIED naming the field", err)
	}
	worker := identity.WithPrincipal(context.Background(), identity.Principal{Roles: []string{auth.RoleSocialWorker}})
	if !supportOnly(worker) {
		t.Error("a social worker's context is not support only")
	}
	for filter, refused := range map[string]bool{
		`testimony_status = "TESTIMONY_STATUS_PENDING"`:          true,
		`minor = true AND evidence_overdue = true`:               true,
		`survivor = "offices/mumbai/survivors/testimony_status"`: false,
		`minor = true`: false,
		`survivor = 'evidence_recorded_date' OR evidence_recorded_date`: true,
	} {
		got := legalFilterFields.FindString(quoted.ReplaceAllString(filter, `""`)) != ""
		if got != refused {
			t.Errorf("filter %s: refused %v, want %v", filter, got, refused)
		}
	}
}
