// Package metricsource is what makes a service a source of the
// cross-office metrics (justice.metrics.v1.MetricsSourceService): the
// metric values and queries (this file), their validation, and the metrics
// use cases (Metrics) over a Repository of the counters. It is pure: it
// depends on neither the MongoDB driver nor gRPC, so a service's domain may
// use its types. The storage and the transport live in subpackages:
// metricstore's Store keeps the service's pre-aggregated counters (office
// x metric x month, package counters) fed by its record collections
// (docstore.Collection.Track), and metricserver's Server answers the
// gateway.
//
// A service supplies only what is its own: the names of the metrics it
// provides, in a stable order, and for each tracked collection the written
// definition of what a record counts for (a function of the record and its
// office's time zone returning MetricCounts, turned into counter cells by
// metricstore.Cells).
package metricsource

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// MetricCount is one term of a record's contribution to the metrics: Delta
// added to Metric in Month, for the record's own office.
type MetricCount struct {
	// Metric is the metric's name, e.g. "survivors_rescued".
	Metric string
	// Month is the calendar month counted in, "YYYY-MM", in the office's time zone.
	Month string
	// Delta is the amount the record adds (usually 1).
	Delta int64
}

// Month returns the calendar month of t in the time zone tz, as "YYYY-MM";
// nil tz means UTC. Metrics are counted per office and calendar month, the
// month taken in the office's time zone, so an office's figures follow its
// own calendar whatever the server's clock.
func Month(t time.Time, tz *time.Location) string {
	if tz == nil {
		tz = time.UTC
	}
	local := t.In(tz)
	return fmt.Sprintf("%04d-%02d", local.Year(), int(local.Month()))
}

// MetricValue is a metric's value for one office and month.
type MetricValue struct {
	// Office is the office code.
	Office string
	// Metric is the metric's name.
	Metric string
	// Month is the month, "YYYY-MM".
	Month string
	// Value is the count.
	Value int64
}

// MetricsQuery selects metric values.
type MetricsQuery struct {
	// Offices are the offices to report. The repository reports exactly
	// these; it is never called with none.
	Offices []string
	// Metrics are the metric names to report; the repository is never called with none.
	Metrics []string
	// FromMonth and ToMonth bound the months, inclusive, "YYYY-MM"; empty is unbounded.
	FromMonth, ToMonth string
}

// MetricsRebuild says what a recount of the metrics did.
type MetricsRebuild struct {
	// Generation is the generation of counters served from now on.
	Generation int64
	// Records is how many records were counted.
	Records int64
	// Corrected is how many records' counted contribution had to be corrected.
	Corrected int64
	// Counters is how many non-zero counters the new generation holds.
	Counters int64
}

// RebuildRequest is who asks for a recount of the metrics and why.
type RebuildRequest struct {
	// Actor is the subject of the caller.
	Actor string
	// Time is the server time of the request.
	Time time.Time
	// Reason is the caller's explanation, kept with the record of the rebuild.
	Reason string
	// RequestID is the caller's request id, for correlation.
	RequestID string
}

// Repository keeps a service's pre-aggregated metric counters (office x
// metric x month), which the record repositories update as they write
// records. *metricstore.Store implements it.
type Repository interface {
	// Query returns the non-zero values q selects, sorted by office,
	// metric and month, reading counters only, never records.
	Query(ctx context.Context, q MetricsQuery) ([]MetricValue, error)
	// Rebuild recounts every metric from the records, replaces the
	// counters with the result and keeps a record of who asked and why.
	Rebuild(ctx context.Context, r RebuildRequest) (MetricsRebuild, error)
}

// Limits of a metrics query.
const (
	// MaxMetricsQueryOffices bounds the offices one query names.
	MaxMetricsQueryOffices = 100
	// MaxMetricsQueryMetrics bounds the metric names one query names.
	MaxMetricsQueryMetrics = 100
)

var (
	monthPattern      = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	officeCodePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
)

// ReasonInvalidMetricsQuery is the ErrorInfo reason of a malformed metrics query.
const ReasonInvalidMetricsQuery = "INVALID_METRICS_QUERY"

// ValidateMetricsQuery checks what a caller asks of the metrics: office
// codes well formed (whether they exist and are the caller's is the
// caller's scope to decide), months as YYYY-MM with from_month not after
// to_month, and no more than the limits. Metric names are not checked: a
// name the service does not provide is ignored, as another source may
// provide it. The error is INVALID_ARGUMENT reason INVALID_METRICS_QUERY
// with a violation on each bad field ("offices[1]", "from_month", ...).
func ValidateMetricsQuery(offices, metrics []string, fromMonth, toMonth string) error {
	var v errs.Violations
	if len(offices) > MaxMetricsQueryOffices {
		v.Add("offices", "must list at most %d offices; got %d", MaxMetricsQueryOffices, len(offices))
	} else {
		for i, o := range offices {
			if !officeCodePattern.MatchString(o) {
				v.Add(fmt.Sprintf("offices[%d]", i),
					"must be an office code: a lowercase letter, then 1 to 39 lowercase letters, digits or '-', e.g. mumbai; got %q",
					truncate(o, 40))
			}
		}
	}
	if len(metrics) > MaxMetricsQueryMetrics {
		v.Add("metrics", "must list at most %d metric names; got %d", MaxMetricsQueryMetrics, len(metrics))
	}
	fromOK := checkMonth(&v, "from_month", fromMonth)
	toOK := checkMonth(&v, "to_month", toMonth)
	if fromOK && toOK && fromMonth != "" && toMonth != "" && toMonth < fromMonth {
		v.Add("to_month", "must not be before from_month %s; got %s", fromMonth, toMonth)
	}
	if len(v) == 0 {
		return nil
	}
	parts := make([]string, len(v))
	for i, fv := range v {
		parts[i] = fv.Field + ": " + fv.Description
	}
	return errs.InvalidArgument(ReasonInvalidMetricsQuery, "invalid metrics query: "+strings.Join(parts, "; "), v...)
}

// checkMonth records a violation unless month is empty or YYYY-MM.
func checkMonth(v *errs.Violations, field, month string) bool {
	if month == "" || monthPattern.MatchString(month) {
		return true
	}
	v.Add(field, "must be a month as YYYY-MM, e.g. 2025-03 (month 01 to 12), or empty; got %q", truncate(month, 20))
	return false
}

// truncate cuts s to n characters for quoting in a message.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// KnownMetrics returns the names of requested that are among provided (the
// metrics a service provides, in its order), each once, in the order of
// provided; all of provided (a fresh slice) when requested is empty.
func KnownMetrics(provided, requested []string) []string {
	if len(requested) == 0 {
		return slices.Clone(provided)
	}
	var known []string
	for _, m := range provided {
		if slices.Contains(requested, m) {
			known = append(known, m)
		}
	}
	return known
}

// ValidateRebuildReason checks the reason of a recount: required, at most
// record.MaxReasonLength characters.
func ValidateRebuildReason(reason string) errs.Violations {
	var v errs.Violations
	if record.CheckRequired(&v, "reason", reason) {
		record.CheckMaxLen(&v, "reason", reason, record.MaxReasonLength, true)
	}
	return v
}
