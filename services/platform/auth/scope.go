package auth

import (
	"slices"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// ReasonOfficeNotFound is the reason of OfficeScope's NOT_FOUND, the same
// as package office's for an office that does not exist.
const ReasonOfficeNotFound = "OFFICE_NOT_FOUND"

// AllOfficesWildcard is the {office} of "offices/-": every office of the caller.
const AllOfficesWildcard = "-"

// CanAccess reports whether p may act on records of office. "" and "-" are
// not offices and are never accessible.
func CanAccess(p identity.Principal, office string) bool {
	if office == "" || office == AllOfficesWildcard {
		return false
	}
	return p.AllOffices || slices.Contains(p.Offices, office)
}

// OfficeScope returns the offices a request for the parent office
// requested covers: for "-", the caller's offices among known (sorted; empty,
// not an error, when the caller holds none); for an office the caller holds
// and that exists, just that office. Otherwise NOT_FOUND OFFICE_NOT_FOUND
// with the same message whether the office does not exist or the caller may
// not see it, so existence outside the caller's scope is not revealed.
func OfficeScope(p identity.Principal, requested string, known []string) ([]string, error) {
	if requested == AllOfficesWildcard {
		scope := make([]string, 0, len(known))
		for _, o := range known {
			if CanAccess(p, o) && !slices.Contains(scope, o) {
				scope = append(scope, o)
			}
		}
		slices.Sort(scope)
		return scope, nil
	}
	if slices.Contains(known, requested) && CanAccess(p, requested) {
		return []string{requested}, nil
	}
	return nil, errs.NotFound(ReasonOfficeNotFound, "office %q not found", requested)
}
