package grpcport

import (
	"github.com/justiceops/justice/services/platform/metricsource/metricserver"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/prosecution/internal/app"
)

// MetricsServer implements metricsv1.MetricsSourceServiceServer: the
// prosecution service's part of the cross-office metrics
// (criminals_restrained, convictions, acquittals, cases_charge_sheeted),
// read from its pre-aggregated counters. It is the platform's
// metricserver.Server over the application's metrics use cases.
type MetricsServer = metricserver.Server

// NewMetrics returns the MetricsSourceService over the application.
func NewMetrics(application *app.Application, offices *office.Registry) *MetricsServer {
	metrics := application.Metrics()
	return metricserver.NewServer(metrics.Provided(), metrics, offices)
}
