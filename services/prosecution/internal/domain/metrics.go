package domain

import "github.com/justiceops/justice/services/platform/metricsource"

// The metrics the prosecution service provides to the cross-office metrics,
// one written definition each (see AccusedMetrics and CaseMetrics). Each is
// counted per office and calendar month. The dates they count by are
// calendar dates in court records (an arrest date, a verdict date), already
// days of the office's calendar, so the month is the date's own YYYY-MM and
// no time zone enters.
const (
	// MetricCriminalsRestrained counts accused persons first taken into
	// custody in the month, each person once per case.
	MetricCriminalsRestrained = "criminals_restrained"
	// MetricConvictions counts accused convicted in the month.
	MetricConvictions = "convictions"
	// MetricAcquittals counts accused acquitted in the month.
	MetricAcquittals = "acquittals"
	// MetricCasesChargeSheeted counts cases whose chargesheet was filed in the month.
	MetricCasesChargeSheeted = "cases_charge_sheeted"
)

// ProvidedMetrics returns the names of the metrics the prosecution service
// provides, in a stable order. The result is a fresh slice.
func ProvidedMetrics() []string {
	return []string{MetricCriminalsRestrained, MetricConvictions, MetricAcquittals, MetricCasesChargeSheeted}
}

// MetricCount is one term of a record's contribution to the metrics: Delta
// added to Metric in Month, for the record's own office (the platform's
// metricsource.MetricCount).
type MetricCount = metricsource.MetricCount

// AccusedMetrics is the written definition of what an accused counts for:
//
//   - criminals_restrained: 1 in the month of FirstCustodyDate, the day the
//     accused was first arrested or remanded into judicial custody. An
//     accused record is one person in one case, so a person is counted once
//     per case however often re-arrested; a person accused in two cases is
//     two records and counts in each.
//   - convictions: 1 in the month of the verdict date when the verdict is
//     CONVICTED;
//   - acquittals: 1 in the month of the verdict date when the verdict is
//     ACQUITTED.
//
// A discharge (verdict DISCHARGED) counts as neither a conviction nor an
// acquittal: the accused was never tried, and the conviction rate,
// convictions / (convictions + acquittals), is over trials decided.
func AccusedMetrics(a *Accused) []MetricCount {
	var counts []MetricCount
	if !a.FirstCustodyDate.IsZero() {
		counts = append(counts, MetricCount{Metric: MetricCriminalsRestrained, Month: a.FirstCustodyDate.YearMonth(), Delta: 1})
	}
	if a.VerdictDate.IsZero() {
		return counts
	}
	switch a.Verdict {
	case VerdictConvicted:
		counts = append(counts, MetricCount{Metric: MetricConvictions, Month: a.VerdictDate.YearMonth(), Delta: 1})
	case VerdictAcquitted:
		counts = append(counts, MetricCount{Metric: MetricAcquittals, Month: a.VerdictDate.YearMonth(), Delta: 1})
	}
	return counts
}

// CaseMetrics is the written definition of what a case counts for:
//
//   - cases_charge_sheeted: 1 in the month of ChargesheetDate, the effective
//     date of the change that reached (or passed) CHARGESHEET_FILED. A
//     correction back before that stage clears the date, and the case stops
//     counting until it is charge-sheeted again.
func CaseMetrics(c *Case) []MetricCount {
	if c.ChargesheetDate.IsZero() {
		return nil
	}
	return []MetricCount{{Metric: MetricCasesChargeSheeted, Month: c.ChargesheetDate.YearMonth(), Delta: 1}}
}
