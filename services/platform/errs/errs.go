// Package errs defines the typed errors that domain and application code
// return. They carry no transport detail: the platform's gRPC interceptor
// (package grpcserver) is the one place they become gRPC statuses with a
// google.rpc.ErrorInfo reason and, for invalid input, google.rpc.BadRequest
// field violations.
//
// Messages are shown to callers, so they must say what was wrong and what is
// allowed, and must never contain survivor identity (names, dates of birth,
// contacts) or internals (queries, stack traces).
package errs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error; each kind maps to exactly one canonical gRPC code.
type Kind int

// The kinds of error, named after the canonical codes they map to.
const (
	KindInternal Kind = iota
	KindInvalidArgument
	KindNotFound
	KindAlreadyExists
	KindFailedPrecondition
	KindAborted
	KindPermissionDenied
	KindUnauthenticated
	KindResourceExhausted
	KindUnavailable
)

// String returns the canonical name of the kind, e.g. "NOT_FOUND".
func (k Kind) String() string {
	switch k {
	case KindInvalidArgument:
		return "INVALID_ARGUMENT"
	case KindNotFound:
		return "NOT_FOUND"
	case KindAlreadyExists:
		return "ALREADY_EXISTS"
	case KindFailedPrecondition:
		return "FAILED_PRECONDITION"
	case KindAborted:
		return "ABORTED"
	case KindPermissionDenied:
		return "PERMISSION_DENIED"
	case KindUnauthenticated:
		return "UNAUTHENTICATED"
	case KindResourceExhausted:
		return "RESOURCE_EXHAUSTED"
	case KindUnavailable:
		return "UNAVAILABLE"
	default:
		return "INTERNAL"
	}
}

// FieldViolation says which request field was wrong and why. Field is the
// path in the request as the caller wrote it, e.g. "survivor.age_at_rescue".
type FieldViolation struct {
	Field       string
	Description string
}

// Error is a typed, caller-safe error.
type Error struct {
	// Kind decides the gRPC code.
	Kind Kind
	// Reason is a stable UPPER_SNAKE_CASE identifier for clients, e.g.
	// "OFFICE_NOT_FOUND"; it becomes google.rpc.ErrorInfo.reason.
	Reason string
	// Message is the human-readable explanation shown to the caller.
	Message string
	// Violations lists the offending fields for invalid input.
	Violations []FieldViolation
	// Metadata is extra, caller-safe context for ErrorInfo.metadata
	// (e.g. the current and requested state of an illegal transition).
	Metadata map[string]string
	// RetryAfter, when positive, tells the caller when to retry (google.rpc.RetryInfo).
	RetryAfter time.Duration

	cause error
}

// Error implements error.
func (e *Error) Error() string {
	if e.cause != nil {
		return e.Message + ": " + e.cause.Error()
	}
	return e.Message
}

// Unwrap returns the underlying cause, which is for logs only and never shown to callers.
func (e *Error) Unwrap() error { return e.cause }

// WithCause records an internal cause for logging. It is never sent to callers.
func (e *Error) WithCause(err error) *Error {
	c := *e
	c.cause = err
	return &c
}

// WithMetadata returns a copy of e with the key set in Metadata.
func (e *Error) WithMetadata(key, value string) *Error {
	c := *e
	c.Metadata = make(map[string]string, len(e.Metadata)+1)
	for k, v := range e.Metadata {
		c.Metadata[k] = v
	}
	c.Metadata[key] = value
	return &c
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, k Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == k
}

func newf(k Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: k, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// InvalidArgument reports invalid input. With no violations the message
// alone describes the problem.
func InvalidArgument(reason, message string, violations ...FieldViolation) *Error {
	return &Error{Kind: KindInvalidArgument, Reason: reason, Message: message, Violations: violations}
}

// NotFound reports a missing resource. The message must read the same
// whether the resource does not exist or the caller may not see it.
func NotFound(reason, format string, args ...any) *Error {
	return newf(KindNotFound, reason, format, args...)
}

// AlreadyExists reports a create that collides with an existing resource.
func AlreadyExists(reason, format string, args ...any) *Error {
	return newf(KindAlreadyExists, reason, format, args...)
}

// FailedPrecondition reports a request the resource's current state does not allow.
func FailedPrecondition(reason, format string, args ...any) *Error {
	return newf(KindFailedPrecondition, reason, format, args...)
}

// Aborted reports a concurrency conflict, such as a stale etag.
func Aborted(reason, format string, args ...any) *Error {
	return newf(KindAborted, reason, format, args...)
}

// PermissionDenied reports an authenticated caller without the right to act.
func PermissionDenied(reason, format string, args ...any) *Error {
	return newf(KindPermissionDenied, reason, format, args...)
}

// Unauthenticated reports missing or invalid credentials.
func Unauthenticated(reason, format string, args ...any) *Error {
	return newf(KindUnauthenticated, reason, format, args...)
}

// ResourceExhausted reports a limit reached (rate, size).
func ResourceExhausted(reason, format string, args ...any) *Error {
	return newf(KindResourceExhausted, reason, format, args...)
}

// Unavailable reports a dependency that cannot be reached; the caller may retry.
func Unavailable(reason string, retryAfter time.Duration, format string, args ...any) *Error {
	e := newf(KindUnavailable, reason, format, args...)
	e.RetryAfter = retryAfter
	return e
}

// Internal wraps an unexpected failure. The caller sees only a generic
// message; the cause is logged by the interceptor.
func Internal(err error) *Error {
	return &Error{Kind: KindInternal, Reason: "INTERNAL", Message: "internal error", cause: err}
}

// Violations collects field violations while validating a request.
// The zero value is ready to use.
type Violations []FieldViolation

// Add records that field is wrong, with a description that says what is allowed.
func (v *Violations) Add(field, format string, args ...any) {
	*v = append(*v, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Err returns an INVALID_ARGUMENT error listing every violation, or nil if there are none.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, fv := range v {
		parts[i] = fv.Field + ": " + fv.Description
	}
	return InvalidArgument("INVALID_FIELDS", "invalid request: "+strings.Join(parts, "; "), v...)
}
