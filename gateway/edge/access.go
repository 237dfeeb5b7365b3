package edge

import (
	"net"
	"net/http"
	"strconv"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// ReasonRateLimited is the ErrorInfo reason of a 429: the caller sent more
// requests than RATE_LIMIT_RPS and RATE_LIMIT_BURST allow; RetryInfo and the
// Retry-After header say when to retry.
const ReasonRateLimited = "RATE_LIMITED"

// ReasonAuthFailuresLimited is the ErrorInfo reason of a 429 answered
// instead of a 401: the client address sent more requests without a valid
// token than RATE_LIMIT_RPS and RATE_LIMIT_BURST allow.
const ReasonAuthFailuresLimited = "AUTH_FAILURES_RATE_LIMITED"

// authenticate lets a request through only with exactly one valid bearer
// token (auth.HTTPMiddleware; /healthz, /readyz and /openapi.json excepted),
// with the caller's principal in its context, and strips every
// Grpc-Metadata-* header. Failures are 401 in the edge's JSON error format
// with an RFC 6750 WWW-Authenticate challenge.
//
// Requests without a valid token have no subject to rate-limit by, so their
// failures are counted per client address (the connection's, never a
// forwarded header a client could forge): above the limit the edge answers
// 429 instead of 401, which throttles token guessing and floods of bad
// tokens. Behind a proxy every client shares the proxy's address.
func authenticate(next http.Handler, v *auth.Verifier, failures *ratelimit.Limiter, cfg ratelimit.Config) http.Handler {
	onFailure := func(w http.ResponseWriter, r *http.Request, err error) {
		if errs.Is(err, errs.KindUnauthenticated) {
			if allowed, after := failures.Allow("addr:" + clientAddr(r)); !allowed {
				limited := errs.ResourceExhausted(ReasonAuthFailuresLimited,
					"too many requests without a valid token from this address: at most %s per second, in bursts of up to %d; retry after the Retry-After delay with a valid token",
					strconv.FormatFloat(cfg.RPS, 'f', -1, 64), cfg.Burst)
				limited.RetryAfter = after
				writeErr(w, r, limited)
				return
			}
		}
		writeErr(w, r, err)
	}
	return auth.HTTPMiddleware(v, next, onFailure)
}

// clientAddr is the host of the connection's remote address.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// rateLimit bounds each authenticated caller's request rate, keyed by the
// token's subject, answering 429 RESOURCE_EXHAUSTED with Retry-After above
// it. The public paths (no principal) are not limited: probes must answer.
func rateLimit(next http.Handler, l *ratelimit.Limiter, cfg ratelimit.Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.HTTPPrincipal(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if allowed, after := l.Allow(p.Subject); !allowed {
			err := errs.ResourceExhausted(ReasonRateLimited,
				"too many requests from this caller: at most %s per second, in bursts of up to %d; retry after the Retry-After delay",
				strconv.FormatFloat(cfg.RPS, 'f', -1, 64), cfg.Burst)
			err.RetryAfter = after
			writeErr(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}
