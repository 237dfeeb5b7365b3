package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/protoadapt"

	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the errors the edge
// itself makes (authentication, rate limit, body size, malformed requests).
const ErrorDomain = "gateway.justice.example"

// errorBody is the JSON shape of every REST error:
//
//	{"code": 404, "status": "NOT_FOUND", "message": "...", "details": [{"@type": "...ErrorInfo", ...}]}
//
// code is the HTTP status, status the canonical gRPC code name, details the
// google.rpc detail messages (ErrorInfo, BadRequest field violations, RetryInfo).
type errorBody struct {
	Code    int               `json:"code"`
	Status  string            `json:"status"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details"`
}

// HTTPStatus maps a canonical code to the HTTP status the edge answers with.
// It follows grpc-gateway's table except for FAILED_PRECONDITION, which is
// 409 Conflict here: the request conflicts with the resource's current state
// (an illegal transition), which is not a malformed request (400).
func HTTPStatus(c codes.Code) int {
	if c == codes.FailedPrecondition {
		return http.StatusConflict
	}
	return runtime.HTTPStatusFromCode(c)
}

// writeError renders st as the edge's JSON error with the given HTTP status.
func writeError(ctx context.Context, w http.ResponseWriter, httpStatus int, st *status.Status) {
	body := newErrorBody(ctx, httpStatus, st)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Del("Trailer")
	if st.Code() == codes.Unauthenticated {
		w.Header().Set("WWW-Authenticate", bearerChallenge(st))
	}
	if after, ok := retryAfter(st); ok {
		w.Header().Set("Retry-After", after)
	}
	w.WriteHeader(httpStatus)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // JSON, not HTML: keep "<token>" readable
	_ = enc.Encode(body)
}

// newErrorBody is the JSON error of st with the given HTTP status.
func newErrorBody(ctx context.Context, httpStatus int, st *status.Status) errorBody {
	body := errorBody{
		Code:    httpStatus,
		Status:  codeName(st.Code()),
		Message: st.Message(),
		Details: []json.RawMessage{},
	}
	for _, d := range st.Proto().GetDetails() {
		raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(d)
		if err != nil {
			logging.FromContext(ctx).WarnContext(ctx, "edge: error detail not rendered", slog.String("type", d.GetTypeUrl()))
			continue
		}
		body.Details = append(body.Details, raw)
	}
	return body
}

// writeErr renders an error made at the edge (an *errs.Error, typically) in
// the edge's JSON error format, with the status its kind maps to.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	st := grpcserver.ToStatus(ErrorDomain, err)
	writeError(r.Context(), w, HTTPStatus(st.Code()), st)
}

// realm is the protection space named in WWW-Authenticate challenges.
const realm = "justice"

// bearerChallenge is the RFC 6750 WWW-Authenticate challenge of an
// UNAUTHENTICATED status. A request without a token gets the bare challenge
// (RFC 6750 section 3.1: no error code when no credentials were sent); any
// other failure is error="invalid_token" with the status message, which says
// what was wrong (expired, wrong audience ...) and never quotes the token.
func bearerChallenge(st *status.Status) string {
	challenge := `Bearer realm="` + realm + `"`
	if errorReason(st) == auth.ReasonTokenMissing {
		return challenge
	}
	return challenge + `, error="invalid_token", error_description="` + quotedStringSafe(st.Message()) + `"`
}

// quotedStringSafe makes s safe inside an RFC 6750 error_description: only
// printable ASCII without double quotes or backslashes, at most 200 characters.
func quotedStringSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= 200 {
			break
		}
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\'')
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// errorReason is the ErrorInfo reason of st, or "".
func errorReason(st *status.Status) string {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// retryAfter is the Retry-After header value (whole seconds, rounded up, at
// least 1) of a status carrying google.rpc.RetryInfo.
func retryAfter(st *status.Status) (string, bool) {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok && info.GetRetryDelay() != nil {
			delay := info.GetRetryDelay().AsDuration()
			secs := int64((delay + time.Second - 1) / time.Second)
			if secs < 1 {
				secs = 1
			}
			return strconv.FormatInt(secs, 10), true
		}
	}
	return "", false
}

