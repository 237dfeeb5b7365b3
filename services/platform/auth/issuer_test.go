package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

const localIssuer = "http://127.0.0.1:8080"

func newTestIssuer(t *testing.T) *auth.Issuer {
	t.Helper()
	iss, err := auth.LoadOrCreateIssuer(filepath.Join(t.TempDir(), "auth"), localIssuer, "justice")
	if err != nil {
		t.Fatalf("LoadOrCreateIssuer() error = %v", err)
	}
	return iss
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func TestLoadOrCreateIssuerKeepsItsKeyAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "auth")
	first, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice")
	if err != nil {
		t.Fatalf("first LoadOrCreateIssuer() error = %v", err)
	}
	token, err := first.Mint(identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}, time.Hour)
	if err != nil {
		t.Fatalf("Mint() error = %v", err)
	}

	// "Restart": load again from the same directory.
	second, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice")
	if err != nil {
		t.Fatalf("second LoadOrCreateIssuer() error = %v", err)
	}
	if first.KeyID() != second.KeyID() || string(first.JWKS()) != string(second.JWKS()) {
		t.Fatalf("key changed across restarts: kid %q -> %q", first.KeyID(), second.KeyID())
	}
	v, err := auth.NewVerifier(context.Background(), second.Config())
	if err != nil {
		t.Fatalf("NewVerifier(second.Config()) error = %v", err)
	}
	p, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("token minted before the restart: Verify() error = %v", err)
	}
	if p.Subject != "priya" || !slices.Equal(p.Roles, []string{auth.RoleInvestigator}) || !slices.Equal(p.Offices, []string{"mumbai"}) {
		t.Fatalf("Verify() = %+v", p)
	}
}

func TestLoadOrCreateIssuerFileModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "auth")
	// A pre-existing, too open directory is tightened.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	iss, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice")
	if err != nil {
		t.Fatalf("LoadOrCreateIssuer() error = %v", err)
	}
	for _, tc := range []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700},
		{filepath.Join(dir, auth.IssuerKeyFile), 0o600},
		{filepath.Join(dir, auth.IssuerJWKSFile), 0o644},
	} {
		if got := fileMode(t, tc.path); got != tc.want {
			t.Errorf("mode of %s = %#o, want %#o", filepath.Base(tc.path), got, tc.want)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want 2 (no temporary files left)", len(entries))
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, auth.IssuerJWKSFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(onDisk) != string(iss.JWKS()) {
		t.Errorf("issuer-jwks.json differs from JWKS()")
	}
	if strings.Contains(string(onDisk), `"d"`) {
		t.Errorf("issuer-jwks.json contains private key material: %s", onDisk)
	}
	cfg := iss.Config()
	if cfg.KeysFile != filepath.Join(dir, auth.IssuerJWKSFile) || cfg.Issuer != localIssuer || cfg.Audience != "justice" ||
		cfg.ClockSkew != auth.DefaultClockSkew || !slices.Equal(cfg.Algorithms, []string{"ES256"}) {
		t.Errorf("Config() = %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Config().Validate() error = %v", err)
	}
}

func TestLoadOrCreateIssuerRefusesKeyReadableByOthers(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "auth")
	if _, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, auth.IssuerKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice")
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("LoadOrCreateIssuer() error = %v, want one telling to chmod 600", err)
	}
}

