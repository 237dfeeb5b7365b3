package kittest

import (
	"slices"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

// EveryOffice is the AccessCell.Holding of a caller whose scope is every
// office (identity.Principal.AllOffices).
const EveryOffice = "*"

// AccessCell is one cell of a service's access matrix: one method called
// by a caller holding one role and one office (or every office).
type AccessCell struct {
	// Method is the full method name, e.g.
	// "/justice.rescue.v1.RescueService/GetSurvivor".
	Method string
	// Role is the caller's only role.
	Role string
	// Holding is the office the caller holds, or EveryOffice.
	Holding string
	// Caller is the caller, named "{role}@{holding}".
	Caller identity.Principal
	// Want is the code a valid request about records of the home office
	// must end with (see AccessMatrix).
	Want codes.Code
}

// Name names the cell for a subtest: "{method's short name}/{role}/{holding}".
func (c AccessCell) Name() string {
	return c.Method[strings.LastIndex(c.Method, "/")+1:] + "/" + c.Role + "/" + c.Holding
}

// AccessMatrix returns the cells of the access matrix of policy: every
// method of the table, sorted, called as every human role (auth.Roles) and
// as auth.RoleService, holding only home, the office of the records the
// calls act on, then only other; the methods listed in allOffices (those
// that act on every office at once) are also called holding every office.
//
// Each cell says what a valid request about records of home must end with:
// PERMISSION_DENIED for a role the policy does not allow, before any record
// is read; for a role it allows, OK holding home and NOT_FOUND holding
// other (a record of another office reads as one that does not exist),
// except for an allOffices method, which is OK holding every office and
// PERMISSION_DENIED holding one.
func AccessMatrix(policy auth.Policy, home, other string, allOffices ...string) []AccessCell {
	methods := make([]string, 0, len(policy))
	for m := range policy {
		methods = append(methods, m)
	}
	slices.Sort(methods)
	roles := append(auth.Roles(), auth.RoleService)
	var cells []AccessCell
	for _, method := range methods {
		wide := slices.Contains(allOffices, method)
		holdings := []string{home, other}
		if wide {
			holdings = append(holdings, EveryOffice)
		}
		for _, role := range roles {
			for _, holding := range holdings {
				caller := identity.Principal{Subject: role + "@" + holding, Roles: []string{role}, Offices: []string{holding}}
				if holding == EveryOffice {
					caller.Offices, caller.AllOffices = nil, true
				}
				want := codes.PermissionDenied
				switch {
				case policy.Allows(method, caller) != nil:
				case wide:
					if holding == EveryOffice {
						want = codes.OK
					}
				case holding == home:
					want = codes.OK
				default:
					want = codes.NotFound
				}
				cells = append(cells, AccessCell{Method: method, Role: role, Holding: holding, Caller: caller, Want: want})
			}
		}
	}
	return cells
}
