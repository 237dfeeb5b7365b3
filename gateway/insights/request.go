package insights

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/justiceops/justice/gateway/internal/forward"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the insights API's
// errors: the gateway's, which serves it.
const ErrorDomain = forward.ErrorDomain

// Request limits.
const (
	// maxOffices bounds the offices listed in one request.
	maxOffices = 100
	// maxMetrics bounds the metrics listed in one request.
	maxMetrics = 100
	// MaxCells bounds offices x periods x metrics in one GetMetrics answer.
	MaxCells = 50000
)

// The google.rpc.ErrorInfo reasons of the insights API's own errors
// (INVALID_ARGUMENT).
const (
	// ReasonInvalidRequest: malformed fields, each named in a field violation.
	ReasonInvalidRequest = "INVALID_FIELDS"
	// ReasonUnknownMetric: a metric no source provides; the message lists the known ones.
	ReasonUnknownMetric = "UNKNOWN_METRIC"
	// ReasonRangeTooLarge: the answer would exceed MaxCells values.
	ReasonRangeTooLarge = "RANGE_TOO_LARGE"
)

var officeCodePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// scope returns the offices a request covers, sorted: every office of the
// caller when requested is empty or holds "-", else the listed ones. A
// listed office that does not exist or that the caller does not hold is
// NOT_FOUND OFFICE_NOT_FOUND (the same either way, as auth.OfficeScope).
func (s *Server) scope(p identity.Principal, requested []string) ([]string, error) {
	if len(requested) > maxOffices {
		return nil, errs.InvalidArgument(ReasonInvalidRequest,
			fmt.Sprintf("invalid request: offices: at most %d offices may be listed; got %d", maxOffices, len(requested)),
			errs.FieldViolation{Field: "offices", Description: fmt.Sprintf("at most %d offices", maxOffices)})
	}
	var v errs.Violations
	for i, o := range requested {
		if o != auth.AllOfficesWildcard && !officeCodePattern.MatchString(o) {
			v.Add(fmt.Sprintf("offices[%d]", i), "must be an office code (a lowercase letter, then 1 to 39 lowercase letters, digits or '-') or \"-\" for all of yours")
		}
	}
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("insights.scope: %w", err)
	}
	if len(requested) == 0 {
		requested = []string{auth.AllOfficesWildcard}
	}
	known := s.registry.Codes()
	var out []string
	for _, r := range requested {
		offices, err := auth.OfficeScope(p, r, known)
		if err != nil {
			return nil, fmt.Errorf("insights.scope: %w", err)
		}
		out = append(out, offices...)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// validMetricNames checks the shape and number of requested metric names
// and returns them sorted and unique (nil when none: every metric).
func validMetricNames(requested []string) ([]string, error) {
	if len(requested) == 0 {
		return nil, nil
	}
	var v errs.Violations
	if len(requested) > maxMetrics {
		v.Add("metrics", "at most %d metrics may be listed; got %d", maxMetrics, len(requested))
	}
	for i, m := range requested {
		if !metricNamePattern.MatchString(m) {
			v.Add(fmt.Sprintf("metrics[%d]", i), "must be a metric name (a lowercase letter, then up to 62 lowercase letters, digits or '_'), e.g. survivors_rescued")
		}
	}
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("insights.validMetricNames: %w", err)
	}
	out := slices.Clone(requested)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// unknownMetrics returns INVALID_ARGUMENT UNKNOWN_METRIC when a requested
// name is not in known, listing the known names.
func unknownMetrics(requested, known []string) error {
	var unknown []string
	for _, m := range requested {
		if !slices.Contains(known, m) {
			unknown = append(unknown, m)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	desc := fmt.Sprintf("unknown metric %s; known metrics: %s",
		strings.Join(unknown, ", "), strings.Join(known, ", "))
	return errs.InvalidArgument(ReasonUnknownMetric, "invalid request: metrics: "+desc,
		errs.FieldViolation{Field: "metrics", Description: desc})
}

// toStatus turns err into the gRPC status error the API returns (see
// forward.Status).
func toStatus(ctx context.Context, method string, err error) error {
	return forward.Status(ctx, method, err)
}
