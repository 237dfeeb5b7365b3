package domain_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

const accusedName = "offices/mumbai/cases/c1/accused/a1"

func validAccusedFields() domain.AccusedFields {
	return domain.AccusedFields{DisplayName: "Accused 1 alias Raju", Role: domain.RoleBrothelOwnerOrKeeper}
}

func newAccused(t *testing.T) *domain.Accused {
	t.Helper()
	a, err := domain.NewAccused("a1", "mumbai", "c1", validAccusedFields(), "priya", t0)
	if err != nil {
		t.Fatalf("NewAccused: %v", err)
	}
	return a
}

func accusedIn(t *testing.T, c domain.Custody) *domain.Accused {
	t.Helper()
	a := newAccused(t)
	a.Custody = c
	return a
}

func TestNewAccused(t *testing.T) {
	t.Parallel()
	a := newAccused(t)
	if a.Name() != accusedName || a.CaseName() != caseName || a.Custody != domain.CustodyAtLarge || a.Verdict != "" {
		t.Errorf("new accused = %+v", a)
	}
	tests := []struct {
		modify func(*domain.AccusedFields)
		field  string
	}{
		{func(f *domain.AccusedFields) { f.DisplayName = "" }, "accused.display_name"},
		{func(f *domain.AccusedFields) { f.DisplayName = strings.Repeat("x", 201) }, "accused.display_name"},
		{func(f *domain.AccusedFields) { f.Role = "" }, "accused.role"},
		{func(f *domain.AccusedFields) { f.Role = "TRAFFICKER" }, "accused.role"},
		{func(f *domain.AccusedFields) { f.Notes = strings.Repeat("x", 4001) }, "accused.notes"},
	}
	for _, tc := range tests {
		f := validAccusedFields()
		tc.modify(&f)
		_, err := domain.NewAccused("a1", "mumbai", "c1", f, "priya", t0)
		assertViolation(t, err, tc.field, "")
	}
	f := validAccusedFields()
	f.Role = domain.RoleRecruiter
	if err := a.Update([]domain.AccusedField{domain.AccusedFieldRole}, f, "arjun", t0); err != nil || a.Role != domain.RoleRecruiter {
		t.Errorf("update role: %v, role %s", err, a.Role)
	}
	if err := a.Update([]domain.AccusedField{"custody"}, f, "arjun", t0); err == nil {
		t.Errorf("custody accepted in an update mask")
	}
}

// The custody machine, as the brief states it.
var custodyMoves = map[[2]domain.Custody]bool{
	{domain.CustodyAtLarge, domain.CustodyArrested}:         true,
	{domain.CustodyArrested, domain.CustodyJudicialCustody}: true,
	{domain.CustodyArrested, domain.CustodyOnBail}:          true,
	{domain.CustodyArrested, domain.CustodyAtLarge}:         true,
	{domain.CustodyJudicialCustody, domain.CustodyOnBail}:   true,
	{domain.CustodyOnBail, domain.CustodyJudicialCustody}:   true,
	{domain.CustodyOnBail, domain.CustodyAtLarge}:           true,
}

