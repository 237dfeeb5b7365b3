package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
)

// fakeIdP is an OpenID Connect issuer on 127.0.0.1 serving a discovery
// document and a JWKS that tests can change.
type fakeIdP struct {
	srv *httptest.Server

	mu        sync.Mutex
	issuer    string // the discovery document's "issuer"; "" means srv.URL
	jwksURI   string // "" means srv.URL + "/keys"
	jwks      []byte
	failJWKS  bool
	jwksHits  atomic.Int32
	discovery atomic.Int32
}

func newFakeIdP(t *testing.T, jwks []byte) *fakeIdP {
	t.Helper()
	idp := &fakeIdP{jwks: jwks}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		idp.discovery.Add(1)
		idp.mu.Lock()
		doc := map[string]any{"issuer": idp.issuer, "jwks_uri": idp.jwksURI}
		idp.mu.Unlock()
		if doc["issuer"] == "" {
			doc["issuer"] = idp.srv.URL
		}
		if doc["jwks_uri"] == "" {
			doc["jwks_uri"] = idp.srv.URL + "/keys"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) {
		idp.jwksHits.Add(1)
		idp.mu.Lock()
		defer idp.mu.Unlock()
		if idp.failJWKS {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(idp.jwks)
	})
	mux.HandleFunc("GET /huge", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[` + strings.Repeat(" ", 2<<20) + `]}`))
	})
	idp.srv = httptest.NewServer(mux)
	t.Cleanup(idp.srv.Close)
	return idp
}

func (idp *fakeIdP) set(f func(idp *fakeIdP)) {
	idp.mu.Lock()
	defer idp.mu.Unlock()
	f(idp)
}

// claimsFor are valid claims of a token from idp.
func (idp *fakeIdP) claimsFor(now time.Time) jwt.MapClaims {
	return with(validClaims(now), map[string]any{"iss": idp.srv.URL})
}

func TestNewVerifierDiscoversOIDCIssuerKeys(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "ES256")))
	v, err := auth.NewVerifier(context.Background(), auth.Config{OIDCIssuerURL: idp.srv.URL})
	if err != nil {
		t.Fatalf("NewVerifier() error = %v", err)
	}
	if v.Issuer() != idp.srv.URL || v.Audience() != "justice" {
		t.Fatalf("Issuer(), Audience() = %q, %q; want the issuer URL and the default audience", v.Issuer(), v.Audience())
	}
	p, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), "k1", idp.claimsFor(time.Now())))
	if err != nil {
		t.Fatalf("Verify() error = %v", err)
	}
	if p.Subject != "priya" {
		t.Fatalf("Verify() subject = %q, want priya", p.Subject)
	}
	if got := idp.discovery.Load(); got != 1 {
		t.Errorf("discovery fetched %d times, want 1", got)
	}
	if got := idp.jwksHits.Load(); got != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (cached)", got)
	}
}

func TestNewVerifierFailsOnBadOIDCIssuer(t *testing.T) {
	t.Parallel()
	good := jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", ""))
	tests := []struct {
		name  string
		setup func(idp *fakeIdP)
		url   func(idp *fakeIdP) string
		want  string
	}{
		{
			name:  "discovery names another issuer",
			setup: func(idp *fakeIdP) { idp.issuer = "https://evil.test" },
			want:  `names issuer "https://evil.test"`,
		},
		{
			name:  "jwks_uri is plain http off loopback",
			setup: func(idp *fakeIdP) { idp.jwksURI = "http://keys.example.org/jwks" },
			want:  "must use https",
		},
		{
			name:  "JWKS endpoint fails",
			setup: func(idp *fakeIdP) { idp.failJWKS = true },
			want:  "HTTP status 503",
		},
		{
			name:  "JWKS larger than 1 MiB",
			setup: func(idp *fakeIdP) { idp.jwksURI = idp.srv.URL + "/huge" },
			want:  "larger than",
		},
		{
			name: "no discovery document",
			url:  func(idp *fakeIdP) string { return idp.srv.URL + "/nothing" },
			want: "HTTP status 404",
		},
		{
			name: "issuer unreachable",
			url:  func(*fakeIdP) string { return "http://127.0.0.1:1" },
			want: "127.0.0.1:1",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			idp := newFakeIdP(t, good)
			if tc.setup != nil {
				idp.set(tc.setup)
			}
			cfg := auth.Config{OIDCIssuerURL: idp.srv.URL}
			if tc.url != nil {
				cfg.OIDCIssuerURL, cfg.Issuer = tc.url(idp), tc.url(idp)
			}
			_, err := auth.NewVerifier(context.Background(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewVerifier() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNewVerifierRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	_, err := auth.NewVerifier(context.Background(), auth.Config{})
	if err == nil || !strings.Contains(err.Error(), "AUTH_OIDC_ISSUER_URL") {
		t.Fatalf("NewVerifier(Config{}) error = %v, want one naming AUTH_OIDC_ISSUER_URL", err)
	}
}

func TestUnknownKidRefreshesKeysAtMostOnceEvery30Seconds(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "")))
	start := time.Now()
	v, err := auth.NewVerifier(context.Background(), auth.Config{OIDCIssuerURL: idp.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock(start)
	auth.SetVerifierClock(v, clock.Now)

	// The issuer rotates in a second key.
	idp.set(func(idp *fakeIdP) {
		idp.jwks = jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", ""), publicJWK(t, &ecKey2().PublicKey, "k2", ""))
	})
	newToken := sign(t, jwt.SigningMethodES256, ecKey2(), "k2", idp.claimsFor(start))
	bogus := sign(t, jwt.SigningMethodES256, ecKey2(), "k-bogus", idp.claimsFor(start))

	steps := []struct {
		after    time.Duration
		token    string
		reason   string // "" means accepted
		wantHits int32  // JWKS fetches so far
	}{
		{after: time.Second, token: newToken, reason: auth.ReasonTokenUnknownKey, wantHits: 1},
		{after: 29 * time.Second, token: newToken, reason: auth.ReasonTokenUnknownKey, wantHits: 1},
		{after: 31 * time.Second, token: newToken, wantHits: 2},
		{after: 32 * time.Second, token: bogus, reason: auth.ReasonTokenUnknownKey, wantHits: 2},
		{after: 40 * time.Second, token: bogus, reason: auth.ReasonTokenUnknownKey, wantHits: 2},
		{after: 60 * time.Second, token: newToken, wantHits: 2},
		{after: 62 * time.Second, token: bogus, reason: auth.ReasonTokenUnknownKey, wantHits: 3},
	}
	for _, s := range steps {
		clock.Set(start.Add(s.after))
		_, err := v.Verify(context.Background(), s.token)
		if s.reason == "" && err != nil {
			t.Fatalf("at +%s: Verify() error = %v, want accepted", s.after, err)
		}
		if s.reason != "" {
			wantAuthErr(t, err, errs.KindUnauthenticated, s.reason, s.token)
		}
		if got := idp.jwksHits.Load(); got != s.wantHits {
			t.Fatalf("at +%s: JWKS fetched %d times, want %d", s.after, got, s.wantHits)
		}
	}
}

func TestConcurrentUnknownKidsShareOneRefresh(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "")))
	start := time.Now()
	v, err := auth.NewVerifier(context.Background(), auth.Config{OIDCIssuerURL: idp.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock(start.Add(time.Minute))
	auth.SetVerifierClock(v, clock.Now)
	idp.set(func(idp *fakeIdP) {
		idp.jwks = jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", ""), publicJWK(t, &ecKey2().PublicKey, "k2", ""))
	})
	token := sign(t, jwt.SigningMethodES256, ecKey2(), "k2", idp.claimsFor(start))
	var wg sync.WaitGroup
	var failures atomic.Int32
	for range 20 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), token); err != nil {
				failures.Add(1)
			}
		})
	}
	wg.Wait()
	if got := failures.Load(); got != 0 {
		t.Errorf("%d of 20 concurrent Verify calls failed, want 0", got)
	}
	if got := idp.jwksHits.Load(); got != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (startup and one shared refresh)", got)
	}
}

func TestKeysRemovedByTheIssuerStopBeingTrustedAfterMaxKeyAge(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "")))
	start := time.Now()
	v, err := auth.NewVerifier(context.Background(), auth.Config{OIDCIssuerURL: idp.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock(start)
	auth.SetVerifierClock(v, clock.Now)
	idp.set(func(idp *fakeIdP) { idp.jwks = jwksOf(t, publicJWK(t, &ecKey2().PublicKey, "k2", "")) })

	// Within MaxKeyAge the cached key is still used without a fetch.
	clock.Set(start.Add(auth.MaxKeyAge - time.Minute))
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), "k1", idp.claimsFor(clock.Now()))); err != nil {
		t.Fatalf("Verify() with a cached key error = %v", err)
	}
	if got := idp.jwksHits.Load(); got != 1 {
		t.Fatalf("JWKS fetched %d times, want 1", got)
	}
	// After MaxKeyAge the keys are fetched again and k1 is gone.
	clock.Set(start.Add(auth.MaxKeyAge + time.Minute))
	token := sign(t, jwt.SigningMethodES256, ecKey(), "k1", idp.claimsFor(clock.Now()))
	_, err = v.Verify(context.Background(), token)
	wantAuthErr(t, err, errs.KindUnauthenticated, auth.ReasonTokenUnknownKey, token)
	if got := idp.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", got)
	}
}

func TestKeyFetchFailure(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "")))
	start := time.Now()
	v, err := auth.NewVerifier(context.Background(), auth.Config{OIDCIssuerURL: idp.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	clock := newFakeClock(start)
	auth.SetVerifierClock(v, clock.Now)
	idp.set(func(idp *fakeIdP) { idp.failJWKS = true })

	// An unknown kid while the issuer is down: UNAVAILABLE, not the caller's fault.
	clock.Set(start.Add(time.Minute))
	token := sign(t, jwt.SigningMethodES256, ecKey2(), "k2", idp.claimsFor(clock.Now()))
	_, err = v.Verify(context.Background(), token)
	wantAuthErr(t, err, errs.KindUnavailable, auth.ReasonKeysUnavailable, token, "retry later")
	if e, _ := errs.As(err); e.RetryAfter <= 0 {
		t.Errorf("RetryAfter = %s, want positive", e.RetryAfter)
	}
	// Stale keys stay in use while the issuer is down.
	clock.Set(start.Add(auth.MaxKeyAge + time.Hour))
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), "k1", idp.claimsFor(clock.Now()))); err != nil {
		t.Fatalf("Verify() with stale keys while the issuer is down: error = %v, want accepted", err)
	}
}

func TestOIDCIssuerOverrideIsTheExpectedIssuer(t *testing.T) {
	t.Parallel()
	idp := newFakeIdP(t, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "")))
	const public = "https://login.example.org/realms/justice"
	idp.set(func(idp *fakeIdP) { idp.issuer = public })
	v, err := auth.NewVerifier(context.Background(), auth.Config{OIDCIssuerURL: idp.srv.URL, Issuer: public})
	if err != nil {
		t.Fatalf("NewVerifier() error = %v", err)
	}
	claims := with(validClaims(time.Now()), map[string]any{"iss": public})
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), "k1", claims)); err != nil {
		t.Fatalf("Verify() error = %v", err)
	}
	token := sign(t, jwt.SigningMethodES256, ecKey(), "k1", idp.claimsFor(time.Now()))
	_, err = v.Verify(context.Background(), token)
	wantAuthErr(t, err, errs.KindUnauthenticated, auth.ReasonTokenWrongIssuer, token, public)
}

func TestKeysFileIsReadAgainOnUnknownKid(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", "")), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: testIssuer, KeysFile: path})
	if err != nil {
		t.Fatalf("NewVerifier() error = %v", err)
	}
	clock := newFakeClock(start)
	auth.SetVerifierClock(v, clock.Now)
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), "k1", validClaims(start))); err != nil {
		t.Fatalf("Verify() error = %v", err)
	}
	rotated := jwksOf(t, publicJWK(t, &ecKey().PublicKey, "k1", ""), publicJWK(t, &ecKey2().PublicKey, "k2", ""))
	if err := os.WriteFile(path, rotated, 0o600); err != nil {
		t.Fatal(err)
	}
	clock.Set(start.Add(auth.MinKeyRefreshInterval + time.Second))
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey2(), "k2", validClaims(start))); err != nil {
		t.Fatalf("Verify() with a key added to the file: error = %v", err)
	}
}

func TestNewVerifierFailsOnMissingKeysFile(t *testing.T) {
	t.Parallel()
	_, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: testIssuer, KeysFile: filepath.Join(t.TempDir(), "absent.json")})
	if err == nil || !strings.Contains(err.Error(), "AUTH_KEYS_FILE") {
		t.Fatalf("NewVerifier() error = %v, want one naming AUTH_KEYS_FILE", err)
	}
}
