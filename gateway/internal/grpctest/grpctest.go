// Package grpctest serves fake gRPC services on real 127.0.0.1 listeners
// for the gateway's tests, and dials them as the gateway does.
package grpctest

import (
	"net"
	"testing"

	"google.golang.org/grpc"

	"github.com/justiceops/justice/services/platform/grpcclient"
)

// Serve starts a gRPC server with the services register registers on
// 127.0.0.1:0 and dials it through the platform's grpcclient. Both stop
// when the test ends; the server may be stopped earlier (a service down).
// conn.Target() is the server's address.
func Serve(t testing.TB, register func(*grpc.Server)) (*grpc.Server, *grpc.ClientConn) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("grpctest.Serve: listen: %v", err)
	}
	srv := grpc.NewServer()
	register(srv)
	go func() { _ = srv.Serve(lis) }()
	conn, err := grpcclient.Dial(lis.Addr().String())
	if err != nil {
		srv.Stop()
		t.Fatalf("grpctest.Serve: dial: %v", err)
	}
	t.Cleanup(func() {
		_ = conn.Close()
		srv.Stop()
	})
	return srv, conn
}
