package grpcport

import (
	"context"
	"slices"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// MetricsServer implements metricsv1.MetricsSourceServiceServer: the rescue
// service's part of the cross-office metrics (survivors_rescued,
// minors_rescued, operations_conducted), read from its pre-aggregated
// counters. The gateway calls it with the caller's own token, so the office
// scope is the caller's.
type MetricsServer struct {
	metricsv1.UnimplementedMetricsSourceServiceServer

	app     *app.Application
	offices *office.Registry
}

var _ metricsv1.MetricsSourceServiceServer = (*MetricsServer)(nil)

// NewMetrics returns the MetricsSourceService over the application.
func NewMetrics(application *app.Application, offices *office.Registry) *MetricsServer {
	return &MetricsServer{app: application, offices: offices}
}

// QueryMetrics implements metricsv1.MetricsSourceServiceServer. The request
// is validated first (INVALID_ARGUMENT reason INVALID_METRICS_QUERY naming
// each bad field: a malformed office code, a month not YYYY-MM, to_month
// before from_month); then each office asked for must be one the caller
// holds (NOT_FOUND reason OFFICE_NOT_FOUND otherwise, as for an office that
// does not exist), and no office means every office the caller holds.
// Metric names the service does not provide are ignored; provided_metrics
// always lists the ones it does.
func (s *MetricsServer) QueryMetrics(ctx context.Context, req *metricsv1.QueryMetricsRequest) (*metricsv1.QueryMetricsResponse, error) {
	q := app.QueryMetrics{Offices: req.GetOffices(), Metrics: req.GetMetrics(), FromMonth: req.GetFromMonth(), ToMonth: req.GetToMonth()}
	if err := s.app.CheckQueryMetrics(q); err != nil {
		return nil, err
	}
	offices, err := s.scope(ctx, req.GetOffices())
	if err != nil {
		return nil, err
	}
	q.Offices = offices
	values, err := s.app.QueryMetrics(ctx, q)
	if err != nil {
		return nil, err
	}
	resp := &metricsv1.QueryMetricsResponse{ProvidedMetrics: domain.ProvidedMetrics()}
	for _, v := range values {
		resp.Values = append(resp.Values, &metricsv1.MonthlyValue{Office: v.Office, Metric: v.Metric, Month: v.Month, Value: v.Value})
	}
	return resp, nil
}

// scope resolves the offices of a metrics request against the caller
// (auth.OfficeScope): none asked for means every office the caller holds;
// each one asked for must be an existing office the caller holds.
func (s *MetricsServer) scope(ctx context.Context, requested []string) ([]string, error) {
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
// app.RebuildMetrics). The reason is required (INVALID_ARGUMENT) and kept
// with the service's record of the rebuild; the caller must hold every
// office (PERMISSION_DENIED reason ALL_OFFICES_REQUIRED).
func (s *MetricsServer) RebuildMetrics(ctx context.Context, req *metricsv1.RebuildMetricsRequest) (*metricsv1.RebuildMetricsResponse, error) {
	res, err := s.app.RebuildMetrics(ctx, req.GetReason())
	if err != nil {
		return nil, err
	}
	return &metricsv1.RebuildMetricsResponse{
		Generation: res.Generation, Records: res.Records, Corrected: res.Corrected, Counters: res.Counters,
	}, nil
}
