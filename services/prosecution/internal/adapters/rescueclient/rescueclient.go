// Package rescueclient is the prosecution service's app.References port
// over gRPC: rescue's justice.rescue.v1.RescueReferenceService, which says
// whether the survivors and operations a case links exist, without any
// survivor identity.
//
// The connection is the caller's (grpcclient.Dial) and must carry the
// prosecution service's own identity (auth.PerRPCCredentials of its token
// source): never an end user's token, which rescue refuses for this
// service. Each lookup has its own deadline (Options.Timeout). When rescue
// cannot be reached or does not answer in time the lookup fails with
// app.RescueUnavailable, which callers see as UNAVAILABLE with a retry
// delay; any other failure is internal, its status logged (codes and
// resource names only: rescue's answers never carry identity).
package rescueclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
)

// DefaultTimeout is the deadline of one lookup when Options.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// Options are a Client's optional settings.
type Options struct {
	// Timeout bounds each lookup; zero means DefaultTimeout.
	Timeout time.Duration
	// Logger receives the status of failed lookups; nil means slog.Default().
	Logger *slog.Logger
}

// Client implements app.References over a connection to rescue.
type Client struct {
	api     rescuev1.RescueReferenceServiceClient
	timeout time.Duration
	logger  *slog.Logger
}

var _ app.References = (*Client)(nil)

// New returns the References port over conn, a connection to rescue that
// carries the prosecution service's identity.
func New(conn grpc.ClientConnInterface, opts Options) *Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Client{api: rescuev1.NewRescueReferenceServiceClient(conn), timeout: opts.Timeout, logger: opts.Logger}
}

// Lookup implements app.References with one LookupReferences call.
func (c *Client) Lookup(ctx context.Context, names []string) ([]app.Reference, error) {
	// The caller's own deadline, when it comes before this lookup's, is
	// the caller's to report: it went away, rescue did not fail.
	callerDeadline, bound := ctx.Deadline()
	bound = bound && callerDeadline.Before(time.Now().Add(c.timeout))
	cctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.api.LookupReferences(cctx, &rescuev1.LookupReferencesRequest{Names: names})
	if err != nil {
		return nil, c.failure(ctx, bound, err)
	}
	out := make([]app.Reference, len(resp.GetReferences()))
	for i, r := range resp.GetReferences() {
		out[i] = app.Reference{
			Name: r.GetName(), Found: r.GetFound(), Kind: kindIn(r.GetKind()), Minor: r.GetMinor(),
			RescueTime: timeIn(r.GetRescueTime()), ConductTime: timeIn(r.GetConductTime()),
		}
	}
	return out, nil
}

// failure maps a failed call: rescue unreachable or too slow is
// app.RescueUnavailable; the caller going away (its context ended, or its
// deadline, bound to come first, passed) is its context's error; anything
// else is internal, logged with its status.
func (c *Client) failure(ctx context.Context, callerBound bool, err error) error {
	st := status.Convert(err)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("rescueclient.Lookup: %w", ctx.Err())
	case callerBound && st.Code() == codes.DeadlineExceeded:
		return fmt.Errorf("rescueclient.Lookup: %w", context.DeadlineExceeded)
	case st.Code() == codes.Unavailable || st.Code() == codes.DeadlineExceeded:
		c.logger.WarnContext(ctx, "rescue reference lookup failed: rescue unavailable", "code", st.Code().String(), "timeout", c.timeout.String())
		return app.RescueUnavailable(err)
	}
	c.logger.ErrorContext(ctx, "rescue reference lookup failed", "code", st.Code().String(), "status", st.Message())
	return errs.Internal(errors.Join(errors.New("rescueclient.Lookup"), err))
}

func kindIn(k rescuev1.ReferenceKind) app.ReferenceKind {
	switch k {
	case rescuev1.ReferenceKind_REFERENCE_KIND_SURVIVOR:
		return app.ReferenceSurvivor
	case rescuev1.ReferenceKind_REFERENCE_KIND_OPERATION:
		return app.ReferenceOperation
	}
	return ""
}

func timeIn(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}
