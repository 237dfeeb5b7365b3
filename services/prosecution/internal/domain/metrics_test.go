package domain_test

import (
	"slices"
	"testing"

	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

func TestProvidedMetrics(t *testing.T) {
	t.Parallel()
	want := []string{"criminals_restrained", "convictions", "acquittals", "cases_charge_sheeted"}
	got := domain.ProvidedMetrics()
	if !slices.Equal(got, want) {
		t.Errorf("ProvidedMetrics = %v, want %v", got, want)
	}
	got[0] = "x"
	if domain.ProvidedMetrics()[0] != want[0] {
		t.Errorf("ProvidedMetrics shares its slice")
	}
}

func TestAccusedMetrics(t *testing.T) {
	t.Parallel()
	if got := domain.AccusedMetrics(newAccused(t)); len(got) != 0 {
		t.Errorf("an accused never held counts %v", got)
	}

	// Arrested 31 Aug, remanded, bailed, absconded, re-arrested in
	// November: one criminal restrained, in August.
	a := newAccused(t)
	for _, m := range []struct {
		to   domain.Custody
		date domain.Date
	}{
		{domain.CustodyArrested, day(2024, 8, 31)},
		{domain.CustodyJudicialCustody, day(2024, 9, 1)},
		{domain.CustodyOnBail, day(2024, 10, 1)},
		{domain.CustodyAtLarge, day(2024, 10, 20)},
		{domain.CustodyArrested, day(2024, 11, 2)},
	} {
		if err := a.ChangeCustody(m.to, m.date, "", change(""), ist); err != nil {
			t.Fatal(err)
		}
	}
	restrained := domain.MetricCount{Metric: domain.MetricCriminalsRestrained, Month: "2024-08", Delta: 1}
	if got := domain.AccusedMetrics(a); !slices.Equal(got, []domain.MetricCount{restrained}) {
		t.Errorf("held and re-arrested: %v, want [%v]", got, restrained)
	}

	tests := []struct {
		verdict domain.Verdict
		want    []domain.MetricCount
	}{
		{domain.VerdictConvicted, []domain.MetricCount{restrained, {Metric: domain.MetricConvictions, Month: "2025-02", Delta: 1}}},
		{domain.VerdictAcquitted, []domain.MetricCount{restrained, {Metric: domain.MetricAcquittals, Month: "2025-02", Delta: 1}}},
		{domain.VerdictDischarged, []domain.MetricCount{restrained}}, // neither
	}
	for _, tc := range tests {
		b := a.Clone()
		var s *domain.Sentence
		if tc.verdict == domain.VerdictConvicted {
			s = &domain.Sentence{ImprisonmentMonths: 84}
		}
		if err := b.RecordVerdict(tc.verdict, day(2025, 2, 28), s, change(""), ist); err != nil {
			t.Fatal(err)
		}
		if got := domain.AccusedMetrics(b); !slices.Equal(got, tc.want) {
			t.Errorf("verdict %s: %v, want %v", tc.verdict, got, tc.want)
		}
	}

	// Acquitted without ever being held: an acquittal, no restraint.
	c := newAccused(t)
	if err := c.RecordVerdict(domain.VerdictAcquitted, day(2025, 1, 2), nil, change(""), ist); err != nil {
		t.Fatal(err)
	}
	if got := domain.AccusedMetrics(c); !slices.Equal(got, []domain.MetricCount{{Metric: domain.MetricAcquittals, Month: "2025-01", Delta: 1}}) {
		t.Errorf("acquitted at large: %v", got)
	}
}

func TestCaseMetrics(t *testing.T) {
	t.Parallel()
	c := newCase(t)
	if got := domain.CaseMetrics(c); len(got) != 0 {
		t.Errorf("case at FIR counts %v", got)
	}
	if err := c.Advance(domain.StageCognizance, day(2024, 12, 31), "", change(""), ist); err != nil {
		t.Fatal(err)
	}
	want := []domain.MetricCount{{Metric: domain.MetricCasesChargeSheeted, Month: "2024-12", Delta: 1}}
	if got := domain.CaseMetrics(c); !slices.Equal(got, want) {
		t.Errorf("charge-sheeted (skipped to cognizance): %v, want %v", got, want)
	}
	if err := c.Correct(domain.StageInvestigation, "chargesheet not yet filed", change("")); err != nil {
		t.Fatal(err)
	}
	if got := domain.CaseMetrics(c); len(got) != 0 {
		t.Errorf("after a correction back before the chargesheet: %v", got)
	}
}
