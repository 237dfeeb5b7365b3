package grpcserver

import (
	"context"
	"time"

	"google.golang.org/grpc"
)

// withDefaultDeadline bounds ctx by d when the caller set no deadline, so no
// call can hold a connection, a database cursor or a goroutine forever.
func withDefaultDeadline(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d)
}

// deadlineUnary applies the default deadline to unary calls without one.
func deadlineUnary(d time.Duration) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, cancel := withDefaultDeadline(ctx, d)
		defer cancel()
		return handler(ctx, req)
	}
}

// deadlineStream applies the default deadline to streams without one; a
// stream meant to outlive it needs a caller-set deadline.
func deadlineStream(d time.Duration) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, cancel := withDefaultDeadline(ss.Context(), d)
		defer cancel()
		return handler(srv, withContext(ss, ctx))
	}
}
