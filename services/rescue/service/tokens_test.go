package service_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

// forger signs tokens with arbitrary headers and claims, with the test
// issuer's own private key (read from its directory) or another key.
type forger struct {
	key *ecdsa.PrivateKey
	kid string
}

func (e *env) forger(t *testing.T) forger {
	t.Helper()
	path := strings.TrimSuffix(e.cfg.Auth.KeysFile, auth.IssuerJWKSFile) + auth.IssuerKeyFile
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s is not PEM", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return forger{key: parsed.(*ecdsa.PrivateKey), kid: e.issuer.KeyID()}
}

func b64(v any) string {
	var b []byte
	switch v := v.(type) {
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			panic(err)
		}
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// sign returns header.claims signed with ES256 by f's key.
func (f forger) sign(t *testing.T, header, claims map[string]any) string {
	t.Helper()
	input := b64(header) + "." + b64(claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, f.key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64(sig)
}

// claims are valid claims for a mumbai investigator; tests break one at a time.
func validClaims() map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": testIssuer, "aud": auth.DefaultAudience, "sub": "forger", "iat": now.Unix(), "nbf": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "roles": []string{auth.RoleInvestigator}, "offices": []string{"mumbai"},
	}
}

func withBearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// TestForgedTokensAreRejected presents the service, reached directly
// (without the gateway), with tokens that must not authenticate. Each is
// UNAUTHENTICATED with a message saying what was wrong, and never reads
// the survivor.
func TestForgedTokensAreRejected(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	sv, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	f := e.forger(t)
	es256 := map[string]any{"alg": "ES256", "typ": "JWT", "kid": f.kid}
	with := func(change func(map[string]any)) map[string]any {
		c := validClaims()
		change(c)
		return c
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	valid := f.sign(t, es256, validClaims())
	parts := strings.Split(valid, ".")
	tampered := parts[0] + "." + b64(with(func(c map[string]any) { c["offices"] = []string{"kolkata", "mumbai"}; c["roles"] = []string{"admin"} })) + "." + parts[2]
	jwks := e.issuer.JWKS()
	mac := hmac.New(crypto.SHA256.New, jwks)
	hsInput := b64(map[string]any{"alg": "HS256", "typ": "JWT", "kid": f.kid}) + "." + b64(validClaims())
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + b64(mac.Sum(nil))

	tests := []struct {
		name   string
		token  string // "" sends no authorization at all
		reason string
	}{
		{"no token", "", auth.ReasonTokenMissing},
		{"garbage", "not.a.jwt", auth.ReasonTokenMalformed},
		{"alg none", b64(map[string]any{"alg": "none", "typ": "JWT"}) + "." + b64(validClaims()) + ".", auth.ReasonTokenAlgorithmNotAllowed},
		{"HS256 keyed with the public keys", hs256, auth.ReasonTokenAlgorithmNotAllowed},
		{"expired", f.sign(t, es256, with(func(c map[string]any) {
			c["exp"] = time.Now().Add(-time.Hour).Unix()
			c["iat"], c["nbf"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix()
		})), auth.ReasonTokenExpired},
		{"not yet valid", f.sign(t, es256, with(func(c map[string]any) { c["nbf"] = time.Now().Add(time.Hour).Unix() })), auth.ReasonTokenNotYetValid},
		{"wrong audience", f.sign(t, es256, with(func(c map[string]any) { c["aud"] = "another-system" })), auth.ReasonTokenWrongAudience},
		{"wrong issuer", f.sign(t, es256, with(func(c map[string]any) { c["iss"] = "https://evil.example" })), auth.ReasonTokenWrongIssuer},
		{"missing exp", f.sign(t, es256, with(func(c map[string]any) { delete(c, "exp") })), auth.ReasonTokenMissingClaim},
		{"tampered payload", tampered, auth.ReasonTokenSignatureInvalid},
		{"signed by another key under the issuer's kid", forger{key: otherKey, kid: f.kid}.sign(t, es256, validClaims()), auth.ReasonTokenSignatureInvalid},
		{"unknown kid", forger{key: otherKey, kid: "unknown"}.sign(t, map[string]any{"alg": "ES256", "typ": "JWT", "kid": "unknown"}, validClaims()), auth.ReasonTokenUnknownKey},
		{"unknown role", f.sign(t, es256, with(func(c map[string]any) { c["roles"] = []string{"superuser"} })), auth.ReasonTokenUnknownRole},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := ctxT(t)
			if tc.token != "" {
				ctx = withBearer(ctx, tc.token)
			}
			got, err := e.anon.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
			st := statusOf(t, err, codes.Unauthenticated, tc.reason)
			if got != nil || (tc.token != "" && strings.Contains(st.Message(), tc.token)) {
				t.Errorf("answer %v, message %q", got, st.Message())
			}
		})
	}
	// The valid token of the same forger works: the rejections above are the forgeries'.
	if _, err := e.anon.GetSurvivor(withBearer(ctxT(t), valid), &rescuev1.GetSurvivorRequest{Name: sv.GetName()}); err != nil {
		t.Fatalf("the untampered token: %v", err)
	}
	// Every rejected attempt at the survivor is in the audit log.
	n, err := e.db.Collection("audit_log").CountDocuments(context.Background(), bson.D{
		{Key: "resource", Value: sv.GetName()}, {Key: "outcome", Value: "DENIED"}, {Key: "code", Value: "UNAUTHENTICATED"},
	})
	if err != nil || n != int64(len(tests)) {
		t.Errorf("%d denied attempts audited (%v), want %d", n, err, len(tests))
	}
}