func TestChangeCustodyEveryPair(t *testing.T) {
	t.Parallel()
	for _, from := range domain.CustodyStates {
		var allowed []domain.Custody
		for _, to := range domain.CustodyStates {
			if custodyMoves[[2]domain.Custody{from, to}] {
				allowed = append(allowed, to)
			}
		}
		if got := domain.NextCustodyStates(from); !slices.Equal(got, allowed) {
			t.Errorf("NextCustodyStates(%s) = %v, want %v", from, got, allowed)
		}
		for _, to := range domain.CustodyStates {
			t.Run(fmt.Sprintf("%s_to_%s", from, to), func(t *testing.T) {
				t.Parallel()
				a := accusedIn(t, from)
				err := a.ChangeCustody(to, day(2025, 1, 10), "", change("req-1"), ist)
				if !custodyMoves[[2]domain.Custody{from, to}] {
					if to == domain.CustodyConvicted || to == domain.CustodyAcquitted {
						assertFailedPrecondition(t, err, "ILLEGAL_TRANSITION", "follows from the verdict: record it with RecordVerdict")
					} else {
						assertIllegal(t, err, "accused "+accusedName, string(from), string(to), joinOrNone(allowed))
					}
					if a.Custody != from || len(a.CustodyHistory) != 0 || !a.FirstCustodyDate.IsZero() {
						t.Errorf("refused change changed the accused: %+v", a)
					}
					return
				}
				if err != nil {
					t.Fatalf("legal change %s -> %s failed: %v", from, to, err)
				}
				if a.Custody != to || len(a.CustodyHistory) != 1 {
					t.Fatalf("custody %s history %+v", a.Custody, a.CustodyHistory)
				}
				h := a.CustodyHistory[0]
				if h.From != from || h.To != to || h.EffectiveDate != day(2025, 1, 10) || h.Actor != "meera" || !h.Time.Equal(t0) || h.RequestID != "req-1" {
					t.Errorf("history entry %+v", h)
				}
				held := to == domain.CustodyArrested || to == domain.CustodyJudicialCustody
				if held != (a.FirstCustodyDate == day(2025, 1, 10)) {
					t.Errorf("first custody date %v after a move to %s", a.FirstCustodyDate, to)
				}
				if !a.Applied("req-1") || a.Applied("req-2") {
					t.Errorf("Applied does not find exactly the request that made the change")
				}
			})
		}
	}
}

func TestCustodyDefaultNotes(t *testing.T) {
	t.Parallel()
	a := accusedIn(t, domain.CustodyArrested)
	if err := a.ChangeCustody(domain.CustodyAtLarge, day(2025, 1, 10), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	b := accusedIn(t, domain.CustodyOnBail)
	if err := b.ChangeCustody(domain.CustodyAtLarge, day(2025, 1, 10), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	c := accusedIn(t, domain.CustodyOnBail)
	if err := c.ChangeCustody(domain.CustodyAtLarge, day(2025, 1, 10), "seen in Pune", change(""), ist); err != nil {
		t.Fatal(err)
	}
	if a.CustodyHistory[0].Note != "released" || b.CustodyHistory[0].Note != "absconded" || c.CustodyHistory[0].Note != "seen in Pune" {
		t.Errorf("notes %q %q %q", a.CustodyHistory[0].Note, b.CustodyHistory[0].Note, c.CustodyHistory[0].Note)
	}
}

func TestCustodyDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		date domain.Date
		want string
	}{
		{domain.Date{}, "is required"},
		{day(2025, 2, 29), "valid calendar date"},
		{day(2025, 3, 15), "must not be in the future (today is 2025-03-14"},
		{day(2024, 12, 31), "must not be before the effective date of the accused's latest custody change (2025-01-01)"},
	}
	for _, tc := range tests {
		a := newAccused(t)
		if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 1, 1), "", change(""), ist); err != nil {
			t.Fatal(err)
		}
		err := a.ChangeCustody(domain.CustodyJudicialCustody, tc.date, "", change(""), ist)
		assertViolation(t, err, "effective_date", tc.want)
	}
	a := newAccused(t)
	assertViolation(t, a.ChangeCustody("", today, "", change(""), ist), "custody", "is required")
	assertViolation(t, a.ChangeCustody(domain.CustodyArrested, today, strings.Repeat("n", 2001), change(""), ist), "note", "at most 2000")
}

