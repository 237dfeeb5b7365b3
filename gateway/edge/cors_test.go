package edge

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
)

const (
	partnerOrigin = "https://app.partner.example"
	devOrigin     = "http://localhost:3000"
	strayOrigin   = "https://evil.example"
)

func withCORS(origins ...string) func(*Config) {
	return func(c *Config) { c.CORS.AllowedOrigins = origins }
}

// preflight sends a CORS preflight for method with the request headers.
func (te testEdge) preflight(t *testing.T, path, origin, method, headers string) reply {
	t.Helper()
	h := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {method}}
	if headers != "" {
		h.Set("Access-Control-Request-Headers", headers)
	}
	return te.do(t, http.MethodOptions, path, nil, h)
}

func TestCORSAllowsTheConfiguredOrigins(t *testing.T) {
	te := newTestEdge(t, generousLimit, withCORS(partnerOrigin, devOrigin))
	for _, origin := range []string{partnerOrigin, devOrigin} {
		// The preflight needs no token and reaches no service.
		r := te.preflight(t, "/v1/offices/mumbai/survivors/s1", origin, "PATCH", "authorization, content-type, if-match, idempotency-key, x-request-id")
		if r.status != http.StatusNoContent {
			t.Fatalf("preflight from %s: %d %s", origin, r.status, r.raw)
		}
		for header, want := range map[string]string{
			"Access-Control-Allow-Origin":  origin,
			"Access-Control-Allow-Methods": "GET, POST, PATCH, DELETE",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id",
			"Access-Control-Max-Age":       "600",
		} {
			if got := r.header.Get(header); got != want {
				t.Errorf("preflight from %s: %s = %q, want %q", origin, header, got, want)
			}
		}
		if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
			t.Errorf("preflight from %s: Vary = %q", origin, r.header.Values("Vary"))
		}

		// The actual request: the origin may read the response and its headers.
		h := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
		h.Set("Origin", origin)
		r = te.get(t, "/v1/offices/mumbai/survivors/s1", h)
		if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("GET from %s: %d, Allow-Origin %q", origin, r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		if got := r.header.Get("Access-Control-Expose-Headers"); got != "ETag, Location, X-Request-Id, Retry-After" {
			t.Errorf("GET from %s: Expose-Headers = %q", origin, got)
		}
		if r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("GET from %s allows credentials: the API takes bearer tokens, not cookies", origin)
		}
		// Errors too, so the page can read why (here: no token).
		r = te.get(t, "/v1/offices/mumbai/survivors/s1", http.Header{"Origin": {origin}})
		if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("GET without a token from %s: %d, Allow-Origin %q", origin, r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
	}
	if n := len(te.rescue.metadata(t)); n != 2 {
		t.Errorf("%d calls reached the service, want the 2 actual requests", n)
	}
}

func TestCORSRefusesOtherOriginsMethodsAndHeaders(t *testing.T) {
	te := newTestEdge(t, generousLimit, withCORS(partnerOrigin))
	for _, tc := range []struct {
		name, origin, method, headers, reason string
	}{
		{"another origin", strayOrigin, "GET", "authorization", ReasonCORSOriginNotAllowed},
		{"the origin with another port", partnerOrigin + ":8443", "GET", "", ReasonCORSOriginNotAllowed},
		{"the origin over http", "http://app.partner.example", "GET", "", ReasonCORSOriginNotAllowed},
		{"a method the API has not", partnerOrigin, "PUT", "", ReasonCORSRequestNotAllowed},
		{"a header the edge does not take", partnerOrigin, "GET", "authorization, x-roles", ReasonCORSRequestNotAllowed},
	} {
		r := te.preflight(t, "/v1/offices/mumbai/survivors", tc.origin, tc.method, tc.headers)
		if r.status != http.StatusForbidden || r.body.Status != "PERMISSION_DENIED" || detailReason(r.body) != tc.reason {
			t.Errorf("preflight, %s: %d %s, want 403 %s", tc.name, r.status, r.raw, tc.reason)
		}
		for name := range r.header {
			if strings.HasPrefix(name, "Access-Control-") {
				t.Errorf("preflight, %s: refused but answered %s", tc.name, name)
			}
		}
	}
	// An actual request from another origin is served (a non-browser
	// client may send any Origin) but without CORS headers, so a browser
	// keeps the response from the page.
	h := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
	h.Set("Origin", strayOrigin)
	r := te.get(t, "/v1/offices/mumbai/survivors/s1", h)
	if r.status != http.StatusOK {
		t.Errorf("GET from another origin: %d", r.status)
	}
	for name := range r.header {
		if strings.HasPrefix(name, "Access-Control-") {
			t.Errorf("GET from another origin: answered %s", name)
		}
	}
}

func TestWithoutAllowedOriginsThereIsNoCORS(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	r := te.preflight(t, "/v1/offices/mumbai/survivors", partnerOrigin, "GET", "authorization")
	if r.status != http.StatusUnauthorized || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight with CORS off: %d, Allow-Origin %q; want a plain 401", r.status, r.header.Get("Access-Control-Allow-Origin"))
	}
}

func TestCORSAllowedOriginsAreValidated(t *testing.T) {
	t.Parallel()
	for _, good := range []string{partnerOrigin, devOrigin, "https://[::1]:8443", "http://127.0.0.1:5173"} {
		if err := (CORSConfig{AllowedOrigins: []string{good}}).Validate(); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, bad := range []string{"*", "null", "", "app.partner.example", "https://app.partner.example/", "https://app.partner.example/path",
		"https://App.Partner.example", "ftp://files.example", "https://app.partner.example:443", "https://user@app.partner.example",
		"https://app.partner.example?x=1"} {
		err := (CORSConfig{AllowedOrigins: []string{bad}}).Validate()
		if err == nil || !strings.Contains(err.Error(), "CORS_ALLOWED_ORIGINS") {
			t.Errorf("%q: %v, want an error naming CORS_ALLOWED_ORIGINS", bad, err)
		}
	}
}

func TestCORSAllowedOriginsLoadFromTheEnvironment(t *testing.T) {
	t.Parallel()
	var spec struct{ CORS CORSConfig }
	env := envconfig.MapLookuper(map[string]string{"CORS_ALLOWED_ORIGINS": partnerOrigin + "," + devOrigin})
	if err := config.Load(context.Background(), &spec, env); err != nil {
		t.Fatal(err)
	}
	if strings.Join(spec.CORS.AllowedOrigins, " ") != partnerOrigin+" "+devOrigin {
		t.Errorf("loaded %q", spec.CORS.AllowedOrigins)
	}
	for _, off := range []map[string]string{{}, {"CORS_ALLOWED_ORIGINS": ""}} {
		spec.CORS = CORSConfig{}
		if err := config.Load(context.Background(), &spec, envconfig.MapLookuper(off)); err != nil || len(spec.CORS.AllowedOrigins) != 0 {
			t.Errorf("%v: %v, origins %q; want no CORS", off, err, spec.CORS.AllowedOrigins)
		}
	}
	env = envconfig.MapLookuper(map[string]string{"CORS_ALLOWED_ORIGINS": partnerOrigin + ",https://x.example/app"})
	err := config.Load(context.Background(), &spec, env)
	if err == nil || !strings.Contains(err.Error(), `CORS_ALLOWED_ORIGINS=`) || !strings.Contains(err.Error(), `"https://x.example/app"`) {
		t.Errorf("a path in an origin: %v, want an error naming the variable and the entry", err)
	}
}
