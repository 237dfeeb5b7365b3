package domain

import (
	"time"

	"github.com/justiceops/justice/services/platform/metricsource"
)

// The metrics the rescue service provides to the cross-office metrics, one
// written definition each (see SurvivorMetrics and OperationMetrics). Each is
// counted per office and calendar month, the month taken in the office's
// time zone, so an office's figures follow its own calendar whatever the
// server's clock.
const (
	// MetricSurvivorsRescued counts survivors whose rescue date falls in the month.
	MetricSurvivorsRescued = "survivors_rescued"
	// MetricMinorsRescued counts, of those, the survivors under 18 at rescue.
	MetricMinorsRescued = "minors_rescued"
	// MetricOperationsConducted counts operations that reached CONDUCTED in the month.
	MetricOperationsConducted = "operations_conducted"
)

// ProvidedMetrics returns the names of the metrics the rescue service
// provides, in a stable order. The result is a fresh slice.
func ProvidedMetrics() []string {
	return []string{MetricSurvivorsRescued, MetricMinorsRescued, MetricOperationsConducted}
}

// SurvivorMetrics is the written definition of what a survivor counts for,
// given the time zone tz of the survivor's office:
//
//   - survivors_rescued: 1 in the month of the survivor's rescue (rescue_time
//     in the office's time zone);
//   - minors_rescued: 1 in the same month when the survivor was under 18 at
//     rescue (age_at_rescue below AdultAge).
//
// It reads the rescue time and the age at rescue only, never protected
// identity: erasing a survivor's identity changes no count.
func SurvivorMetrics(s *Survivor, tz *time.Location) []MetricCount {
	if s.RescueTime.IsZero() {
		return nil
	}
	month := metricsource.Month(s.RescueTime, tz)
	counts := []MetricCount{{Metric: MetricSurvivorsRescued, Month: month, Delta: 1}}
	if s.Minor() {
		counts = append(counts, MetricCount{Metric: MetricMinorsRescued, Month: month, Delta: 1})
	}
	return counts
}

// OperationMetrics is the written definition of what an operation counts
// for, given the time zone tz of its office:
//
//   - operations_conducted: 1 in the month of the operation's conduct_time
//     (in the office's time zone) once it reached CONDUCTED, so while it is
//     CONDUCTED and after it is CLOSED; a PLANNED or ABORTED operation
//     counts for nothing.
func OperationMetrics(o *Operation, tz *time.Location) []MetricCount {
	if !o.AcceptsSurvivors() || o.ConductTime.IsZero() {
		return nil
	}
	return []MetricCount{{Metric: MetricOperationsConducted, Month: metricsource.Month(o.ConductTime, tz), Delta: 1}}
}

// The metrics basics shared by every service that is a metrics source
// (package metricsource).
type (
	// MetricCount is one term of a record's contribution to the metrics.
	MetricCount = metricsource.MetricCount
	// MetricValue is a metric's value for one office and month.
	MetricValue = metricsource.MetricValue
	// MetricsQuery selects metric values.
	MetricsQuery = metricsource.MetricsQuery
	// MetricsRebuild says what a recount of the metrics did.
	MetricsRebuild = metricsource.MetricsRebuild
	// RebuildRequest is who asks for a recount of the metrics and why.
	RebuildRequest = metricsource.RebuildRequest
	// MetricsRepository keeps the service's pre-aggregated metric counters,
	// which the operation and survivor repositories update as they write.
	MetricsRepository = metricsource.Repository
)

// KnownMetrics returns the names of requested that the rescue service
// provides, each once, in the order of ProvidedMetrics; every provided
// metric when requested is empty.
func KnownMetrics(requested []string) []string {
	return metricsource.KnownMetrics(ProvidedMetrics(), requested)
}
