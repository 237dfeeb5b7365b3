package mongodb

import (
	"time"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/metricsource/metricstore"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// TimeZones gives the time zone of an office, in which the metrics' months
// are counted. It returns nil (meaning UTC) for an office it does not know.
type TimeZones = metricstore.TimeZones

// MetricsRepository implements domain.MetricsRepository over the counters
// the operation and survivor repositories keep, and the upkeep they need
// (Repair): the platform's metricstore.Store in the service's database.
type MetricsRepository = metricstore.Store

// contributions computes what stored operations and survivors count for:
// the domain's written definitions in their office's time zone.
type contributions struct {
	zone func(office string) *time.Location
}

// operation is the contribution of a stored operation: the domain's
// OperationMetrics in its office's time zone.
func (c contributions) operation(d *operationDoc) ([]counters.Cell, error) {
	o := fromOperationDoc(d)
	return metricstore.Cells(o.Office, domain.OperationMetrics(o, c.zone(o.Office))), nil
}

// survivor is the contribution of a stored survivor: the domain's
// SurvivorMetrics in its office's time zone, computed without decrypting
// (nor reading) the protected identity.
func (c contributions) survivor(d *survivorDoc) ([]counters.Cell, error) {
	s := survivorWithoutIdentity(d)
	return metricstore.Cells(s.Office, domain.SurvivorMetrics(s, c.zone(s.Office))), nil
}
