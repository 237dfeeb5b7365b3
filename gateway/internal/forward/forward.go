// Package forward holds what the gateway's own APIs share (the insights API
// and the merged audit log): they run in-process behind the edge's REST mux
// and on the gateway's gRPC server, and call the services on the caller's
// behalf, with the caller's own bearer token, so that each service applies
// the caller's roles and office scope itself.
//
// The caller's token is the one set with WithToken if any, otherwise the
// single "authorization: Bearer <token>" value of the incoming gRPC
// metadata: the gRPC path has it from the client, and on the REST path
// grpc-gateway's runtime.AnnotateIncomingContext copies the HTTP
// Authorization header (the one auth.HTTPMiddleware verified) into the
// incoming metadata. The services' client connections must therefore not
// carry per-RPC credentials of their own: a second authorization value is
// refused by the services.
package forward

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the errors the
// gateway's own APIs make.
const ErrorDomain = "gateway.justice.example"

// authorizationKey is the gRPC metadata key bearer tokens travel in.
const authorizationKey = "authorization"

type tokenKey struct{}

// WithToken returns a context whose calls to the services carry token (the
// bearer JWT, without the "Bearer " prefix) instead of the incoming
// "authorization" metadata.
func WithToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

// CallerToken returns the caller's bearer token: the one set with
// WithToken, else the single "authorization: Bearer <token>" value of the
// incoming metadata. Its errors are UNAUTHENTICATED, as the services would
// answer.
func CallerToken(ctx context.Context) (string, error) {
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

// Outgoing returns ctx with token as the only "authorization" value of the
// outgoing metadata, keeping any other outgoing metadata.
func Outgoing(ctx context.Context, token string) context.Context {
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(authorizationKey, "Bearer "+token)
	return metadata.NewOutgoingContext(ctx, md)
}

// Status turns err into the gRPC status error an API of the gateway
// returns, on both the gRPC path (where the platform's interceptor passes
// it through) and the in-process REST path (where no interceptor runs and
// the edge renders statuses). An internal error is logged here, with the
// method, as no interceptor will; the caller learns nothing of it.
func Status(ctx context.Context, method string, err error) error {
	st := grpcserver.ToStatus(ErrorDomain, err)
	if st.Code() == codes.Internal {
		logging.FromContext(ctx).ErrorContext(ctx, "gateway: internal error", "method", method, "error", err.Error())
	}
	return st.Err()
}

// CheckSources panics, for the New function named fn, on a programming
// error in the sources a server of the gateway calls: a source without a
// name, a name used by an earlier source, or a source without a client.
// name and client read a source's name and client.
func CheckSources[S any](fn string, sources []S, name func(S) string, client func(S) any) {
	seen := make(map[string]bool)
	for i, src := range sources {
		switch n := name(src); {
		case n == "":
			panic(fmt.Sprintf("%s: sources[%d] has no name", fn, i))
		case seen[n]:
			panic(fmt.Sprintf("%s: sources[%d]: name %q is used by an earlier source", fn, i, n))
		case client(src) == nil:
			panic(fmt.Sprintf("%s: sources[%d] (%q) has a nil Client", fn, i, n))
		default:
			seen[n] = true
		}
	}
}
