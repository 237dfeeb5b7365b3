package grpcport

import (
	"github.com/justiceops/justice/services/platform/metricsource/metricserver"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// MetricsServer implements metricsv1.MetricsSourceServiceServer: the rescue
// service's part of the cross-office metrics (survivors_rescued,
// minors_rescued, operations_conducted), read from its pre-aggregated
// counters. It is the platform's metricserver.Server over the rescue
// metrics use cases; the gateway calls it with the caller's own token, so
// the office scope is the caller's.
type MetricsServer = metricserver.Server

// NewMetrics returns the MetricsSourceService over the application.
func NewMetrics(application *app.Application, offices *office.Registry) *MetricsServer {
	return metricserver.NewServer(domain.ProvidedMetrics(), application.Metrics(), offices)
}
