package kittest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/servicekit"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
)

func TestSecurityEnv_LoadsAndItsIssuerMintsTokens(t *testing.T) {
	t.Parallel()
	env, issuer := kittest.SecurityEnv(t, "https://issuer.kittest.test")
	env["GRPC_ADDR"] = "127.0.0.1:0" // each binary has its own default
	var cfg servicekit.Base
	if err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(env)); err != nil {
		t.Fatalf("the environment does not load: %v", err)
	}
	if cfg.Auth.Issuer != "https://issuer.kittest.test" || !cfg.CreateKeys {
		t.Errorf("config = %+v", cfg)
	}
	token, err := issuer.Mint(identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewVerifier(context.Background(), cfg.Auth)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := verifier.Verify(context.Background(), token); err != nil || p.Subject != "priya" {
		t.Errorf("a token of the issuer, verified with the loaded settings: %v, %v", p, err)
	}
}

func TestLogs_CollectConcurrentWrites(t *testing.T) {
	t.Parallel()
	var logs kittest.Logs
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() { fmt.Fprintf(&logs, "line %d\n", i) })
	}
	wg.Wait()
	if n := strings.Count(logs.String(), "\n"); n != 20 {
		t.Errorf("%d lines, want 20", n)
	}
}

// fakeT records what Run's stop reports instead of failing the real test.
type fakeT struct {
	testing.TB
	mu      sync.Mutex
	errs    []string
	cleanup []func()
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Cleanup(fn func()) { f.cleanup = append(f.cleanup, fn) }

func TestRun_StopCancelsAndReportsTheError(t *testing.T) {
	t.Parallel()
	ft := &fakeT{TB: t}
	stop := kittest.Run(ft, func(ctx context.Context) error {
		<-ctx.Done()
		return errors.New("shutdown failed")
	})
	stop()
	stop() // a second call does nothing
	for _, fn := range ft.cleanup {
		fn()
	}
	if len(ft.errs) != 1 || !strings.Contains(ft.errs[0], "shutdown failed") {
		t.Errorf("reported %q, want the run's error once", ft.errs)
	}

	clean := &fakeT{TB: t}
	kittest.Run(clean, func(ctx context.Context) error { <-ctx.Done(); return nil })
	for _, fn := range clean.cleanup {
		fn()
	}
	if len(clean.errs) != 0 {
		t.Errorf("a clean stop reported %q", clean.errs)
	}
}

func TestStatusChecksCodeReasonAndViolations(t *testing.T) {
	t.Parallel()
	err := grpcserver.ToStatus("x.justice.example", errs.Unavailable("DOWN", 3*time.Second, "down; retry")).Err()
	st := kittest.Status(t, err, codes.Unavailable, "DOWN", "x.justice.example")
	if ri := kittest.RetryInfo(st); ri == nil || ri.GetRetryDelay().AsDuration() != 3*time.Second {
		t.Errorf("RetryInfo = %v", ri)
	}
	err = grpcserver.ToStatus("x.justice.example", errs.Violations{{Field: "name", Description: "is required"}}.Err()).Err()
	st = kittest.Status(t, err, codes.InvalidArgument, "INVALID_FIELDS", "x.justice.example", "name")
	if kittest.ErrorInfo(st) == nil || kittest.RetryInfo(st) != nil {
		t.Errorf("details of %v", st)
	}
	if tok, err := kittest.Token("abc").Token(kittest.Context(t)); tok != "abc" || err != nil {
		t.Errorf("Token = %q, %v", tok, err)
	}
}

func TestCallsAsACaller(t *testing.T) {
	t.Parallel()
	_, issuer := kittest.SecurityEnv(t, "https://issuer.kittest.test")
	p := kittest.RoleCaller(auth.RoleLawyer, "mumbai", "kolkata")
	if p.Subject != "lawyer-mumbai-kolkata" || p.Roles[0] != auth.RoleLawyer || len(p.Offices) != 2 {
		t.Errorf("RoleCaller = %+v", p)
	}
	md, _ := metadata.FromOutgoingContext(kittest.As(t, issuer, p))
	tok, ok := strings.CutPrefix(strings.Join(md.Get("authorization"), ""), "Bearer ")
	if !ok {
		t.Fatalf("authorization = %v", md.Get("authorization"))
	}
	v, err := auth.NewVerifierFromJWKS(issuer.Config(), issuer.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(context.Background(), tok); err != nil || got.Subject != p.Subject {
		t.Errorf("Verify = %+v, %v", got, err)
	}
	if addr := kittest.FreeAddr(t); !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Errorf("FreeAddr = %q", addr)
	}
}
