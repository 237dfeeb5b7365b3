package auth_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
)

func TestServiceTokenSourceCachesAndRenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	start := time.Now()
	clock := newFakeClock(start)
	auth.SetIssuerClock(iss, clock.Now)
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	auth.SetVerifierClock(v, clock.Now)
	ts := iss.ServiceTokenSource("rescue", []string{"mumbai", "kolkata"}, false)
	ctx := context.Background()

	first, err := ts.Token(ctx)
	if err != nil {
		t.Fatalf("Token() error = %v", err)
	}
	p, err := v.Verify(ctx, first)
	if err != nil {
		t.Fatalf("Verify(service token) error = %v", err)
	}
	if p.Subject != "svc:rescue" || !slices.Equal(p.Roles, []string{auth.RoleService}) ||
		!slices.Equal(p.Offices, []string{"mumbai", "kolkata"}) || p.AllOffices {
		t.Fatalf("service principal = %+v", p)
	}

	renewAt := auth.ServiceTokenTTL - auth.ServiceTokenRenewBefore
	steps := []struct {
		after   time.Duration
		renewed bool
	}{
		{after: time.Minute, renewed: false},
		{after: renewAt - time.Second, renewed: false},
		{after: renewAt, renewed: true},
	}
	prev := first
	for _, s := range steps {
		clock.Set(start.Add(s.after))
		got, err := ts.Token(ctx)
		if err != nil {
			t.Fatalf("at +%s: Token() error = %v", s.after, err)
		}
		if renewed := got != prev; renewed != s.renewed {
			t.Fatalf("at +%s: renewed = %v, want %v", s.after, renewed, s.renewed)
		}
		// Whatever is handed out is valid now and for at least the renewal margin.
		for _, at := range []time.Duration{0, auth.ServiceTokenRenewBefore - auth.DefaultClockSkew} {
			clock.Set(start.Add(s.after + at))
			if _, err := v.Verify(ctx, got); err != nil {
				t.Fatalf("token handed out at +%s, verified %s later: error = %v", s.after, at, err)
			}
		}
		prev = got
	}
}

func TestServiceTokenSourceForAllOffices(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	token, err := iss.ServiceTokenSource("prosecution", nil, true).Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if p.Subject != "svc:prosecution" || !p.AllOffices {
		t.Fatalf("principal = %+v, want svc:prosecution with all offices", p)
	}
}

func TestPerRPCCredentialsSendsBearerToken(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	creds := auth.PerRPCCredentials(iss.ServiceTokenSource("rescue", nil, true))
	if creds.RequireTransportSecurity() {
		t.Error("RequireTransportSecurity() = true, want false (local plaintext)")
	}
	md, err := creds.GetRequestMetadata(context.Background(), "dns:///rescue")
	if err != nil {
		t.Fatal(err)
	}
	if len(md) != 1 || !strings.HasPrefix(md["authorization"], "Bearer ey") {
		t.Fatalf("metadata = %v, want exactly authorization: Bearer <JWT>", md)
	}
}

type failingSource struct{}

func (failingSource) Token(context.Context) (string, error) { return "", context.DeadlineExceeded }

func TestPerRPCCredentialsReportsTokenSourceErrors(t *testing.T) {
	t.Parallel()
	_, err := auth.PerRPCCredentials(failingSource{}).GetRequestMetadata(context.Background())
	if err == nil || !strings.Contains(err.Error(), "auth.PerRPCCredentials") {
		t.Fatalf("GetRequestMetadata() error = %v, want a wrapped token source error", err)
	}
}
