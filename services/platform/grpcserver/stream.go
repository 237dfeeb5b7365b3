package grpcserver

import (
	"context"

	"google.golang.org/grpc"
)

// contextStream is a grpc.ServerStream whose Context is replaced, so stream
// interceptors can hand a derived context to the handler.
type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }

// withContext returns ss with ctx as its context.
func withContext(ss grpc.ServerStream, ctx context.Context) grpc.ServerStream {
	if cs, ok := ss.(*contextStream); ok {
		return &contextStream{ServerStream: cs.ServerStream, ctx: ctx}
	}
	return &contextStream{ServerStream: ss, ctx: ctx}
}
