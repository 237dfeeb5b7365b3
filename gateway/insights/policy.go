package insights

import (
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// Policy returns the access rules of the InsightsService for
// auth.ServerOptions when it is served over gRPC: every role may call both
// methods, since they return only aggregate counts of the caller's own
// offices, with small counts suppressed for everyone outside the office
// staff (StaffRoles). The sources apply their own policy to the forwarded
// token as well. Calls are not audited: they touch no survivor record. A
// fresh map on every call.
func Policy() auth.Policy {
	everyone := append(auth.Roles(), auth.RoleService)
	return auth.Policy{
		insightsv1.InsightsService_GetMetrics_FullMethodName:     {Roles: everyone},
		insightsv1.InsightsService_ListMilestones_FullMethodName: {Roles: everyone},
	}
}
