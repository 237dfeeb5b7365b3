// Package grpcclient dials the platform's gRPC services (service to service,
// and the gateway to the services) with tracing and request id propagation.
package grpcclient

import (
	"context"
	"fmt"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/requestid"
)

// Message size limits of a connection. Responses may be larger than requests
// (a page of up to 500 resources), so receiving allows more than sending.
const (
	MaxRecvMsgBytes = 16 << 20
	MaxSendMsgBytes = 4 << 20
)

// Dial returns a client connection to target (e.g. "127.0.0.1:9001" or
// "dns:///rescue:9001"); like grpc.NewClient it connects lazily, on the first
// call. It uses insecure transport credentials (local and in-cluster
// plaintext; pass grpc.WithTransportCredentials in opts for TLS), the
// OpenTelemetry client stats handler (a client span per call, its W3C trace
// context sent along), interceptors that send the context's request id
// (package requestid) as "x-request-id" metadata, and the message size
// limits above. opts are applied after these and override them.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	base := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(otelgrpc.NewClientHandler()),
		grpc.WithChainUnaryInterceptor(requestIDUnary),
		grpc.WithChainStreamInterceptor(requestIDStream),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxRecvMsgBytes),
			grpc.MaxCallSendMsgSize(MaxSendMsgBytes)),
	}
	conn, err := grpc.NewClient(target, append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("grpcclient.Dial: %w", err)
	}
	return conn, nil
}

// withRequestID adds the context's request id to the outgoing metadata,
// unless the caller already set one explicitly.
func withRequestID(ctx context.Context) context.Context {
	id := requestid.FromContext(ctx)
	if id == "" {
		return ctx
	}
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(requestid.MetadataKey)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, id)
}

func requestIDUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(withRequestID(ctx), method, req, reply, cc, opts...)
}

func requestIDStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(withRequestID(ctx), desc, cc, method, opts...)
}
