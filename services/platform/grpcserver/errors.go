package grpcserver

import (
	"context"
	"errors"
	"maps"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/justiceops/justice/services/platform/errs"
)

// The ErrorInfo reasons of errors that are not *errs.Error.
const (
	ReasonInternal         = "INTERNAL"
	ReasonDeadlineExceeded = "DEADLINE_EXCEEDED"
	ReasonCanceled         = "CANCELLED"
)

// internalMessage is all a caller ever learns about an internal error.
const internalMessage = "internal error"

var kindCodes = map[errs.Kind]codes.Code{
	errs.KindInternal:           codes.Internal,
	errs.KindInvalidArgument:    codes.InvalidArgument,
	errs.KindNotFound:           codes.NotFound,
	errs.KindAlreadyExists:      codes.AlreadyExists,
	errs.KindFailedPrecondition: codes.FailedPrecondition,
	errs.KindAborted:            codes.Aborted,
	errs.KindPermissionDenied:   codes.PermissionDenied,
	errs.KindUnauthenticated:    codes.Unauthenticated,
	errs.KindResourceExhausted:  codes.ResourceExhausted,
	errs.KindUnavailable:        codes.Unavailable,
}

// ToStatus converts err into the status a caller receives. domain is the
// google.rpc.ErrorInfo domain, e.g. "rescue.justice.example".
//
//   - *errs.Error: the code of its Kind, its Message, and details:
//     ErrorInfo{Reason, Domain, Metadata}, BadRequest with its Violations
//     (when any) and RetryInfo (when RetryAfter > 0).
//   - context.DeadlineExceeded or context.Canceled anywhere in the chain
//     (unless an *errs.Error of another kind than internal says otherwise):
//     DEADLINE_EXCEEDED or CANCELED.
//   - an error carrying a *status.Status (a status error, possibly wrapped):
//     that status, unchanged.
//   - anything else, and *errs.Error of KindInternal: INTERNAL with the
//     message "internal error" and ErrorInfo reason INTERNAL. The real error
//     reaches the logs (through the logging interceptor), never the caller.
//
// A nil err gives an OK status.
func ToStatus(domain string, err error) *status.Status {
	if err == nil {
		return status.New(codes.OK, "")
	}
	var mapped *statusError
	if errors.As(err, &mapped) {
		return mapped.st
	}
	e, isErr := errs.As(err)
	if isErr && e.Kind != errs.KindInternal {
		return fromErr(domain, e)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return withDetails(status.New(codes.DeadlineExceeded, "deadline exceeded"), errorInfo(ReasonDeadlineExceeded, domain, nil))
	case errors.Is(err, context.Canceled):
		return withDetails(status.New(codes.Canceled, "request canceled"), errorInfo(ReasonCanceled, domain, nil))
	}
	if !isErr {
		var withStatus interface{ GRPCStatus() *status.Status }
		if errors.As(err, &withStatus) {
			if st := withStatus.GRPCStatus(); st != nil && st.Code() != codes.OK {
				return st
			}
		}
	}
	return internalStatus(domain)
}

func fromErr(domain string, e *errs.Error) *status.Status {
	code, ok := kindCodes[e.Kind]
	if !ok || code == codes.Internal {
		return internalStatus(domain)
	}
	reason := e.Reason
	if reason == "" {
		reason = e.Kind.String()
	}
	msg := e.Message
	if msg == "" {
		msg = code.String()
	}
	details := []protoadapt.MessageV1{errorInfo(reason, domain, e.Metadata)}
	if len(e.Violations) > 0 {
		br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, len(e.Violations))}
		for i, v := range e.Violations {
			br.FieldViolations[i] = &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description}
		}
		details = append(details, br)
	}
	if e.RetryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(e.RetryAfter)})
	}
	return withDetails(status.New(code, msg), details...)
}

func internalStatus(domain string) *status.Status {
	return withDetails(status.New(codes.Internal, internalMessage), errorInfo(ReasonInternal, domain, nil))
}

func errorInfo(reason, domain string, metadata map[string]string) *errdetails.ErrorInfo {
	return &errdetails.ErrorInfo{Reason: reason, Domain: domain, Metadata: maps.Clone(metadata)}
}

// withDetails attaches details; it only fails for a detail that cannot be
// marshaled, which these well-known messages always can, and then returns
// the status without details rather than lose the code.
func withDetails(st *status.Status, details ...protoadapt.MessageV1) *status.Status {
	if d, err := st.WithDetails(details...); err == nil {
		return d
	}
	return st
}

// statusError is a mapped error: the status the caller receives, and the
// original error, kept for the logging interceptor. Error() says only what
// the caller sees, so nothing that prints it (tracing, other interceptors)
// can leak the cause.
type statusError struct {
	st    *status.Status
	cause error
}

func (e *statusError) Error() string              { return e.st.Err().Error() }
func (e *statusError) GRPCStatus() *status.Status { return e.st }
func (e *statusError) Unwrap() error              { return e.cause }

// mapError returns err mapped to its status by ToStatus, keeping the cause;
// an already mapped error is returned as is.
func mapError(domain string, err error) error {
	if err == nil {
		return nil
	}
	if se, ok := err.(*statusError); ok {
		return se
	}
	return &statusError{st: ToStatus(domain, err), cause: err}
}

// errorsUnary maps handler errors to statuses (see ToStatus).
func errorsUnary(domain string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, mapError(domain, err)
		}
		return resp, nil
	}
}

// errorsStream maps stream handler errors to statuses (see ToStatus).
func errorsStream(domain string) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return mapError(domain, handler(srv, ss))
	}
}
