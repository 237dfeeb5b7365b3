package grpcserver_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

func TestToStatus_MapsEveryKindToItsCanonicalCode(t *testing.T) {
	t.Parallel()

	tests := []struct {
		err  *errs.Error
		want codes.Code
	}{
		{err: errs.InvalidArgument("R", "m"), want: codes.InvalidArgument},
		{err: errs.NotFound("R", "m"), want: codes.NotFound},
		{err: errs.AlreadyExists("R", "m"), want: codes.AlreadyExists},
		{err: errs.FailedPrecondition("R", "m"), want: codes.FailedPrecondition},
		{err: errs.Aborted("R", "m"), want: codes.Aborted},
		{err: errs.PermissionDenied("R", "m"), want: codes.PermissionDenied},
		{err: errs.Unauthenticated("R", "m"), want: codes.Unauthenticated},
		{err: errs.ResourceExhausted("R", "m"), want: codes.ResourceExhausted},
		{err: errs.Unavailable("R", 0, "m"), want: codes.Unavailable},
		{err: errs.Internal(errors.New("boom")), want: codes.Internal},
	}
	for _, tc := range tests {
		t.Run(tc.err.Kind.String(), func(t *testing.T) {
			t.Parallel()
			if got := grpcserver.ToStatus(testDomain, tc.err).Code(); got != tc.want {
				t.Errorf("ToStatus(%v).Code() = %v, want %v", tc.err.Kind, got, tc.want)
			}
		})
	}
}

