package auth_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/justiceops/justice/services/platform/errs"
)

// The issuer and audience of the hand-built test tokens.
const (
	testIssuer   = "https://issuer.test"
	testAudience = "justice"
)

// Test keys, generated once per test binary (RSA generation is slow).
var (
	ecKey    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P256()) })
	ecKey2   = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P256()) })
	ec384Key = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P384()) })
	rsaKey   = sync.OnceValue(func() *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	})
	edKey = sync.OnceValue(func() ed25519.PrivateKey {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	})
)

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

var b64 = base64.RawURLEncoding

// publicJWK renders pub as a JWK map with kid (and alg when not "").
func publicJWK(t *testing.T, pub crypto.PublicKey, kid, alg string) map[string]any {
	t.Helper()
	m := map[string]any{"kid": kid}
	if alg != "" {
		m["alg"] = alg
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		raw, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		size := (len(raw) - 1) / 2
		m["kty"], m["crv"] = "EC", k.Curve.Params().Name
		m["x"], m["y"] = b64.EncodeToString(raw[1:1+size]), b64.EncodeToString(raw[1+size:])
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = b64.EncodeToString(k.N.Bytes())
		m["e"] = b64.EncodeToString(big.NewInt(int64(k.E)).Bytes())
	case ed25519.PublicKey:
		m["kty"], m["crv"], m["x"] = "OKP", "Ed25519", b64.EncodeToString(k)
	default:
		t.Fatalf("publicJWK: unsupported key type %T", pub)
	}
	return m
}

// jwksOf renders a JWKS document of the given JWKs.
func jwksOf(t *testing.T, keys ...map[string]any) []byte {
	t.Helper()
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// validClaims are the claims of a good token minted at now.
func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":     testIssuer,
		"aud":     testAudience,
		"sub":     "priya",
		"iat":     now.Unix(),
		"nbf":     now.Unix(),
		"exp":     now.Add(time.Hour).Unix(),
		"roles":   []string{"investigator"},
		"offices": []string{"mumbai"},
	}
}

// with returns a copy of c with the given claims set, and those named in
// del removed.
func with(c jwt.MapClaims, set map[string]any, del ...string) jwt.MapClaims {
	out := jwt.MapClaims{}
	for k, v := range c {
		out[k] = v
	}
	for k, v := range set {
		out[k] = v
	}
	for _, k := range del {
		delete(out, k)
	}
	return out
}

// sign signs claims with method and key, naming kid ("" for no kid).
func sign(t *testing.T, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign %s: %v", method.Alg(), err)
	}
	return s
}

// rawToken assembles a token from a JSON header, JSON claims and a raw signature.
func rawToken(t *testing.T, header map[string]any, c jwt.MapClaims, sig []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	p, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return b64.EncodeToString(h) + "." + b64.EncodeToString(p) + "." + b64.EncodeToString(sig)
}

// wantAuthErr checks err is an *errs.Error of kind and reason whose message
// says something (containing every want) without leaking the token.
func wantAuthErr(t *testing.T, err error, kind errs.Kind, reason, token string, want ...string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *errs.Error %s %s", err, err, kind, reason)
	}
	if e.Kind != kind || e.Reason != reason {
		t.Fatalf("error = %s %s %q, want %s %s", e.Kind, e.Reason, e.Message, kind, reason)
	}
	if e.Message == "" {
		t.Fatalf("error %s has an empty message", reason)
	}
	assertNoToken(t, e.Message, token)
	t.Logf("%s %s: %s", e.Kind, e.Reason, e.Message)
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("message %q does not contain %q", e.Message, w)
		}
	}
}

// assertNoToken fails if s contains the token or any of its non-trivial parts.
func assertNoToken(t *testing.T, s, token string) {
	t.Helper()
	if token == "" {
		return
	}
	if strings.Contains(s, token) {
		t.Fatalf("%q contains the token", s)
	}
	for i, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(s, part) {
			t.Fatalf("%q contains part %d of the token", s, i)
		}
	}
}

// fakeClock is a settable clock for the time-dependent parts.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// wantAuthErrKind is wantAuthErr for UNAUTHENTICATED.
func wantAuthErrKind(t *testing.T, err error, reason, token string, want ...string) {
	t.Helper()
	wantAuthErr(t, err, errs.KindUnauthenticated, reason, token, want...)
}
