package edge

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
)

func TestRouteTimeoutsParse(t *testing.T) {
	t.Parallel()
	table, err := routes()
	if err != nil {
		t.Fatal(err)
	}
	rts, err := parseRouteTimeouts(" GET /v1/offices/*/survivors=5s , POST /v1/offices/*/survivors/*:eraseIdentity=30s,* /v1/offices/mumbai/locations/*=2m", table)
	if err != nil {
		t.Fatal(err)
	}
	want := []routeTimeout{
		{"GET", "/v1/offices/*/survivors", 5 * time.Second},
		{"POST", "/v1/offices/*/survivors/*:eraseIdentity", 30 * time.Second},
		{"*", "/v1/offices/mumbai/locations/*", 2 * time.Minute},
	}
	if len(rts) != len(want) {
		t.Fatalf("parsed %v", rts)
	}
	for i := range want {
		if rts[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, rts[i], want[i])
		}
	}
	for _, empty := range []string{"", "  "} {
		if rts, err := parseRouteTimeouts(empty, table); err != nil || rts != nil {
			t.Errorf("%q: %v %v, want no entries", empty, rts, err)
		}
	}
	for spec, wantErr := range map[string]string{
		"GET /v1/offices/*/survivors":                                   "no =DURATION",
		"GET /v1/offices/*/survivors=soon":                              "duration",
		"GET /v1/offices/*/survivors=0s":                                "positive",
		"GET /v1/offices/*/survivors=11m":                               "at most 10m",
		"PUT /v1/offices/*/survivors=5s":                                "GET, POST, PATCH, DELETE or *",
		"get /v1/offices/*/survivors=5s":                                "GET, POST, PATCH, DELETE or *",
		"GET v1/offices/*/survivors=5s":                                 "must start with /",
		"/v1/offices/*/survivors=5s":                                    "METHOD PATH=DURATION",
		"GET /v1/offices/*/survivorz=5s":                                "no route is GET /v1/offices/*/survivorz",
		"POST /v1/offices/*/survivors/*=5s":                             "no route is POST",
		"GET /v1/offices/*/survivors/*:eraseIdentity=5s":                "no route is GET",
		"POST /v1/offices/*/survivors/*:erase=5s":                       "no route",
		"GET /v1/offices/*/survivors=5s,":                               "empty",
		"GET /v1/offices/*/survivors=5s,GET /v1/offices/*/survivors=6s": "twice",
	} {
		_, err := parseRouteTimeouts(spec, table)
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Errorf("%q: %v, want an error saying %q", spec, err, wantErr)
		}
	}
}

func TestTheFirstMatchingRouteTimeoutApplies(t *testing.T) {
	t.Parallel()
	rts := []routeTimeout{
		{"GET", "/v1/offices/mumbai/survivors/*", time.Second},
		{"*", "/v1/offices/*/survivors/*", 2 * time.Second},
		{"POST", "/v1/offices/*/survivors/*:eraseIdentity", 3 * time.Second},
	}
	for _, tc := range []struct {
		method, path string
		want         time.Duration
	}{
		{"GET", "/v1/offices/mumbai/survivors/s1", time.Second},
		{"GET", "/v1/offices/kolkata/survivors/s1", 2 * time.Second},
		{"PATCH", "/v1/offices/kolkata/survivors/s1", 2 * time.Second},
		{"POST", "/v1/offices/kolkata/survivors/s1:eraseIdentity", 3 * time.Second},
		{"GET", "/v1/offices/kolkata/survivors/s1:findDuplicates", 9 * time.Second},
		{"GET", "/v1/offices/kolkata/survivors", 9 * time.Second},
		{"GET", "/healthz", 9 * time.Second},
	} {
		if got := timeoutFor(tc.method, tc.path, 9*time.Second, rts); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
	if got := longestTimeout(9*time.Second, rts); got != 9*time.Second {
		t.Errorf("longest = %s", got)
	}
	if got := longestTimeout(time.Second, rts); got != 3*time.Second {
		t.Errorf("longest = %s", got)
	}
}

func TestConfigNamesHTTPRouteTimeouts(t *testing.T) {
	t.Parallel()
	cfg := Config{HTTPAddr: "127.0.0.1:8080", GRPCAddr: "127.0.0.1:9090", RescueAddr: "127.0.0.1:9001", ProsecutionAddr: "127.0.0.1:9002", MaxBodyBytes: 1 << 20,
		RequestTimeout: 15 * time.Second, ShutdownTimeout: 15 * time.Second, RouteTimeouts: "GET /v1/nowhere=5s"}
	err := cfg.Validate()
	if err == nil || !strings.HasPrefix(err.Error(), `HTTP_ROUTE_TIMEOUTS="GET /v1/nowhere=5s": `) {
		t.Errorf("Validate: %v, want an error naming HTTP_ROUTE_TIMEOUTS", err)
	}
	cfg.RouteTimeouts = "GET /v1/offices/*/survivors=5s"
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestARouteTimeoutBoundsItsRequests(t *testing.T) {
	te := newTestEdge(t, generousLimit, func(c *Config) {
		c.RequestTimeout = 5 * time.Second
		c.RouteTimeouts = "GET /v1/offices/*/survivors/*=300ms"
	})
	h := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
	if r := te.get(t, "/v1/offices/mumbai/survivors/s1", h); r.status != http.StatusOK {
		t.Fatalf("GET: %d %s", r.status, r.raw)
	}
	te.rescue.mu.Lock()
	left := te.rescue.deadline
	te.rescue.mu.Unlock()
	if left <= 0 || left > 300*time.Millisecond {
		t.Errorf("the service got %s to answer, want at most the route's 300ms", left)
	}
	start := time.Now()
	r := te.get(t, "/v1/offices/mumbai/survivors/slow", h)
	if r.status != http.StatusGatewayTimeout || r.body.Status != "DEADLINE_EXCEEDED" {
		t.Errorf("a call slower than its route timeout: %d %s, want 504 DEADLINE_EXCEEDED", r.status, r.raw)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the slow call took %s: the route timeout did not apply", took)
	}
}
