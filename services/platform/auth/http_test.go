package auth_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// echoPrincipal answers 200 with what the handler saw.
func echoPrincipal(w http.ResponseWriter, r *http.Request) {
	p, ok := auth.HTTPPrincipal(r)
	fromCtx := identity.FromContext(r.Context())
	w.Header().Set("X-Subject", p.Subject)
	w.Header().Set("X-Context-Subject", fromCtx.Subject)
	w.Header().Set("X-Authenticated", map[bool]string{true: "yes", false: "no"}[ok])
	w.Header().Set("X-Smuggled", r.Header.Get("Grpc-Metadata-Authorization")+r.Header.Get("Grpc-Metadata-X-Roles"))
	w.WriteHeader(http.StatusOK)
}

func TestHTTPMiddleware(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	token, err := iss.Mint(identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}, Offices: []string{"mumbai"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := iss.Mint(identity.Principal{Subject: "root", Roles: []string{auth.RoleAdmin}, AllOffices: true}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	auth.SetIssuerClock(iss, func() time.Time { return time.Now().Add(-3 * time.Hour) })
	expired, err := iss.Mint(identity.Principal{Subject: "priya", Roles: []string{auth.RoleInvestigator}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := auth.HTTPMiddleware(v, http.HandlerFunc(echoPrincipal), nil)

	tests := []struct {
		name          string
		path          string
		headers       [][2]string
		wantStatus    int
		wantSubject   string
		wantChallenge string // substring of WWW-Authenticate; "-" means absent
		leak          string // a token that must not appear in the response
	}{
		{name: "healthz needs no token", path: "/healthz", wantStatus: 200, wantChallenge: "-"},
		{name: "readyz needs no token", path: "/readyz", wantStatus: 200, wantChallenge: "-"},
		{name: "openapi needs no token", path: "/openapi.json", wantStatus: 200, wantChallenge: "-"},
		{name: "API path without token is 401 with a bare challenge", path: "/v1/offices/mumbai/survivors",
			wantStatus: 401, wantChallenge: `Bearer realm="justice"`},
		{name: "a path only resembling an exempt one needs a token", path: "/healthz/../v1/offices/-/survivors",
			wantStatus: 401},
		{name: "valid token reaches the handler with its principal", path: "/v1/offices/mumbai/survivors",
			headers: [][2]string{{"Authorization", "Bearer " + token}}, wantStatus: 200, wantSubject: "priya", wantChallenge: "-"},
		{name: "expired token is 401 invalid_token saying it expired", path: "/v1/offices/mumbai/survivors",
			headers:    [][2]string{{"Authorization", "Bearer " + expired}},
			wantStatus: 401, wantChallenge: `error="invalid_token", error_description="the token expired at `, leak: expired},
		{name: "basic credentials are 401", path: "/v1/x",
			headers: [][2]string{{"Authorization", "Basic cHJpeWE6c2VjcmV0"}}, wantStatus: 401, wantChallenge: `error="invalid_token"`},
		{name: "two authorization headers are 401", path: "/v1/x",
			headers:    [][2]string{{"Authorization", "Bearer " + token}, {"Authorization", "Bearer " + admin}},
			wantStatus: 401, wantChallenge: "exactly one", leak: admin},
		{name: "Grpc-Metadata headers are stripped before the handler", path: "/v1/x",
			headers: [][2]string{
				{"Authorization", "Bearer " + token},
				{"Grpc-Metadata-Authorization", "Bearer " + admin},
				{"grpc-metadata-x-roles", "admin"},
			},
			wantStatus: 200, wantSubject: "priya", wantChallenge: "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "http://gateway.test"+tc.path, nil)
			for _, kv := range tc.headers {
				req.Header.Add(kv[0], kv[1])
			}
			rr := httptest.NewRecorder()
			h.ServeHTTP(rr, req)
			res := rr.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d (%s), want %d", res.StatusCode, body, tc.wantStatus)
			}
			challenge := res.Header.Get("WWW-Authenticate")
			switch {
			case tc.wantChallenge == "-" && challenge != "":
				t.Errorf("WWW-Authenticate = %q, want none", challenge)
			case tc.wantChallenge != "-" && !strings.Contains(challenge, tc.wantChallenge):
				t.Errorf("WWW-Authenticate = %q, want it to contain %q", challenge, tc.wantChallenge)
			}
			if tc.wantStatus == 200 {
				if got := res.Header.Get("X-Subject"); got != tc.wantSubject {
					t.Errorf("HTTPPrincipal subject = %q, want %q", got, tc.wantSubject)
				}
				if got := res.Header.Get("X-Context-Subject"); tc.wantSubject != "" && got != tc.wantSubject {
					t.Errorf("identity.FromContext subject = %q, want %q", got, tc.wantSubject)
				}
				if want := map[bool]string{true: "yes", false: "no"}[tc.wantSubject != ""]; res.Header.Get("X-Authenticated") != want {
					t.Errorf("HTTPPrincipal ok = %q, want %q", res.Header.Get("X-Authenticated"), want)
				}
				if got := res.Header.Get("X-Smuggled"); got != "" {
					t.Errorf("the handler saw Grpc-Metadata headers: %q", got)
				}
			}
			for _, leak := range []string{tc.leak, token} {
				assertNoToken(t, string(body)+challenge, leak)
			}
		})
	}
}

func TestHTTPMiddlewarePassesErrorsToWriteErr(t *testing.T) {
	t.Parallel()
	iss := newTestIssuer(t)
	v, err := auth.NewVerifierFromJWKS(iss.Config(), iss.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	var got error
	h := auth.HTTPMiddleware(v, http.HandlerFunc(echoPrincipal), func(w http.ResponseWriter, _ *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	})
	rr := httptest.NewRecorder()
	h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, "/v1/offices/-/survivors", nil))
	if rr.Code != http.StatusTeapot {
		t.Fatalf("status = %d, want the custom writer's 418", rr.Code)
	}
	wantAuthErrKind(t, got, auth.ReasonTokenMissing, "")
}

func TestWWWAuthenticate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "missing token is a bare challenge", err: errs.Unauthenticated(auth.ReasonTokenMissing, "a bearer token is required"),
			want: `Bearer realm="justice"`},
		{name: "invalid token names the problem", err: errs.Unauthenticated(auth.ReasonTokenExpired, "the token expired at 2026-01-02T03:04:05Z; get a new token"),
			want: `Bearer realm="justice", error="invalid_token", error_description="the token expired at 2026-01-02T03:04:05Z; get a new token"`},
		{name: "quotes and backslashes cannot break the header", err: errs.Unauthenticated(auth.ReasonTokenUnknownRole, "role \"x\\\"\ny\" é"),
			want: `Bearer realm="justice", error="invalid_token", error_description="role 'x'y' "`},
		{name: "other kinds get no challenge", err: errs.PermissionDenied(auth.ReasonRoleNotAllowed, "no"), want: ""},
		{name: "plain errors get no challenge", err: errors.New("boom"), want: ""},
		{name: "nil gets no challenge", err: nil, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := auth.WWWAuthenticate(tc.err); got != tc.want {
				t.Fatalf("WWWAuthenticate() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestWriteHTTPErrorStatuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{errs.Unauthenticated(auth.ReasonTokenExpired, "expired"), http.StatusUnauthorized},
		{errs.Unavailable(auth.ReasonKeysUnavailable, time.Second, "keys unavailable"), http.StatusServiceUnavailable},
		{errors.New("db password is hunter2"), http.StatusInternalServerError},
	}
	for _, tc := range tests {
		rr := httptest.NewRecorder()
		auth.WriteHTTPError(rr, httptest.NewRequest(http.MethodGet, "/", nil), tc.err)
		if rr.Code != tc.want {
			t.Errorf("WriteHTTPError(%v) status = %d, want %d", tc.err, rr.Code, tc.want)
		}
		if strings.Contains(rr.Body.String(), "hunter2") {
			t.Errorf("WriteHTTPError leaked an internal error: %q", rr.Body.String())
		}
	}
}
