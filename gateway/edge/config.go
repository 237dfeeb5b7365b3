// Package edge is the REST edge: a grpc-gateway mux that translates partner
// apps' JSON/HTTP calls into gRPC calls on the services (rescue at
// RESCUE_ADDR, prosecution at PROSECUTION_ADDR), with one JSON error format,
// request ids, body limits, an access log and OpenTelemetry.
//
// Two APIs are the edge's own, served in-process and on GATEWAY_GRPC_ADDR:
// the cross-office metrics (package insights, over every service's
// MetricsSourceService) and the audit log, GET
// /v1/{parent=offices/*}/auditEntries, which every service serves for its
// own records and the edge answers with all of them merged newest first
// (package auditmerge). /readyz is 200 only when every service of every
// backend answers SERVING.
//
// Every route but /healthz, /readyz and /openapi.json needs a bearer token,
// verified here (401 with an RFC 6750 WWW-Authenticate challenge otherwise)
// and again by each service, to which it travels as "authorization" gRPC
// metadata; no other caller header can reach the services as metadata except
// X-Request-Id. Each caller (token subject) is rate limited (429 with
// Retry-After above the limit).
//
// The Idempotency-Key and If-Match headers become the request_id and etag
// fields of the gRPC request itself (a stale etag from If-Match is 412
// Precondition Failed); responses carry ETag, and creates answer 201 with
// Location. Browsers on the origins of CORS_ALLOWED_ORIGINS may call the
// edge. Each request has a deadline: HTTP_REQUEST_TIMEOUT, or its route's in
// HTTP_ROUTE_TIMEOUTS. /openapi.json describes every route.
package edge

import (
	"fmt"
	"net"
	"time"

	"github.com/justiceops/justice/gateway/insights"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// Config is the gateway's configuration, read from the environment.
type Config struct {
	// HTTPAddr is where the REST edge listens.
	HTTPAddr string `env:"HTTP_ADDR, default=127.0.0.1:8080"`
	// GRPCAddr is where the edge serves its own gRPC APIs (InsightsService
	// and the merged AuditService).
	GRPCAddr string `env:"GATEWAY_GRPC_ADDR, default=127.0.0.1:9090"`
	// RescueAddr is the rescue service's gRPC address.
	RescueAddr string `env:"RESCUE_ADDR, default=127.0.0.1:9001"`
	// ProsecutionAddr is the prosecution service's gRPC address.
	ProsecutionAddr string `env:"PROSECUTION_ADDR, default=127.0.0.1:9002"`
	// MaxBodyBytes caps a request body; larger bodies get 413.
	MaxBodyBytes int64 `env:"HTTP_MAX_BODY_BYTES, default=1048576"`
	// RequestTimeout bounds each request, unless RouteTimeouts says otherwise
	// for its route; the deadline travels to the services, and a request
	// past it is 504.
	RequestTimeout time.Duration `env:"HTTP_REQUEST_TIMEOUT, default=15s"`
	// RouteTimeouts gives some routes their own timeout instead of
	// RequestTimeout: comma-separated "METHOD PATH=DURATION" entries, e.g.
	// "GET /v1/offices/*/survivors=5s,POST /v1/offices/*/survivors/*:eraseIdentity=30s".
	// METHOD is GET, POST, PATCH, DELETE or *; * in PATH is one segment; the
	// first matching entry applies. Empty: RequestTimeout everywhere.
	RouteTimeouts string `env:"HTTP_ROUTE_TIMEOUTS"`
	// ShutdownTimeout bounds the drain of in-flight requests on shutdown.
	ShutdownTimeout time.Duration `env:"HTTP_SHUTDOWN_TIMEOUT, default=15s"`
	// CORS says which browser origins may call the edge (CORS_ALLOWED_ORIGINS).
	CORS CORSConfig
	// Auth says which bearer tokens the edge accepts (AUTH_*): in production
	// an OIDC issuer (AUTH_OIDC_ISSUER_URL), locally the stack's own issuer
	// (AUTH_KEYS_FILE with AUTH_ISSUER). Every route except /healthz, /readyz
	// and /openapi.json needs a valid token.
	Auth auth.Config
	// RateLimit bounds each caller's request rate, keyed by the token's
	// subject (RATE_LIMIT_RPS, RATE_LIMIT_BURST); above it the edge answers 429.
	RateLimit ratelimit.Config
	// Offices lists the offices (OFFICES_FILE; default Mumbai and Kolkata),
	// over which the cross-office metrics are merged.
	Offices office.Config
	// Insights configures the cross-office metrics fan-out
	// (INSIGHTS_SOURCE_TIMEOUT, INSIGHTS_SUPPRESSION_K).
	Insights insights.Config
	// Log configures the structured logger.
	Log logging.Config
}

// Validate reports the first invalid setting, naming its variable.
func (c Config) Validate() error {
	for _, a := range []struct{ name, value string }{
		{"HTTP_ADDR", c.HTTPAddr},
		{"GATEWAY_GRPC_ADDR", c.GRPCAddr},
		{"RESCUE_ADDR", c.RescueAddr},
		{"PROSECUTION_ADDR", c.ProsecutionAddr},
	} {
		if _, _, err := net.SplitHostPort(a.value); err != nil {
			return fmt.Errorf("%s=%q: must be host:port, e.g. 127.0.0.1:8080", a.name, a.value)
		}
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 64<<20 {
		return fmt.Errorf("HTTP_MAX_BODY_BYTES=%d: must be between 1024 and 67108864", c.MaxBodyBytes)
	}
	if c.RequestTimeout <= 0 {
		return fmt.Errorf("HTTP_REQUEST_TIMEOUT=%s: must be a positive duration, e.g. 15s", c.RequestTimeout)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("HTTP_SHUTDOWN_TIMEOUT=%s: must be a positive duration, e.g. 15s", c.ShutdownTimeout)
	}
	if _, err := c.routeTimeouts(); err != nil {
		return err
	}
	return nil
}

// routeTimeouts parses RouteTimeouts against the edge's routes.
func (c Config) routeTimeouts() ([]routeTimeout, error) {
	table, err := routes()
	if err != nil {
		return nil, fmt.Errorf("edge.Config.routeTimeouts: %w", err)
	}
	rts, err := parseRouteTimeouts(c.RouteTimeouts, table)
	if err != nil {
		return nil, config.Invalid("HTTP_ROUTE_TIMEOUTS", c.RouteTimeouts, err.Error())
	}
	return rts, nil
}
