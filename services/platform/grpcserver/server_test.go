package grpcserver_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/requestid"
)

// TestMain installs what telemetry.Setup installs in a binary: an SDK tracer
// provider (without exporters) and the W3C trace context propagator, so
// calls get spans that continue the caller's trace.
func TestMain(m *testing.M) {
	tp := sdktrace.NewTracerProvider()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	code := m.Run()
	_ = tp.Shutdown(context.Background())
	os.Exit(code)
}

// callerTraceID is the trace id of the caller's traceparent in these tests.
const (
	callerTraceID    = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerParentSpan = "00f067aa0ba902b7"
)

func withRequestID(ctx context.Context, id string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, id)
}

func withTraceparent(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "traceparent", "00-"+callerTraceID+"-"+callerParentSpan+"-01")
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestServer_PanicBecomesInternalWithoutPanicText(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	for _, command := range []string{"panic", "panic-value"} {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(command+"/"+kind, func(t *testing.T) {
				id := "panic-" + command + "-" + kind
				ctx := withRequestID(testContext(t), id)
				var err error
				if kind == "unary" {
					_, err = ts.call(ctx, command)
				} else {
					_, err = ts.stream(ctx, command)
				}
				st := status.Convert(err)
				if st.Code() != codes.Internal || st.Message() != "internal error" {
					t.Fatalf("status = %v %q, want INTERNAL %q", st.Code(), st.Message(), "internal error")
				}
				for _, d := range st.Details() {
					if strings.Contains(strings.ToLower(protoText(d)), "priya") || strings.Contains(protoText(d), "panic") {
						t.Errorf("status detail leaks the panic: %v", d)
					}
				}
				if info := errorInfo(t, st); info.GetReason() != "INTERNAL" || info.GetDomain() != testDomain {
					t.Errorf("ErrorInfo = %v, want reason INTERNAL domain %s", info, testDomain)
				}

				line := ts.logs.callLine(t, id)
				if line["code"] != "INTERNAL" || line["level"] != "ERROR" {
					t.Errorf("rpc line = %v, want code INTERNAL at ERROR", line)
				}
				var panicLine map[string]any
				for _, l := range ts.logs.lines(t) {
					if l["msg"] == "panic in gRPC handler" && l["request_id"] == id {
						panicLine = l
					}
				}
				if panicLine == nil {
					t.Fatalf("no panic line for %s in log:\n%s", id, ts.logs.String())
				}
				if stack, _ := panicLine["stack"].(string); !strings.Contains(stack, "goroutine") {
					t.Errorf("panic line stack = %q, want a goroutine stack", stack)
				}
			})
		}
	}

	// A panic with a struct value must not print the struct's fields.
	if strings.Contains(ts.logs.String(), "Priya Sharma") {
		t.Errorf("log contains a panicking value's field:\n%s", ts.logs.String())
	}
}

func TestServer_RequestIDIsEchoedOrGenerated(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	tests := []struct {
		name string
		sent []string // values of x-request-id sent; nil: none
		keep bool     // the server keeps the sent id
	}{
		{name: "valid id is kept", sent: []string{"req-abc_1.2"}, keep: true},
		{name: "absent id is generated", sent: nil},
		{name: "id with a space is replaced", sent: []string{"bad id"}},
		{name: "id with a slash is replaced", sent: []string{"bad/id"}},
		{name: "id with a quote is replaced", sent: []string{`bad"id`}},
		{name: "id over 128 characters is replaced", sent: []string{strings.Repeat("a", 129)}},
		{name: "two ids are replaced", sent: []string{"one", "two"}},
	}
	for _, tc := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()

				// Suffixed so the unary and stream calls' log lines differ.
				sent := make([]string, len(tc.sent))
				ctx := testContext(t)
				for i, v := range tc.sent {
					sent[i] = v + "-" + kind
					ctx = metadata.AppendToOutgoingContext(ctx, requestid.MetadataKey, sent[i])
				}
				var header metadata.MD
				var seen string
				if kind == "unary" {
					resp, err := ts.call(ctx, "ok", grpc.Header(&header))
					if err != nil {
						t.Fatalf("Call() error = %v", err)
					}
					seen = resp.GetFields()["request_id"].GetStringValue()
				} else {
					msgs, err := ts.stream(ctx, "ok", grpc.Header(&header))
					if err != nil || len(msgs) != 2 {
						t.Fatalf("Stream() = %d messages, %v; want 2, nil", len(msgs), err)
					}
					seen = msgs[1].GetFields()["request_id"].GetStringValue()
				}
				echoed := header.Get(requestid.MetadataKey)
				if len(echoed) != 1 {
					t.Fatalf("response header x-request-id = %q, want one value", echoed)
				}
				if echoed[0] != seen {
					t.Errorf("echoed id %q differs from the handler's %q", echoed[0], seen)
				}
				if tc.keep && seen != sent[0] {
					t.Errorf("handler saw %q, want the sent %q", seen, sent[0])
				}
				if !tc.keep {
					if !requestid.IsValid(seen) || (len(sent) > 0 && seen == sent[0]) {
						t.Errorf("handler saw %q, want a fresh valid id", seen)
					}
				}
				ts.logs.callLine(t, seen)
			})
		}
	}
}

func TestServer_RequestIDIsEchoedOnErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	var header metadata.MD
	_, err := ts.call(withRequestID(testContext(t), "err-echo"), "not-found", grpc.Header(&header))
	if status.Code(err) != codes.NotFound {
		t.Fatalf("Call() error = %v, want NOT_FOUND", err)
	}
	if got := header.Get(requestid.MetadataKey); len(got) != 1 || got[0] != "err-echo" {
		t.Errorf("header x-request-id = %q, want [err-echo]", got)
	}
}

func TestServer_DefaultDeadlineAppliesOnlyWithoutCallerDeadline(t *testing.T) {
	t.Parallel()
	const defaultDeadline = 3 * time.Second
	ts := startServer(t, grpcserver.Config{DefaultDeadline: defaultDeadline})

	tests := []struct {
		name           string
		callerDeadline time.Duration // 0: none
		wantMin        time.Duration
		wantMax        time.Duration
	}{
		{name: "no caller deadline gets the default", wantMin: defaultDeadline - 2*time.Second, wantMax: defaultDeadline},
		{name: "caller deadline is kept", callerDeadline: time.Hour, wantMin: time.Hour - time.Minute, wantMax: time.Hour},
		{name: "shorter caller deadline is kept", callerDeadline: 2 * time.Second, wantMin: 0, wantMax: 2 * time.Second},
	}
	for _, tc := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()

				ctx := context.Background()
				if tc.callerDeadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.callerDeadline)
					defer cancel()
				}
				var remaining float64
				var ok bool
				if kind == "unary" {
					resp, err := ts.call(ctx, "ok")
					if err != nil {
						t.Fatalf("Call() error = %v", err)
					}
					_, ok = resp.GetFields()["deadline_ms"]
					remaining = resp.GetFields()["deadline_ms"].GetNumberValue()
				} else {
					msgs, err := ts.stream(ctx, "ok")
					if err != nil || len(msgs) != 2 {
						t.Fatalf("Stream() = %d messages, %v; want 2, nil", len(msgs), err)
					}
					_, ok = msgs[1].GetFields()["deadline_ms"]
					remaining = msgs[1].GetFields()["deadline_ms"].GetNumberValue()
				}
				if !ok {
					t.Fatal("handler saw no deadline")
				}
				got := time.Duration(remaining) * time.Millisecond
				if got < tc.wantMin || got > tc.wantMax {
					t.Errorf("handler's remaining time = %v, want between %v and %v", got, tc.wantMin, tc.wantMax)
				}
			})
		}
	}
}

func TestServer_DefaultDeadlineEndsAHangingCall(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{DefaultDeadline: 100 * time.Millisecond})

	// The caller sets no deadline; the handler blocks until its context ends.
	_, err := ts.call(withRequestID(context.Background(), "hang"), "block")
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("Call() error = %v, want DEADLINE_EXCEEDED", err)
	}
	if line := ts.logs.callLine(t, "hang"); line["code"] != "DEADLINE_EXCEEDED" || line["reason"] != "DEADLINE_EXCEEDED" {
		t.Errorf("rpc line = %v, want code and reason DEADLINE_EXCEEDED", line)
	}
}

