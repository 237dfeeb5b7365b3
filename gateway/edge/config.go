// Package edge is the REST edge: a grpc-gateway mux that translates partner
// apps' JSON/HTTP calls into gRPC calls on the services, with one JSON error
// format, request ids, body limits, an access log and OpenTelemetry.
//
// Every route but /healthz, /readyz and /openapi.json needs a bearer token,
// verified here (401 with an RFC 6750 WWW-Authenticate challenge otherwise)
// and again by each service, to which it travels as "authorization" gRPC
// metadata; no other caller header can reach the services as metadata except
// X-Request-Id. Each caller (token subject) is rate limited (429 with
// Retry-After above the limit).
package edge

import (
	"fmt"
	"net"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// Config is the gateway's configuration, read from the environment.
type Config struct {
	// HTTPAddr is where the REST edge listens.
	HTTPAddr string `env:"HTTP_ADDR, default=127.0.0.1:8080"`
	// RescueAddr is the rescue service's gRPC address.
	RescueAddr string `env:"RESCUE_ADDR, default=127.0.0.1:9001"`
	// MaxBodyBytes caps a request body; larger bodies get 413.
	MaxBodyBytes int64 `env:"HTTP_MAX_BODY_BYTES, default=1048576"`
	// RequestTimeout bounds each proxied call.
	RequestTimeout time.Duration `env:"HTTP_REQUEST_TIMEOUT, default=15s"`
	// ShutdownTimeout bounds the drain of in-flight requests on shutdown.
	ShutdownTimeout time.Duration `env:"HTTP_SHUTDOWN_TIMEOUT, default=15s"`
	// Auth says which bearer tokens the edge accepts (AUTH_*): in production
	// an OIDC issuer (AUTH_OIDC_ISSUER_URL), locally the stack's own issuer
	// (AUTH_KEYS_FILE with AUTH_ISSUER). Every route except /healthz, /readyz
	// and /openapi.json needs a valid token.
	Auth auth.Config
	// RateLimit bounds each caller's request rate, keyed by the token's
	// subject (RATE_LIMIT_RPS, RATE_LIMIT_BURST); above it the edge answers 429.
	RateLimit ratelimit.Config
	// Log configures the structured logger.
	Log logging.Config
}

// Validate reports the first invalid setting, naming its variable.
func (c Config) Validate() error {
	for _, a := range []struct{ name, value string }{
		{"HTTP_ADDR", c.HTTPAddr},
		{"RESCUE_ADDR", c.RescueAddr},
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
	return nil
}
