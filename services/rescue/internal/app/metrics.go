package app

import (
	"context"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/requestid"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// QueryMetrics asks for the monthly values of the rescue metrics.
type QueryMetrics struct {
	// Offices are the offices asked for, each one the caller holds (the
	// port resolves an empty request to every office of the caller). The
	// use case narrows them to the caller's scope again.
	Offices []string
	// Metrics are the metric names asked for; empty means every metric the
	// service provides. Names it does not provide are ignored.
	Metrics []string
	// FromMonth and ToMonth bound the months, inclusive, "YYYY-MM"; empty is unbounded.
	FromMonth, ToMonth string
}

// CheckQueryMetrics validates a metrics query's input without touching storage.
func (a *Application) CheckQueryMetrics(q QueryMetrics) error {
	return domain.ValidateMetricsQuery(q.Offices, q.Metrics, q.FromMonth, q.ToMonth)
}

// QueryMetrics returns the non-zero values of the metrics asked for, per
// office and month, read from the pre-aggregated counters (never from the
// records), sorted by office, metric and month. A caller whose scope holds
// none of the offices asked for gets nothing.
func (a *Application) QueryMetrics(ctx context.Context, q QueryMetrics) ([]domain.MetricValue, error) {
	if err := a.CheckQueryMetrics(q); err != nil {
		return nil, fmt.Errorf("app.QueryMetrics: %w", err)
	}
	scope := a.Scope(ctx).Narrow(q.Offices)
	metrics := domain.KnownMetrics(q.Metrics)
	if scope.Empty() || len(metrics) == 0 {
		return nil, nil
	}
	values, err := a.metrics.Query(ctx, domain.MetricsQuery{
		Offices: scope.Offices(), Metrics: metrics, FromMonth: q.FromMonth, ToMonth: q.ToMonth,
	})
	if err != nil {
		return nil, fmt.Errorf("app.QueryMetrics: %w", err)
	}
	return values, nil
}

// CheckRebuildMetrics validates a rebuild's reason without touching storage.
func (a *Application) CheckRebuildMetrics(reason string) error {
	return domain.ValidateRebuildReason(reason).Err()
}

// ReasonAllOfficesRequired is the ErrorInfo reason (PERMISSION_DENIED) of a
// rebuild asked by a caller who does not hold every office.
const ReasonAllOfficesRequired = "ALL_OFFICES_REQUIRED"

// RebuildMetrics recounts every metric from the records and replaces the
// counters with the result, keeping a record of who asked, when and why.
// Readers keep the previous complete counters until the new ones are
// switched in. A rebuild covers every office at once, so the caller must
// hold every configured office (PERMISSION_DENIED reason
// ALL_OFFICES_REQUIRED otherwise): a caller of some offices must not learn
// the others' record totals, nor act on their counters.
func (a *Application) RebuildMetrics(ctx context.Context, reason string) (domain.MetricsRebuild, error) {
	if err := a.CheckRebuildMetrics(reason); err != nil {
		return domain.MetricsRebuild{}, fmt.Errorf("app.RebuildMetrics: %w", err)
	}
	if !a.holdsEveryOffice(ctx) {
		return domain.MetricsRebuild{}, fmt.Errorf("app.RebuildMetrics: %w", errs.PermissionDenied(ReasonAllOfficesRequired,
			"rebuilding the metrics recounts every office's records; the caller must hold every office (an all-offices token)"))
	}
	res, err := a.metrics.Rebuild(ctx, domain.RebuildRequest{
		Actor: identity.FromContext(ctx).Subject, Time: a.clock.Now(), Reason: reason, RequestID: requestid.FromContext(ctx),
	})
	if err != nil {
		return domain.MetricsRebuild{}, fmt.Errorf("app.RebuildMetrics: %w", err)
	}
	return res, nil
}

// holdsEveryOffice reports whether the caller's scope is every configured office.
func (a *Application) holdsEveryOffice(ctx context.Context) bool {
	all := domain.NewScope(a.offices...).Offices()
	return len(all) > 0 && len(a.Scope(ctx).Offices()) == len(all)
}
