package grpcserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/requestid"
)

// testDomain is the ErrorInfo domain of the test servers.
const testDomain = "test.justice.example"

// The test service's methods.
const (
	callMethod   = "/justice.test.v1.TestService/Call"
	streamMethod = "/justice.test.v1.TestService/Stream"
)

// testService answers Call and Stream according to the command in the
// request (a StringValue); see run. started and release let a test hold a
// "block" call in flight.
type testService struct {
	started chan struct{}
	release chan struct{}
}

func newTestService() *testService {
	return &testService{started: make(chan struct{}, 10), release: make(chan struct{})}
}

// run executes a command and returns what the handler saw of its context.
func (s *testService) run(ctx context.Context, command string) (*structpb.Struct, error) {
	switch command {
	case "panic":
		panic("secret panic text about Priya")
	case "panic-value":
		panic(struct{ LegalName string }{LegalName: "Priya Sharma"})
	case "not-found":
		return nil, errs.NotFound("OFFICE_NOT_FOUND", "office %q does not exist; known offices: kolkata, mumbai", "chennai")
	case "invalid":
		var v errs.Violations
		v.Add("survivor.age_at_rescue", "must be between 0 and 120; got %d", 130)
		v.Add("survivor.pseudonym", "is required")
		return nil, v.Err()
	case "precondition":
		return nil, errs.FailedPrecondition("ILLEGAL_TRANSITION", "cannot move from CLOSED to RAIDED").
			WithMetadata("current_status", "CLOSED")
	case "unavailable":
		return nil, errs.Unavailable("STORE_UNAVAILABLE", 3*time.Second, "the store is unavailable; retry later")
	case "internal":
		return nil, errs.Internal(errors.New("db exploded: collection survivors"))
	case "plain":
		return nil, errors.New("plain failure: connection reset")
	case "status":
		return nil, status.Error(codes.PermissionDenied, "caller may not read this")
	case "block":
		s.started <- struct{}{}
		select {
		case <-s.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	fields := map[string]any{"request_id": requestid.FromContext(ctx)}
	if dl, ok := ctx.Deadline(); ok {
		fields["deadline_ms"] = float64(time.Until(dl).Milliseconds())
	}
	// The handler's context logger is the server's logger.
	logging.FromContext(ctx).InfoContext(ctx, "handler ran")
	return structpb.NewStruct(fields)
}

func (s *testService) call(ctx context.Context, req *wrapperspb.StringValue) (*structpb.Struct, error) {
	return s.run(ctx, req.GetValue())
}

func (s *testService) stream(req *wrapperspb.StringValue, ss grpc.ServerStream) error {
	// One message first, so errors and panics happen mid-stream.
	first, err := structpb.NewStruct(map[string]any{"first": true})
	if err != nil {
		return err
	}
	if err := ss.SendMsg(first); err != nil {
		return err
	}
	resp, err := s.run(ss.Context(), req.GetValue())
	if err != nil {
		return err
	}
	return ss.SendMsg(resp)
}

type testServiceServer interface {
	call(context.Context, *wrapperspb.StringValue) (*structpb.Struct, error)
	stream(*wrapperspb.StringValue, grpc.ServerStream) error
}

// testServiceDesc is what protoc-gen-go-grpc would generate for
//
//	service TestService {
//	  rpc Call(google.protobuf.StringValue) returns (google.protobuf.Struct);
//	  rpc Stream(google.protobuf.StringValue) returns (stream google.protobuf.Struct);
//	}
var testServiceDesc = grpc.ServiceDesc{
	ServiceName: "justice.test.v1.TestService",
	HandlerType: (*testServiceServer)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Call",
		Handler: func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			if interceptor == nil {
				return srv.(testServiceServer).call(ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: callMethod}
			return interceptor(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				return srv.(testServiceServer).call(ctx, req.(*wrapperspb.StringValue))
			})
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			return srv.(testServiceServer).stream(in, stream)
		},
	}},
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// lines decodes the log as JSON lines, failing on any line that is not JSON.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// callLine returns the one "rpc finished" line of the call with request id id.
func (b *syncBuffer) callLine(t *testing.T, id string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range b.lines(t) {
		if l["msg"] == "rpc finished" && l["request_id"] == id {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("found %d rpc lines with request_id %q, want 1; log:\n%s", len(found), id, b.String())
	}
	return found[0]
}

// testServer is a running grpcserver.Server with the test service.
type testServer struct {
	srv  *grpcserver.Server
	svc  *testService
	conn *grpc.ClientConn
	logs *syncBuffer
	addr string
	stop context.CancelFunc
	done chan struct{}
	err  error // Serve's result, set when done is closed
}

// startServer runs a server on 127.0.0.1:0 until the test ends (or stop).
func startServer(t *testing.T, cfg grpcserver.Config) *testServer {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	ts := &testServer{svc: newTestService(), logs: &syncBuffer{}, done: make(chan struct{})}
	ts.srv = grpcserver.New(cfg, logging.New(ts.logs, slog.LevelDebug), testDomain)
	ts.srv.GRPC().RegisterService(&testServiceDesc, ts.svc)

	lis, err := ts.srv.Listen()
	if err != nil {
		t.Fatalf("Listen() error = %v", err)
	}
	ts.addr = lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	ts.stop = cancel
	go func() {
		defer close(ts.done)
		ts.err = ts.srv.Serve(ctx, lis)
	}()

	conn, err := grpc.NewClient(ts.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient() error = %v", err)
	}
	ts.conn = conn
	t.Cleanup(func() {
		_ = conn.Close()
		cancel()
		select {
		case <-ts.done:
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return within 30s of cancel")
		}
	})
	return ts
}

// call invokes Call with command; opts may capture header or trailer.
func (ts *testServer) call(ctx context.Context, command string, opts ...grpc.CallOption) (*structpb.Struct, error) {
	resp := new(structpb.Struct)
	err := ts.conn.Invoke(ctx, callMethod, wrapperspb.String(command), resp, opts...)
	return resp, err
}

// stream invokes Stream with command and returns the messages received and
// the stream's final error (nil for OK).
func (ts *testServer) stream(ctx context.Context, command string, opts ...grpc.CallOption) ([]*structpb.Struct, error) {
	cs, err := ts.conn.NewStream(ctx, &testServiceDesc.Streams[0], streamMethod, opts...)
	if err != nil {
		return nil, err
	}
	if err := cs.SendMsg(wrapperspb.String(command)); err != nil {
		return nil, err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, err
	}
	var msgs []*structpb.Struct
	for {
		m := new(structpb.Struct)
		if err := cs.RecvMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return msgs, nil
			}
			return msgs, err
		}
		msgs = append(msgs, m)
	}
}

// waitServe waits for Serve to return and returns its error.
func (ts *testServer) waitServe(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-ts.done:
		return ts.err
	case <-time.After(within):
		t.Fatalf("Serve did not return within %v", within)
		return nil
	}
}

func insecureCreds() credentials.TransportCredentials { return insecure.NewCredentials() }

// errorInfo returns the status's ErrorInfo, failing the test when absent.
func errorInfo(t *testing.T, st *status.Status) *errdetails.ErrorInfo {
	t.Helper()
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	t.Fatalf("status %v has no ErrorInfo", st.Proto())
	return nil
}

// protoText renders a status detail for leak checks.
func protoText(d any) string {
	if m, ok := d.(proto.Message); ok {
		return prototext.Format(m)
	}
	return fmt.Sprint(d)
}
