package auth

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/requestid"
)

// ReasonAuditUnavailable is the reason (UNAVAILABLE) of a call refused
// because its audit entry could not be written.
const ReasonAuditUnavailable = "AUDIT_UNAVAILABLE"

// The one metadata key (and HTTP header, lower-cased) credentials are read from.
const (
	authorizationKey = "authorization"
	bearerPrefix     = "Bearer "
)

// auditFinishTimeout bounds recording a call's outcome, which runs even when
// the call's own context has ended.
const auditFinishTimeout = 5 * time.Second

// ServerOptions returns the interceptors that authenticate, authorize and
// audit every call, as grpc.ChainUnaryInterceptor and
// grpc.ChainStreamInterceptor options for grpcserver.New (they run after
// the platform's request id, logging, recovery and error mapping).
//
// For each call to a method that DefaultExempt does not exempt:
//
//  1. the token is read from the "authorization" metadata only ("Bearer
//     <JWT>", exactly one value); other metadata such as "subject",
//     "x-roles" or "grpc-metadata-*" never affects who the caller is;
//  2. v.Verify checks it and the principal goes into the context
//     (identity.FromContext);
//  3. p.Allows checks the caller's roles;
//  4. for a Rule with Audit, a.Begin records the access before the handler
//     runs; if it fails the call fails with UNAVAILABLE AUDIT_UNAVAILABLE and
//     the handler does not run (a nil a fails every audited call the same
//     way); once the handler returns, finish records its code.
//
// Every call refused at 1-3 (UNAUTHENTICATED, PERMISSION_DENIED), of any
// method, is recorded with a.Denied: a denied attempt is worth auditing
// whatever it was aimed at.
// resolve names the record of a request for the audit (nil means
// DefaultResolve); stream calls are resolved with a nil request, as their
// messages arrive after the call is admitted.
func ServerOptions(v *Verifier, p Policy, a Auditor, resolve func(method string, req any) (resource, office string)) []grpc.ServerOption {
	if resolve == nil {
		resolve = DefaultResolve
	}
	in := &interceptor{verifier: v, policy: p, auditor: a, resolve: resolve, exempt: DefaultExempt}
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(in.unary),
		grpc.ChainStreamInterceptor(in.stream),
	}
}

type interceptor struct {
	verifier *Verifier
	policy   Policy
	auditor  Auditor
	resolve  func(method string, req any) (resource, office string)
	exempt   Exempt
}

func (in *interceptor) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	if in.exempt(info.FullMethod) {
		return handler(ctx, req)
	}
	ctx, finish, err := in.admit(ctx, info.FullMethod, req)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A panicking handler is still recorded as failed; the platform's
		// recovery interceptor turns the panic into INTERNAL.
		if r := recover(); r != nil {
			finish(codes.Internal)
			panic(r)
		}
		finish(codeOf(err))
	}()
	return handler(ctx, req)
}

func (in *interceptor) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	if in.exempt(info.FullMethod) {
		return handler(srv, ss)
	}
	ctx, finish, err := in.admit(ss.Context(), info.FullMethod, nil)
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			finish(codes.Internal)
			panic(r)
		}
		finish(codeOf(err))
	}()
	return handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
}

// admit authenticates, authorizes and (for audited methods) begins the
// audit of one call. It returns the context carrying the principal and the
// function that records the call's final code.
func (in *interceptor) admit(ctx context.Context, method string, req any) (context.Context, func(codes.Code), error) {
	rule := in.policy[method]
	ev := AccessEvent{Method: method, RequestID: requestid.FromContext(ctx)}
	ev.Resource, ev.Office = in.resolve(method, req)

	token, err := bearerToken(metadata.ValueFromIncomingContext(ctx, authorizationKey))
	var principal identity.Principal
	if err == nil {
		principal, err = in.verifier.Verify(ctx, token)
	}
	if err != nil {
		if errs.Is(err, errs.KindUnauthenticated) {
			in.denied(ctx, ev, codes.Unauthenticated)
		}
		return nil, nil, err
	}
	ev.Principal = principal
	ctx = identity.WithPrincipal(ctx, principal)

	if err := in.policy.Allows(method, principal); err != nil {
		in.denied(ctx, ev, codes.PermissionDenied)
		return nil, nil, err
	}
	if !rule.Audit {
		return ctx, func(codes.Code) {}, nil
	}
	if in.auditor == nil {
		return nil, nil, auditUnavailable()
	}
	finish, err := in.auditor.Begin(ctx, ev)
	if err != nil {
		logging.FromContext(ctx).ErrorContext(ctx, "audit entry could not be written; call refused",
			"method", method, "error", err.Error())
		return nil, nil, auditUnavailable().WithCause(err)
	}
	return ctx, func(code codes.Code) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditFinishTimeout)
		defer cancel()
		finish(fctx, code)
	}, nil
}

// denied records a refused call; a failure is logged (the call is refused either way).
func (in *interceptor) denied(ctx context.Context, ev AccessEvent, code codes.Code) {
	if in.auditor == nil {
		logging.FromContext(ctx).ErrorContext(ctx, "denied call not audited: no auditor configured", "method", ev.Method)
		return
	}
	if err := in.auditor.Denied(ctx, ev, code); err != nil {
		logging.FromContext(ctx).ErrorContext(ctx, "denied call could not be audited",
			"method", ev.Method, "code", code.String(), "error", err.Error())
	}
}

func auditUnavailable() *errs.Error {
	return errs.Unavailable(ReasonAuditUnavailable, 0,
		"the access could not be recorded in the audit log, so the call was not run; retry later")
}

// codeOf is the code a caller receives for err.
func codeOf(err error) codes.Code {
	return grpcserver.ToStatus("", err).Code()
}

// bearerToken extracts the token from the values of the authorization
// metadata (or header): exactly one "Bearer <token>".
func bearerToken(values []string) (string, error) {
	switch len(values) {
	case 0:
		return "", errs.Unauthenticated(ReasonTokenMissing,
			`a bearer token is required: send the header "Authorization: Bearer <token>"`)
	case 1:
	default:
		return "", errs.Unauthenticated(ReasonTokenMalformed,
			"the request carries %d authorization values; send exactly one", len(values))
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, strings.TrimSpace(bearerPrefix)) || token == "" {
		return "", errs.Unauthenticated(ReasonTokenMalformed,
			`authorization must be "Bearer <token>" (a JWT after the word Bearer)`)
	}
	return token, nil
}

// principalStream carries the authenticated context into a stream handler.
type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the context with the principal.
func (s *principalStream) Context() context.Context { return s.ctx }
