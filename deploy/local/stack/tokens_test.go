package stack_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/deploy/local/stack"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// issuerKey reads the local issuer's signing key from the keys directory,
// for forging tokens that differ from genuine ones in one respect only.
func issuerKey(t *testing.T, dataDir string) *ecdsa.PrivateKey {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir, "keys", auth.IssuerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		t.Fatal("the issuer key file is not PEM")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*ecdsa.PrivateKey)
}

// rescueClient dials the rescue service directly, past the edge.
func rescueClient(t *testing.T, s *stack.Stack) rescuev1.RescueServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(s.Addrs.Rescue, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return rescuev1.NewRescueServiceClient(conn)
}

// createSurvivor records a survivor in office and returns its name.
func createSurvivor(c client, office, pseudonym string) string {
	c.t.Helper()
	op := seedOperation(c, office)
	return str(c.must(201, "POST", "/v1/offices/"+office+"/survivors", survivorBody(op, pseudonym, 25)).Body, "name")
}

func TestForgedTokensAreRejected(t *testing.T) {
	dir := t.TempDir()
	s := startStack(t, dir)
	defer s.Stop()
	c := investigator(t, s)
	name := createSurvivor(c, "mumbai", "Asha")
	direct := rescueClient(t, s)

	key := issuerKey(t, dir)
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		m := jwt.MapClaims{
			"iss": "justice-local", "aud": []string{"justice"}, "sub": "mallory",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"roles": []string{auth.RoleInvestigator}, "offices": []string{"*"},
		}
		if edit != nil {
			edit(m)
		}
		return m
	}
	sign := func(method jwt.SigningMethod, c jwt.MapClaims, kid string, key any) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = kid
		signed, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	kid := s.Issuer.KeyID()

	// The forging is faithful: the same recipe with nothing wrong is accepted.
	c.as(sign(jwt.SigningMethodES256, claims(nil), kid, key)).must(200, "GET", "/v1/"+name, nil)

	tampered := func() string {
		genuine := mint(t, s, "mallory", []string{auth.RoleTrainer}, "kolkata")
		parts := strings.Split(genuine, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(payload, &m); err != nil {
			t.Fatal(err)
		}
		m["roles"], m["offices"] = []string{auth.RoleInvestigator}, []string{"*"}
		payload, err = json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	}()
	cases := []struct {
		name, token, reason string
	}{
		{"alg none", sign(jwt.SigningMethodNone, claims(nil), kid, jwt.UnsafeAllowNoneSignatureType), auth.ReasonTokenAlgorithmNotAllowed},
		{"HS256 signed with the public key (PEM)", sign(jwt.SigningMethodHS256, claims(nil), kid, pubPEM), auth.ReasonTokenAlgorithmNotAllowed},
		{"HS256 signed with the public key (JWKS)", sign(jwt.SigningMethodHS256, claims(nil), kid, s.Issuer.JWKS()), auth.ReasonTokenAlgorithmNotAllowed},
		{"expired", sign(jwt.SigningMethodES256, claims(func(m jwt.MapClaims) {
			m["iat"], m["nbf"], m["exp"] = now.Add(-3*time.Hour).Unix(), now.Add(-3*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		}), kid, key), auth.ReasonTokenExpired},
		{"not yet valid", sign(jwt.SigningMethodES256, claims(func(m jwt.MapClaims) {
			m["nbf"], m["exp"] = now.Add(time.Hour).Unix(), now.Add(2*time.Hour).Unix()
		}), kid, key), auth.ReasonTokenNotYetValid},
		{"wrong issuer", sign(jwt.SigningMethodES256, claims(func(m jwt.MapClaims) { m["iss"] = "https://evil.example" }), kid, key), auth.ReasonTokenWrongIssuer},
		{"wrong audience", sign(jwt.SigningMethodES256, claims(func(m jwt.MapClaims) { m["aud"] = []string{"another-api"} }), kid, key), auth.ReasonTokenWrongAudience},
		{"missing exp", sign(jwt.SigningMethodES256, claims(func(m jwt.MapClaims) { delete(m, "exp") }), kid, key), auth.ReasonTokenMissingClaim},
		{"tampered payload", tampered, auth.ReasonTokenSignatureInvalid},
		{"unknown kid", sign(jwt.SigningMethodES256, claims(nil), "kid-nobody-published", otherKey), auth.ReasonTokenUnknownKey},
		{"the issuer's kid, another key", sign(jwt.SigningMethodES256, claims(nil), kid, otherKey), auth.ReasonTokenSignatureInvalid},
		{"unknown role", sign(jwt.SigningMethodES256, claims(func(m jwt.MapClaims) { m["roles"] = []string{"superuser"} }), kid, key), auth.ReasonTokenUnknownRole},
		{"not a JWT", "bm90LWEtand0", auth.ReasonTokenMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client{t: t, base: c.base, token: tc.token}
			r := c.do("GET", "/v1/"+name, nil)
			if r.Status != 401 || r.Body["status"] != "UNAUTHENTICATED" {
				t.Fatalf("status %d %s, want 401 UNAUTHENTICATED", r.Status, r.Raw)
			}
			if got := reason(r.Body); got != tc.reason {
				t.Errorf("reason %s, want %s: %s", got, tc.reason, r.Raw)
			}
			challenge := r.Header.Get("WWW-Authenticate")
			if !strings.HasPrefix(challenge, `Bearer realm="justice", error="invalid_token", error_description="`) || len(challenge) < 70 {
				t.Errorf("WWW-Authenticate %q does not say what was wrong", challenge)
			}
			signature := tc.token[strings.LastIndexByte(tc.token, '.')+1:]
			for _, leak := range []string{tc.token, signature} {
				if leak != "" && (strings.Contains(string(r.Raw), leak) || strings.Contains(challenge, leak)) {
					t.Errorf("the response echoes the token")
				}
			}
			if strings.Contains(string(r.Raw), "Zyxwy") {
				t.Errorf("the response carries the legal name: %s", r.Raw)
			}
			// The service refuses it too when called directly, past the edge.
			ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+tc.token)
			if _, err := direct.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: name}); status.Code(err) != codes.Unauthenticated {
				t.Errorf("direct gRPC call: %v, want UNAUTHENTICATED", err)
			}
		})
	}

	t.Run("a genuine token for another office", func(t *testing.T) {
		mine := c
		mine.t = t
		kolkata := mine.as(mint(t, s, "ravi", []string{auth.RoleInvestigator}, "kolkata"))
		r := kolkata.must(404, "GET", "/v1/"+name, nil)
		missing := mine.must(404, "GET", "/v1/offices/mumbai/survivors/"+strings.Repeat("a", 20), nil)
		if r.Body["status"] != "NOT_FOUND" || reason(r.Body) != reason(missing.Body) {
			t.Errorf("another office's record: %s; a missing record: %s; want the same answer", r.Raw, missing.Raw)
		}
		if strings.Contains(string(r.Raw), "Asha") || strings.Contains(string(r.Raw), "Zyxwy") {
			t.Errorf("the 404 reveals the record: %s", r.Raw)
		}
		list := kolkata.must(200, "GET", "/v1/offices/-/survivors", nil)
		if items, _ := list.Body["survivors"].([]any); len(items) != 0 {
			t.Errorf("offices/- as a kolkata caller lists mumbai survivors: %s", list.Raw)
		}
		kolkata.must(404, "GET", "/v1/offices/mumbai/survivors", nil)
	})
}

