package kittest

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// CallTimeout bounds the calls made with Context.
const CallTimeout = 20 * time.Second

// Context returns a context for one call of a test: cancelled after
// CallTimeout or when the test ends.
func Context(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), CallTimeout)
	t.Cleanup(cancel)
	return ctx
}

// Token is an auth.TokenSource of one fixed bearer token, for a client
// connection that calls as one caller.
type Token string

// Token implements auth.TokenSource.
func (t Token) Token(context.Context) (string, error) { return string(t), nil }

// Status checks that err is a status with code and, when reason is not
// empty, a google.rpc.ErrorInfo of that reason in domain (a service's
// ErrorDomain), and that each of fields has a google.rpc.BadRequest field
// violation. It returns the status; a wrong code stops the test.
func Status(t testing.TB, err error, code codes.Code, reason, domain string, fields ...string) *status.Status {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || err == nil {
		t.Fatalf("err = %v, want status %s", err, code)
	}
	if st.Code() != code {
		t.Fatalf("code = %s (%s), want %s", st.Code(), st.Message(), code)
	}
	if reason != "" {
		if info := ErrorInfo(st); info == nil || info.GetReason() != reason {
			t.Errorf("ErrorInfo = %v, want reason %s (message %q)", info, reason, st.Message())
		} else if info.GetDomain() != domain {
			t.Errorf("ErrorInfo domain = %q, want %q", info.GetDomain(), domain)
		}
	}
	var violations []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				violations = append(violations, v.GetField())
			}
		}
	}
	for _, f := range fields {
		if !slices.Contains(violations, f) {
			t.Errorf("violations %v do not name %q (message %q)", violations, f, st.Message())
		}
	}
	return st
}

// ErrorInfo returns the google.rpc.ErrorInfo detail of st, or nil.
func ErrorInfo(st *status.Status) *errdetails.ErrorInfo { return detail[*errdetails.ErrorInfo](st) }

// RetryInfo returns the google.rpc.RetryInfo detail of st, or nil.
func RetryInfo(st *status.Status) *errdetails.RetryInfo { return detail[*errdetails.RetryInfo](st) }

func detail[D any](st *status.Status) D {
	for _, d := range st.Details() {
		if v, ok := d.(D); ok {
			return v
		}
	}
	var zero D
	return zero
}