// TestMetadataCannotChangeWhoTheCallerIs sends a valid kolkata token with
// every header a proxy or a forger might use to claim other offices or
// roles. None of it counts: mumbai's records stay out of reach.
func TestMetadataCannotChangeWhoTheCallerIs(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	sv, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	kolkata := identity.Principal{Subject: "rina", Roles: []string{auth.RoleInvestigator}, Offices: []string{"kolkata"}}
	mumbaiAdmin := e.token(t, identity.Principal{Subject: "boss", Roles: []string{auth.RoleAdmin}, AllOffices: true})
	smuggled := []string{
		"x-offices", "mumbai", "offices", "mumbai", "x-roles", "admin", "roles", "admin", "subject", "boss",
		"x-subject", "boss", "x-forwarded-user", "boss", "grpc-metadata-x-offices", "mumbai",
		"grpc-metadata-authorization", "Bearer " + mumbaiAdmin, "x-authorization", "Bearer " + mumbaiAdmin,
	}
	ctx := metadata.AppendToOutgoingContext(e.ctxAs(t, kolkata), smuggled...)
	_, err = e.anon.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	statusOf(t, err, codes.NotFound, "SURVIVOR_NOT_FOUND")
	resp, err := e.anon.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/-"})
	if err != nil || len(resp.GetSurvivors()) != 0 {
		t.Errorf("kolkata caller with smuggled headers listed %v (%v)", resp.GetSurvivors(), err)
	}
	_, err = e.anon.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai"})
	statusOf(t, err, codes.NotFound, auth.ReasonOfficeNotFound)
	_, err = e.anon.EraseSurvivorIdentity(ctx, &rescuev1.EraseSurvivorIdentityRequest{Name: sv.GetName(), Reason: "r"})
	statusOf(t, err, codes.PermissionDenied, auth.ReasonRoleNotAllowed)

	// Two authorization values are refused, not chosen from.
	both := metadata.AppendToOutgoingContext(e.ctxAs(t, kolkata), "authorization", "Bearer "+mumbaiAdmin)
	_, err = e.anon.GetSurvivor(both, &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	statusOf(t, err, codes.Unauthenticated, "")

	// A valid token of another office reads exactly as a missing record.
	_, errForeign := e.anon.GetSurvivor(e.ctxAs(t, kolkata), &rescuev1.GetSurvivorRequest{Name: sv.GetName()})
	missing := strings.Replace(sv.GetName(), "/survivors/", "/survivors/x", 1)
	_, errMissing := e.client.GetSurvivor(ctxT(t), &rescuev1.GetSurvivorRequest{Name: missing})
	a := statusOf(t, errForeign, codes.NotFound, "SURVIVOR_NOT_FOUND")
	b := statusOf(t, errMissing, codes.NotFound, "SURVIVOR_NOT_FOUND")
	if strings.Replace(a.Message(), sv.GetName(), "X", 1) != strings.Replace(b.Message(), missing, "X", 1) {
		t.Errorf("another office's record reads differently from a missing one: %q vs %q", a.Message(), b.Message())
	}
}
