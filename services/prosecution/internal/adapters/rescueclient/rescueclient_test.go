package rescueclient_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/prosecution/internal/adapters/rescueclient"
	"github.com/justiceops/justice/services/prosecution/internal/app"
)

var rescueTime = time.Date(2025, 1, 5, 22, 0, 0, 0, time.UTC)

// fakeRescue is rescue's reference service: it knows one survivor and one
// operation, records the authorization it was called with, and can be made
// slow or failing.
type fakeRescue struct {
	rescuev1.UnimplementedRescueReferenceServiceServer

	mu       sync.Mutex
	auth     []string
	delay    time.Duration
	failWith error
}

func (f *fakeRescue) LookupReferences(ctx context.Context, req *rescuev1.LookupReferencesRequest) (*rescuev1.LookupReferencesResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	f.auth = append(f.auth, md.Get("authorization")...)
	delay, failWith := f.delay, f.failWith
	f.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if failWith != nil {
		return nil, failWith
	}
	resp := &rescuev1.LookupReferencesResponse{}
	for _, n := range req.GetNames() {
		r := &rescuev1.Reference{Name: n}
		switch n {
		case "offices/mumbai/survivors/s1":
			r.Found, r.Kind, r.Minor, r.RescueTime = true, rescuev1.ReferenceKind_REFERENCE_KIND_SURVIVOR, true, timestamppb.New(rescueTime)
		case "offices/mumbai/operations/o1":
			r.Found, r.Kind = true, rescuev1.ReferenceKind_REFERENCE_KIND_OPERATION
		default:
			r.Kind = rescuev1.ReferenceKind_REFERENCE_KIND_SURVIVOR
		}
		resp.References = append(resp.References, r)
	}
	return resp, nil
}

func (f *fakeRescue) set(delay time.Duration, failWith error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay, f.failWith = delay, failWith
}

// fixedToken is a TokenSource of one token: prosecution's service identity.
type fixedToken string

func (t fixedToken) Token(context.Context) (string, error) { return string(t), nil }

type env struct {
	rescue *fakeRescue
	client *rescueclient.Client
	logs   *bytes.Buffer
	stop   func()
}

func start(t *testing.T, timeout time.Duration) *env {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fake := &fakeRescue{}
	srv := grpc.NewServer()
	rescuev1.RegisterRescueReferenceServiceServer(srv, fake)
	go func() { _ = srv.Serve(lis) }()
	var once sync.Once
	stop := func() { once.Do(srv.Stop) }
	t.Cleanup(stop)
	conn, err := grpcclient.Dial(lis.Addr().String(), grpc.WithPerRPCCredentials(auth.PerRPCCredentials(fixedToken("svc-token"))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	logs := &bytes.Buffer{}
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedWriter{&mu, logs}, nil))
	return &env{rescue: fake, client: rescueclient.New(conn, rescueclient.Options{Timeout: timeout, Logger: logger}), logs: logs, stop: stop}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func TestLookupAnswersEveryNameWithTheServiceIdentity(t *testing.T) {
	t.Parallel()
	e := start(t, time.Second)
	names := []string{"offices/mumbai/survivors/s1", "offices/mumbai/operations/o1", "offices/mumbai/survivors/absent"}
	got, err := e.client.Lookup(context.Background(), names)
	if err != nil {
		t.Fatal(err)
	}
	want := []app.Reference{
		{Name: names[0], Found: true, Kind: app.ReferenceSurvivor, Minor: true, RescueTime: rescueTime},
		{Name: names[1], Found: true, Kind: app.ReferenceOperation},
		{Name: names[2], Kind: app.ReferenceSurvivor},
	}
	if len(got) != len(want) {
		t.Fatalf("Lookup = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reference %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(e.rescue.auth) != 1 || e.rescue.auth[0] != "Bearer svc-token" {
		t.Errorf("rescue was called with authorization %v, want the service's token", e.rescue.auth)
	}
}

// wantUnavailable checks err is the app's RescueUnavailable.
func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindUnavailable || e.Reason != app.ReasonRescueUnavailable || e.RetryAfter <= 0 {
		t.Fatalf("err = %v, want UNAVAILABLE %s with a retry delay", err, app.ReasonRescueUnavailable)
	}
}

func TestLookupOfAStoppedRescueIsUnavailable(t *testing.T) {
	t.Parallel()
	e := start(t, time.Second)
	e.stop()
	_, err := e.client.Lookup(context.Background(), []string{"offices/mumbai/survivors/s1"})
	wantUnavailable(t, err)
}

func TestLookupPastItsDeadlineIsUnavailable(t *testing.T) {
	t.Parallel()
	e := start(t, 100*time.Millisecond)
	e.rescue.set(2*time.Second, nil)
	began := time.Now()
	_, err := e.client.Lookup(context.Background(), []string{"offices/mumbai/survivors/s1"})
	wantUnavailable(t, err)
	if d := time.Since(began); d > time.Second {
		t.Errorf("the lookup took %v; its deadline is 100ms", d)
	}
	e.rescue.set(0, status.Error(codes.Unavailable, "draining"))
	_, err = e.client.Lookup(context.Background(), []string{"offices/mumbai/survivors/s1"})
	wantUnavailable(t, err)
}

func TestOtherFailuresAreInternalAndLogged(t *testing.T) {
	t.Parallel()
	e := start(t, time.Second)
	e.rescue.set(0, status.Error(codes.PermissionDenied, "method may be called only by roles: service"))
	_, err := e.client.Lookup(context.Background(), []string{"offices/mumbai/survivors/s1"})
	if !errs.Is(err, errs.KindInternal) {
		t.Fatalf("err = %v, want INTERNAL", err)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "PermissionDenied") || !strings.Contains(logs, "only by roles") {
		t.Errorf("logs %q do not carry the status", logs)
	}
}

func TestLookupForACallerThatWentAwayIsItsContextError(t *testing.T) {
	t.Parallel()
	e := start(t, time.Second)
	e.rescue.set(time.Second, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.client.Lookup(ctx, []string{"offices/mumbai/survivors/s1"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}
}
