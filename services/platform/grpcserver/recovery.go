package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"

	"github.com/justiceops/justice/services/platform/logging"
)

// recoveryUnary turns a panic in the handler into INTERNAL "internal error".
// The stack is logged; the caller learns nothing of it.
func recoveryUnary(domain string) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				resp, err = nil, recovered(ctx, domain, info.FullMethod, r)
			}
		}()
		return handler(ctx, req)
	}
}

// recoveryStream is recoveryUnary for streams.
func recoveryStream(domain string) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = recovered(ss.Context(), domain, info.FullMethod, r)
			}
		}()
		return handler(srv, ss)
	}
}

// recovered logs the panic with its stack and returns the INTERNAL error.
func recovered(ctx context.Context, domain, method string, r any) error {
	desc := describePanic(r)
	logging.FromContext(ctx).ErrorContext(ctx, "panic in gRPC handler",
		"method", method,
		"panic", desc,
		"stack", string(debug.Stack()))
	return &statusError{st: internalStatus(domain), cause: errors.New("panic: " + desc)}
}

// describePanic says what panicked without formatting arbitrary values: a
// panic(survivor) must not print the survivor's fields into the logs.
func describePanic(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	default:
		return fmt.Sprintf("value of type %T", v)
	}
}
