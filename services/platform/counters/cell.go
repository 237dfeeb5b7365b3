package counters

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
)

// Cell is one term of a record's contribution to the counters: Delta
// added to the counter of Metric in Office for Month. A record's
// contribution is a set of cells, e.g. {mumbai, survivors_rescued,
// 2025-03, 1} and {mumbai, minors_rescued, 2025-03, 1}; the difference
// between two contributions (Diff) is again a set of cells.
type Cell struct {
	// Office is the office code, e.g. "mumbai".
	Office string `bson:"office"`
	// Metric is the counter's name: a lowercase letter, then up to 62
	// lowercase letters, digits and underscores, e.g. "survivors_rescued".
	Metric string `bson:"metric"`
	// Month is the calendar month counted in, "YYYY-MM", e.g. "2025-03".
	Month string `bson:"month"`
	// Delta is the amount added (negative to subtract).
	Delta int64 `bson:"delta"`
}

// Key names one counter: a metric of an office in a month.
type Key struct {
	Office string
	Metric string
	Month  string
}

// Key returns the counter the cell adds to.
func (c Cell) Key() Key { return Key{Office: c.Office, Metric: c.Metric, Month: c.Month} }

// String returns "office|metric|month".
func (k Key) String() string { return k.Office + "|" + k.Metric + "|" + k.Month }

var (
	officeRe = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	metricRe = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	monthRe  = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
)

// validate reports the first field of k that is not well formed.
func (k Key) validate() error {
	switch {
	case !officeRe.MatchString(k.Office):
		return fmt.Errorf("office %q must match %s", k.Office, officeRe)
	case !metricRe.MatchString(k.Metric):
		return fmt.Errorf("metric %q must match %s", k.Metric, metricRe)
	case !monthRe.MatchString(k.Month):
		return fmt.Errorf("month %q must be YYYY-MM, e.g. 2025-03", k.Month)
	}
	return nil
}

// validateCells checks every cell's office, metric and month.
func validateCells(cells []Cell) error {
	for i, c := range cells {
		if err := c.Key().validate(); err != nil {
			return fmt.Errorf("cell %d: %w", i, err)
		}
	}
	return nil
}

// Normalize returns cells with the deltas of equal keys summed, zero
// deltas dropped, sorted by office, metric and month. Two contributions
// are equal exactly when their normalized forms are.
func Normalize(cells []Cell) []Cell {
	sum := make(map[Key]int64, len(cells))
	for _, c := range cells {
		sum[c.Key()] += c.Delta
	}
	out := make([]Cell, 0, len(sum))
	for k, d := range sum {
		if d != 0 {
			out = append(out, Cell{Office: k.Office, Metric: k.Metric, Month: k.Month, Delta: d})
		}
	}
	slices.SortFunc(out, compareCells)
	return out
}

// Diff returns what must be added to the counters when a record's
// contribution changes from old to new: new minus old, normalized. A
// create is Diff(nil, new), a delete Diff(old, nil).
func Diff(old, new []Cell) []Cell {
	cells := make([]Cell, 0, len(old)+len(new))
	cells = append(cells, new...)
	for _, c := range old {
		c.Delta = -c.Delta
		cells = append(cells, c)
	}
	return Normalize(cells)
}

func compareCells(a, b Cell) int {
	return cmp.Or(
		cmp.Compare(a.Office, b.Office),
		cmp.Compare(a.Metric, b.Metric),
		cmp.Compare(a.Month, b.Month),
	)
}

// equalCells reports whether two normalized contributions are equal.
func equalCells(a, b []Cell) bool { return slices.Equal(a, b) }
