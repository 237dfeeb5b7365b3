package auth

import (
	"slices"
	"strings"

	"google.golang.org/grpc"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// The google.rpc.ErrorInfo reasons of Policy.Allows (PERMISSION_DENIED).
const (
	ReasonPolicyMissing  = "POLICY_MISSING"
	ReasonRoleNotAllowed = "ROLE_NOT_ALLOWED"
)

// Rule says who may call one RPC.
type Rule struct {
	// Roles that may call the method; a caller needs at least one of them.
	Roles []string
	// Audit marks a call that touches survivor records: every call, and
	// every denied attempt, is recorded by the Auditor.
	Audit bool
}

// Policy maps every RPC of a service, by full method name (e.g.
// rescuev1.RescueService_GetSurvivor_FullMethodName), to its Rule. A method
// without an entry is denied.
type Policy map[string]Rule

// Allows returns nil if principal may call method: PERMISSION_DENIED
// ReasonPolicyMissing when the method has no entry, ReasonRoleNotAllowed
// (naming the roles that may) when the principal holds none of its roles.
// Office scope is checked separately (CanAccess, OfficeScope).
func (p Policy) Allows(method string, principal identity.Principal) error {
	rule, ok := p[method]
	if !ok {
		return errs.PermissionDenied(ReasonPolicyMissing, "method %s has no policy entry; denied", method)
	}
	for _, r := range principal.Roles {
		if slices.Contains(rule.Roles, r) {
			return nil
		}
	}
	allowed := slices.Sorted(slices.Values(rule.Roles))
	held := "none"
	if len(principal.Roles) > 0 {
		held = joinComma(principal.Roles)
	}
	if len(allowed) == 0 {
		return errs.PermissionDenied(ReasonRoleNotAllowed, "method %s may not be called by any role", method).
			WithMetadata("method", method)
	}
	return errs.PermissionDenied(ReasonRoleNotAllowed,
		"method %s may be called only by roles: %s; the caller's roles: %s", method, joinComma(allowed), held).
		WithMetadata("method", method).
		WithMetadata("allowed_roles", strings.Join(allowed, ","))
}

// Missing returns, sorted, the full methods of the services in sd that have
// no entry in p. A test calls it with every registered service so an RPC
// added without a policy entry fails the build.
func (p Policy) Missing(sd ...grpc.ServiceDesc) []string {
	var missing []string
	for _, d := range sd {
		for _, m := range d.Methods {
			if full := "/" + d.ServiceName + "/" + m.MethodName; !p.has(full) {
				missing = append(missing, full)
			}
		}
		for _, s := range d.Streams {
			if full := "/" + d.ServiceName + "/" + s.StreamName; !p.has(full) {
				missing = append(missing, full)
			}
		}
	}
	slices.Sort(missing)
	return missing
}

func (p Policy) has(method string) bool {
	_, ok := p[method]
	return ok
}

// Exempt reports whether a method is served without authentication.
type Exempt func(method string) bool

// DefaultExempt exempts only the gRPC health service (grpc.health.v1.Health)
// and the reflection services (grpc.reflection.*): infrastructure that
// carries no records. It is an Exempt.
func DefaultExempt(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.Health/") || strings.HasPrefix(method, "/grpc.reflection.")
}