func TestLoadOrCreateIssuerRejectsBadKeyFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{name: "not PEM", content: "garbage", want: "not a PEM file"},
		{name: "wrong block type", content: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", want: `"CERTIFICATE"`},
		{name: "corrupt key", content: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", want: auth.IssuerKeyFile},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, auth.IssuerKeyFile), []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("LoadOrCreateIssuer() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadOrCreateIssuerConcurrentStartsAgreeOnOneKey(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "auth")
	kids := make([]string, 8)
	errors := make([]error, 8)
	var wg sync.WaitGroup
	for i := range kids {
		wg.Go(func() {
			iss, err := auth.LoadOrCreateIssuer(dir, localIssuer, "justice")
			errors[i] = err
			if err == nil {
				kids[i] = iss.KeyID()
			}
		})
	}
	wg.Wait()
	for i := range kids {
		if errors[i] != nil {
			t.Fatalf("start %d: error = %v", i, errors[i])
		}
		if kids[i] != kids[0] {
			t.Fatalf("start %d got kid %q, start 0 got %q", i, kids[i], kids[0])
		}
	}
}

func TestIssuerKeyIDIsTheRFC7638Thumbprint(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(iss.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	// RFC 7638 §3.2: the required members, lexicographic order, no whitespace.
	canonical, err := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{k["crv"], k["kty"], k["x"], k["y"]})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canonical)
	want := b64.EncodeToString(sum[:])
	if iss.KeyID() != want || k["kid"] != want {
		t.Fatalf("kid = %q (JWKS %q), want thumbprint %q", iss.KeyID(), k["kid"], want)
	}
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" {
		t.Fatalf("JWK = %v, want an EC P-256 ES256 signing key", k)
	}
}

func TestMintRequiresSubjectKnownRolesAndPositiveTTL(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	tests := []struct {
		name string
		p    identity.Principal
		ttl  time.Duration
		want string
	}{
		{name: "no subject", p: identity.Principal{Roles: []string{auth.RoleAdmin}}, ttl: time.Hour, want: "no subject"},
		{name: "no role", p: identity.Principal{Subject: "priya"}, ttl: time.Hour, want: "no role"},
		{name: "unknown role", p: identity.Principal{Subject: "priya", Roles: []string{"root"}}, ttl: time.Hour, want: `role "root"`},
		{name: "zero ttl", p: identity.Principal{Subject: "priya", Roles: []string{auth.RoleAdmin}}, want: "ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := iss.Mint(tc.p, tc.ttl)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Mint() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestMintedTokensCarryTheClaimsVerifiersNeed(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatalf("NewVerifierFromJWKS() error = %v", err)
	}
	token, err := iss.Mint(identity.Principal{Subject: "ravi", Roles: []string{auth.RoleRegionalDirector}, Offices: []string{"mumbai"}, AllOffices: true}, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	var header, claims map[string]any
	for i, dst := range []*map[string]any{&header, &claims} {
		raw, err := b64.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	if header["alg"] != "ES256" || header["kid"] != iss.KeyID() {
		t.Errorf("header = %v, want alg ES256 and kid %q", header, iss.KeyID())
	}
	if offices, _ := claims["offices"].([]any); len(offices) != 1 || offices[0] != "*" {
		t.Errorf(`offices claim = %v, want ["*"] for AllOffices`, claims["offices"])
	}
	for _, name := range []string{"iss", "aud", "sub", "exp", "nbf", "iat", "jti", "roles"} {
		if _, ok := claims[name]; !ok {
			t.Errorf("claim %q missing from %v", name, claims)
		}
	}
	if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 600 {
		t.Errorf("exp - iat = %v s, want 600", exp-iat)
	}
	p, err := v.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("Verify() error = %v", err)
	}
	if !p.AllOffices || p.Offices != nil || p.Subject != "ravi" {
		t.Fatalf("Verify() = %+v, want ravi with AllOffices", p)
	}
}

func TestTokensOfAnotherLocalIssuerAreRejected(t *testing.T) {
	t.Parallel()
	ours, theirs := newTestIssuer(t), newTestIssuer(t)
	v, err := auth.NewVerifierFromJWKS(ours.Config(), ours.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	token, err := theirs.Mint(identity.Principal{Subject: "mallory", Roles: []string{auth.RoleAdmin}, AllOffices: true}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), token)
	wantAuthErrKind(t, err, auth.ReasonTokenUnknownKey, token)
}

func TestMintedPartnerIDRoundTrips(t *testing.T) {
	t.Parallel()
	iss, err := auth.LoadOrCreateIssuer(t.TempDir(), "https://issuer.test", "justice")
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Mint(identity.Principal{Subject: "home-1", Roles: []string{auth.RolePartnerHome}, Offices: []string{"mumbai"}, PartnerID: "shakti-sadan-7"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if p.PartnerID != "shakti-sadan-7" {
		t.Errorf("PartnerID = %q, want shakti-sadan-7", p.PartnerID)
	}
}
