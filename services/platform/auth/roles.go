package auth

import "slices"

// The roles a token may carry. Every human role is listed by Roles; RoleService
// is the identity of one service calling another.
const (
	RoleInvestigator     = "investigator"
	RoleLawyer           = "lawyer"
	RoleSocialWorker     = "social_worker"
	RoleTrainer          = "trainer"
	RoleOfficeDirector   = "office_director"
	RoleRegionalDirector = "regional_director"
	RoleAuditor          = "auditor"
	RoleAdmin            = "admin"
	RolePartnerHome      = "partner_home"
	RoleService          = "service"
)

// humanRoles is the sorted list Roles returns.
var humanRoles = []string{
	RoleAdmin,
	RoleAuditor,
	RoleInvestigator,
	RoleLawyer,
	RoleOfficeDirector,
	RolePartnerHome,
	RoleRegionalDirector,
	RoleSocialWorker,
	RoleTrainer,
}

// Roles returns every human role, sorted (RoleService is not among them).
// The result is a fresh slice the caller may modify.
func Roles() []string { return slices.Clone(humanRoles) }

// KnownRole reports whether role is one a token may carry: a human role or
// RoleService.
func KnownRole(role string) bool {
	return role == RoleService || slices.Contains(humanRoles, role)
}

// knownRolesList is the human-readable list of the roles a token may carry.
func knownRolesList() string {
	return joinComma(append(Roles(), RoleService))
}