func TestServer_TypedErrorsBecomeStatusesWithDetails(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	tests := []struct {
		command        string
		wantCode       codes.Code
		wantMsg        string
		wantReason     string // "" means no ErrorInfo expected
		wantMetadata   map[string]string
		wantViolations map[string]string
		wantRetry      time.Duration
	}{
		{
			command:    "not-found",
			wantCode:   codes.NotFound,
			wantMsg:    `office "chennai" does not exist; known offices: kolkata, mumbai`,
			wantReason: "OFFICE_NOT_FOUND",
		},
		{
			command:    "invalid",
			wantCode:   codes.InvalidArgument,
			wantMsg:    "invalid request: survivor.age_at_rescue: must be between 0 and 120; got 130; survivor.pseudonym: is required",
			wantReason: "INVALID_FIELDS",
			wantViolations: map[string]string{
				"survivor.age_at_rescue": "must be between 0 and 120; got 130",
				"survivor.pseudonym":     "is required",
			},
		},
		{
			command:      "precondition",
			wantCode:     codes.FailedPrecondition,
			wantMsg:      "cannot move from CLOSED to RAIDED",
			wantReason:   "ILLEGAL_TRANSITION",
			wantMetadata: map[string]string{"current_status": "CLOSED"},
		},
		{
			command:    "unavailable",
			wantCode:   codes.Unavailable,
			wantMsg:    "the store is unavailable; retry later",
			wantReason: "STORE_UNAVAILABLE",
			wantRetry:  3 * time.Second,
		},
		{command: "internal", wantCode: codes.Internal, wantMsg: "internal error", wantReason: "INTERNAL"},
		{command: "plain", wantCode: codes.Internal, wantMsg: "internal error", wantReason: "INTERNAL"},
		{command: "status", wantCode: codes.PermissionDenied, wantMsg: "caller may not read this"},
	}
	for _, tc := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tc.command+"/"+kind, func(t *testing.T) {
				t.Parallel()

				var err error
				if kind == "unary" {
					_, err = ts.call(testContext(t), tc.command)
				} else {
					_, err = ts.stream(testContext(t), tc.command)
				}
				st := status.Convert(err)
				if st.Code() != tc.wantCode || st.Message() != tc.wantMsg {
					t.Fatalf("status = %v %q, want %v %q", st.Code(), st.Message(), tc.wantCode, tc.wantMsg)
				}
				var info *errdetails.ErrorInfo
				var badRequest *errdetails.BadRequest
				var retry *errdetails.RetryInfo
				for _, d := range st.Details() {
					switch d := d.(type) {
					case *errdetails.ErrorInfo:
						info = d
					case *errdetails.BadRequest:
						badRequest = d
					case *errdetails.RetryInfo:
						retry = d
					}
				}
				if tc.wantReason == "" {
					if info != nil {
						t.Errorf("ErrorInfo = %v, want none (status passed through)", info)
					}
				} else if info.GetReason() != tc.wantReason || info.GetDomain() != testDomain {
					t.Errorf("ErrorInfo = %v, want reason %s domain %s", info, tc.wantReason, testDomain)
				}
				for k, v := range tc.wantMetadata {
					if info.GetMetadata()[k] != v {
						t.Errorf("ErrorInfo.metadata[%s] = %q, want %q", k, info.GetMetadata()[k], v)
					}
				}
				if len(tc.wantViolations) > 0 {
					got := map[string]string{}
					for _, v := range badRequest.GetFieldViolations() {
						got[v.GetField()] = v.GetDescription()
					}
					if len(got) != len(tc.wantViolations) {
						t.Errorf("violations = %v, want %v", got, tc.wantViolations)
					}
					for f, d := range tc.wantViolations {
						if got[f] != d {
							t.Errorf("violation %s = %q, want %q", f, got[f], d)
						}
					}
				} else if badRequest != nil {
					t.Errorf("BadRequest = %v, want none", badRequest)
				}
				if tc.wantRetry > 0 {
					if retry.GetRetryDelay().AsDuration() != tc.wantRetry {
						t.Errorf("RetryInfo = %v, want %v", retry, tc.wantRetry)
					}
				} else if retry != nil {
					t.Errorf("RetryInfo = %v, want none", retry)
				}
			})
		}
	}
}

