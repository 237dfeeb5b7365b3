package insights

import (
	"fmt"
	"regexp"
	"strconv"

	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
)

// month is a calendar month as a count of months since January of year 0,
// so that ranges are integer intervals.
type month int

var monthPattern = regexp.MustCompile(`^([0-9]{4})-(0[1-9]|1[0-2])$`)

// parseMonth parses "YYYY-MM".
func parseMonth(s string) (month, bool) {
	m := monthPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	y, _ := strconv.Atoi(m[1])
	mm, _ := strconv.Atoi(m[2])
	return month(y*12 + mm - 1), true
}

func (m month) year() int      { return int(m) / 12 }
func (m month) monthOf() int   { return int(m)%12 + 1 }
func (m month) quarter() int   { return (m.monthOf()-1)/3 + 1 }
func (m month) String() string { return fmt.Sprintf("%04d-%02d", m.year(), m.monthOf()) }

// period is one column of the answer: its label and its months, inclusive.
type period struct {
	label      string
	start, end month
}

// periodCount returns how many periods [from, to] spans at granularity g,
// without building them (to bound the answer's size first).
func periodCount(g insightsv1.Granularity, from, to month) int {
	switch g {
	case insightsv1.Granularity_GRANULARITY_QUARTER:
		return (int(to)/3 - int(from)/3) + 1
	case insightsv1.Granularity_GRANULARITY_YEAR:
		return to.year() - from.year() + 1
	case insightsv1.Granularity_GRANULARITY_TOTAL:
		return 1
	default:
		return int(to-from) + 1
	}
}

// periods splits [from, to] into the periods of granularity g, in order,
// each clipped to the range.
func periods(g insightsv1.Granularity, from, to month) []period {
	if g == insightsv1.Granularity_GRANULARITY_TOTAL {
		return []period{{label: "total", start: from, end: to}}
	}
	out := make([]period, 0, periodCount(g, from, to))
	for start := from; start <= to; {
		var end month
		var label string
		switch g {
		case insightsv1.Granularity_GRANULARITY_QUARTER:
			end = month(int(start)/3*3 + 2)
			label = fmt.Sprintf("%04d-Q%d", start.year(), start.quarter())
		case insightsv1.Granularity_GRANULARITY_YEAR:
			end = month(start.year()*12 + 11)
			label = fmt.Sprintf("%04d", start.year())
		default:
			end = start
			label = start.String()
		}
		end = min(end, to)
		out = append(out, period{label: label, start: start, end: end})
		start = end + 1
	}
	return out
}
