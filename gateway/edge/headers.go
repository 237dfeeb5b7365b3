package edge

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

// ErrorInfo reasons of the edge's header mappings (HTTP 400).
const (
	// ReasonInvalidRequestID: the Idempotency-Key header is not 1 to 64
	// characters of A-Z, a-z, 0-9, _ and - (the services' rule for
	// request_id, and their reason), or it was sent more than once.
	ReasonInvalidRequestID = "INVALID_REQUEST_ID"
	// ReasonRequestIDConflict: the Idempotency-Key header and the request_id
	// field of the body or query were both sent, with different values.
	ReasonRequestIDConflict = "REQUEST_ID_CONFLICT"
	// ReasonInvalidIfMatch: the If-Match header is not one entity tag
	// ("…", W/"…") nor *.
	ReasonInvalidIfMatch = "INVALID_IF_MATCH"
	// ReasonETagConflict: the If-Match header and the etag field of the
	// body or query were both sent, with different values.
	ReasonETagConflict = "ETAG_CONFLICT"
)

// reasonETagMismatch is the services' ErrorInfo reason for a stale etag
// (ABORTED): 412 when the etag came from If-Match, 409 otherwise.
const reasonETagMismatch = "ETAG_MISMATCH"

// Header names the edge maps onto request fields.
const (
	headerIdempotencyKey = "Idempotency-Key"
	headerIfMatch        = "If-Match"
)

// requestIDRE is the services' rule for request_id (idempotency.ValidateRequestID).
var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// conditionalHeaders carries a request's Idempotency-Key and If-Match
// headers from the HTTP layer to the gRPC call the route makes, and back to
// the error handler whether the etag came from If-Match.
type conditionalHeaders struct {
	idempotencyKey []string // the header's values; nil when absent
	ifMatch        []string // the header's values; nil when absent
	// etagFromIfMatch is set once the If-Match entity tag became the
	// request's etag: a stale etag is then 412, not 409.
	etagFromIfMatch bool
}

type conditionalHeadersKey struct{}

// withConditionalHeaders puts the request's Idempotency-Key and If-Match
// headers, when it has any, in its context for mapHeadersUnary.
func withConditionalHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := &conditionalHeaders{idempotencyKey: r.Header.Values(headerIdempotencyKey), ifMatch: r.Header.Values(headerIfMatch)}
		if h.idempotencyKey == nil && h.ifMatch == nil {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), conditionalHeadersKey{}, h)))
	})
}

// conditionalHeadersFrom returns the headers withConditionalHeaders saw, or nil.
func conditionalHeadersFrom(ctx context.Context) *conditionalHeaders {
	h, _ := ctx.Value(conditionalHeadersKey{}).(*conditionalHeaders)
	return h
}

// mapHeadersUnary is the edge's client interceptor that turns the headers
// into request fields, on the request message grpc-gateway decoded from the
// body, path and query: Idempotency-Key becomes request_id on the routes
// whose request has one (creates and transitions), If-Match becomes etag on
// the PATCH, DELETE and POST routes whose request (or the resource in its
// body) has one. The services get the fields as if the caller had sent
// them; on other routes the headers are ignored.
func mapHeadersUnary(table routeTable) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if h := conditionalHeadersFrom(ctx); h != nil {
			rt := table[method]
			m, ok := req.(proto.Message)
			if rt != nil && ok {
				if err := h.apply(rt, m.ProtoReflect()); err != nil {
					return grpcserver.ToStatus(ErrorDomain, err).Err()
				}
			}
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	}
}

