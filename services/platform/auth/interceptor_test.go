package auth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/requestid"
)

// The test service's methods.
const (
	getRecord    = "/justice.authtest.v1.Records/GetRecord"
	listRecords  = "/justice.authtest.v1.Records/ListRecords"
	unlisted     = "/justice.authtest.v1.Records/Unlisted"
	watchRecords = "/justice.authtest.v1.Records/WatchRecords"
)

// testPolicy covers every method of recordsDesc except Unlisted.
var testPolicy = auth.Policy{
	getRecord:    {Roles: []string{auth.RoleLawyer, auth.RoleInvestigator}, Audit: true},
	listRecords:  {Roles: []string{auth.RoleInvestigator, auth.RoleTrainer, auth.RoleService}},
	watchRecords: {Roles: []string{auth.RoleInvestigator}, Audit: true},
}

// recorder is the ordered log of what the auditor and the handlers saw.
type recorder struct {
	mu     sync.Mutex
	steps  []string
	events []auth.AccessEvent
}

func (r *recorder) add(step string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps = append(r.steps, step)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.steps, r.events = nil, nil
}

func (r *recorder) snapshot() ([]string, []auth.AccessEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.steps), slices.Clone(r.events)
}

// fakeAuditor records Begin, finish and Denied into a recorder.
type fakeAuditor struct {
	rec       *recorder
	beginErr  error
	deniedErr error
}

func (a *fakeAuditor) Begin(ctx context.Context, ev auth.AccessEvent) (func(context.Context, codes.Code), error) {
	a.rec.mu.Lock()
	a.rec.events = append(a.rec.events, ev)
	a.rec.mu.Unlock()
	if identity.FromContext(ctx).Subject != ev.Principal.Subject {
		a.rec.add("begin: context principal differs from the event's")
	}
	if a.beginErr != nil {
		a.rec.add("begin failed")
		return nil, a.beginErr
	}
	a.rec.add("begin " + ev.Principal.Subject)
	return func(ctx context.Context, code codes.Code) {
		if ctx.Err() != nil {
			a.rec.add("finish with a dead context")
		}
		a.rec.add("finish " + code.String())
	}, nil
}

func (a *fakeAuditor) Denied(_ context.Context, ev auth.AccessEvent, code codes.Code) error {
	a.rec.mu.Lock()
	a.rec.events = append(a.rec.events, ev)
	a.rec.mu.Unlock()
	a.rec.add("denied " + code.String())
	return a.deniedErr
}

// recordsServer answers with what the handler saw: the principal and the
// forged metadata keys that reached it.
type recordsServer struct{ rec *recorder }

func (s *recordsServer) reply(ctx context.Context, name string) (*structpb.Struct, error) {
	s.rec.add("handler")
	switch {
	case strings.HasSuffix(name, "/missing"):
		return nil, errs.NotFound("RECORD_NOT_FOUND", "record %q not found", name)
	case strings.HasSuffix(name, "/panic"):
		panic("handler exploded")
	}
	p := identity.FromContext(ctx)
	md, _ := metadata.FromIncomingContext(ctx)
	var seen []any
	for _, k := range []string{"subject", "x-roles", "grpc-metadata-authorization"} {
		if len(md.Get(k)) > 0 {
			seen = append(seen, k)
		}
	}
	roles := make([]any, len(p.Roles))
	for i, r := range p.Roles {
		roles[i] = r
	}
	return structpb.NewStruct(map[string]any{
		"subject": p.Subject, "roles": roles, "all_offices": p.AllOffices, "forged_seen": seen,
	})
}

// emptyRequest is a Request to decode into.
func emptyRequest() *dynamicpb.Message { return newRequest("", "", "") }

func nameOf(m *dynamicpb.Message) string {
	return m.Get(m.Descriptor().Fields().ByName("name")).String()
}

func unaryHandler(method string) func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		in := emptyRequest()
		if err := dec(in); err != nil {
			return nil, err
		}
		call := func(ctx context.Context, req any) (any, error) {
			return srv.(*recordsServer).reply(ctx, nameOf(req.(*dynamicpb.Message)))
		}
		if interceptor == nil {
			return call(ctx, in)
		}
		return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: method}, call)
	}
}

