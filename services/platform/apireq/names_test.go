package apireq_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
)

// wantInvalidName fails unless err is INVALID_ARGUMENT reason
// INVALID_RESOURCE_NAME with exactly one violation, on field, whose
// description is want.
func wantInvalidName(t *testing.T, err error, field, want string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != apireq.ReasonInvalidResourceName {
		t.Fatalf("err = %v, want INVALID_ARGUMENT %s", err, apireq.ReasonInvalidResourceName)
	}
	if len(e.Violations) != 1 || e.Violations[0].Field != field {
		t.Fatalf("violations = %v, want one on %s", e.Violations, field)
	}
	if got := e.Violations[0].Description; got != want {
		t.Errorf("description\n got: %s\nwant: %s", got, want)
	}
	if e.Message != field+" "+want {
		t.Errorf("message = %q, want the field then the description", e.Message)
	}
}

func TestParseName_AcceptsNamesOfNestedCollections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		collections []string
		office      string
		ids         []string
	}{
		{"offices/mumbai/survivors/abc123", []string{"survivors"}, "mumbai", []string{"abc123"}},
		{"offices/navi-mumbai/cases/c1", []string{"cases"}, "navi-mumbai", []string{"c1"}},
		{"offices/kolkata/cases/c1/accused/a2", []string{"cases", "accused"}, "kolkata", []string{"c1", "a2"}},
		{"offices/kolkata/cases/c1/witnesses/w9/statements/s0", []string{"cases", "witnesses", "statements"}, "kolkata", []string{"c1", "w9", "s0"}},
		{"offices/m2/cases/" + strings.Repeat("z", 64), []string{"cases"}, "m2", []string{strings.Repeat("z", 64)}},
	}
	for _, tc := range tests {
		office, ids, err := apireq.ParseName(tc.name, "name", tc.collections...)
		if err != nil || office != tc.office || !slices.Equal(ids, tc.ids) {
			t.Errorf("ParseName(%q, %v) = %q, %v, %v; want %q, %v", tc.name, tc.collections, office, ids, err, tc.office, tc.ids)
		}
	}
}

