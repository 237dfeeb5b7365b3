package insights

import (
	"context"

	"github.com/justiceops/justice/gateway/internal/forward"
)

// WithToken returns a context whose calls to the sources carry token (the
// bearer JWT, without the "Bearer " prefix) instead of the incoming
// "authorization" metadata. The edge needs it only if it serves the
// insights API in a way that does not put the caller's Authorization header
// into the incoming metadata (grpc-gateway's HandlerServer path does put it
// there).
func WithToken(ctx context.Context, token string) context.Context {
	return forward.WithToken(ctx, token)
}
