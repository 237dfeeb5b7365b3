// Package metricserver is the gRPC face of a metrics source: the Server
// that implements justice.metrics.v1.MetricsSourceService over a service's
// metrics use cases (metricsource.UseCases) and answers the gateway.
//
// It is kept apart from package metricsource so that a service's pure
// domain, which needs only the metric types, does not depend on gRPC.
package metricserver

import (
	"context"
	"slices"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/metricsource"
)

// Offices lists the codes of every configured office; *office.Registry
// implements it.
type Offices interface {
	Codes() []string
}

// Server implements metricsv1.MetricsSourceServiceServer: a service's part
// of the cross-office metrics, read from its pre-aggregated counters. The
// gateway calls it with the caller's own token, so the office scope is the
// caller's.
type Server struct {
	metricsv1.UnimplementedMetricsSourceServiceServer

	provided []string
	metrics  metricsource.UseCases
	offices  Offices
}

var _ metricsv1.MetricsSourceServiceServer = (*Server)(nil)

// NewServer returns the MetricsSourceService of a service that provides
// the metrics named by provided (in a stable order, listed in every
// answer), over its use cases and its configured offices.
func NewServer(provided []string, metrics metricsource.UseCases, offices Offices) *Server {
	return &Server{provided: slices.Clone(provided), metrics: metrics, offices: offices}
}

// QueryMetrics implements metricsv1.MetricsSourceServiceServer. The request
// is validated first (INVALID_ARGUMENT reason INVALID_METRICS_QUERY naming
// each bad field: a malformed office code, a month not YYYY-MM, to_month
// before from_month); then each office asked for must be one the caller
// holds (NOT_FOUND reason OFFICE_NOT_FOUND otherwise, as for an office that
// does not exist), and no office means every office the caller holds.
// Metric names the service does not provide are ignored; provided_metrics
// always lists the ones it does.
func (s *Server) QueryMetrics(ctx context.Context, req *metricsv1.QueryMetricsRequest) (*metricsv1.QueryMetricsResponse, error) {
	if err := metricsource.ValidateMetricsQuery(req.GetOffices(), req.GetMetrics(), req.GetFromMonth(), req.GetToMonth()); err != nil {
		return nil, err
	}
	offices, err := s.scope(ctx, req.GetOffices())
	if err != nil {
		return nil, err
	}
	values, err := s.metrics.Query(ctx, metricsource.MetricsQuery{
		Offices: offices, Metrics: req.GetMetrics(), FromMonth: req.GetFromMonth(), ToMonth: req.GetToMonth(),
	})
	if err != nil {
		return nil, err
	}
	resp := &metricsv1.QueryMetricsResponse{ProvidedMetrics: slices.Clone(s.provided)}
	for _, v := range values {
		resp.Values = append(resp.Values, &metricsv1.MonthlyValue{Office: v.Office, Metric: v.Metric, Month: v.Month, Value: v.Value})
	}
	return resp, nil
}

// scope resolves the offices of a metrics request against the caller
// (auth.OfficeScope): none asked for means every office the caller holds;
// each one asked for must be an existing office the caller holds.
func (s *Server) scope(ctx context.Context, requested []string) ([]string, error) {
	p := identity.FromContext(ctx)
	known := s.offices.Codes()
	if len(requested) == 0 {
		return auth.OfficeScope(p, auth.AllOfficesWildcard, known)
	}
	var offices []string
	for _, o := range requested {
		scope, err := auth.OfficeScope(p, o, known)
		if err != nil {
			return nil, err
		}
		offices = append(offices, scope...)
	}
	slices.Sort(offices)
	return slices.Compact(offices), nil
}

// RebuildMetrics implements metricsv1.MetricsSourceServiceServer: it
// recounts every metric from the records and replaces the counters (see
// metricsource.UseCases.Rebuild). The reason is required
// (INVALID_ARGUMENT) and kept with the service's record of the rebuild;
// the use case decides who may (a rebuild covers every office: typically
// PERMISSION_DENIED unless the caller holds every office).
func (s *Server) RebuildMetrics(ctx context.Context, req *metricsv1.RebuildMetricsRequest) (*metricsv1.RebuildMetricsResponse, error) {
	res, err := s.metrics.Rebuild(ctx, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &metricsv1.RebuildMetricsResponse{
		Generation: res.Generation, Records: res.Records, Corrected: res.Corrected, Counters: res.Counters,
	}, nil
}