func TestHeadersAndMetadataCannotChangeWhoTheCallerIs(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	c := investigator(t, s)
	mumbai := createSurvivor(c, "mumbai", "Asha")
	kolkata := createSurvivor(c, "kolkata", "Mitali")
	direct := rescueClient(t, s)

	sunita := mint(t, s, "sunita", []string{auth.RoleSocialWorker}, "mumbai")
	root := mint(t, s, "root", []string{auth.RoleAdmin, auth.RoleOfficeDirector, auth.RoleInvestigator}, "*")
	smuggled := []string{
		"Grpc-Metadata-Authorization", "Bearer " + root,
		"Grpc-Metadata-Subject", "root",
		"Grpc-Metadata-X-Roles", auth.RoleAdmin,
		"Grpc-Metadata-Roles", auth.RoleAdmin,
		"Grpc-Metadata-Offices", "*",
		"Grpc-Metadata-X-Request-Id", "smuggled",
		"X-Roles", auth.RoleAdmin,
		"X-Subject", "root",
		"X-Forwarded-User", "root",
		"X-Offices", "*",
	}
	sw := c.as(sunita)
	sw.must(404, "GET", "/v1/"+kolkata, nil, smuggled...)
	denied := sw.must(403, "POST", "/v1/"+mumbai+":eraseIdentity", map[string]any{"reason": "smuggled"}, smuggled...)
	if reason(denied.Body) != auth.ReasonRoleNotAllowed {
		t.Errorf("erase as a social worker with smuggled headers: %s", denied.Raw)
	}
	got := sw.must(200, "GET", "/v1/"+mumbai, nil, smuggled...)
	if str(got.Body, "legal_name") != "Zyxwy Qqvarn" {
		t.Errorf("the social worker's own read: %s", got.Raw)
	}
	all := sw.must(200, "GET", "/v1/offices/-/survivors", nil, smuggled...)
	if items, _ := all.Body["survivors"].([]any); len(items) != 1 {
		t.Errorf("offices/- with smuggled headers lists %d survivors, want only mumbai's 1", len(items))
	}
	// Without a real Authorization header, a smuggled one does not count.
	anon := c.as("")
	if r := anon.must(401, "GET", "/v1/"+mumbai, nil, smuggled...); reason(r.Body) != auth.ReasonTokenMissing {
		t.Errorf("smuggled token alone: %s", r.Raw)
	}

	// Straight to the service: forged metadata beside a genuine token.
	ctx := metadata.AppendToOutgoingContext(context.Background(),
		"authorization", "Bearer "+sunita, "subject", "root", "x-roles", auth.RoleAdmin, "roles", auth.RoleAdmin,
		"offices", "*", "grpc-metadata-authorization", "Bearer "+root, "x-forwarded-user", "root")
	if _, err := direct.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: kolkata}); status.Code(err) != codes.NotFound {
		t.Errorf("direct GetSurvivor of kolkata with forged metadata: %v, want NOT_FOUND", err)
	}
	if _, err := direct.EraseSurvivorIdentity(ctx, &rescuev1.EraseSurvivorIdentityRequest{Name: mumbai, Reason: "forged"}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("direct erase with forged metadata: %v, want PERMISSION_DENIED", err)
	}
	two := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+sunita, "authorization", "Bearer "+root)
	if _, err := direct.GetSurvivor(two, &rescuev1.GetSurvivorRequest{Name: kolkata}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("direct call with two authorization values: %v, want UNAUTHENTICATED", err)
	}

	// The audit log names the real caller of every access to the record.
	auditor := c.as(mint(t, s, "asha-auditor", []string{auth.RoleAuditor}, "*"))
	q := url.Values{"filter": {`resource = "` + mumbai + `"`}, "page_size": {"500"}}
	entries := auditor.must(200, "GET", "/v1/offices/mumbai/auditEntries?"+q.Encode(), nil)
	list, _ := entries.Body["audit_entries"].([]any)
	if len(list) != 3 {
		t.Fatalf("the audit log has %d entries for %s, want 3: the read and the two refused erasures: %s", len(list), mumbai, entries.Raw)
	}
	for _, e := range list {
		if m := e.(map[string]any); str(m, "subject") != "sunita" || strings.Contains(fmt.Sprint(m["roles"]), auth.RoleAdmin) {
			t.Errorf("audit entry %v, want the real caller sunita, social worker", m)
		}
	}
}