func TestFirstCustodyDateIsSetOnce(t *testing.T) {
	t.Parallel()
	a := newAccused(t)
	moves := []struct {
		to   domain.Custody
		date domain.Date
	}{
		{domain.CustodyArrested, day(2024, 9, 1)},
		{domain.CustodyJudicialCustody, day(2024, 9, 2)},
		{domain.CustodyOnBail, day(2024, 10, 1)},
		{domain.CustodyAtLarge, day(2024, 11, 1)}, // absconded
		{domain.CustodyArrested, day(2025, 1, 5)}, // re-arrested
		{domain.CustodyJudicialCustody, day(2025, 1, 6)},
	}
	for _, m := range moves {
		if err := a.ChangeCustody(m.to, m.date, "", change(""), ist); err != nil {
			t.Fatalf("%s on %s: %v", m.to, m.date.ISO(), err)
		}
		if a.FirstCustodyDate != day(2024, 9, 1) {
			t.Fatalf("after %s on %s the first custody date is %v, want 2024-09-01", m.to, m.date.ISO(), a.FirstCustodyDate)
		}
	}
	if len(a.CustodyHistory) != len(moves) {
		t.Errorf("history has %d entries, want %d", len(a.CustodyHistory), len(moves))
	}
	// Bail granted straight after arrest is not custody that counts again either.
	b := newAccused(t)
	for _, to := range []domain.Custody{domain.CustodyArrested, domain.CustodyOnBail, domain.CustodyJudicialCustody} {
		if err := b.ChangeCustody(to, day(2025, 2, 1), "", change(""), ist); err != nil {
			t.Fatal(err)
		}
	}
	if b.FirstCustodyDate != day(2025, 2, 1) {
		t.Errorf("first custody date %v", b.FirstCustodyDate)
	}
}

func TestBailEvents(t *testing.T) {
	t.Parallel()
	grant := domain.BailEvent{Kind: domain.BailGranted, Date: day(2025, 1, 20), Court: "Sessions Court, Mumbai", SuretyINR: 25000, Conditions: "report weekly"}
	for _, from := range domain.CustodyStates {
		for _, kind := range domain.BailEventKinds {
			t.Run(fmt.Sprintf("%s_when_%s", kind, from), func(t *testing.T) {
				t.Parallel()
				a := accusedIn(t, from)
				if from == domain.CustodyConvicted || from == domain.CustodyAcquitted {
					a.Verdict, a.VerdictDate = domain.Verdict(from), day(2025, 1, 5)
				}
				e := grant
				e.Kind = kind
				err := a.RecordBailEvent(e, change("req-b"), ist)
				var wantCustody domain.Custody
				switch {
				case a.Verdict != "":
					assertFailedPrecondition(t, err, "VERDICT_RECORDED", "bail events are not recorded after it")
				case kind == domain.BailGranted && from != domain.CustodyArrested && from != domain.CustodyJudicialCustody:
					assertFailedPrecondition(t, err, "NOT_IN_CUSTODY", "is "+string(from)+"; bail can be granted only to an accused in custody")
				case kind == domain.BailCancelled && from != domain.CustodyOnBail:
					assertFailedPrecondition(t, err, "NOT_ON_BAIL", "is "+string(from))
				case kind == domain.BailGranted:
					wantCustody = domain.CustodyOnBail
				case kind == domain.BailCancelled:
					wantCustody = domain.CustodyJudicialCustody
				default:
					wantCustody = from
				}
				if wantCustody == "" {
					if len(a.BailEvents) != 0 || a.Custody != from {
						t.Errorf("refused event changed the accused")
					}
					return
				}
				if err != nil {
					t.Fatalf("%s when %s: %v", kind, from, err)
				}
				got := a.BailEvents
				if len(got) != 1 || got[0].Kind != kind || got[0].SuretyINR != 25000 || got[0].Actor != "meera" || got[0].RequestID != "req-b" {
					t.Errorf("bail events %+v", got)
				}
				if a.Custody != wantCustody {
					t.Errorf("custody %s, want %s", a.Custody, wantCustody)
				}
				moved := wantCustody != from
				if moved != (len(a.CustodyHistory) == 1) {
					t.Errorf("custody history %+v", a.CustodyHistory)
				}
				if moved && (a.CustodyHistory[0].EffectiveDate != e.Date || a.CustodyHistory[0].Note != "bail "+strings.ToLower(string(kind))) {
					t.Errorf("custody change %+v", a.CustodyHistory[0])
				}
				if !a.Applied("req-b") {
					t.Errorf("bail event not found by its request id")
				}
			})
		}
	}
}

func TestBailEventValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		modify func(*domain.BailEvent)
		field  string
		want   string
	}{
		{func(e *domain.BailEvent) { e.Kind = "" }, "event.kind", "is required"},
		{func(e *domain.BailEvent) { e.Date = domain.Date{} }, "event.date", "is required"},
		{func(e *domain.BailEvent) { e.Date = day(2025, 3, 15) }, "event.date", "in the future"},
		{func(e *domain.BailEvent) { e.Date = day(2025, 1, 9) }, "event.date", "must not be before the date of the previous bail event (2025-01-10)"},
		{func(e *domain.BailEvent) { e.Court = strings.Repeat("c", 201) }, "event.court", "at most 200"},
		{func(e *domain.BailEvent) { e.SuretyINR = -1 }, "event.surety_inr", "got -1"},
		{func(e *domain.BailEvent) { e.Conditions = strings.Repeat("c", 2001) }, "event.conditions", "at most 2000"},
	}
	for _, tc := range tests {
		a := newAccused(t)
		if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 1, 1), "", change(""), ist); err != nil {
			t.Fatal(err)
		}
		if err := a.RecordBailEvent(domain.BailEvent{Kind: domain.BailApplied, Date: day(2025, 1, 10)}, change(""), ist); err != nil {
			t.Fatal(err)
		}
		e := domain.BailEvent{Kind: domain.BailRejected, Date: day(2025, 1, 20)}
		tc.modify(&e)
		assertViolation(t, a.RecordBailEvent(e, change(""), ist), tc.field, tc.want)
	}
	// A grant moves custody, so it may not precede the latest custody change.
	a := newAccused(t)
	if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 2, 1), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	err := a.RecordBailEvent(domain.BailEvent{Kind: domain.BailGranted, Date: day(2025, 1, 31)}, change(""), ist)
	assertViolation(t, err, "event.date", "latest custody change (2025-02-01)")
	// An application may: anticipatory bail is sought before an arrest.
	if err := a.RecordBailEvent(domain.BailEvent{Kind: domain.BailApplied, Date: day(2025, 1, 31)}, change(""), ist); err != nil {
		t.Errorf("application dated before the arrest: %v", err)
	}
}

