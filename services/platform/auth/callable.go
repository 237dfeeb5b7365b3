package auth

import (
	"slices"
	"strings"

	"github.com/justiceops/justice/services/platform/identity"
)

// Callable returns, sorted, the method names (the part after the last /,
// e.g. "GetSurvivor") of the methods p allows to a caller holding role
// alone: a service's tests compare it with what each role's work needs.
func (p Policy) Callable(role string) []string {
	caller := identity.Principal{Subject: role, Roles: []string{role}}
	var out []string
	for method := range p {
		if p.Allows(method, caller) == nil {
			out = append(out, method[strings.LastIndex(method, "/")+1:])
		}
	}
	slices.Sort(out)
	return out
}