// apply sets the request fields of route rt in m from the headers.
func (h *conditionalHeaders) apply(rt *route, m protoreflect.Message) error {
	if h.idempotencyKey != nil && rt.requestID != nil {
		key, err := parseIdempotencyKey(h.idempotencyKey)
		if err != nil {
			return err
		}
		if current := m.Get(rt.requestID).String(); current != "" && current != key {
			return errs.InvalidArgument(ReasonRequestIDConflict,
				"the Idempotency-Key header and the request_id field differ: send the key once, in either",
				errs.FieldViolation{Field: headerIdempotencyKey, Description: "differs from request_id"},
				errs.FieldViolation{Field: "request_id", Description: "differs from the Idempotency-Key header"})
		}
		m.Set(rt.requestID, protoreflect.ValueOfString(key))
	}
	if h.ifMatch != nil && rt.etag != nil {
		tag, err := parseIfMatch(h.ifMatch)
		if err != nil {
			return err
		}
		if tag == "" { // If-Match: * asks for no particular version.
			return nil
		}
		target := m
		for _, f := range rt.etag[:len(rt.etag)-1] {
			target = target.Mutable(f).Message()
		}
		f := rt.etag[len(rt.etag)-1]
		if current := target.Get(f).String(); current != "" && current != tag {
			return errs.InvalidArgument(ReasonETagConflict,
				"the If-Match header and the etag field differ: send the etag once, in either",
				errs.FieldViolation{Field: headerIfMatch, Description: "differs from etag"},
				errs.FieldViolation{Field: "etag", Description: "differs from the If-Match header"})
		}
		target.Set(f, protoreflect.ValueOfString(tag))
		h.etagFromIfMatch = true
	}
	return nil
}

// parseIdempotencyKey returns the key of the Idempotency-Key header: a bare
// token, or a quoted string (its structured-field form), under the services'
// rule for request_id.
func parseIdempotencyKey(values []string) (string, error) {
	const rule = "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -, e.g. a UUID"
	if len(values) != 1 {
		desc := "must be sent once"
		return "", errs.InvalidArgument(ReasonInvalidRequestID, "invalid Idempotency-Key header: "+desc,
			errs.FieldViolation{Field: headerIdempotencyKey, Description: desc})
	}
	key := strings.TrimSpace(values[0])
	if len(key) >= 2 && key[0] == '"' && key[len(key)-1] == '"' {
		key = key[1 : len(key)-1]
	}
	if requestIDRE.MatchString(key) {
		return key, nil
	}
	desc := rule + "; it contains other characters"
	switch {
	case key == "":
		desc = rule + "; it is empty"
	case len(key) > 64:
		desc = fmt.Sprintf("%s; got %d characters", rule, len(key))
	}
	return "", errs.InvalidArgument(ReasonInvalidRequestID, "invalid Idempotency-Key header: "+desc,
		errs.FieldViolation{Field: headerIdempotencyKey, Description: desc})
}

// parseIfMatch returns the entity tag of the If-Match header, without its
// quotes and weak prefix (W/"abc", "abc" and abc all give abc), or "" for
// If-Match: *. Only one entity tag is accepted: a record has one etag.
func parseIfMatch(values []string) (string, error) {
	invalid := func(desc string) error {
		return errs.InvalidArgument(ReasonInvalidIfMatch, "invalid If-Match header: "+desc,
			errs.FieldViolation{Field: headerIfMatch, Description: desc})
	}
	if len(values) != 1 {
		return "", invalid(`must be sent once, with one entity tag, e.g. If-Match: "<etag>"`)
	}
	v := strings.TrimSpace(values[0])
	if v == "*" {
		return "", nil
	}
	tag := strings.TrimPrefix(v, "W/")
	if len(tag) >= 2 && tag[0] == '"' && tag[len(tag)-1] == '"' {
		tag = tag[1 : len(tag)-1]
	}
	if tag == "" {
		return "", invalid(`must be one entity tag, e.g. If-Match: "<etag>" (the ETag of the last response), or *`)
	}
	for i := 0; i < len(tag); i++ {
		// RFC 9110 etagc: visible ASCII but the double quote. A comma means a
		// list, and the services compare one etag.
		if c := tag[i]; c < 0x21 || c > 0x7e || c == '"' || c == ',' {
			return "", invalid(`must be one entity tag, e.g. If-Match: "<etag>" (the ETag of the last response), or *`)
		}
	}
	return tag, nil
}

// preconditionStatus is the HTTP status of st for the request of ctx: 412
// Precondition Failed for a stale etag that came from If-Match, else the
// status of its code.
func preconditionStatus(ctx context.Context, st *status.Status) int {
	if st.Code() == codes.Aborted && errorReason(st) == reasonETagMismatch {
		if h := conditionalHeadersFrom(ctx); h != nil && h.etagFromIfMatch {
			return http.StatusPreconditionFailed
		}
	}
	return HTTPStatus(st.Code())
}