func TestEachCallerIsRateLimitedAtTheEdge(t *testing.T) {
	s := startStack(t, t.TempDir(), func(cfg *stack.Config, _ **slog.Logger) {
		cfg.RateLimit = ratelimit.Config{RPS: 0.2, Burst: 3}
	})
	defer s.Stop()
	base := "http://" + s.Addrs.HTTP
	priya := client{t: t, base: base, token: mint(t, s, "priya", []string{auth.RoleInvestigator}, "mumbai")}
	for i := 0; i < 3; i++ {
		priya.must(200, "GET", "/v1/offices/mumbai/survivors", nil)
	}
	r := priya.must(429, "GET", "/v1/offices/mumbai/survivors", nil)
	if r.Body["status"] != "RESOURCE_EXHAUSTED" || reason(r.Body) != "RATE_LIMITED" || !strings.Contains(string(r.Raw), "RetryInfo") {
		t.Errorf("429 body: %s", r.Raw)
	}
	if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 5 {
		t.Errorf("Retry-After = %q, want 1..5 seconds", r.Header.Get("Retry-After"))
	}
	// The limit follows the caller, not the token: a new token does not reset it.
	priya.as(mint(t, s, "priya", []string{auth.RoleInvestigator}, "mumbai")).must(429, "GET", "/v1/offices/mumbai/survivors", nil)
	// Another caller has a budget of its own, and probes are never limited.
	client{t: t, base: base, token: mint(t, s, "ravi", []string{auth.RoleInvestigator}, "mumbai")}.must(200, "GET", "/v1/offices/mumbai/survivors", nil)
	for i := 0; i < 5; i++ {
		client{t: t, base: base}.must(200, "GET", "/healthz", nil)
	}
}
