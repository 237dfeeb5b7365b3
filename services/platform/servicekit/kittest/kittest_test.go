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

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
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
