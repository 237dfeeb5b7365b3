package auth_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// testJWKS trusts the EC key "ec1", the RSA key "rsa1" and the Ed25519 key "ed1".
func testJWKS(t *testing.T) []byte {
	t.Helper()
	return jwksOf(t,
		publicJWK(t, &ecKey().PublicKey, "ec1", "ES256"),
		publicJWK(t, &rsaKey().PublicKey, "rsa1", ""),
		publicJWK(t, edKey().Public(), "ed1", ""),
	)
}

// newTestVerifier verifies tokens of testIssuer for testAudience signed by
// testJWKS's keys with algs (nil: the default ES256, RS256).
func newTestVerifier(t *testing.T, algs ...string) *auth.Verifier {
	t.Helper()
	v, err := auth.NewVerifierFromJWKS(auth.Config{
		Issuer: testIssuer, Audience: testAudience, ClockSkew: 30 * time.Second, Algorithms: algs,
	}, testJWKS(t))
	if err != nil {
		t.Fatalf("NewVerifierFromJWKS() error = %v", err)
	}
	return v
}

func TestVerifyRejectsForgedAndInvalidTokens(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good := validClaims(now)
	pubDER, err := x509.MarshalPKIXPublicKey(&ecKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})

	tests := []struct {
		name   string
		token  func(t *testing.T) string
		kind   errs.Kind
		reason string
		want   []string // substrings of the message
	}{
		{
			name:  "empty token is missing",
			token: func(*testing.T) string { return "" },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenMissing, want: []string{"Bearer"},
		},
		{
			name: "alg none is not allowed",
			token: func(t *testing.T) string {
				return rawToken(t, map[string]any{"alg": "none", "typ": "JWT", "kid": "ec1"}, good, nil)
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenAlgorithmNotAllowed, want: []string{`"none"`, "ES256, RS256"},
		},
		{
			name: "alg none with a signature is not allowed",
			token: func(t *testing.T) string {
				return rawToken(t, map[string]any{"alg": "none", "kid": "ec1"}, good, []byte("sig"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenAlgorithmNotAllowed,
		},
		{
			name:  "HS256 signed with the PEM public key is not allowed",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodHS256, pubPEM, "ec1", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenAlgorithmNotAllowed, want: []string{`"HS256"`},
		},
		{
			name:  "HS256 signed with the published JWKS bytes is not allowed",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodHS256, testJWKS(t), "ec1", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenAlgorithmNotAllowed,
		},
		{
			name:  "ES384 is not allowed when not configured",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES384, ec384Key(), "ec1", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenAlgorithmNotAllowed,
		},
		{
			name: "expired token is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{
					"iat": now.Add(-2 * time.Hour).Unix(), "nbf": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix(),
				}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenExpired, want: []string{"expired at " + now.Add(-time.Hour).UTC().Format(time.RFC3339)},
		},
		{
			name: "token expired beyond the clock skew is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"exp": now.Add(-31 * time.Second).Unix()}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenExpired,
		},
		{
			name: "token not yet valid is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"nbf": now.Add(time.Hour).Unix()}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenNotYetValid, want: []string{"not valid before"},
		},
		{
			name: "token issued in the future is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"iat": now.Add(time.Hour).Unix()}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenNotYetValid, want: []string{"issued in the future"},
		},
		{
			name: "wrong issuer is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"iss": "https://evil.test"}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenWrongIssuer, want: []string{testIssuer},
		},
		{
			name: "wrong audience is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"aud": []string{"billing", "payroll"}}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenWrongAudience, want: []string{`"justice"`},
		},
		{
			name: "missing exp is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, nil, "exp"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMissingClaim, want: []string{`"exp"`},
		},
		{
			name: "missing sub is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, nil, "sub"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMissingClaim, want: []string{`"sub"`},
		},
		{
			name: "missing roles are rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, nil, "roles"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMissingClaim, want: []string{`"roles"`},
		},
		{
			name: "empty roles are rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"roles": []string{}}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMissingClaim, want: []string{`"roles"`},
		},
		{
			name: "missing iss is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, nil, "iss"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMissingClaim, want: []string{`"iss"`},
		},
		{
			name: "missing aud is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, nil, "aud"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMissingClaim, want: []string{`"aud"`},
		},
		{
			name: "tampered payload with the original signature is rejected",
			token: func(t *testing.T) string {
				tok := sign(t, jwt.SigningMethodES256, ecKey(), "ec1", good)
				parts := strings.Split(tok, ".")
				forged, err := json.Marshal(with(good, map[string]any{"roles": []string{"admin"}, "offices": []string{"*"}}))
				if err != nil {
					t.Fatal(err)
				}
				return parts[0] + "." + b64.EncodeToString(forged) + "." + parts[2]
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenSignatureInvalid,
		},
		{
			name: "tampered header kid with the original signature is rejected",
			token: func(t *testing.T) string {
				tok := sign(t, jwt.SigningMethodES256, ecKey(), "ec1", good)
				parts := strings.Split(tok, ".")
				h, err := json.Marshal(map[string]any{"alg": "ES256", "typ": "JWT", "kid": "ec1", "x": 1})
				if err != nil {
					t.Fatal(err)
				}
				return b64.EncodeToString(h) + "." + parts[1] + "." + parts[2]
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenSignatureInvalid,
		},
		{
			name:  "unknown kid is rejected",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, ecKey(), "ec-rotated-away", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenUnknownKey, want: []string{"kid"},
		},
		{
			name:  "missing kid is rejected",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, ecKey(), "", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenUnknownKey, want: []string{"kid"},
		},
		{
			name:  "token signed by another key with the same kid is rejected",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, ecKey2(), "ec1", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenSignatureInvalid,
		},
		{
			name:  "RS256 token naming the EC key is rejected",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, rsaKey(), "ec1", good) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenSignatureInvalid, want: []string{"RS256"},
		},
		{
			name: "unknown role is rejected",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"roles": []string{"investigator", "superuser"}}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenUnknownRole, want: []string{`"superuser"`, "investigator"},
		},
		{
			name: "roles of the wrong type are malformed",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"roles": 7}))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMalformed,
		},
		{
			name:  "garbage is malformed",
			token: func(*testing.T) string { return "not-a-jwt" },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenMalformed,
		},
		{
			name:  "three garbage parts are malformed",
			token: func(*testing.T) string { return "aaaaaaaaaa.bbbbbbbbbb.cccccccccc" },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenMalformed,
		},
		{
			name: "header without alg is malformed",
			token: func(t *testing.T) string {
				return rawToken(t, map[string]any{"typ": "JWT", "kid": "ec1"}, good, []byte("signature"))
			},
			kind: errs.KindUnauthenticated, reason: auth.ReasonTokenMalformed, want: []string{"alg"},
		},
		{
			name:  "oversized token is malformed",
			token: func(*testing.T) string { return strings.Repeat("a", auth.MaxTokenBytes+1) },
			kind:  errs.KindUnauthenticated, reason: auth.ReasonTokenMalformed,
		},
	}
	v := newTestVerifier(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			token := tc.token(t)
			p, err := v.Verify(context.Background(), token)
			if err == nil {
				t.Fatalf("Verify() = %+v, nil; want %s", p, tc.reason)
			}
			wantAuthErr(t, err, tc.kind, tc.reason, token, tc.want...)
			if err.Error() != "" {
				assertNoToken(t, err.Error(), token)
			}
		})
	}
}

