package grpcclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/requestid"
)

// TestMain installs the tracer provider and propagator telemetry.Setup
// would, so client and server spans share traces.
func TestMain(m *testing.M) {
	tp := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	code := m.Run()
	_ = tp.Shutdown(context.Background())
	os.Exit(code)
}

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

// echo answers any method with the request id the server put into the
// handler's context, padded past 5 MiB when the request (a StringValue) is
// "big".
func echo(_ any, ss grpc.ServerStream) error {
	in := new(wrapperspb.StringValue)
	if err := ss.RecvMsg(in); err != nil {
		return err
	}
	reply := requestid.FromContext(ss.Context())
	if in.GetValue() == "big" {
		reply += strings.Repeat("x", 5<<20)
	}
	return ss.SendMsg(wrapperspb.String(reply))
}

// startServer runs a grpcserver answering every method with echo.
func startServer(t *testing.T) (addr string, logs *syncBuffer) {
	t.Helper()
	logs = &syncBuffer{}
	srv := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, logging.New(logs, slog.LevelInfo), "test.justice.example",
		grpc.UnknownServiceHandler(echo))
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ctx, lis)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return lis.Addr().String(), logs
}

func dial(t *testing.T, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpcclient.Dial(addr, opts...)
	if err != nil {
		t.Fatalf("Dial() error = %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestDial_PropagatesTheContextRequestID(t *testing.T) {
	t.Parallel()
	addr, _ := startServer(t)
	conn := dial(t, addr)

	tests := []struct {
		name     string
		ctx      func(context.Context) context.Context
		want     string
		generate bool
	}{
		{
			name: "context request id is sent",
			ctx:  func(ctx context.Context) context.Context { return requestid.WithRequestID(ctx, "from-gateway-1") },
			want: "from-gateway-1",
		},
		{
			name: "explicit metadata wins over the context",
			ctx: func(ctx context.Context) context.Context {
				ctx = requestid.WithRequestID(ctx, "from-context")
				return metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, "explicit")
			},
			want: "explicit",
		},
		{
			name:     "no request id lets the server generate one",
			ctx:      func(ctx context.Context) context.Context { return ctx },
			generate: true,
		},
	}
	for _, tc := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()

				ctx := tc.ctx(testContext(t))
				var got string
				if kind == "unary" {
					resp := new(wrapperspb.StringValue)
					if err := conn.Invoke(ctx, "/justice.test.v1.Echo/Echo", wrapperspb.String(""), resp); err != nil {
						t.Fatalf("Invoke() error = %v", err)
					}
					got = resp.GetValue()
				} else {
					cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/justice.test.v1.Echo/Stream")
					if err != nil {
						t.Fatal(err)
					}
					if err := cs.SendMsg(wrapperspb.String("")); err != nil {
						t.Fatal(err)
					}
					_ = cs.CloseSend()
					resp := new(wrapperspb.StringValue)
					if err := cs.RecvMsg(resp); err != nil {
						t.Fatalf("RecvMsg() error = %v", err)
					}
					got = resp.GetValue()
				}
				if tc.generate {
					if !requestid.IsValid(got) {
						t.Errorf("server saw request id %q, want a generated valid one", got)
					}
					return
				}
				if got != tc.want {
					t.Errorf("server saw request id %q, want %q", got, tc.want)
				}
			})
		}
	}
}

func TestDial_PropagatesTheTraceToTheServer(t *testing.T) {
	t.Parallel()
	addr, logs := startServer(t)
	conn := dial(t, addr)

	ctx, span := otel.Tracer("grpcclient_test").Start(testContext(t), "caller")
	defer span.End()
	ctx = requestid.WithRequestID(ctx, "traced-call")
	if err := conn.Invoke(ctx, "/justice.test.v1.Echo/Echo", wrapperspb.String(""), new(wrapperspb.StringValue)); err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}

	want := span.SpanContext().TraceID().String()
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if m["msg"] == "rpc finished" && m["request_id"] == "traced-call" {
			if m["trace_id"] != want {
				t.Errorf("server trace_id = %v, want the caller's %s", m["trace_id"], want)
			}
			return
		}
	}
	t.Errorf("no rpc line for traced-call in:\n%s", logs.String())
}

func TestDial_AcceptsResponsesLargerThanGRPCDefault(t *testing.T) {
	t.Parallel()
	addr, _ := startServer(t)

	resp := new(wrapperspb.StringValue)
	if err := dial(t, addr).Invoke(testContext(t), "/justice.test.v1.Echo/Echo", wrapperspb.String("big"), resp); err != nil {
		t.Fatalf("Invoke(5 MiB response) error = %v, want OK under the 16 MiB limit", err)
	}
	if len(resp.GetValue()) < 5<<20 {
		t.Errorf("response is %d bytes, want over 5 MiB", len(resp.GetValue()))
	}
}

func TestDial_OptionsOverrideTheDefaults(t *testing.T) {
	t.Parallel()
	addr, _ := startServer(t)

	conn := dial(t, addr, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1024)))
	err := conn.Invoke(testContext(t), "/justice.test.v1.Echo/Echo", wrapperspb.String("big"), new(wrapperspb.StringValue))
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("Invoke() with a 1 KiB receive limit error = %v, want RESOURCE_EXHAUSTED", err)
	}
}

func TestDial_RejectsAnInvalidTarget(t *testing.T) {
	t.Parallel()

	if _, err := grpcclient.Dial("dns://a b/%%"); err == nil || !strings.HasPrefix(err.Error(), "grpcclient.Dial: ") {
		t.Errorf("Dial(invalid target) error = %v, want a grpcclient.Dial error", err)
	}
}
