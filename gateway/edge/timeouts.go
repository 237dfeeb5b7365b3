package edge

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// MaxRouteTimeout bounds each HTTP_ROUTE_TIMEOUTS duration.
const MaxRouteTimeout = 10 * time.Minute

// routeTimeout is one HTTP_ROUTE_TIMEOUTS entry: requests of method (or any
// method, for *) whose path matches pattern get timeout instead of
// HTTP_REQUEST_TIMEOUT.
type routeTimeout struct {
	method  string
	pattern string
	timeout time.Duration
}

// parseRouteTimeouts reads HTTP_ROUTE_TIMEOUTS: comma-separated entries
// "METHOD PATH=DURATION", e.g.
//
//	GET /v1/offices/*/survivors=5s, POST /v1/offices/*/survivors/*:eraseIdentity=30s
//
// METHOD is GET, POST, PATCH, DELETE or * (any); in PATH, * stands for one
// path segment (an office, a record id), and a custom method (:verb) must be
// written out. Every entry must match at least one route of table; the
// first entry that matches a request applies. Empty: no entries.
func parseRouteTimeouts(spec string, table routeTable) ([]routeTimeout, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	const form = `entries are "METHOD PATH=DURATION" separated by commas, e.g. "GET /v1/offices/*/survivors=5s"`
	var out []routeTimeout
	seen := map[string]bool{}
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, errors.New("an entry is empty; " + form)
		}
		i := strings.LastIndexByte(entry, '=')
		if i < 0 {
			return nil, fmt.Errorf("entry %q has no =DURATION; %s", entry, form)
		}
		fields := strings.Fields(entry[:i])
		if len(fields) != 2 {
			return nil, fmt.Errorf("entry %q: %s", entry, form)
		}
		rt := routeTimeout{method: fields[0], pattern: fields[1]}
		switch rt.method {
		case http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete, "*":
		default:
			return nil, fmt.Errorf("entry %q: method %q must be GET, POST, PATCH, DELETE or *", entry, rt.method)
		}
		if !strings.HasPrefix(rt.pattern, "/") {
			return nil, fmt.Errorf("entry %q: path %q must start with /", entry, rt.pattern)
		}
		d, err := time.ParseDuration(strings.TrimSpace(entry[i+1:]))
		if err != nil || d <= 0 || d > MaxRouteTimeout {
			return nil, fmt.Errorf("entry %q: the duration must be positive and at most %s, e.g. 30s", entry, MaxRouteTimeout)
		}
		rt.timeout = d
		if seen[rt.method+" "+rt.pattern] {
			return nil, fmt.Errorf("entry %q: %s %s is listed twice", entry, rt.method, rt.pattern)
		}
		seen[rt.method+" "+rt.pattern] = true
		matched := false
		for _, r := range table {
			if (rt.method == "*" || rt.method == r.verb) && patternsOverlap(rt.pattern, r.pattern) {
				matched = true
				break
			}
		}
		if !matched {
			return nil, fmt.Errorf("entry %q: no route is %s %s; * stands for one path segment and custom methods are written out, e.g. GET /v1/offices/*/survivors/* or POST /v1/offices/*/locations/*:confirm (see /openapi.json)",
				entry, rt.method, rt.pattern)
		}
		out = append(out, rt)
	}
	return out, nil
}

// timeoutFor is the timeout of a request: the first matching entry's, else def.
func timeoutFor(method, path string, def time.Duration, rts []routeTimeout) time.Duration {
	for _, rt := range rts {
		if (rt.method == "*" || rt.method == method) && patternsOverlap(rt.pattern, path) {
			return rt.timeout
		}
	}
	return def
}

// longestTimeout is the longest timeout any request can get.
func longestTimeout(def time.Duration, rts []routeTimeout) time.Duration {
	longest := def
	for _, rt := range rts {
		longest = max(longest, rt.timeout)
	}
	return longest
}

// withTimeouts bounds every request by its route's timeout (timeoutFor);
// the deadline travels to the services, and a request past it is 504.
func withTimeouts(next http.Handler, def time.Duration, rts []routeTimeout) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), timeoutFor(r.Method, r.URL.Path, def, rts))
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
