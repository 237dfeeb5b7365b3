// Package requestid carries the per-call request id through a context.
//
// The request id correlates the log lines of one call across the gateway and
// the services. It arrives in, and is echoed back in, the "x-request-id" gRPC
// metadata (the X-Request-Id HTTP header at the REST edge). It is not the
// AIP-155 request_id field of create requests, which makes retries idempotent.
package requestid

import (
	"context"
	"crypto/rand"
	"strings"
)

// MetadataKey is the gRPC metadata key (and lower-cased HTTP header) that
// carries the request id.
const MetadataKey = "x-request-id"

// MaxLength is the longest request id accepted from a caller.
const MaxLength = 128

type ctxKey struct{}

// WithRequestID returns a context carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the request id in ctx, or "" if there is none.
func FromContext(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// New returns a fresh request id: 26 characters of base32 from crypto/rand
// (128 bits), which IsValid accepts.
func New() string {
	return strings.ToLower(rand.Text())
}

// IsValid reports whether id may be taken from a caller: 1 to MaxLength
// characters of [A-Za-z0-9._-]. The id ends up in logs and response headers,
// so anything else (spaces, control characters, very long values) is replaced
// by a generated id rather than trusted.
func IsValid(id string) bool {
	if id == "" || len(id) > MaxLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
