package metricsource

import (
	"context"
	"fmt"
	"slices"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/requestid"
	"github.com/justiceops/justice/services/platform/usecase"
)

// ReasonAllOfficesRequired is the ErrorInfo reason (PERMISSION_DENIED) of a
// rebuild asked by a caller who does not hold every office.
const ReasonAllOfficesRequired = "ALL_OFFICES_REQUIRED"

// UseCases are the service's metrics use cases that the gRPC Server of
// package metricserver calls.
type UseCases interface {
	// Query returns the values of the metrics q asks for (a validated
	// query whose offices are the caller's, resolved by the Server),
	// narrowed again to the caller's scope and to the metrics the service
	// provides.
	Query(ctx context.Context, q MetricsQuery) ([]MetricValue, error)
	// Rebuild recounts every metric from the records for the reason given,
	// checking that the caller may (INVALID_ARGUMENT for a bad reason,
	// PERMISSION_DENIED for a caller who may not).
	Rebuild(ctx context.Context, reason string) (MetricsRebuild, error)
}

// Metrics are a service's metrics use cases over its counters: they
// implement UseCases for the Server (package metricserver). Every service
// that is a metrics source uses them as they are; it supplies the metrics
// it provides, its counters and its configured offices.
type Metrics struct {
	provided []string
	repo     Repository
	offices  []string
	clock    usecase.Clock
}

var _ UseCases = (*Metrics)(nil)

// NewMetrics returns the metrics use cases of a service that provides the
// metrics named by provided (in a stable order), over its counters repo.
// offices are the codes of every configured office: a caller whose
// identity holds all offices reaches these, any other caller the ones it
// holds among them. A nil clock means the system clock.
func NewMetrics(provided []string, repo Repository, offices []string, clock usecase.Clock) *Metrics {
	if clock == nil {
		clock = usecase.SystemClock
	}
	return &Metrics{provided: slices.Clone(provided), repo: repo, offices: slices.Clone(offices), clock: clock}
}

// Provided returns the names of the metrics the service provides, in its
// order: a fresh slice.
func (m *Metrics) Provided() []string { return slices.Clone(m.provided) }

// Query implements UseCases: it returns the non-zero values of the
// metrics q asks for, per office and month, read from the pre-aggregated
// counters (never from the records), sorted by office, metric and month.
// The query is validated again (ValidateMetricsQuery), its offices are
// narrowed to the caller's scope and its metrics to those the service
// provides (every one when it names none); a caller whose scope holds none
// of the offices asked for, or who asks only for metrics of other sources,
// gets nothing, without a read.
func (m *Metrics) Query(ctx context.Context, q MetricsQuery) ([]MetricValue, error) {
	if err := ValidateMetricsQuery(q.Offices, q.Metrics, q.FromMonth, q.ToMonth); err != nil {
		return nil, fmt.Errorf("metricsource.Metrics.Query: %w", err)
	}
	scope := usecase.Scope(ctx, m.offices).Narrow(q.Offices)
	metrics := KnownMetrics(m.provided, q.Metrics)
	if scope.Empty() || len(metrics) == 0 {
		return nil, nil
	}
	values, err := m.repo.Query(ctx, MetricsQuery{Offices: scope.Offices(), Metrics: metrics, FromMonth: q.FromMonth, ToMonth: q.ToMonth})
	if err != nil {
		return nil, fmt.Errorf("metricsource.Metrics.Query: %w", err)
	}
	return values, nil
}

// Rebuild implements UseCases: it recounts every metric from the records
// and replaces the counters with the result, keeping a record of who
// asked, when, why and under which request id (Repository.Rebuild).
// Readers keep the previous complete counters until the new ones are
// switched in. The reason is required (INVALID_ARGUMENT,
// ValidateRebuildReason). A rebuild covers every office at once, so the
// caller must hold every configured office (PERMISSION_DENIED reason
// ALL_OFFICES_REQUIRED otherwise): a caller of some offices must not learn
// the others' record totals, nor act on their counters.
func (m *Metrics) Rebuild(ctx context.Context, reason string) (MetricsRebuild, error) {
	if err := ValidateRebuildReason(reason).Err(); err != nil {
		return MetricsRebuild{}, fmt.Errorf("metricsource.Metrics.Rebuild: %w", err)
	}
	if !usecase.HoldsEveryOffice(ctx, m.offices) {
		return MetricsRebuild{}, fmt.Errorf("metricsource.Metrics.Rebuild: %w", errs.PermissionDenied(ReasonAllOfficesRequired,
			"rebuilding the metrics recounts every office's records; the caller must hold every office (an all-offices token)"))
	}
	res, err := m.repo.Rebuild(ctx, RebuildRequest{
		Actor: usecase.Actor(ctx), Time: m.clock.Now(), Reason: reason, RequestID: requestid.FromContext(ctx),
	})
	if err != nil {
		return MetricsRebuild{}, fmt.Errorf("metricsource.Metrics.Rebuild: %w", err)
	}
	return res, nil
}
