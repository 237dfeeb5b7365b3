package mongodb

import (
	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/metricsource/metricstore"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// TimeZones gives the time zone of an office. It returns nil (meaning UTC)
// for an office it does not know.
type TimeZones = metricstore.TimeZones

// MetricsRepository keeps the metric counters the case and accused
// repositories feed, answers their queries and rebuilds, and does their
// upkeep (Query, Rebuild, Repair, NeedsRepair): the platform's
// metricstore.Store in the service's database.
type MetricsRepository = metricstore.Store

// caseCells is the contribution of a stored case: the domain's CaseMetrics.
func caseCells(d *caseDoc) ([]counters.Cell, error) {
	c, err := fromCaseDoc(d)
	if err != nil {
		return nil, err
	}
	return metricstore.Cells(c.Office, domain.CaseMetrics(c)), nil
}

// accusedCells is the contribution of a stored accused: the domain's AccusedMetrics.
func accusedCells(d *accusedDoc) ([]counters.Cell, error) {
	a, err := fromAccusedDoc(d)
	if err != nil {
		return nil, err
	}
	return metricstore.Cells(a.Office, domain.AccusedMetrics(a)), nil
}