// recordsDesc is what protoc-gen-go-grpc would generate for a service
// with three unary methods and one server-streaming method.
var recordsDesc = grpc.ServiceDesc{
	ServiceName: "justice.authtest.v1.Records",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "GetRecord", Handler: unaryHandler(getRecord)},
		{MethodName: "ListRecords", Handler: unaryHandler(listRecords)},
		{MethodName: "Unlisted", Handler: unaryHandler(unlisted)},
	},
	Streams: []grpc.StreamDesc{{
		StreamName:    "WatchRecords",
		ServerStreams: true,
		Handler: func(srv any, stream grpc.ServerStream) error {
			in := emptyRequest()
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			for range 2 {
				resp, err := srv.(*recordsServer).reply(stream.Context(), nameOf(in))
				if err != nil {
					return err
				}
				if err := stream.SendMsg(resp); err != nil {
					return err
				}
			}
			return nil
		},
	}},
}

// syncBuffer collects the server's log lines.
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

// authServer is a running grpcserver with the auth interceptors and the
// records service on 127.0.0.1.
type authServer struct {
	issuer *auth.Issuer
	rec    *recorder
	logs   *syncBuffer
	conn   *grpc.ClientConn
	addr   string
}

func startAuthServer(t *testing.T, auditor func(rec *recorder) auth.Auditor) *authServer {
	t.Helper()
	s := &authServer{issuer: newTestIssuer(t), rec: &recorder{}, logs: &syncBuffer{}}
	v, err := auth.NewVerifierFromJWKS(s.issuer.Config(), s.issuer.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, logging.New(s.logs, slog.LevelDebug),
		"test.justice.example", auth.ServerOptions(v, testPolicy, auditor(s.rec), nil)...)
	srv.GRPC().RegisterService(&recordsDesc, &recordsServer{rec: s.rec})
	lis, err := srv.Listen()
	if err != nil {
		t.Fatalf("Listen() error = %v", err)
	}
	s.addr = lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis) }()
	s.conn = s.dial(t)
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve() error = %v", err)
		}
	})
	return s
}

func (s *authServer) dial(t *testing.T, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(s.addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func withAuditor(rec *recorder) auth.Auditor { return &fakeAuditor{rec: rec} }

// token mints a token for subject with roles and offices.
func (s *authServer) token(t *testing.T, subject string, roles ...string) string {
	t.Helper()
	tok, err := s.issuer.Mint(identity.Principal{Subject: subject, Roles: roles, Offices: []string{"mumbai"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call invokes a unary method with metadata pairs and the given resource name.
func (s *authServer) call(ctx context.Context, method, name string, md ...string) (*structpb.Struct, error) {
	if len(md) > 0 {
		ctx = metadata.AppendToOutgoingContext(ctx, md...)
	}
	resp := &structpb.Struct{}
	err := s.conn.Invoke(ctx, method, newRequest(name, "", ""), resp)
	return resp, err
}

// wantStatus checks err's code, ErrorInfo reason and message fragments.
func wantStatus(t *testing.T, err error, code codes.Code, reason string, want ...string) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || st.Code() != code {
		t.Fatalf("error = %v, want %s %s", err, code, reason)
	}
	var got string
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			got = info.GetReason()
		}
	}
	if got != reason {
		t.Fatalf("ErrorInfo reason = %q, want %q (status %v)", got, reason, st)
	}
	for _, w := range want {
		if !strings.Contains(st.Message(), w) {
			t.Errorf("message %q does not contain %q", st.Message(), w)
		}
	}
	return st
}

func wantSteps(t *testing.T, rec *recorder, want ...string) []auth.AccessEvent {
	t.Helper()
	steps, events := rec.snapshot()
	if !slices.Equal(steps, want) {
		t.Fatalf("steps = %q, want %q", steps, want)
	}
	return events
}

func TestInterceptorRejectsCallsWithoutValidToken(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	// A token that expired an hour ago.
	auth.SetIssuerClock(s.issuer, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	expired, err := s.issuer.Mint(identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}}, time.Hour)
	auth.SetIssuerClock(s.issuer, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		md     []string
		reason string
		token  string
	}{
		{name: "missing token", reason: auth.ReasonTokenMissing},
		{name: "expired token", md: []string{"authorization", "Bearer " + expired}, reason: auth.ReasonTokenExpired, token: expired},
		{name: "garbage token", md: []string{"authorization", "Bearer not.a.jwt"}, reason: auth.ReasonTokenMalformed},
		{name: "basic credentials", md: []string{"authorization", "Basic cHJpeWE6c2VjcmV0"}, reason: auth.ReasonTokenMalformed},
		{name: "bearer without token", md: []string{"authorization", "Bearer "}, reason: auth.ReasonTokenMalformed},
	}
	t.Run("cases", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				_, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1", tc.md...)
				st := wantStatus(t, err, codes.Unauthenticated, tc.reason)
				assertNoToken(t, st.Message(), tc.token)
			})
		}
	})
	// After every case has run:
	steps, _ := s.rec.snapshot()
	if slices.Contains(steps, "handler") {
		t.Fatalf("the handler ran for an unauthenticated call: %q", steps)
	}
	if strings.Contains(s.logs.String(), expired) {
		t.Fatal("the server log contains the token")
	}
}

