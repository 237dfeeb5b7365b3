package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// exemptPaths are served without a token: probes and the API description.
var exemptPaths = map[string]bool{"/healthz": true, "/readyz": true, "/openapi.json": true}

// grpcMetadataHeaderPrefix starts the headers grpc-gateway turns into gRPC
// metadata; HTTPMiddleware removes them so a client cannot smuggle
// metadata (such as a second authorization) past the edge.
const grpcMetadataHeaderPrefix = "Grpc-Metadata-"

type httpPrincipalKey struct{}

// HTTPMiddleware authenticates REST calls: every path except /healthz,
// /readyz and /openapi.json needs exactly one "Authorization: Bearer <JWT>"
// header, which v.Verify checks; the principal then goes into the request
// context (identity.FromContext, HTTPPrincipal). Headers starting with
// "Grpc-Metadata-" are removed from every request. Errors go to writeErr,
// which renders them (UNAUTHENTICATED as 401 with the header from
// WWWAuthenticate); a nil writeErr uses WriteHTTPError.
func HTTPMiddleware(v *Verifier, next http.Handler, writeErr func(w http.ResponseWriter, r *http.Request, err error)) http.Handler {
	if writeErr == nil {
		writeErr = WriteHTTPError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name := range r.Header {
			if strings.HasPrefix(http.CanonicalHeaderKey(name), grpcMetadataHeaderPrefix) {
				r.Header.Del(name)
			}
		}
		if exemptPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		token, err := bearerToken(r.Header.Values("Authorization"))
		var p identity.Principal
		if err == nil {
			p, err = v.Verify(r.Context(), token)
		}
		if err != nil {
			writeErr(w, r, err)
			return
		}
		ctx := identity.WithPrincipal(r.Context(), p)
		ctx = context.WithValue(ctx, httpPrincipalKey{}, p)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// HTTPPrincipal returns the caller HTTPMiddleware authenticated; false for
// an exempt path or a request that did not pass through it.
func HTTPPrincipal(r *http.Request) (identity.Principal, bool) {
	p, ok := r.Context().Value(httpPrincipalKey{}).(identity.Principal)
	return p, ok
}

// WWWAuthenticate returns the WWW-Authenticate header value (RFC 6750 §3)
// for an UNAUTHENTICATED error: `Bearer realm="justice"` when no token was
// sent, else `Bearer realm="justice", error="invalid_token",
// error_description="<what was wrong>"`. It returns "" for other errors.
func WWWAuthenticate(err error) string {
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindUnauthenticated {
		return ""
	}
	const challenge = `Bearer realm="justice"`
	if e.Reason == ReasonTokenMissing {
		return challenge
	}
	return challenge + `, error="invalid_token", error_description="` + quotedStringSafe(e.Message) + `"`
}

// quotedStringSafe keeps only the characters RFC 6750 allows in
// error_description (printable ASCII except double quote and backslash):
// double quotes become apostrophes, the rest is dropped.
func quotedStringSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteByte('\'')
		case r == '\\' || r < 0x20 || r > 0x7e:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// WriteHTTPError is a plain renderer for HTTPMiddleware errors (the gateway
// passes its own, with its JSON error body): 401 with WWW-Authenticate for
// UNAUTHENTICATED, 503 for UNAVAILABLE, 500 otherwise; the body is the
// error's caller-facing message.
func WriteHTTPError(w http.ResponseWriter, _ *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "internal error"
	if e, ok := errs.As(err); ok {
		switch e.Kind {
		case errs.KindUnauthenticated:
			status, msg = http.StatusUnauthorized, e.Message
			w.Header().Set("WWW-Authenticate", WWWAuthenticate(err))
		case errs.KindUnavailable:
			status, msg = http.StatusServiceUnavailable, e.Message
		}
	}
	http.Error(w, msg, status)
}
