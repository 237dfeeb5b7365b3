package domain_test

import (
	"strings"
	"testing"

	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

func TestValidateCNR(t *testing.T) {
	t.Parallel()
	const shape = "expected state (2 letters) + district (2 letters or digits) + establishment (2 digits) + serial (6 digits) + year (4 digits), e.g. MHMU010012342024"
	valid := []struct{ in, want string }{
		{"", ""},
		{"MHMU010012342024", "MHMU010012342024"},
		{"mhmu010012342024", "MHMU010012342024"},
		{" dlct010000011950 ", "DLCT010000011950"},
		{"WB22010000012025", "WB22010000012025"}, // numeric district code
	}
	for _, v := range valid {
		got, violations := domain.ValidateCNR("cnr_number", v.in, 2025)
		if len(violations) != 0 || got != v.want {
			t.Errorf("ValidateCNR(%q) = %q, %v; want %q and no violation", v.in, got, violations, v.want)
		}
	}
	invalid := []struct {
		in   string
		want []string
	}{
		{"MHMU01001234202", []string{"must be 16 characters: state (2 letters) + district (2 letters or digits) + establishment (2 digits) + serial (6 digits) + year (4 digits), e.g. MHMU010012342024; got 15 characters"}},
		{"MHMU0100123420245", []string{"got 17 characters"}},
		{"M1MU010012342024", []string{`the state code (characters 1-2) must be 2 letters; got "M1"`, shape}},
		{"MHM-010012342024", []string{`the district code (characters 3-4) must be 2 letters or digits; got "M-"`}},
		{"MHMUA10012342024", []string{`the establishment code (characters 5-6) must be 2 digits; got "A1"`}},
		{"MHMU0100123X2024", []string{`the serial number (characters 7-12) must be 6 digits; got "00123X"`}},
		{"MHMU01001234202O", []string{`the year (characters 13-16) must be 4 digits; got "202O"`}},
		{"MHMU010012342026", []string{"the year (characters 13-16) must be a year of filing from 1950 to 2025; got 2026"}},
		{"MHMU010012341949", []string{"from 1950 to 2025; got 1949"}},
		{"12MU01ABCDEF2024", []string{"the state code", "the serial number", shape}},
		{"MHMUé10012342024", []string{"the establishment code"}},
	}
	for _, c := range invalid {
		_, v := domain.ValidateCNR("case.cnr_number", c.in, 2025)
		if len(v) != 1 || v[0].Field != "case.cnr_number" {
			t.Errorf("ValidateCNR(%q) = %v, want one violation on case.cnr_number", c.in, v)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(v[0].Description, w) {
				t.Errorf("ValidateCNR(%q): %q does not say %q", c.in, v[0].Description, w)
			}
		}
	}
}