func TestInterceptorAcceptsBearerSchemeCaseInsensitively(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	resp, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1",
		"authorization", "bearer "+s.token(t, "priya", auth.RoleInvestigator))
	if err != nil {
		t.Fatalf("call error = %v", err)
	}
	if got := resp.GetFields()["subject"].GetStringValue(); got != "priya" {
		t.Fatalf("handler saw subject %q, want priya", got)
	}
}

func TestInterceptorIgnoresForgedIdentityMetadata(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	investigator := s.token(t, "priya", auth.RoleInvestigator)
	admin := s.token(t, "root", auth.RoleAdmin, auth.RoleLawyer)
	forged := []string{"subject", "root", "x-roles", "admin", "grpc-metadata-authorization", "Bearer " + admin}

	t.Run("forged metadata alone does not authenticate", func(t *testing.T) {
		t.Parallel()
		_, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1", forged...)
		wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	})
	t.Run("forged metadata beside a real token changes nothing", func(t *testing.T) {
		t.Parallel()
		md := append([]string{"authorization", "Bearer " + investigator}, forged...)
		resp, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1", md...)
		if err != nil {
			t.Fatalf("call error = %v", err)
		}
		f := resp.GetFields()
		if got := f["subject"].GetStringValue(); got != "priya" {
			t.Errorf("handler saw subject %q, want priya", got)
		}
		roles := f["roles"].GetListValue().GetValues()
		if len(roles) != 1 || roles[0].GetStringValue() != auth.RoleInvestigator {
			t.Errorf("handler saw roles %v, want [investigator]", roles)
		}
		// The forged keys did reach the server: they were ignored, not lost.
		seen := f["forged_seen"].GetListValue().AsSlice()
		if want := []any{"subject", "x-roles", "grpc-metadata-authorization"}; !slices.Equal(seen, want) {
			t.Errorf("forged metadata seen by the handler = %v, want %v to arrive (and be ignored)", seen, want)
		}
	})
	t.Run("forged metadata cannot raise a role to reach a method", func(t *testing.T) {
		t.Parallel()
		trainer := s.token(t, "lee", auth.RoleTrainer)
		md := append([]string{"authorization", "Bearer " + trainer}, forged...)
		_, err := s.call(context.Background(), getRecord, "offices/mumbai/records/r1", md...)
		wantStatus(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	})
	t.Run("two authorization values are refused", func(t *testing.T) {
		t.Parallel()
		_, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1",
			"authorization", "Bearer "+investigator, "authorization", "Bearer "+admin)
		wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMalformed, "exactly one")
	})
}

func TestInterceptorDeniesMethodWithoutPolicyEntryAndAuditsIt(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	_, err := s.call(context.Background(), unlisted, "offices/mumbai/records/r1",
		"authorization", "Bearer "+s.token(t, "root", auth.Roles()...))
	wantStatus(t, err, codes.PermissionDenied, auth.ReasonPolicyMissing, unlisted+" has no policy entry")
	events := wantSteps(t, s.rec, "denied PermissionDenied")
	if events[0].Method != unlisted || events[0].Principal.Subject != "root" {
		t.Fatalf("denied event = %+v", events[0])
	}
}

func TestInterceptorDeniesRoleNotAllowedNamingAllowedRoles(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	_, err := s.call(context.Background(), getRecord, "offices/mumbai/records/r1",
		"authorization", "Bearer "+s.token(t, "lee", auth.RoleTrainer))
	wantStatus(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed, "investigator, lawyer")
	events := wantSteps(t, s.rec, "denied PermissionDenied")
	ev := events[0]
	if ev.Principal.Subject != "lee" || ev.Method != getRecord || ev.Resource != "offices/mumbai/records/r1" || ev.Office != "mumbai" {
		t.Fatalf("denied event = %+v", ev)
	}
}

