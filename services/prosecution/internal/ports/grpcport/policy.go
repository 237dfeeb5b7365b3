package grpcport

import (
	"slices"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

// The prosecution service's access rules, in one place.
//
// Who may call what follows who does the work of a prosecution:
//
//   - lawyer and investigator: work the cases, every ProsecutionService
//     RPC: cases and their stages (a correction backwards included, which
//     is audited), links to rescue's survivors and operations, accused,
//     custody, bail and verdicts, hearings, victim-witnesses and
//     compensation.
//   - social_worker: supports the survivors who testify. Reads and lists
//     victim-witnesses and updates their support fields only
//     (last_contact_date, protection_needs, support_notes;
//     PERMISSION_DENIED naming any other field); the testimony fields
//     (testimony_status, evidence_recorded_date, and evidence_overdue,
//     derived from them) are left out of what they read, and they may not
//     filter on them. Nothing else: cases, accused and hearings are the
//     prosecution's.
//   - office_director: oversees an office: reads everything (every Get,
//     List and the hearing calendar), changes nothing.
//   - regional_director: several offices' summaries: the aggregate metrics
//     (MetricsSourceService.QueryMetrics), nothing else.
//   - auditor: reads the audit log (ListAuditEntries) and the metrics.
//   - admin: rebuilds the metrics counters (RebuildMetrics, which also
//     needs every office) and reads the metrics; no casework.
//   - trainer: the aggregate metrics, like every member of office staff.
//   - partner_home: the aggregate metrics only (the gateway suppresses
//     small cells for them).
//
// The metrics (monthly counts of criminals restrained, convictions,
// acquittals and cases charge-sheeted per office) name no record and no
// person: as in every service, every human role reads them within the
// offices it holds, and the gateway suppresses cells below its threshold
// for the roles outside the office staff.
//
// Every RPC that touches a survivor link is audited: each call and each
// denied attempt is recorded before it runs. Cases carry survivors' names,
// so every case RPC is; so are links and unlinks, witnesses and
// compensations, the audit log itself, and the rebuild of the metrics.
// Accused and hearings name no survivor and are not. The office scope
// (which offices' records a caller reaches) is not in this table: it is
// enforced in every repository query.

// WitnessLegalRoles are the roles that see and change a witness's
// testimony fields; every other role allowed to a witness RPC (the social
// worker) sees and changes the support fields only.
var WitnessLegalRoles = []string{auth.RoleInvestigator, auth.RoleLawyer, auth.RoleOfficeDirector}

// SupportOnly reports whether p sees victim-witnesses' support fields only:
// it holds none of WitnessLegalRoles.
func SupportOnly(p identity.Principal) bool {
	return !slices.ContainsFunc(p.Roles, func(r string) bool { return slices.Contains(WitnessLegalRoles, r) })
}

// Policy returns the prosecution service's policy table: an entry for
// every RPC of the ProsecutionService, its AuditService and its
// MetricsSourceService (a test walks the three service descriptors). A
// fresh map on every call.
func Policy() auth.Policy {
	const (
		investigator     = auth.RoleInvestigator
		lawyer           = auth.RoleLawyer
		socialWorker     = auth.RoleSocialWorker
		trainer          = auth.RoleTrainer
		officeDirector   = auth.RoleOfficeDirector
		regionalDirector = auth.RoleRegionalDirector
		auditor          = auth.RoleAuditor
		admin            = auth.RoleAdmin
	)
	work := []string{investigator, lawyer}
	read := []string{investigator, lawyer, officeDirector}
	witnesses := []string{investigator, lawyer, officeDirector, socialWorker}
	supportWrite := []string{investigator, lawyer, socialWorker}
	rule, audited := auth.Allow, auth.AllowAudited
	return auth.Policy{
		prosecutionv1.ProsecutionService_CreateCase_FullMethodName:          audited(work...),
		prosecutionv1.ProsecutionService_GetCase_FullMethodName:             audited(read...),
		prosecutionv1.ProsecutionService_ListCases_FullMethodName:           audited(read...),
		prosecutionv1.ProsecutionService_UpdateCase_FullMethodName:          audited(work...),
		prosecutionv1.ProsecutionService_AdvanceCaseStage_FullMethodName:    audited(work...),
		prosecutionv1.ProsecutionService_CorrectCaseStage_FullMethodName:    audited(work...),
		prosecutionv1.ProsecutionService_LinkCaseReference_FullMethodName:   audited(work...),
		prosecutionv1.ProsecutionService_UnlinkCaseReference_FullMethodName: audited(work...),

		prosecutionv1.ProsecutionService_CreateAccused_FullMethodName:        rule(work...),
		prosecutionv1.ProsecutionService_GetAccused_FullMethodName:           rule(read...),
		prosecutionv1.ProsecutionService_ListAccused_FullMethodName:          rule(read...),
		prosecutionv1.ProsecutionService_UpdateAccused_FullMethodName:        rule(work...),
		prosecutionv1.ProsecutionService_ChangeAccusedCustody_FullMethodName: rule(work...),
		prosecutionv1.ProsecutionService_RecordBailEvent_FullMethodName:      rule(work...),
		prosecutionv1.ProsecutionService_RecordVerdict_FullMethodName:        rule(work...),

		prosecutionv1.ProsecutionService_CreateHearing_FullMethodName:        rule(work...),
		prosecutionv1.ProsecutionService_GetHearing_FullMethodName:           rule(read...),
		prosecutionv1.ProsecutionService_ListHearings_FullMethodName:         rule(read...),
		prosecutionv1.ProsecutionService_UpdateHearing_FullMethodName:        rule(work...),
		prosecutionv1.ProsecutionService_DeleteHearing_FullMethodName:        rule(work...),
		prosecutionv1.ProsecutionService_QueryHearingCalendar_FullMethodName: rule(read...),

		prosecutionv1.ProsecutionService_CreateWitness_FullMethodName: audited(work...),
		prosecutionv1.ProsecutionService_GetWitness_FullMethodName:    audited(witnesses...),
		prosecutionv1.ProsecutionService_ListWitnesses_FullMethodName: audited(witnesses...),
		prosecutionv1.ProsecutionService_UpdateWitness_FullMethodName: audited(supportWrite...),
		prosecutionv1.ProsecutionService_DeleteWitness_FullMethodName: audited(work...),

		prosecutionv1.ProsecutionService_CreateCompensation_FullMethodName: audited(work...),
		prosecutionv1.ProsecutionService_GetCompensation_FullMethodName:    audited(read...),
		prosecutionv1.ProsecutionService_ListCompensations_FullMethodName:  audited(read...),
		prosecutionv1.ProsecutionService_UpdateCompensation_FullMethodName: audited(work...),

		auditv1.AuditService_ListAuditEntries_FullMethodName: audited(auditor),

		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName:   rule(auth.Roles()...),
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: audited(admin),
	}
}
