package auth

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"google.golang.org/grpc"
)

// Allow is the Rule of an RPC that the roles may call.
func Allow(roles ...string) Rule { return Rule{Roles: roles} }

// AllowAudited is the Rule of an RPC that the roles may call and that is
// audited: every call, and every denied attempt, is recorded.
func AllowAudited(roles ...string) Rule { return Rule{Roles: roles, Audit: true} }

// Unknown returns, sorted, the methods of p that are no RPC of the
// services in sd: an entry left behind by a renamed or removed RPC. A
// service's test checks it is empty, with Missing.
func (p Policy) Unknown(sd ...grpc.ServiceDesc) []string {
	known := Policy{}
	for _, d := range sd {
		for _, m := range d.Methods {
			known["/"+d.ServiceName+"/"+m.MethodName] = Rule{}
		}
		for _, s := range d.Streams {
			known["/"+d.ServiceName+"/"+s.StreamName] = Rule{}
		}
	}
	var unknown []string
	for method := range p {
		if !known.has(method) {
			unknown = append(unknown, method)
		}
	}
	slices.Sort(unknown)
	return unknown
}

// Check reports what is wrong with p as the table of the services in sd:
// RPCs without an entry (denied to everyone), entries naming no RPC,
// entries no role may call, and roles a token cannot carry. A service's
// test calls it with every service it registers; nil when p is sound.
func (p Policy) Check(sd ...grpc.ServiceDesc) error {
	var problems []error
	if missing := p.Missing(sd...); len(missing) > 0 {
		problems = append(problems, fmt.Errorf("RPCs without a policy entry (denied to everyone until added): %v", missing))
	}
	if unknown := p.Unknown(sd...); len(unknown) > 0 {
		problems = append(problems, fmt.Errorf("policy entries naming no registered RPC: %v", unknown))
	}
	for _, method := range slices.Sorted(maps.Keys(p)) {
		rule := p[method]
		if len(rule.Roles) == 0 {
			problems = append(problems, fmt.Errorf("%s: no role may call it; remove the RPC or name its roles", method))
		}
		for _, r := range rule.Roles {
			if !KnownRole(r) {
				problems = append(problems, fmt.Errorf("%s: role %q is not a role a token may carry", method, r))
			}
		}
	}
	return errors.Join(problems...)
}
