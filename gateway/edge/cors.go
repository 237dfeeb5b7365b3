package edge

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/errs"
)

// CORSConfig says which browser origins may call the edge (CORS).
type CORSConfig struct {
	// AllowedOrigins are the exact origins (scheme://host[:port]) whose
	// pages may call the edge from a browser, e.g.
	// https://app.partner.example,http://localhost:3000. Empty: no CORS at
	// all (browsers then refuse cross-origin calls; other clients are not
	// concerned).
	AllowedOrigins []string `env:"CORS_ALLOWED_ORIGINS"`
}

// Validate checks that every entry is an origin as browsers send it.
func (c CORSConfig) Validate() error {
	var problems []error
	for _, o := range c.AllowedOrigins {
		if problem := originProblem(strings.TrimSpace(o)); problem != "" {
			problems = append(problems, config.Invalid("CORS_ALLOWED_ORIGINS", strings.Join(c.AllowedOrigins, ","),
				"entry "+strconv.Quote(strings.TrimSpace(o))+": "+problem))
		}
	}
	return errors.Join(problems...)
}

// originProblem says what is wrong with o as an allowed origin, or "".
func originProblem(o string) string {
	const want = "must be an origin, scheme://host[:port] in lower case without a path, e.g. https://app.partner.example or http://localhost:3000"
	switch o {
	case "":
		return "is empty; " + want
	case "*", "null":
		return "list each origin exactly; " + o + " is not accepted"
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(o, "#") {
		return want
	}
	if o != strings.ToLower(o) {
		return "must be in lower case, as browsers send it"
	}
	if (u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80") {
		return "must not name the scheme's default port: browsers leave it out"
	}
	return ""
}

// CORS headers the edge answers with.
const (
	corsAllowMethods  = "GET, POST, PATCH, DELETE"
	corsAllowHeaders  = "Authorization, Content-Type, Idempotency-Key, If-Match, X-Request-Id"
	corsExposeHeaders = "ETag, Location, X-Request-Id, Retry-After"
	// corsMaxAge is how long, in seconds, a browser may cache a preflight answer.
	corsMaxAge = 600
)

// ErrorInfo reasons of a refused CORS preflight (HTTP 403).
const (
	// ReasonCORSOriginNotAllowed: the page's origin is not in CORS_ALLOWED_ORIGINS.
	ReasonCORSOriginNotAllowed = "CORS_ORIGIN_NOT_ALLOWED"
	// ReasonCORSRequestNotAllowed: the preflight asks for a method or a
	// header the edge does not accept.
	ReasonCORSRequestNotAllowed = "CORS_REQUEST_NOT_ALLOWED"
)

// cors answers preflight requests from the allowed origins and adds the CORS
// headers to their actual requests. A request from another origin gets no
// CORS header (so the browser withholds the response from the page) and its
// preflight is 403. Requests without Origin are not concerned. With no
// allowed origin the handler is next itself.
func cors(next http.Handler, origins []string) http.Handler {
	allowed := map[string]bool{}
	for _, o := range origins {
		if o = strings.TrimSpace(o); o != "" {
			allowed[o] = true
		}
	}
	if len(allowed) == 0 {
		return next
	}
	methods := map[string]bool{}
	for _, m := range strings.Split(corsAllowMethods, ", ") {
		methods[m] = true
	}
	headers := map[string]bool{
		// CORS-safelisted request headers, which a browser may list too.
		"accept": true, "accept-language": true, "content-language": true,
	}
	for _, h := range strings.Split(corsAllowHeaders, ", ") {
		headers[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Origin")
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !preflight {
			if allowed[origin] {
				w.Header().Set("Access-Control-Allow-Origin", origin)
				w.Header().Set("Access-Control-Expose-Headers", corsExposeHeaders)
			}
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Add("Vary", "Access-Control-Request-Method")
		w.Header().Add("Vary", "Access-Control-Request-Headers")
		if !allowed[origin] {
			writeErr(w, r, errs.PermissionDenied(ReasonCORSOriginNotAllowed,
				"this origin may not call the API from a browser"))
			return
		}
		if m := r.Header.Get("Access-Control-Request-Method"); !methods[m] {
			writeErr(w, r, errs.PermissionDenied(ReasonCORSRequestNotAllowed,
				"method %.64q is not allowed; allowed: %s", m, corsAllowMethods))
			return
		}
		for _, list := range r.Header.Values("Access-Control-Request-Headers") {
			for _, h := range strings.Split(list, ",") {
				if h = strings.ToLower(strings.TrimSpace(h)); h != "" && !headers[h] {
					writeErr(w, r, errs.PermissionDenied(ReasonCORSRequestNotAllowed,
						"header %.64q is not allowed; allowed: %s", h, corsAllowHeaders))
					return
				}
			}
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Set("Access-Control-Allow-Methods", corsAllowMethods)
		w.Header().Set("Access-Control-Allow-Headers", corsAllowHeaders)
		w.Header().Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
		w.WriteHeader(http.StatusNoContent)
	})
}