// writeTooLarge answers 413 for a body over the limit.
func writeTooLarge(ctx context.Context, w http.ResponseWriter, limit int64) {
	st := status.Newf(codes.ResourceExhausted, "request body is larger than the limit of %d bytes", limit)
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: "BODY_TOO_LARGE", Domain: ErrorDomain,
		Metadata: map[string]string{"limit_bytes": strconv.FormatInt(limit, 10)}}); err == nil {
		st = d
	}
	writeError(ctx, w, http.StatusRequestEntityTooLarge, st)
}

// codeName is the canonical UPPER_SNAKE name of a code, e.g. NOT_FOUND.
func codeName(c codes.Code) string {
	switch c {
	case codes.OK:
		return "OK"
	case codes.Canceled:
		return "CANCELLED"
	case codes.InvalidArgument:
		return "INVALID_ARGUMENT"
	case codes.DeadlineExceeded:
		return "DEADLINE_EXCEEDED"
	case codes.NotFound:
		return "NOT_FOUND"
	case codes.AlreadyExists:
		return "ALREADY_EXISTS"
	case codes.PermissionDenied:
		return "PERMISSION_DENIED"
	case codes.ResourceExhausted:
		return "RESOURCE_EXHAUSTED"
	case codes.FailedPrecondition:
		return "FAILED_PRECONDITION"
	case codes.Aborted:
		return "ABORTED"
	case codes.OutOfRange:
		return "OUT_OF_RANGE"
	case codes.Unimplemented:
		return "UNIMPLEMENTED"
	case codes.Unavailable:
		return "UNAVAILABLE"
	case codes.DataLoss:
		return "DATA_LOSS"
	case codes.Unauthenticated:
		return "UNAUTHENTICATED"
	case codes.Internal:
		return "INTERNAL"
	default:
		return "UNKNOWN"
	}
}

// handleError is the mux's error handler: every gRPC error, body decoding
// error and routing error leaves the edge through here.
func handleError(ctx context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	st, ok := status.FromError(err)
	if !ok {
		// Not a gRPC status: a failure inside the edge. Say nothing of it to the caller.
		logging.FromContext(ctx).ErrorContext(ctx, "edge: unexpected error", slog.String("error", err.Error()))
		st = status.New(codes.Internal, "internal error")
	}
	if (st.Code() == codes.InvalidArgument || st.Code() == codes.Unknown) && len(st.Details()) == 0 {
		// The services always attach an ErrorInfo; an error without details was
		// made by grpc-gateway itself while decoding the body or parameters. Its
		// text can quote the offending value (which may be identity), so only the
		// field name is kept.
		st = decodeError(st.Message())
	}
	writeError(ctx, w, preconditionStatus(ctx, st), st)
}

var (
	unknownFieldRE = regexp.MustCompile(`unknown field "([A-Za-z0-9_.]+)"`)
	badFieldRE     = regexp.MustCompile(`(?:field|parameter|param) "?([A-Za-z0-9_.]+)"?`)
)

// decodeError turns a decoding message into a caller-safe INVALID_ARGUMENT that
// names the field, without the value.
func decodeError(msg string) *status.Status {
	field, desc := "", "the request body or query parameters could not be decoded; check them against /openapi.json"
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		field, desc = m[1], "unknown field; check the field names against /openapi.json"
	} else if m := badFieldRE.FindStringSubmatch(msg); m != nil {
		field, desc = m[1], "invalid value for this field's type (enums take their names, e.g. GENDER_FEMALE; timestamps RFC 3339)"
	}
	text := "malformed request: " + desc
	if field != "" {
		text = fmt.Sprintf("malformed request: %s: %s", field, desc)
	}
	st := status.New(codes.InvalidArgument, text)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: "MALFORMED_REQUEST", Domain: ErrorDomain}}
	if field != "" {
		details = append(details, &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: desc}}})
	}
	if withDetails, err := st.WithDetails(details...); err == nil {
		st = withDetails
	}
	return st
}

func statusInternal() *status.Status { return status.New(codes.Internal, "internal error") }