func TestVerifyMapsValidTokensToPrincipal(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good := validClaims(now)
	tests := []struct {
		name  string
		algs  []string
		token func(t *testing.T) string
		want  identity.Principal
	}{
		{
			name:  "ES256 token with offices",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", good) },
			want:  identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
		{
			name: "offices star means all offices",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{
					"sub": "ravi", "roles": []string{"regional_director", "auditor"}, "offices": []string{"*"},
				}))
			},
			want: identity.Principal{Subject: "ravi", Roles: []string{"regional_director", "auditor"}, AllOffices: true},
		},
		{
			name: "several offices keep their order without duplicates",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{
					"offices": []string{"mumbai", "kolkata", "mumbai"}, "roles": []string{"lawyer", "lawyer"},
				}))
			},
			want: identity.Principal{Subject: "priya", Roles: []string{"lawyer"}, Offices: []string{"mumbai", "kolkata"}},
		},
		{
			name: "no offices claim means no office",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"roles": []string{"admin"}}, "offices"))
			},
			want: identity.Principal{Subject: "priya", Roles: []string{"admin"}},
		},
		{
			name: "a single role string is a list of one",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"roles": "social_worker"}))
			},
			want: identity.Principal{Subject: "priya", Roles: []string{"social_worker"}, Offices: []string{"mumbai"}},
		},
		{
			name: "service role is known",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"sub": "svc:rescue", "roles": []string{"service"}}))
			},
			want: identity.Principal{Subject: "svc:rescue", Roles: []string{"service"}, Offices: []string{"mumbai"}},
		},
		{
			name: "audience list containing ours is accepted",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"aud": []string{"other", testAudience}}))
			},
			want: identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
		{
			name: "expired within the clock skew is accepted",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{"exp": now.Add(-10 * time.Second).Unix()}))
			},
			want: identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
		{
			name: "not before within the clock skew is accepted",
			token: func(t *testing.T) string {
				return sign(t, jwt.SigningMethodES256, ecKey(), "ec1", with(good, map[string]any{
					"nbf": now.Add(10 * time.Second).Unix(), "iat": now.Add(10 * time.Second).Unix(),
				}))
			},
			want: identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
		{
			name:  "RS256 token",
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodRS256, rsaKey(), "rsa1", good) },
			want:  identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
		{
			name:  "PS256 token when configured",
			algs:  []string{"PS256"},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodPS256, rsaKey(), "rsa1", good) },
			want:  identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
		{
			name:  "EdDSA token when configured",
			algs:  []string{"EdDSA"},
			token: func(t *testing.T) string { return sign(t, jwt.SigningMethodEdDSA, edKey(), "ed1", good) },
			want:  identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newTestVerifier(t, tc.algs...)
			got, err := v.Verify(context.Background(), tc.token(t))
			if err != nil {
				t.Fatalf("Verify() error = %v", err)
			}
			if got.Subject != tc.want.Subject || !slices.Equal(got.Roles, tc.want.Roles) ||
				!slices.Equal(got.Offices, tc.want.Offices) || got.AllOffices != tc.want.AllOffices {
				t.Fatalf("Verify() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestVerifyRejectsKeyWhoseAlgDiffersFromToken(t *testing.T) {
	t.Parallel()
	// The RSA key is published for RS256 only; a PS256 token naming it is refused.
	jwks := jwksOf(t, publicJWK(t, &rsaKey().PublicKey, "rsa1", "RS256"))
	v, err := auth.NewVerifierFromJWKS(auth.Config{Issuer: testIssuer, Algorithms: []string{"RS256", "PS256"}}, jwks)
	if err != nil {
		t.Fatal(err)
	}
	token := sign(t, jwt.SigningMethodPS256, rsaKey(), "rsa1", validClaims(time.Now()))
	_, err = v.Verify(context.Background(), token)
	wantAuthErr(t, err, errs.KindUnauthenticated, auth.ReasonTokenSignatureInvalid, token, "PS256")
}

func TestNewVerifierFromJWKSRejectsUnusableKeySets(t *testing.T) {
	t.Parallel()
	ecPub := publicJWK(t, &ecKey().PublicKey, "ec1", "")
	withD := publicJWK(t, &ecKey().PublicKey, "ec1", "")
	withD["d"] = b64.EncodeToString(ecKey().D.Bytes())
	offCurve := publicJWK(t, &ecKey().PublicKey, "ec1", "")
	offCurve["y"] = offCurve["x"]
	shortX := publicJWK(t, &ecKey().PublicKey, "ec1", "")
	shortX["x"] = b64.EncodeToString([]byte("short"))
	// A 1024-bit modulus.
	smallRSA := map[string]any{"kty": "RSA", "kid": "r", "n": b64.EncodeToString(append([]byte{0xc1}, make([]byte, 127)...)), "e": "AQAB"}
	encOnly := publicJWK(t, &ecKey().PublicKey, "enc", "")
	encOnly["use"] = "enc"
	noKid := publicJWK(t, &ecKey().PublicKey, "", "")
	delete(noKid, "kid")

	tests := []struct {
		name string
		jwks []byte
		want string
	}{
		{name: "not JSON", jwks: []byte("{"), want: "not a JWKS"},
		{name: "no keys", jwks: jwksOf(t), want: "no usable signing key"},
		{name: "only an encryption key", jwks: jwksOf(t, encOnly), want: "no usable signing key"},
		{name: "only an unsupported key type", jwks: jwksOf(t, map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}), want: "no usable signing key"},
		{name: "private key material", jwks: jwksOf(t, withD), want: "private key"},
		{name: "duplicate kid", jwks: jwksOf(t, ecPub, ecPub), want: "appears twice"},
		{name: "point not on the curve", jwks: jwksOf(t, offCurve), want: "invalid EC point"},
		{name: "coordinate of the wrong size", jwks: jwksOf(t, shortX), want: `"x"`},
		{name: "RSA key under 2048 bits", jwks: jwksOf(t, smallRSA), want: "at least 2048"},
		{name: "signing key without kid", jwks: jwksOf(t, noKid), want: "kid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.NewVerifierFromJWKS(auth.Config{Issuer: testIssuer}, tc.jwks)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewVerifierFromJWKS() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNewVerifierFromJWKSSkipsKeysItCannotUse(t *testing.T) {
	t.Parallel()
	encOnly := publicJWK(t, &ecKey2().PublicKey, "enc", "")
	encOnly["use"] = "enc"
	jwks := jwksOf(t,
		map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"},
		encOnly,
		publicJWK(t, &ecKey().PublicKey, "ec1", ""),
	)
	v, err := auth.NewVerifierFromJWKS(auth.Config{Issuer: testIssuer}, jwks)
	if err != nil {
		t.Fatalf("NewVerifierFromJWKS() error = %v", err)
	}
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodES256, ecKey(), "ec1", validClaims(time.Now()))); err != nil {
		t.Fatalf("Verify() error = %v", err)
	}
	token := sign(t, jwt.SigningMethodES256, ecKey2(), "enc", validClaims(time.Now()))
	_, err = v.Verify(context.Background(), token)
	wantAuthErr(t, err, errs.KindUnauthenticated, auth.ReasonTokenUnknownKey, token)
}

func TestNewVerifierFromJWKSRequiresIssuerAndValidConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  auth.Config
		want string
	}{
		{name: "no issuer", cfg: auth.Config{}, want: "AUTH_ISSUER"},
		{name: "HS256 algorithm", cfg: auth.Config{Issuer: testIssuer, Algorithms: []string{"HS256"}}, want: "AUTH_ALGORITHMS"},
		{name: "skew too large", cfg: auth.Config{Issuer: testIssuer, ClockSkew: time.Hour}, want: "AUTH_CLOCK_SKEW"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.NewVerifierFromJWKS(tc.cfg, testJWKS(t))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewVerifierFromJWKS() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestVerifierReportsIssuerAndAudience(t *testing.T) {
	t.Parallel()
	v := newTestVerifier(t)
	if v.Issuer() != testIssuer || v.Audience() != testAudience {
		t.Fatalf("Issuer(), Audience() = %q, %q; want %q, %q", v.Issuer(), v.Audience(), testIssuer, testAudience)
	}
}
