package grpcserver

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/requestid"
)

// incomingRequestID returns the caller's request id when it is acceptable
// (exactly one value, valid by requestid.IsValid), else a new one.
func incomingRequestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if vals := md.Get(requestid.MetadataKey); len(vals) == 1 && requestid.IsValid(vals[0]) {
			return vals[0]
		}
	}
	return requestid.New()
}

// requestIDUnary puts the request id into the context and echoes it in the
// "x-request-id" response header.
func requestIDUnary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		id := incomingRequestID(ctx)
		// SetHeader fails only when headers were already sent, which cannot
		// happen before the handler runs.
		_ = grpc.SetHeader(ctx, metadata.Pairs(requestid.MetadataKey, id))
		return handler(requestid.WithRequestID(ctx, id), req)
	}
}

// requestIDStream is requestIDUnary for streams.
func requestIDStream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		id := incomingRequestID(ss.Context())
		_ = ss.SetHeader(metadata.Pairs(requestid.MetadataKey, id))
		return handler(srv, withContext(ss, requestid.WithRequestID(ss.Context(), id)))
	}
}