func TestInterceptorAuditsDenialsOfEveryMethod(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	// ListRecords is not audited when allowed, but its denials are recorded.
	_, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1",
		"authorization", "Bearer "+s.token(t, "asha", auth.RoleSocialWorker))
	wantStatus(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	_, err = s.call(context.Background(), listRecords, "offices/mumbai/records/r1")
	wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	wantSteps(t, s.rec, "denied PermissionDenied", "denied Unauthenticated")
	s.rec.reset()

	// GetRecord is audited: an unauthenticated attempt is recorded with the zero principal.
	_, err = s.call(context.Background(), getRecord, "offices/kolkata/records/r9", requestid.MetadataKey, "req-denied-1")
	wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	events := wantSteps(t, s.rec, "denied Unauthenticated")
	want := auth.AccessEvent{Method: getRecord, Resource: "offices/kolkata/records/r9", Office: "kolkata", RequestID: "req-denied-1"}
	if ev := events[0]; ev.Principal.Subject != "" || ev.Method != want.Method || ev.Resource != want.Resource ||
		ev.Office != want.Office || ev.RequestID != want.RequestID {
		t.Fatalf("denied event = %+v, want %+v", ev, want)
	}
}

func TestInterceptorAuditsBeforeHandlerAndFinishesWithTheCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		resource string
		code     codes.Code
	}{
		{name: "success", resource: "offices/mumbai/records/r1", code: codes.OK},
		{name: "handler error", resource: "offices/mumbai/records/missing", code: codes.NotFound},
		{name: "handler panic", resource: "offices/mumbai/records/panic", code: codes.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startAuthServer(t, withAuditor)
			_, err := s.call(context.Background(), getRecord, tc.resource,
				"authorization", "Bearer "+s.token(t, "priya", auth.RoleInvestigator), requestid.MetadataKey, "req-42")
			if status.Code(err) != tc.code {
				t.Fatalf("call error = %v, want code %s", err, tc.code)
			}
			events := wantSteps(t, s.rec, "begin priya", "handler", "finish "+tc.code.String())
			ev := events[0]
			if ev.Method != getRecord || ev.Resource != tc.resource || ev.Office != "mumbai" || ev.RequestID != "req-42" ||
				ev.Principal.Subject != "priya" || !slices.Equal(ev.Principal.Roles, []string{auth.RoleInvestigator}) {
				t.Fatalf("begin event = %+v", ev)
			}
		})
	}
}

func TestInterceptorBeginFailureFailsTheCallWithoutRunningTheHandler(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, func(rec *recorder) auth.Auditor {
		return &fakeAuditor{rec: rec, beginErr: errors.New("audit store: connection refused")}
	})
	_, err := s.call(context.Background(), getRecord, "offices/mumbai/records/r1",
		"authorization", "Bearer "+s.token(t, "priya", auth.RoleInvestigator))
	st := wantStatus(t, err, codes.Unavailable, auth.ReasonAuditUnavailable, "audit log")
	if strings.Contains(st.Message(), "connection refused") {
		t.Errorf("message %q leaks the internal cause", st.Message())
	}
	wantSteps(t, s.rec, "begin failed")
	if !strings.Contains(s.logs.String(), "connection refused") {
		t.Errorf("the audit failure's cause was not logged:\n%s", s.logs.String())
	}
}

func TestInterceptorWithoutAuditorFailsAuditedCalls(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, func(*recorder) auth.Auditor { return nil })
	token := s.token(t, "priya", auth.RoleInvestigator)
	_, err := s.call(context.Background(), getRecord, "offices/mumbai/records/r1", "authorization", "Bearer "+token)
	wantStatus(t, err, codes.Unavailable, auth.ReasonAuditUnavailable)
	// Unaudited methods still work.
	if _, err := s.call(context.Background(), listRecords, "offices/mumbai/records/r1", "authorization", "Bearer "+token); err != nil {
		t.Fatalf("unaudited call error = %v", err)
	}
	wantSteps(t, s.rec, "handler")
}

func TestInterceptorDeniedAuditFailureStillRefusesTheCall(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, func(rec *recorder) auth.Auditor {
		return &fakeAuditor{rec: rec, deniedErr: errors.New("audit store down")}
	})
	_, err := s.call(context.Background(), getRecord, "offices/mumbai/records/r1")
	wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	wantSteps(t, s.rec, "denied Unauthenticated")
	if !strings.Contains(s.logs.String(), "audit store down") {
		t.Errorf("the failed denial audit was not logged")
	}
}

