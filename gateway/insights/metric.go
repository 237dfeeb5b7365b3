package insights

import (
	"regexp"
	"slices"
)

// The metric names the gateway itself knows about (the domain's written
// definitions). Sources may provide more; those are flows.
const (
	// MetricSurvivorsRescued: survivors whose rescue date falls in the period.
	MetricSurvivorsRescued = "survivors_rescued"
	// MetricMinorsRescued: of those, the ones under 18 at rescue.
	MetricMinorsRescued = "minors_rescued"
	// MetricOperationsConducted: operations that reached CONDUCTED in the period.
	MetricOperationsConducted = "operations_conducted"
	// MetricCriminalsRestrained: accused first taken into custody in the
	// period, each person once per case.
	MetricCriminalsRestrained = "criminals_restrained"
	// MetricConvictions: accused convicted in the period.
	MetricConvictions = "convictions"
	// MetricAcquittals: accused acquitted in the period.
	MetricAcquittals = "acquittals"
	// MetricCasesChargeSheeted: cases whose chargesheet was filed in the period.
	MetricCasesChargeSheeted = "cases_charge_sheeted"
	// MetricConvictionRate (derived): convictions / (convictions +
	// acquittals) of the period, in whole percent (0 to 100, rounded half
	// up); no value for a period without a verdict.
	MetricConvictionRate = "conviction_rate"
	// MetricSurvivorsInAftercare (stock): enrollments ACTIVE at the end of the period.
	MetricSurvivorsInAftercare = "survivors_in_aftercare"
	// MetricAftercareCompletions: enrollments COMPLETED in the period.
	MetricAftercareCompletions = "aftercare_completions"
	// MetricPeopleTrained: attendees of training sessions held in the period.
	MetricPeopleTrained = "people_trained"
)

// sourceCatalog is what each standard source is expected to provide, by
// source name. It names the metrics missing when a source fails before it
// ever answered (Source.Metrics overrides it, a successful answer replaces
// it), and it is the list of accepted names when every source failed.
var sourceCatalog = map[string][]string{
	"rescue":      {MetricSurvivorsRescued, MetricMinorsRescued, MetricOperationsConducted},
	"prosecution": {MetricCriminalsRestrained, MetricConvictions, MetricAcquittals, MetricCasesChargeSheeted},
	"aftercare":   {MetricSurvivorsInAftercare, MetricAftercareCompletions},
	"training":    {MetricPeopleTrained},
}

// staticMetrics returns every metric the domain defines, derived ones
// included, sorted.
func staticMetrics() []string {
	var out []string
	for _, ms := range sourceCatalog {
		out = append(out, ms...)
	}
	out = append(out, MetricConvictionRate)
	slices.Sort(out)
	return slices.Compact(out)
}

// stockMetrics are the metrics whose value is a level at the end of a
// period (running total of monthly net changes) rather than a sum over it.
var stockMetrics = map[string]bool{MetricSurvivorsInAftercare: true}

// derivedInputs lists, for each derived metric, the source metrics it is
// computed from.
var derivedInputs = map[string][]string{
	MetricConvictionRate: {MetricConvictions, MetricAcquittals},
}

// metricNamePattern is the shape of a metric name (package counters').
var metricNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// sourceMetricsFor expands the requested metric names into the names to
// ask the sources for: derived metrics become their inputs. nil (every
// metric) stays nil.
func sourceMetricsFor(requested []string) []string {
	if len(requested) == 0 {
		return nil
	}
	var out []string
	for _, m := range requested {
		if in, ok := derivedInputs[m]; ok {
			out = append(out, in...)
			continue
		}
		out = append(out, m)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// needsHistory reports whether answering for metrics (nil: every metric)
// needs months before the range's start: stock metrics do.
func needsHistory(metrics []string) bool {
	if len(metrics) == 0 {
		return true
	}
	return slices.ContainsFunc(metrics, func(m string) bool { return stockMetrics[m] })
}
