package apireq_test

import (
	"slices"
	"testing"

	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
)

func TestOffices_OfficeListScopeIsOneOfficeOfTheCaller(t *testing.T) {
	t.Parallel()
	o := apireq.NewOffices(testRegistry(t))
	ctx := caller("mumbai")
	office, ids, err := o.OfficeListScope(ctx, "offices/mumbai/cases/c1", "parent", false, "cases")
	if err != nil || office != "mumbai" || !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("one case: %q, %v, %v", office, ids, err)
	}
	office, ids, err = o.OfficeListScope(ctx, "offices/mumbai/cases/-", "parent", true, "cases")
	if err != nil || office != "mumbai" || !slices.Equal(ids, []string{apireq.AnyID}) {
		t.Errorf("every case of the office: %q, %v, %v", office, ids, err)
	}
	for _, parent := range []string{"offices/kolkata/cases/c1", "offices/chennai/cases/c1"} {
		_, _, err := o.OfficeListScope(ctx, parent, "parent", true, "cases")
		if e, ok := errs.As(err); !ok || e.Kind != errs.KindNotFound || e.Reason != office2NotFound {
			t.Errorf("%s: %v, want NOT_FOUND %s alike for an office not held and one that does not exist", parent, err, office2NotFound)
		}
	}
	tests := []struct {
		parent string
		anyID  bool
		want   string
	}{
		{"offices/-/cases/c1", false, "must be offices/{office}/cases/{case}; the office - (all your offices) is not accepted here: " +
			"these records are listed one office at a time"},
		{"offices/-/cases/-", true, "must be offices/{office}/cases/{case}, where - stands for every case of the office as {case}; " +
			"the office - (all your offices) is not accepted here: these records are listed one office at a time"},
		{"offices/mumbai/cases/-", false, "must be offices/{office}/cases/{case}; the case id - (every case) is not accepted here; name one case"},
		{"offices/mumbai/cases", true, "must be offices/{office}/cases/{case}, where - stands for every case of the office as {case}; " +
			"got 3 segments separated by /, want 4"},
		{"offices/mumbai/Cases/c1", false, `must be offices/{office}/cases/{case}; the collection is "Cases", want cases`},
	}
	for _, tc := range tests {
		_, _, err := o.OfficeListScope(ctx, tc.parent, "parent", tc.anyID, "cases")
		wantInvalidName(t, err, "parent", tc.want)
	}
}
