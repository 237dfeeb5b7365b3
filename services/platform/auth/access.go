package auth

import (
	"context"

	"google.golang.org/grpc/codes"

	"github.com/justiceops/justice/services/platform/identity"
)

// AccessEvent describes one call as the access interceptor saw it, for the
// audit log: who, what, on which record, under which request id.
type AccessEvent struct {
	// Principal is the caller; the zero Principal when no valid token was presented.
	Principal identity.Principal
	// Method is the full gRPC method, e.g. "/justice.rescue.v1.RescueService/GetSurvivor".
	Method string
	// Resource is the record acted on ("name" of the request), or the parent
	// for creates and lists; "" when the request names none.
	Resource string
	// Office is the office the resource belongs to ("-" for all of the caller's, "" if unknown).
	Office string
	// RequestID correlates the event with logs and traces.
	RequestID string
}

// Auditor records audited calls. The access interceptor calls Begin before
// the handler runs and fails the call, without running the handler, if Begin
// fails: there is no unaudited access. It calls the returned finish with the
// call's final code once the handler returns. Denied records a call that
// was refused before any handler ran (UNAUTHENTICATED or PERMISSION_DENIED).
type Auditor interface {
	Begin(ctx context.Context, ev AccessEvent) (finish func(ctx context.Context, code codes.Code), err error)
	Denied(ctx context.Context, ev AccessEvent, code codes.Code) error
}
