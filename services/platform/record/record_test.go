package record_test

import (
	"slices"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

func date(y, m, d int) record.Date { return record.Date{Year: y, Month: m, Day: d} }

func TestDateValid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    record.Date
		want bool
	}{
		{date(2024, 2, 29), true}, // leap year
		{date(2023, 2, 29), false},
		{date(1900, 2, 29), false}, // divisible by 100, not by 400
		{date(2000, 2, 29), true},  // divisible by 400
		{date(2025, 4, 31), false},
		{date(2025, 12, 31), true},
		{date(2025, 13, 1), false},
		{date(2025, 0, 1), false},
		{date(2025, 1, 0), false},
		{date(1, 1, 1), true},
		{date(0, 1, 1), false},
		{date(9999, 12, 31), true},
		{date(10000, 1, 1), false},
		{record.Date{}, false},
	} {
		if got := tc.d.Valid(); got != tc.want {
			t.Errorf("%+v.Valid() = %v, want %v", tc.d, got, tc.want)
		}
	}
	if !(record.Date{}).IsZero() || date(2025, 1, 1).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestDateCompare(t *testing.T) {
	t.Parallel()
	ordered := []record.Date{date(1999, 12, 31), date(2000, 1, 1), date(2000, 1, 2), date(2000, 2, 1), date(2001, 1, 1)}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("%s.Compare(%s) = %d, want %d", a.ISO(), b.ISO(), got, want)
			}
			if a.Before(b) != (want < 0) || a.After(b) != (want > 0) {
				t.Errorf("Before/After of %s and %s disagree with Compare", a.ISO(), b.ISO())
			}
		}
	}
	shuffled := []record.Date{ordered[3], ordered[0], ordered[4], ordered[2], ordered[1]}
	slices.SortFunc(shuffled, record.Date.Compare)
	if !slices.Equal(shuffled, ordered) {
		t.Errorf("sorted by Compare = %v", shuffled)
	}
}

func TestDateAddDays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from record.Date
		n    int
		want record.Date
	}{
		{date(2025, 1, 31), 1, date(2025, 2, 1)},       // across a month
		{date(2024, 2, 28), 1, date(2024, 2, 29)},      // into a leap day
		{date(2024, 2, 29), 1, date(2024, 3, 1)},       // out of it
		{date(2023, 2, 28), 1, date(2023, 3, 1)},       // no leap day
		{date(2025, 12, 31), 1, date(2026, 1, 1)},      // across a year
		{date(2025, 3, 1), -1, date(2025, 2, 28)},      // backwards
		{date(2024, 3, 1), -1, date(2024, 2, 29)},      // backwards into a leap day
		{date(2024, 1, 1), 366, date(2025, 1, 1)},      // a leap year's length
		{date(2025, 5, 10), 0, date(2025, 5, 10)},      // none
		{date(2025, 1, 1), -365, date(2024, 1, 2)},     // a year back over a leap day
		{date(2000, 2, 28), 1, date(2000, 2, 29)},      // 2000 is a leap year
		{date(1900, 2, 28), 1, date(1900, 3, 1)},       // 1900 is not
		{date(2025, 10, 25), 10, date(2025, 11, 4)},    // no time zone: no DST hour lost or gained
		{date(2025, 3, 29), 2, date(2025, 3, 31)},      // over a European DST change
		{date(2025, 11, 1), 2, date(2025, 11, 3)},      // over an American DST change
		{date(2025, 2, 27), 30, date(2025, 3, 29)},     // across a short month
		{date(2024, 12, 31), -366, date(2023, 12, 31)}, // a leap year back
	} {
		if got := tc.from.AddDays(tc.n); got != tc.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tc.from.ISO(), tc.n, got.ISO(), tc.want.ISO())
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    string
		want record.Date
		ok   bool
	}{
		{"2024-02-29", date(2024, 2, 29), true},
		{"0001-01-01", date(1, 1, 1), true},
		{"2023-02-29", record.Date{}, false},
		{"2025-04-31", record.Date{}, false},
		{"2025-4-1", record.Date{}, false},
		{"01/04/2025", record.Date{}, false},
		{"2025-04-01T00:00:00Z", record.Date{}, false},
		{"", record.Date{}, false},
	} {
		got, ok := record.ParseDate(tc.s)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseDate(%q) = %+v, %v; want %+v, %v", tc.s, got, ok, tc.want, tc.ok)
		}
		if ok && got.ISO() != tc.s {
			t.Errorf("ParseDate(%q).ISO() = %q", tc.s, got.ISO())
		}
	}
}

func TestDateAgeOn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		born, on record.Date
		want     int
	}{
		{date(2007, 6, 15), date(2025, 6, 14), 17},
		{date(2007, 6, 15), date(2025, 6, 15), 18}, // the birthday itself
		{date(2007, 6, 15), date(2025, 12, 31), 18},
		{date(2008, 2, 29), date(2026, 2, 28), 17}, // a leap-day birthday, not yet
		{date(2008, 2, 29), date(2026, 3, 1), 18},
		{date(2008, 2, 29), date(2024, 2, 29), 16},
		{date(2025, 1, 1), date(2025, 1, 1), 0},
	} {
		if got := tc.born.AgeOn(tc.on); got != tc.want {
			t.Errorf("born %s, age on %s = %d, want %d", tc.born.ISO(), tc.on.ISO(), got, tc.want)
		}
	}
}