func TestBailGrantedThenCancelled(t *testing.T) {
	t.Parallel()
	a := newAccused(t)
	steps := []func() error{
		func() error { return a.ChangeCustody(domain.CustodyArrested, day(2024, 9, 1), "", change(""), ist) },
		func() error {
			return a.ChangeCustody(domain.CustodyJudicialCustody, day(2024, 9, 2), "", change(""), ist)
		},
		func() error {
			return a.RecordBailEvent(domain.BailEvent{Kind: domain.BailApplied, Date: day(2024, 9, 10)}, change(""), ist)
		},
		func() error {
			return a.RecordBailEvent(domain.BailEvent{Kind: domain.BailGranted, Date: day(2024, 10, 1), SuretyINR: 50000}, change(""), ist)
		},
		func() error {
			return a.RecordBailEvent(domain.BailEvent{Kind: domain.BailCancelled, Date: day(2024, 12, 1)}, change(""), ist)
		},
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	var path []domain.Custody
	for _, h := range a.CustodyHistory {
		path = append(path, h.To)
	}
	want := []domain.Custody{domain.CustodyArrested, domain.CustodyJudicialCustody, domain.CustodyOnBail, domain.CustodyJudicialCustody}
	if !slices.Equal(path, want) || len(a.BailEvents) != 3 || a.FirstCustodyDate != day(2024, 9, 1) {
		t.Errorf("custody path %v, %d bail events, first custody %v", path, len(a.BailEvents), a.FirstCustodyDate)
	}
}

func TestRecordVerdict(t *testing.T) {
	t.Parallel()
	sentence := &domain.Sentence{ImprisonmentMonths: 84, FineINR: 10000}
	for _, from := range []domain.Custody{domain.CustodyAtLarge, domain.CustodyArrested, domain.CustodyJudicialCustody, domain.CustodyOnBail} {
		for _, v := range domain.Verdicts {
			a := accusedIn(t, from)
			var s *domain.Sentence
			if v == domain.VerdictConvicted {
				s = sentence
			}
			if err := a.RecordVerdict(v, day(2025, 2, 10), s, change("req-v"), ist); err != nil {
				t.Fatalf("%s when %s: %v", v, from, err)
			}
			wantCustody := domain.CustodyAcquitted // acquittal and discharge alike
			if v == domain.VerdictConvicted {
				wantCustody = domain.CustodyConvicted
			}
			if a.Verdict != v || a.VerdictDate != day(2025, 2, 10) || a.Custody != wantCustody {
				t.Errorf("%s when %s: verdict %s on %v, custody %s", v, from, a.Verdict, a.VerdictDate, a.Custody)
			}
			last := a.CustodyHistory[len(a.CustodyHistory)-1]
			if last.From != from || last.To != wantCustody || last.EffectiveDate != day(2025, 2, 10) || last.Note != "verdict: "+string(v) {
				t.Errorf("custody change %+v", last)
			}
			if !a.Applied("req-v") {
				t.Errorf("verdict not found by its request id")
			}
			if (v == domain.VerdictConvicted) != (a.Sentence != nil) {
				t.Errorf("sentence %+v with verdict %s", a.Sentence, v)
			}
			// Once only, and nothing moves custody afterwards.
			err := a.RecordVerdict(domain.VerdictAcquitted, day(2025, 2, 11), nil, change(""), ist)
			assertFailedPrecondition(t, err, "VERDICT_RECORDED", "a verdict is recorded once")
			for _, to := range domain.CustodyStates {
				if a.ChangeCustody(to, day(2025, 2, 12), "", change(""), ist) == nil {
					t.Errorf("custody moved from %s to %s after the verdict", a.Custody, to)
				}
			}
		}
	}
	a := newAccused(t)
	if err := a.RecordVerdict(domain.VerdictConvicted, day(2025, 2, 10), sentence, change(""), ist); err != nil {
		t.Fatal(err)
	}
	if a.Sentence == sentence || a.Sentence.SentenceDate != day(2025, 2, 10) {
		t.Errorf("sentence %+v: want a copy dated the verdict date", a.Sentence)
	}
}

func TestVerdictValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		verdict  domain.Verdict
		date     domain.Date
		sentence *domain.Sentence
		field    string
		want     string
	}{
		{"verdict missing", "", day(2025, 2, 10), nil, "verdict", "is required"},
		{"verdict unknown", "GUILTY", day(2025, 2, 10), nil, "verdict", "got GUILTY"},
		{"date missing", domain.VerdictAcquitted, domain.Date{}, nil, "verdict_date", "is required"},
		{"date in the future", domain.VerdictAcquitted, day(2025, 3, 15), nil, "verdict_date", "in the future"},
		{"date before custody change", domain.VerdictAcquitted, day(2024, 12, 31), nil, "verdict_date", "latest custody change (2025-01-01)"},
		{"sentence on acquittal", domain.VerdictAcquitted, day(2025, 2, 10), &domain.Sentence{FineINR: 1}, "sentence", "only with verdict CONVICTED; got verdict ACQUITTED"},
		{"sentence on discharge", domain.VerdictDischarged, day(2025, 2, 10), &domain.Sentence{FineINR: 1}, "sentence", "only with verdict CONVICTED"},
		{"empty sentence", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{}, "sentence", "must impose imprisonment (imprisonment_months or life_imprisonment), a fine (fine_inr), or both"},
		{"negative months", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{ImprisonmentMonths: -1}, "sentence.imprisonment_months", "between 0 and 1200"},
		{"too many months", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{ImprisonmentMonths: 1201}, "sentence.imprisonment_months", "got 1201"},
		{"life and months", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{LifeImprisonment: true, ImprisonmentMonths: 12}, "sentence.imprisonment_months", "must be 0 with life_imprisonment"},
		{"negative fine", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{ImprisonmentMonths: 12, FineINR: -5}, "sentence.fine_inr", "got -5"},
		{"sentence before verdict", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{FineINR: 5, SentenceDate: day(2025, 2, 9)}, "sentence.sentence_date", "must not be before the verdict date (2025-02-10)"},
		{"sentence in the future", domain.VerdictConvicted, day(2025, 2, 10), &domain.Sentence{FineINR: 5, SentenceDate: day(2025, 3, 15)}, "sentence.sentence_date", "in the future"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newAccused(t)
			if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 1, 1), "", change(""), ist); err != nil {
				t.Fatal(err)
			}
			err := a.RecordVerdict(tc.verdict, tc.date, tc.sentence, change(""), ist)
			assertViolation(t, err, tc.field, tc.want)
			if a.Verdict != "" || a.Custody != domain.CustodyArrested {
				t.Errorf("invalid verdict changed the accused")
			}
		})
	}
	for _, ok := range []domain.Sentence{
		{LifeImprisonment: true},
		{ImprisonmentMonths: 1200},
		{FineINR: 1},
		{ImprisonmentMonths: 0, FineINR: 5000, SentenceDate: day(2025, 3, 14)},
	} {
		s := ok
		if err := newAccused(t).RecordVerdict(domain.VerdictConvicted, day(2025, 2, 10), &s, change(""), ist); err != nil {
			t.Errorf("sentence %+v rejected: %v", ok, err)
		}
	}
}