func TestInterceptorServesHealthWithoutToken(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	resp, err := healthpb.NewHealthClient(s.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatalf("health Check() error = %v", err)
	}
	if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health status = %s, want SERVING", resp.GetStatus())
	}
	wantSteps(t, s.rec)
}

func TestInterceptorAuthenticatesAndAuditsStreams(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	watch := func(md ...string) ([]*structpb.Struct, error) {
		ctx := context.Background()
		if len(md) > 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, md...)
		}
		stream, err := s.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, watchRecords)
		if err != nil {
			return nil, err
		}
		if err := stream.SendMsg(newRequest("offices/mumbai/records/r1", "", "")); err != nil {
			return nil, err
		}
		if err := stream.CloseSend(); err != nil {
			return nil, err
		}
		var out []*structpb.Struct
		for {
			m := &structpb.Struct{}
			if err := stream.RecvMsg(m); err != nil {
				if errors.Is(err, io.EOF) {
					return out, nil
				}
				return out, err
			}
			out = append(out, m)
		}
	}

	_, err := watch()
	wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	_, err = watch("authorization", "Bearer "+s.token(t, "lee", auth.RoleTrainer))
	wantStatus(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
	got, err := watch("authorization", "Bearer "+s.token(t, "priya", auth.RoleInvestigator))
	if err != nil {
		t.Fatalf("stream error = %v", err)
	}
	if len(got) != 2 || got[0].GetFields()["subject"].GetStringValue() != "priya" {
		t.Fatalf("stream messages = %v, want two seen by priya", got)
	}
	events := wantSteps(t, s.rec, "denied Unauthenticated", "denied PermissionDenied", "begin priya", "handler", "handler", "finish OK")
	if ev := events[2]; ev.Method != watchRecords || ev.Resource != "" {
		t.Fatalf("stream begin event = %+v, want the method and no resource", ev)
	}
}

func TestInterceptorAcceptsServiceTokensFromPerRPCCredentials(t *testing.T) {
	t.Parallel()
	s := startAuthServer(t, withAuditor)
	conn := s.dial(t, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(s.issuer.ServiceTokenSource("prosecution", nil, true))))
	resp := &structpb.Struct{}
	if err := conn.Invoke(context.Background(), listRecords, newRequest("offices/mumbai/records/r1", "", ""), resp); err != nil {
		t.Fatalf("call error = %v", err)
	}
	f := resp.GetFields()
	if f["subject"].GetStringValue() != "svc:prosecution" || !f["all_offices"].GetBoolValue() {
		t.Fatalf("handler saw %v, want svc:prosecution with all offices", f)
	}
	// The service role is not a human role: methods that do not list it refuse it.
	err := conn.Invoke(context.Background(), getRecord, newRequest("offices/mumbai/records/r1", "", ""), resp)
	wantStatus(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)
}

func TestServerOptionsUseCustomResolve(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	iss := newTestIssuer(t)
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	resolve := func(method string, _ any) (string, string) { return "custom:" + method, "pune" }
	srv := grpcserver.New(grpcserver.Config{Addr: "127.0.0.1:0"}, logging.New(&syncBuffer{}, slog.LevelError),
		"test.justice.example", auth.ServerOptions(v, testPolicy, &fakeAuditor{rec: rec}, resolve)...)
	srv.GRPC().RegisterService(&recordsDesc, &recordsServer{rec: rec})
	lis, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, lis) }()
	defer func() { cancel(); <-done }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	err = conn.Invoke(ctx, getRecord, newRequest("offices/mumbai/records/r1", "", ""), &structpb.Struct{})
	wantStatus(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
	_, events := rec.snapshot()
	if len(events) != 1 || events[0].Resource != "custom:"+getRecord || events[0].Office != "pune" {
		t.Fatalf("events = %+v, want the custom resolution", events)
	}
}

func TestRecordsDescHasAPolicyEntryForEveryMethodButUnlisted(t *testing.T) {
	t.Parallel()
	if got := testPolicy.Missing(recordsDesc); !slices.Equal(got, []string{unlisted}) {
		t.Fatalf("Missing() = %v, want [%s]", got, unlisted)
	}
}