func TestParseName_SaysWhatIsWrongAndWhatIsAllowed(t *testing.T) {
	t.Parallel()
	const accused = "must be offices/{office}/cases/{case}/accused/{accused}; "
	tests := []struct {
		rule, name string
		want       string
	}{
		{"empty", "", accused + "got an empty name"},
		{"missing the child", "offices/mumbai/cases/c1", accused + "got 4 segments separated by /, want 6"},
		{"one segment too many", "offices/mumbai/cases/c1/accused/a1/x", accused + "got 7 segments separated by /, want 6"},
		{"trailing slash", "offices/mumbai/cases/c1/accused/a1/", accused + "got 7 segments separated by /, want 6"},
		{"wrong root", "office/mumbai/cases/c1/accused/a1", accused + "the name must start with offices/"},
		{"empty office", "offices//cases/c1/accused/a1", accused + "the office is empty"},
		{"uppercase office", "offices/Mumbai/cases/c1/accused/a1", accused +
			`the office "Mumbai" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{"all offices in a name", "offices/-/cases/c1/accused/a1", accused +
			"the office - (all your offices) is only for a List's parent; a resource name names one office"},
		{"wrong outer collection", "offices/mumbai/hearings/c1/accused/a1", accused + `the collection is "hearings", want cases`},
		{"wrong inner collection", "offices/mumbai/cases/c1/witnesses/a1", accused + `the collection is "witnesses", want accused`},
		{"empty parent id", "offices/mumbai/cases//accused/a1", accused + "the case id is empty"},
		{"bad parent id", "offices/mumbai/cases/C1/accused/a1", accused + `the case id "C1" must be 1 to 64 lowercase letters or digits`},
		{"bad child id", "offices/mumbai/cases/c1/accused/../x", accused + "got 7 segments separated by /, want 6"},
		{"operator in the id", "offices/mumbai/cases/c1/accused/$gt", accused + `the accused id "$gt" must be 1 to 64 lowercase letters or digits`},
		{"wildcard parent id in a name", "offices/mumbai/cases/-/accused/a1", accused +
			"the case id - (every case) is only for a List's parent; a resource name names one case"},
		{"long id cut short", "offices/mumbai/cases/c1/accused/" + strings.Repeat("a", 65), accused +
			`the accused id "` + strings.Repeat("a", 40) + `"... must be 1 to 64 lowercase letters or digits`},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			office, ids, err := apireq.ParseName(tc.name, "accused.name", "cases", "accused")
			if office != "" || ids != nil {
				t.Errorf("results %q, %v on error; want none", office, ids)
			}
			wantInvalidName(t, err, "accused.name", tc.want)
		})
	}
}

func TestParseName_OneCollectionReadsLikeResname(t *testing.T) {
	t.Parallel()
	_, _, err := apireq.ParseName("offices/mumbai/locations/a-b", "name", "locations")
	wantInvalidName(t, err, "name", `must be offices/{office}/locations/{location}; the location id "a-b" must be 1 to 64 lowercase letters or digits`)
	_, _, err = apireq.ParseName("offices/mumbai/survivors", "survivor.operation", "operations")
	wantInvalidName(t, err, "survivor.operation", "must be offices/{office}/operations/{operation}; got 3 segments separated by /, want 4")
}

func TestParseName_NamesMembersInTheSingular(t *testing.T) {
	t.Parallel()
	for collection, one := range map[string]string{
		"cases": "case", "witnesses": "witness", "histories": "history", "accused": "accused", "hearings": "hearing",
		"carePlans": "care_plan", "boxes": "box", "addresses": "address", "compensations": "compensation",
	} {
		_, _, err := apireq.ParseName("offices/mumbai/x/1", "name", collection)
		e, _ := errs.As(err)
		if e == nil || !strings.HasPrefix(e.Violations[0].Description, "must be offices/{office}/"+collection+"/{"+one+"};") {
			t.Errorf("collection %s: %v, want its members called %s", collection, err, one)
		}
	}
}

func TestParseParent_TakesExactlyOneParentForACreate(t *testing.T) {
	t.Parallel()
	office, ids, err := apireq.ParseParent("offices/mumbai", "parent")
	if err != nil || office != "mumbai" || len(ids) != 0 {
		t.Errorf("offices/mumbai: %q, %v, %v", office, ids, err)
	}
	office, ids, err = apireq.ParseParent("offices/mumbai/cases/c1", "parent", "cases")
	if err != nil || office != "mumbai" || !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("offices/mumbai/cases/c1: %q, %v, %v", office, ids, err)
	}
	tests := []struct {
		parent      string
		collections []string
		want        string
	}{
		{"", nil, "must be offices/{office}; got an empty parent"},
		{"offices/-", nil, "must be offices/{office}; the office - (all your offices) is only for a List; create in one office"},
		{"offices/mumbai/cases/c1", nil, "must be offices/{office}; got 4 segments separated by /, want 2"},
		{"offices/mumbai", []string{"cases"}, "must be offices/{office}/cases/{case}; got 2 segments separated by /, want 4"},
		{"offices/mumbai/cases/-", []string{"cases"},
			"must be offices/{office}/cases/{case}; the case id - (every case) is only for a List; create under one case"},
		{"offices/-/cases/c1", []string{"cases"},
			"must be offices/{office}/cases/{case}; the office - (all your offices) is only for a List; create in one office"},
	}
	for _, tc := range tests {
		_, _, err := apireq.ParseParent(tc.parent, "parent", tc.collections...)
		wantInvalidName(t, err, "parent", tc.want)
	}
}

func TestParseListParent_AcceptsAllOfficesAndWildcardIDsOnlyWhereAsked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		parent      string
		collections []string
		anyID       bool
		office      string
		ids         []string
		want        string // the violation's description, empty when accepted
	}{
		{parent: "offices/-", office: "-"},
		{parent: "offices/kolkata", office: "kolkata"},
		{parent: "offices/kolkata/cases/c1", collections: []string{"cases"}, office: "kolkata", ids: []string{"c1"}},
		{parent: "offices/-/cases/c1", collections: []string{"cases"}, office: "-", ids: []string{"c1"}},
		{parent: "offices/kolkata/cases/-", collections: []string{"cases"}, anyID: true, office: "kolkata", ids: []string{"-"}},
		{parent: "offices/-/cases/-", collections: []string{"cases"}, anyID: true, office: "-", ids: []string{"-"}},
		{parent: "offices/kolkata/cases/c1", collections: []string{"cases"}, anyID: true, office: "kolkata", ids: []string{"c1"}},
		{parent: "offices", want: "must be offices/{office}, or offices/- for all your offices; got 1 segments separated by /, want 2"},
		{parent: "offices/kolkata/cases/-", collections: []string{"cases"},
			want: "must be offices/{office}/cases/{case}, where {office} may be - for all your offices; " +
				"the case id - (every case) is not accepted here; name one case"},
		{parent: "offices/kolkata/cases", collections: []string{"cases"}, anyID: true,
			want: "must be offices/{office}/cases/{case}, where - stands for all your offices as {office} and every case as {case}; " +
				"got 3 segments separated by /, want 4"},
		{parent: "offices/kolkata/carePlans/p1/x", collections: []string{"carePlans", "x"}, anyID: true,
			want: "must be offices/{office}/carePlans/{care_plan}/x/{x}, where - stands for all your offices as {office}, " +
				"every care plan as {care_plan} and every x as {x}; got 5 segments separated by /, want 6"},
		{parent: "offices/kolkata/carePlans/-/x/-", collections: []string{"carePlans", "x"}, anyID: true,
			office: "kolkata", ids: []string{"-", "-"}},
	}
	for _, tc := range tests {
		parse := apireq.ParseListParent
		if tc.anyID {
			parse = apireq.ParseListParentAnyID
		}
		office, ids, err := parse(tc.parent, "parent", tc.collections...)
		if tc.want != "" {
			wantInvalidName(t, err, "parent", tc.want)
			continue
		}
		if err != nil || office != tc.office || !slices.Equal(ids, tc.ids) {
			t.Errorf("%q (any id %v): %q, %v, %v; want %q, %v", tc.parent, tc.anyID, office, ids, err, tc.office, tc.ids)
		}
	}
}

func testRegistry(t *testing.T) *office.Registry {
	t.Helper()
	r, err := office.NewRegistry(office.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func caller(offices ...string) context.Context {
	return identity.WithPrincipal(context.Background(), identity.Principal{Subject: "priya", Roles: []string{"investigator"}, Offices: offices})
}

func TestOffices_NameChecksTheOfficeExists(t *testing.T) {
	t.Parallel()
	o := apireq.NewOffices(testRegistry(t))
	office, ids, err := o.Name("offices/mumbai/cases/c1/accused/a1", "name", "cases", "accused")
	if err != nil || office != "mumbai" || !slices.Equal(ids, []string{"c1", "a1"}) {
		t.Errorf("known office: %q, %v, %v", office, ids, err)
	}
	_, _, err = o.Name("offices/chennai/cases/c1", "name", "cases")
	if e, ok := errs.As(err); !ok || e.Kind != errs.KindNotFound || e.Reason != office2NotFound {
		t.Errorf("unknown office: %v, want NOT_FOUND %s", err, office2NotFound)
	}
	_, _, err = o.Name("offices/chennai/cases", "name", "cases")
	wantInvalidName(t, err, "name", "must be offices/{office}/cases/{case}; got 3 segments separated by /, want 4")
}

const office2NotFound = office.ReasonOfficeNotFound

func TestOffices_CreateParentIsAnOfficeTheCallerHolds(t *testing.T) {
	t.Parallel()
	o := apireq.NewOffices(testRegistry(t))
	office, ids, err := o.CreateParent(caller("mumbai"), "offices/mumbai/cases/c1", "parent", "cases")
	if err != nil || office != "mumbai" || !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("held office: %q, %v, %v", office, ids, err)
	}
	for _, parent := range []string{"offices/kolkata", "offices/chennai"} {
		_, _, err := o.CreateParent(caller("mumbai"), parent, "parent")
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindNotFound || e.Reason != office2NotFound {
			t.Errorf("%s: %v, want NOT_FOUND %s alike for an office not held and one that does not exist", parent, err, office2NotFound)
		}
	}
	_, _, err = o.CreateParent(caller("mumbai"), "offices/-", "parent")
	wantInvalidName(t, err, "parent", "must be offices/{office}; the office - (all your offices) is only for a List; create in one office")
}

func TestOffices_ListScopeCoversTheCallersOffices(t *testing.T) {
	t.Parallel()
	o := apireq.NewOffices(testRegistry(t))
	offices, _, err := o.ListScope(caller("mumbai", "kolkata", "chennai"), "offices/-", "parent")
	if err != nil || !slices.Equal(offices, []string{"kolkata", "mumbai"}) {
		t.Errorf("offices/-: %v, %v; want the caller's known offices, sorted", offices, err)
	}
	offices, _, err = o.ListScope(caller(), "offices/-", "parent")
	if err != nil || len(offices) != 0 {
		t.Errorf("offices/- without offices: %v, %v; want none and no error", offices, err)
	}
	offices, ids, err := o.ListScope(caller("kolkata"), "offices/kolkata/cases/c1", "parent", "cases")
	if err != nil || !slices.Equal(offices, []string{"kolkata"}) || !slices.Equal(ids, []string{"c1"}) {
		t.Errorf("one case: %v, %v, %v", offices, ids, err)
	}
	if _, _, err := o.ListScope(caller("kolkata"), "offices/mumbai", "parent"); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("an office not held: %v, want NOT_FOUND", err)
	}
	if _, _, err := o.ListScope(caller("kolkata"), "offices/kolkata/cases/-", "parent", "cases"); !errs.Is(err, errs.KindInvalidArgument) {
		t.Errorf("a wildcard case where none is asked for: %v, want INVALID_ARGUMENT", err)
	}
	offices, ids, err = o.ListScopeAnyID(caller("kolkata", "mumbai"), "offices/-/cases/-", "parent", "cases")
	if err != nil || !slices.Equal(offices, []string{"kolkata", "mumbai"}) || !slices.Equal(ids, []string{apireq.AnyID}) {
		t.Errorf("every case of every office: %v, %v, %v", offices, ids, err)
	}
}

func TestReference_RecordsAViolationOnlyForAMalformedName(t *testing.T) {
	t.Parallel()
	var v errs.Violations
	apireq.Reference(&v, "", "witness.survivor", "survivors")
	apireq.Reference(&v, "offices/mumbai/survivors/s1", "witness.survivor", "survivors")
	if len(v) != 0 {
		t.Fatalf("violations %v for an empty and a good reference", v)
	}
	apireq.Reference(&v, "offices/mumbai/operations/o1", "witness.survivor", "survivors")
	if len(v) != 1 || v[0].Field != "witness.survivor" ||
		v[0].Description != `must be offices/{office}/survivors/{survivor}; the collection is "operations", want survivors` {
		t.Errorf("violations = %v", v)
	}
}
