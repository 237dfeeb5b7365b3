package grpcport

import (
	"slices"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

// The rescue service's access rules, in one place.
//
// Who may call what follows who does the work in an anti-trafficking office:
//
//   - investigator: runs cases end to end: every location, operation and
//     survivor RPC, except erasing a survivor's identity, which is a records
//     decision, not an investigator's.
//   - social_worker: cares for survivors: records and updates them (their
//     identity is needed to reunite families), looks for duplicate records,
//     and reads the operations and locations they came from for context.
//     Never changes locations or operations.
//   - lawyer: prepares prosecutions: reads everything, changes nothing.
//   - office_director: oversees an office: reads everything, decides the
//     lifecycle of locations and operations (investigate, confirm, raid,
//     close, dismiss; conduct, close, abort), and decides erasure when the
//     purpose of holding a survivor's identity is served. Creates, updates
//     and deletes stay with the case workers.
//   - regional_director: several offices' summaries: reads locations,
//     operations and survivors (always with identity withheld, see
//     IdentityRoles).
//   - auditor: reads the audit log (ListAuditEntries), nothing else, so audit
//     and casework stay separate.
//   - admin: carries out erasure requests and reads records to do so; no
//     casework.
//   - trainer, partner_home: no record of this service (partner homes get
//     their survivors' care fields from the aftercare service).
//   - service: another service (prosecution, aftercare) with its own
//     identity, checking that the survivors and operations it links exist
//     (RescueReferenceService.LookupReferences, audited, as every lookup
//     names survivors); no end user may call it, and a service nothing else.
//
// The aggregate metrics (MetricsSourceService.QueryMetrics: monthly counts
// of survivors and minors rescued and operations conducted per office) are
// readable by every human role, within the offices the caller holds: they
// name no record and no person, office staff and directors steer their work
// by them, trainers and partner homes report on them. Small counts could
// still single someone out, so the gateway suppresses cells below its
// threshold for the roles outside the office staff (partner_home). Recounting
// them (RebuildMetrics) is an administrator's repair of the whole service:
// admin only, holding every office, and audited.
//
// Every RPC that touches a survivor record, the audit log itself, and the
// rebuild of the metrics (which reads every record) are audited: each call
// and each denied attempt is recorded before it runs. The office scope
// (which offices' records a caller reaches) is not in this table: it is
// enforced in every repository query.

// IdentityRoles are the roles that see and may set survivors' protected
// identity (legal name, date of birth, family contact, address, photo): the
// people who work with the survivor in person or in court. Every other
// role gets the pseudonym and identity_withheld, and is refused (PERMISSION_DENIED)
// when it tries to set an identity field.
var IdentityRoles = []string{auth.RoleInvestigator, auth.RoleSocialWorker, auth.RoleLawyer}

// SeesIdentity reports whether p holds one of IdentityRoles.
func SeesIdentity(p identity.Principal) bool {
	return slices.ContainsFunc(p.Roles, func(r string) bool { return slices.Contains(IdentityRoles, r) })
}

// Policy returns the rescue service's policy table: an entry for every RPC
// of the RescueService, its RescueReferenceService, its AuditService and
// its MetricsSourceService (a test walks the four service descriptors). A
// fresh map on every call.
func Policy() auth.Policy {
	const (
		investigator     = auth.RoleInvestigator
		socialWorker     = auth.RoleSocialWorker
		lawyer           = auth.RoleLawyer
		officeDirector   = auth.RoleOfficeDirector
		regionalDirector = auth.RoleRegionalDirector
		auditor          = auth.RoleAuditor
		admin            = auth.RoleAdmin
	)
	roles := func(r ...string) []string { return r }
	// Reads of locations and operations: everyone who works on cases.
	readCases := roles(investigator, socialWorker, lawyer, officeDirector, regionalDirector, admin)
	// Reads of survivors: the same people; identity only for IdentityRoles.
	readSurvivors := roles(investigator, socialWorker, lawyer, officeDirector, regionalDirector, admin)
	// Creating and changing case records: investigators.
	editCases := roles(investigator)
	// Lifecycle decisions: investigators and their office director.
	decide := roles(investigator, officeDirector)
	// Recording and updating survivors: investigators and social workers.
	editSurvivors := roles(investigator, socialWorker)

	rule := func(r []string) auth.Rule { return auth.Allow(r...) }
	audited := func(r []string) auth.Rule { return auth.AllowAudited(r...) }
	return auth.Policy{
		rescuev1.RescueService_CreateLocation_FullMethodName:      rule(editCases),
		rescuev1.RescueService_GetLocation_FullMethodName:         rule(readCases),
		rescuev1.RescueService_ListLocations_FullMethodName:       rule(readCases),
		rescuev1.RescueService_UpdateLocation_FullMethodName:      rule(editCases),
		rescuev1.RescueService_DeleteLocation_FullMethodName:      rule(editCases),
		rescuev1.RescueService_InvestigateLocation_FullMethodName: rule(decide),
		rescuev1.RescueService_ConfirmLocation_FullMethodName:     rule(decide),
		rescuev1.RescueService_MarkRaidedLocation_FullMethodName:  rule(decide),
		rescuev1.RescueService_CloseLocation_FullMethodName:       rule(decide),
		rescuev1.RescueService_DismissLocation_FullMethodName:     rule(decide),

		rescuev1.RescueService_CreateOperation_FullMethodName:  rule(editCases),
		rescuev1.RescueService_GetOperation_FullMethodName:     rule(readCases),
		rescuev1.RescueService_ListOperations_FullMethodName:   rule(readCases),
		rescuev1.RescueService_UpdateOperation_FullMethodName:  rule(editCases),
		rescuev1.RescueService_DeleteOperation_FullMethodName:  rule(editCases),
		rescuev1.RescueService_ConductOperation_FullMethodName: rule(decide),
		rescuev1.RescueService_CloseOperation_FullMethodName:   rule(decide),
		rescuev1.RescueService_AbortOperation_FullMethodName:   rule(decide),

		rescuev1.RescueService_CreateSurvivor_FullMethodName:         audited(editSurvivors),
		rescuev1.RescueService_GetSurvivor_FullMethodName:            audited(readSurvivors),
		rescuev1.RescueService_ListSurvivors_FullMethodName:          audited(readSurvivors),
		rescuev1.RescueService_UpdateSurvivor_FullMethodName:         audited(editSurvivors),
		rescuev1.RescueService_FindSurvivorDuplicates_FullMethodName: audited(editSurvivors),
		rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName:  audited(roles(officeDirector, admin)),

		rescuev1.RescueReferenceService_LookupReferences_FullMethodName: audited(roles(auth.RoleService)),

		auditv1.AuditService_ListAuditEntries_FullMethodName: audited(roles(auditor)),

		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName:   rule(auth.Roles()),
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: audited(roles(admin)),
	}
}