func TestSentenceAfterConviction(t *testing.T) {
	t.Parallel()
	a := newAccused(t)
	s := domain.Sentence{ImprisonmentMonths: 120, FineINR: 50000, SentenceDate: day(2025, 2, 20)}
	assertFailedPrecondition(t, a.RecordSentence(s, change(""), ist), "NOT_CONVICTED", "has no verdict")
	if err := a.RecordVerdict(domain.VerdictConvicted, day(2025, 2, 10), nil, change(""), ist); err != nil {
		t.Fatal(err)
	}
	if a.Sentence != nil {
		t.Fatalf("conviction without sentence has sentence %+v", a.Sentence)
	}
	early := s
	early.SentenceDate = day(2025, 2, 9)
	assertViolation(t, a.RecordSentence(early, change(""), ist), "sentence.sentence_date", "before the verdict date")
	if err := a.RecordSentence(s, change("req-s"), ist); err != nil {
		t.Fatal(err)
	}
	if a.Sentence == nil || *a.Sentence != s || !a.Applied("req-s") {
		t.Errorf("sentence %+v", a.Sentence)
	}
	assertFailedPrecondition(t, a.RecordSentence(s, change(""), ist), "SENTENCE_RECORDED", "a sentence is recorded once")

	acquitted := newAccused(t)
	if err := acquitted.RecordVerdict(domain.VerdictAcquitted, day(2025, 2, 10), nil, change(""), ist); err != nil {
		t.Fatal(err)
	}
	assertFailedPrecondition(t, acquitted.RecordSentence(s, change(""), ist), "NOT_CONVICTED", "has ACQUITTED")
}

func TestAccusedCloneIsDeep(t *testing.T) {
	t.Parallel()
	a := newAccused(t)
	if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 1, 1), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordBailEvent(domain.BailEvent{Kind: domain.BailApplied, Date: day(2025, 1, 2)}, change(""), ist); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordVerdict(domain.VerdictConvicted, day(2025, 2, 1), &domain.Sentence{FineINR: 5}, change(""), ist); err != nil {
		t.Fatal(err)
	}
	b := a.Clone()
	b.CustodyHistory[0].Note = "x"
	b.BailEvents[0].Court = "x"
	b.Sentence.FineINR = 99
	if a.CustodyHistory[0].Note == "x" || a.BailEvents[0].Court == "x" || a.Sentence.FineINR == 99 {
		t.Errorf("clone shares memory with the original")
	}
}

func TestHistoryIsBounded(t *testing.T) {
	t.Parallel()
	a := newAccused(t)
	a.CustodyHistory = make([]domain.CustodyChange, domain.MaxHistory)
	err := a.ChangeCustody(domain.CustodyArrested, today, "", change(""), ist)
	if e, ok := errs.As(err); !ok || e.Reason != "HISTORY_FULL" {
		t.Errorf("err = %v, want HISTORY_FULL", err)
	}
}