func TestToStatus(t *testing.T) {
	t.Parallel()

	passThrough := status.New(codes.PermissionDenied, "no")
	tests := []struct {
		name       string
		err        error
		wantCode   codes.Code
		wantMsg    string
		wantReason string // "" means no ErrorInfo
		wantMeta   map[string]string
		wantFields []string
		wantRetry  time.Duration
	}{
		{name: "nil is OK", err: nil, wantCode: codes.OK},
		{
			name:       "typed error keeps message reason and metadata",
			err:        errs.Aborted("ETAG_MISMATCH", "etag %q is stale", "v1").WithMetadata("current_etag", "v2"),
			wantCode:   codes.Aborted,
			wantMsg:    `etag "v1" is stale`,
			wantReason: "ETAG_MISMATCH",
			wantMeta:   map[string]string{"current_etag": "v2"},
		},
		{
			name:       "wrapped typed error",
			err:        fmt.Errorf("app.Get: %w", errs.NotFound("SURVIVOR_NOT_FOUND", "survivor not found")),
			wantCode:   codes.NotFound,
			wantMsg:    "survivor not found",
			wantReason: "SURVIVOR_NOT_FOUND",
		},
		{
			name:       "violations become BadRequest",
			err:        errs.InvalidArgument("INVALID_FILTER", "bad filter", errs.FieldViolation{Field: "filter", Description: `unknown field "legal_name"`}),
			wantCode:   codes.InvalidArgument,
			wantMsg:    "bad filter",
			wantReason: "INVALID_FILTER",
			wantFields: []string{"filter"},
		},
		{
			name:       "retry after becomes RetryInfo",
			err:        errs.Unavailable("STORE_UNAVAILABLE", 1500*time.Millisecond, "store down"),
			wantCode:   codes.Unavailable,
			wantMsg:    "store down",
			wantReason: "STORE_UNAVAILABLE",
			wantRetry:  1500 * time.Millisecond,
		},
		{
			name:       "empty reason falls back to the kind",
			err:        &errs.Error{Kind: errs.KindNotFound, Message: "gone"},
			wantCode:   codes.NotFound,
			wantMsg:    "gone",
			wantReason: "NOT_FOUND",
		},
		{
			name:       "internal kind hides its message and metadata",
			err:        (&errs.Error{Kind: errs.KindInternal, Reason: "DB", Message: "password rejected for user admin"}).WithMetadata("host", "db-1"),
			wantCode:   codes.Internal,
			wantMsg:    "internal error",
			wantReason: "INTERNAL",
		},
		{
			name:       "internal hides the cause",
			err:        errs.Internal(errors.New("E11000 duplicate key")),
			wantCode:   codes.Internal,
			wantMsg:    "internal error",
			wantReason: "INTERNAL",
		},
		{
			name:       "plain error is internal",
			err:        errors.New("dial tcp 10.0.0.5:27017: connection refused"),
			wantCode:   codes.Internal,
			wantMsg:    "internal error",
			wantReason: "INTERNAL",
		},
		{
			name:       "deadline exceeded",
			err:        fmt.Errorf("repo.Get: %w", context.DeadlineExceeded),
			wantCode:   codes.DeadlineExceeded,
			wantMsg:    "deadline exceeded",
			wantReason: "DEADLINE_EXCEEDED",
		},
		{
			name:       "canceled",
			err:        context.Canceled,
			wantCode:   codes.Canceled,
			wantMsg:    "request canceled",
			wantReason: "CANCELLED",
		},
		{
			name:       "internal wrapping a deadline is a deadline",
			err:        errs.Internal(fmt.Errorf("find: %w", context.DeadlineExceeded)),
			wantCode:   codes.DeadlineExceeded,
			wantMsg:    "deadline exceeded",
			wantReason: "DEADLINE_EXCEEDED",
		},
		{
			name:       "typed error wins over a wrapped context error",
			err:        errs.Unavailable("STORE_UNAVAILABLE", 0, "store timed out").WithCause(context.DeadlineExceeded),
			wantCode:   codes.Unavailable,
			wantMsg:    "store timed out",
			wantReason: "STORE_UNAVAILABLE",
		},
		{name: "status passes through", err: passThrough.Err(), wantCode: codes.PermissionDenied, wantMsg: "no"},
		{
			name:     "wrapped status passes through unchanged",
			err:      fmt.Errorf("client.Get: %w", passThrough.Err()),
			wantCode: codes.PermissionDenied,
			wantMsg:  "no",
		},
		{
			name:       "internal wrapping a status stays internal",
			err:        errs.Internal(status.Error(codes.NotFound, "downstream")),
			wantCode:   codes.Internal,
			wantMsg:    "internal error",
			wantReason: "INTERNAL",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			st := grpcserver.ToStatus(testDomain, tc.err)
			if st.Code() != tc.wantCode || st.Message() != tc.wantMsg {
				t.Fatalf("ToStatus() = %v %q, want %v %q", st.Code(), st.Message(), tc.wantCode, tc.wantMsg)
			}
			var info *errdetails.ErrorInfo
			var fields []string
			var retry time.Duration
			for _, d := range st.Details() {
				switch d := d.(type) {
				case *errdetails.ErrorInfo:
					info = d
				case *errdetails.BadRequest:
					for _, v := range d.GetFieldViolations() {
						fields = append(fields, v.GetField())
					}
				case *errdetails.RetryInfo:
					retry = d.GetRetryDelay().AsDuration()
				}
			}
			if tc.wantReason == "" {
				if info != nil {
					t.Errorf("ErrorInfo = %v, want none", info)
				}
			} else if info.GetReason() != tc.wantReason || info.GetDomain() != testDomain {
				t.Errorf("ErrorInfo = %v, want reason %s domain %s", info, tc.wantReason, testDomain)
			}
			if len(info.GetMetadata()) != len(tc.wantMeta) {
				t.Errorf("ErrorInfo.metadata = %v, want %v", info.GetMetadata(), tc.wantMeta)
			}
			for k, v := range tc.wantMeta {
				if info.GetMetadata()[k] != v {
					t.Errorf("ErrorInfo.metadata[%s] = %q, want %q", k, info.GetMetadata()[k], v)
				}
			}
			if fmt.Sprint(fields) != fmt.Sprint(tc.wantFields) && len(fields)+len(tc.wantFields) > 0 {
				t.Errorf("violation fields = %v, want %v", fields, tc.wantFields)
			}
			if retry != tc.wantRetry {
				t.Errorf("retry delay = %v, want %v", retry, tc.wantRetry)
			}
		})
	}
}