func TestServer_LogsOneJSONLinePerCallWithIDsButNoBodies(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	tests := []struct {
		name       string
		command    string
		wantCode   string
		wantLevel  string
		wantReason string
		wantError  string // substring of the error attribute; "" means none
	}{
		{name: "ok", command: "ok", wantCode: "OK", wantLevel: "INFO"},
		{name: "not found logs code and reason only", command: "not-found", wantCode: "NOT_FOUND", wantLevel: "INFO", wantReason: "OFFICE_NOT_FOUND"},
		{name: "invalid logs code and reason only", command: "invalid", wantCode: "INVALID_ARGUMENT", wantLevel: "INFO", wantReason: "INVALID_FIELDS"},
		{name: "unavailable warns", command: "unavailable", wantCode: "UNAVAILABLE", wantLevel: "WARN", wantReason: "STORE_UNAVAILABLE"},
		{name: "internal logs the cause", command: "internal", wantCode: "INTERNAL", wantLevel: "ERROR", wantReason: "INTERNAL", wantError: "db exploded: collection survivors"},
		{name: "plain error logs the cause", command: "plain", wantCode: "INTERNAL", wantLevel: "ERROR", wantReason: "INTERNAL", wantError: "plain failure: connection reset"},
		{name: "passed-through status", command: "status", wantCode: "PERMISSION_DENIED", wantLevel: "INFO"},
	}
	for _, tc := range tests {
		for _, kind := range []string{"unary", "stream"} {
			t.Run(tc.name+"/"+kind, func(t *testing.T) {
				t.Parallel()

				id := "log-" + tc.command + "-" + kind
				ctx := withTraceparent(withRequestID(testContext(t), id))
				method := callMethod
				if kind == "unary" {
					_, _ = ts.call(ctx, tc.command)
				} else {
					method = streamMethod
					_, _ = ts.stream(ctx, tc.command)
				}
				line := ts.logs.callLine(t, id)
				if line["method"] != method || line["code"] != tc.wantCode || line["level"] != tc.wantLevel {
					t.Errorf("line = %v, want method %s code %s level %s", line, method, tc.wantCode, tc.wantLevel)
				}
				if _, ok := line["duration_ms"].(float64); !ok {
					t.Errorf("line duration_ms = %v, want a number", line["duration_ms"])
				}
				if line["trace_id"] != callerTraceID {
					t.Errorf("line trace_id = %v, want the caller's %s", line["trace_id"], callerTraceID)
				}
				if span, _ := line["span_id"].(string); len(span) != 16 || span == callerParentSpan {
					t.Errorf("line span_id = %v, want the server span's own id", line["span_id"])
				}
				if got, _ := line["reason"].(string); got != tc.wantReason {
					t.Errorf("line reason = %q, want %q", got, tc.wantReason)
				}
				gotErr, hasErr := line["error"].(string)
				switch {
				case tc.wantError == "" && hasErr:
					t.Errorf("line error = %q, want none for %s", gotErr, tc.wantCode)
				case tc.wantError != "" && !strings.Contains(gotErr, tc.wantError):
					t.Errorf("line error = %q, want it to contain %q", gotErr, tc.wantError)
				}
				for key, v := range line {
					if s, ok := v.(string); ok && (strings.Contains(s, "chennai") || strings.Contains(s, "known offices")) {
						t.Errorf("line %s = %q repeats the caller-facing message", key, s)
					}
				}
			})
		}
	}
}

func TestServer_NeverLogsRequestOrResponseBodies(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	const secret = "Legal name Priya Sharma, born 2009-01-02"
	_, _ = ts.call(withRequestID(testContext(t), "body-unary"), secret)
	_, _ = ts.stream(withRequestID(testContext(t), "body-stream"), secret)
	ts.logs.callLine(t, "body-unary")
	ts.logs.callLine(t, "body-stream")
	if strings.Contains(ts.logs.String(), "Priya") {
		t.Errorf("the log contains the request body:\n%s", ts.logs.String())
	}
}

func TestServer_HandlerLoggerCarriesTheCallIDs(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	if _, err := ts.call(withTraceparent(withRequestID(testContext(t), "handler-log")), "ok"); err != nil {
		t.Fatalf("Call() error = %v", err)
	}
	for _, l := range ts.logs.lines(t) {
		if l["msg"] == "handler ran" && l["request_id"] == "handler-log" {
			if l["trace_id"] != callerTraceID {
				t.Errorf("handler line trace_id = %v, want %s", l["trace_id"], callerTraceID)
			}
			return
		}
	}
	t.Errorf("no handler line with request_id handler-log in:\n%s", ts.logs.String())
}

func TestServer_GracefulShutdownFinishesInFlightCalls(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{ShutdownTimeout: 20 * time.Second})
	health := healthpb.NewHealthClient(ts.conn)

	resp, err := health.Check(testContext(t), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health before shutdown = %v, %v; want SERVING", resp.GetStatus(), err)
	}

	inFlight := make(chan error, 1)
	go func() {
		_, err := ts.call(withRequestID(testContext(t), "in-flight"), "block")
		inFlight <- err
	}()
	select {
	case <-ts.svc.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the blocking call never reached the handler")
	}

	ts.stop()

	// Health turns NOT_SERVING while the in-flight call still runs.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := ts.srv.Health().Check(context.Background(), &healthpb.HealthCheckRequest{})
		if err == nil && r.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health after shutdown began = %v, %v; want NOT_SERVING", r.GetStatus(), err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-ts.done:
		t.Fatal("Serve returned while a call was in flight")
	default:
	}

	// New connections are refused while draining.
	late, err := grpc.NewClient(ts.addr, grpc.WithTransportCredentials(insecureCreds()))
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	lateCtx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := late.Invoke(lateCtx, callMethod, wrapperspb.String("ok"), new(wrapperspb.StringValue)); err == nil {
		t.Error("a new call during shutdown succeeded, want it refused")
	}

	close(ts.svc.release)
	if err := <-inFlight; err != nil {
		t.Errorf("in-flight call error = %v, want it to finish OK", err)
	}
	if err := ts.waitServe(t, 10*time.Second); err != nil {
		t.Errorf("Serve() = %v, want nil after a graceful shutdown", err)
	}
}

