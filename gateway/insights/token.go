package insights

import (
	"context"
	"strings"

	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
)

// authorizationKey is the gRPC metadata key bearer tokens travel in.
const authorizationKey = "authorization"

type tokenKey struct{}

// WithToken returns a context whose calls to the sources carry token (the
// bearer JWT, without the "Bearer " prefix) instead of the incoming
// "authorization" metadata. The edge needs it only if it serves the
// insights API in a way that does not put the caller's Authorization header
// into the incoming metadata (grpc-gateway's HandlerServer path does put it
// there).
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// callerToken returns the caller's bearer token: the one set with WithToken,
// else the single "authorization: Bearer <token>" value of the incoming
// metadata. Its errors are UNAUTHENTICATED, as the sources would answer.
func callerToken(ctx context.Context) (string, error) {
	if t, ok := ctx.Value(tokenKey{}).(string); ok && t != "" {
		return t, nil
	}
	values := metadata.ValueFromIncomingContext(ctx, authorizationKey)
	switch len(values) {
	case 0:
		return "", errs.Unauthenticated(auth.ReasonTokenMissing,
			`a bearer token is required: send the header "Authorization: Bearer <token>"`)
	case 1:
	default:
		return "", errs.Unauthenticated(auth.ReasonTokenMalformed,
			"the request carries %d authorization values; send exactly one", len(values))
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(values[0]), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", errs.Unauthenticated(auth.ReasonTokenMalformed,
			`authorization must be "Bearer <token>" (a JWT after the word Bearer)`)
	}
	return token, nil
}

// withOutgoingToken returns ctx with token as the only "authorization"
// value of the outgoing metadata, keeping any other outgoing metadata.
func withOutgoingToken(ctx context.Context, token string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(authorizationKey, "Bearer "+token)
	return metadata.NewOutgoingContext(ctx, md)
}