func TestDateOfAndMidnightUseTheZone(t *testing.T) {
	t.Parallel()
	ist := time.FixedZone("IST", 5*3600+1800)
	at := time.Date(2025, 3, 31, 19, 0, 0, 0, time.UTC) // 00:30 on 1 April in India
	if got := record.DateOf(at, ist); got != date(2025, 4, 1) {
		t.Errorf("DateOf in IST = %s", got.ISO())
	}
	if got := record.DateOf(at, time.UTC); got != date(2025, 3, 31) {
		t.Errorf("DateOf in UTC = %s", got.ISO())
	}
	if got := date(2025, 4, 1).Midnight(ist); !got.Equal(time.Date(2025, 3, 31, 18, 30, 0, 0, time.UTC)) {
		t.Errorf("Midnight in IST = %v", got)
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	s := record.NewScope("mumbai", "", "kolkata", "mumbai")
	if got := s.Offices(); !slices.Equal(got, []string{"kolkata", "mumbai"}) {
		t.Errorf("Offices = %v, want sorted, without empty codes or duplicates", got)
	}
	offices := s.Offices()
	offices[0] = "delhi"
	if s.Contains("delhi") || !s.Contains("kolkata") {
		t.Error("Offices is not a copy")
	}
	if s.Contains("pune") || s.Contains("") || s.Empty() {
		t.Error("Contains or Empty is wrong")
	}
	var zero record.Scope
	if !zero.Empty() || zero.Contains("mumbai") {
		t.Error("the zero scope holds an office")
	}
	if got := zero.Offices(); got == nil || len(got) != 0 {
		t.Errorf("the zero scope's offices = %#v, want an empty, non-nil slice (a $in that matches nothing)", got)
	}
	if got := s.Narrow([]string{"pune", "mumbai", "mumbai"}).Offices(); !slices.Equal(got, []string{"mumbai"}) {
		t.Errorf("Narrow = %v, want [mumbai]", got)
	}
	if !s.Narrow(nil).Empty() || !zero.Narrow([]string{"mumbai"}).Empty() {
		t.Error("Narrow reaches past the scope")
	}
}

type status string

func TestLifecycleCheck(t *testing.T) {
	t.Parallel()
	l := record.Lifecycle[status]{Kind: "case", Allowed: map[status][]status{
		"OPEN":  {"FILED", "CLOSED"},
		"FILED": {"CLOSED"},
	}}
	if err := l.Check("offices/mumbai/cases/c1", "OPEN", "FILED"); err != nil {
		t.Errorf("an allowed transition: %v", err)
	}
	for _, tc := range []struct {
		from, to status
		message  string
	}{
		{"FILED", "OPEN", "case offices/mumbai/cases/c1 is FILED; cannot move to OPEN (allowed from FILED: CLOSED)"},
		{"OPEN", "OPEN", "case offices/mumbai/cases/c1 is OPEN; cannot move to OPEN (allowed from OPEN: FILED, CLOSED)"},
		{"CLOSED", "OPEN", "case offices/mumbai/cases/c1 is CLOSED; cannot move to OPEN (allowed from CLOSED: none)"},
	} {
		err := l.Check("offices/mumbai/cases/c1", tc.from, tc.to)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindFailedPrecondition || e.Reason != "ILLEGAL_TRANSITION" {
			t.Errorf("%s -> %s: err = %v, want FAILED_PRECONDITION ILLEGAL_TRANSITION", tc.from, tc.to, err)
			continue
		}
		if e.Message != tc.message {
			t.Errorf("%s -> %s: message\n%q\nwant\n%q", tc.from, tc.to, e.Message, tc.message)
		}
		if e.Metadata["current_state"] != string(tc.from) || e.Metadata["requested_state"] != string(tc.to) {
			t.Errorf("%s -> %s: metadata %v", tc.from, tc.to, e.Metadata)
		}
	}
	next := l.Next("OPEN")
	next[0] = "CHANGED"
	if l.Allowed["OPEN"][0] != "FILED" {
		t.Error("Next returned the lifecycle's own slice")
	}
}

func TestCheckEtag(t *testing.T) {
	t.Parallel()
	m := record.NewMeta("c1", "mumbai", "priya", time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC))
	m.Version = 7
	if m.Etag() != "7" {
		t.Errorf("Etag = %q", m.Etag())
	}
	for _, expected := range []string{"", "7"} {
		if err := record.CheckEtag("case", "offices/mumbai/cases/c1", m, expected); err != nil {
			t.Errorf("etag %q: %v", expected, err)
		}
	}
	for _, stale := range []string{"6", "8", "W/\"7\"", "x"} {
		err := record.CheckEtag("case", "offices/mumbai/cases/c1", m, stale)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindAborted || e.Reason != "ETAG_MISMATCH" {
			t.Errorf("etag %q: err = %v, want ABORTED ETAG_MISMATCH", stale, err)
			continue
		}
		if want := "case offices/mumbai/cases/c1 has changed since the given etag was read; get it again and retry with its current etag"; e.Message != want {
			t.Errorf("etag %q: message %q", stale, e.Message)
		}
	}
}