func TestServer_ShutdownTimeoutCancelsStragglers(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{ShutdownTimeout: 200 * time.Millisecond, DefaultDeadline: time.Minute})

	inFlight := make(chan error, 1)
	go func() {
		_, err := ts.call(testContext(t), "block")
		inFlight <- err
	}()
	<-ts.svc.started

	start := time.Now()
	ts.stop()
	if err := ts.waitServe(t, 10*time.Second); err != nil {
		t.Errorf("Serve() = %v, want nil", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("shutdown took %v, want about the 200ms timeout", elapsed)
	}
	if err := <-inFlight; err == nil {
		t.Error("straggling call succeeded, want it cut off by the forced stop")
	}
}

func TestServer_ServeReturnsWhenTheListenerFails(t *testing.T) {
	t.Parallel()
	srv := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, nil, testDomain)
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	_ = lis.Close()
	if err := srv.Serve(context.Background(), lis); err == nil || !strings.HasPrefix(err.Error(), "grpcserver.Serve: ") {
		t.Errorf("Serve(closed listener) = %v, want a grpcserver.Serve error", err)
	}
}

func TestServer_ListenReportsABadAddress(t *testing.T) {
	t.Parallel()
	taken := startServer(t, grpcserver.Config{})
	srv := grpcserver.New(grpcserver.Config{Addr: taken.addr}, nil, testDomain)
	if lis, err := srv.Listen(); err == nil {
		_ = lis.Close()
		t.Fatalf("Listen(%s, already in use) succeeded, want an error", taken.addr)
	} else if !strings.HasPrefix(err.Error(), "grpcserver.Listen: ") {
		t.Errorf("Listen() error = %v, want it prefixed grpcserver.Listen", err)
	}
}

func TestServer_HealthSuccessesAreLoggedAtDebug(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{})

	ctx := withRequestID(testContext(t), "health-probe")
	if _, err := healthpb.NewHealthClient(ts.conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	if line := ts.logs.callLine(t, "health-probe"); line["level"] != "DEBUG" || line["code"] != "OK" {
		t.Errorf("health line = %v, want DEBUG and OK", line)
	}
}

func TestServer_ReflectionFollowsConfig(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		reflection bool
	}{
		{name: "on", reflection: true},
		{name: "off", reflection: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, grpcserver.Config{Reflection: tc.reflection})

			stream, err := reflectionpb.NewServerReflectionClient(ts.conn).ServerReflectionInfo(testContext(t))
			if err != nil {
				t.Fatal(err)
			}
			// Send reports io.EOF when the server has already ended the
			// stream (reflection off answers UNIMPLEMENTED at once); the
			// stream's status then comes from Recv, as gRPC specifies.
			if err := stream.Send(&reflectionpb.ServerReflectionRequest{
				MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
			}); err != nil && !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			resp, err := stream.Recv()
			if !tc.reflection {
				if status.Code(err) != codes.Unimplemented {
					t.Errorf("reflection off: Recv() = %v, %v; want UNIMPLEMENTED", resp, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("reflection on: Recv() error = %v", err)
			}
			var names []string
			for _, s := range resp.GetListServicesResponse().GetService() {
				names = append(names, s.GetName())
			}
			joined := strings.Join(names, ",")
			for _, want := range []string{"grpc.health.v1.Health", "justice.test.v1.TestService"} {
				if !strings.Contains(joined, want) {
					t.Errorf("reflected services = %v, want %s among them", names, want)
				}
			}
		})
	}
}

func TestServer_RejectsMessagesOverMaxRecvMsgBytes(t *testing.T) {
	t.Parallel()
	ts := startServer(t, grpcserver.Config{MaxRecvMsgBytes: 1024})

	if _, err := ts.call(testContext(t), strings.Repeat("x", 2048)); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("Call(2 KiB) error = %v, want RESOURCE_EXHAUSTED", err)
	}
	if _, err := ts.call(testContext(t), "ok"); err != nil {
		t.Errorf("Call(small) error = %v, want OK", err)
	}
}
