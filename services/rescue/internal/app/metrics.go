package app

import "github.com/justiceops/justice/services/platform/metricsource"

// Metrics are the rescue service's metrics use cases (QueryMetrics and
// RebuildMetrics of its MetricsSourceService): the platform's
// metricsource.Metrics over the rescue counters, providing
// domain.ProvidedMetrics, scoped to the caller's offices, the rebuild only
// for a caller holding every office.
func (a *Application) Metrics() *metricsource.Metrics { return a.metrics }
