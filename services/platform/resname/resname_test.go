package resname_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/resname"
)

func TestNewID_Is20LowercaseBase32CharactersAndUnique(t *testing.T) {
	t.Parallel()

	pattern := regexp.MustCompile(`^[a-z2-7]{20}$`)
	seen := make(map[string]bool)
	for range 10000 {
		id := resname.NewID()
		if !pattern.MatchString(id) {
			t.Fatalf("NewID() = %q, want 20 characters of [a-z2-7]", id)
		}
		if seen[id] {
			t.Fatalf("NewID() returned %q twice", id)
		}
		seen[id] = true
		if _, got, err := resname.Parse(resname.Format("mumbai", "survivors", id), "survivors", "name"); err != nil || got != id {
			t.Fatalf("Parse(Format(NewID())) = %q, %v; want %q, nil", got, err, id)
		}
	}
}

func TestNewID_UsesTheWholeAlphabetInEveryPosition(t *testing.T) {
	t.Parallel()

	// A truncation bug (e.g. encoding too few bytes) would leave the last
	// characters drawn from a few letters only.
	var seen [resname.IDLength]map[rune]bool
	for i := range seen {
		seen[i] = make(map[rune]bool)
	}
	for range 5000 {
		for i, r := range resname.NewID() {
			seen[i][r] = true
		}
	}
	for i, s := range seen {
		if len(s) != 32 {
			t.Errorf("position %d used %d distinct characters in 5000 ids, want 32", i, len(s))
		}
	}
}

func TestFormat_JoinsTheSegments(t *testing.T) {
	t.Parallel()

	if got, want := resname.Format("kolkata", "cases", "abc123"), "offices/kolkata/cases/abc123"; got != want {
		t.Errorf("Format() = %q, want %q", got, want)
	}
}

func TestParse_AcceptsWellFormedNames(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name, collection, wantOffice, wantID string
	}{
		{name: "offices/mumbai/survivors/abc123", collection: "survivors", wantOffice: "mumbai", wantID: "abc123"},
		{name: "offices/kolkata/cases/0", collection: "cases", wantOffice: "kolkata", wantID: "0"},
		{name: "offices/navi-mumbai/locations/x", collection: "locations", wantOffice: "navi-mumbai", wantID: "x"},
		{name: "offices/m2/survivors/" + strings.Repeat("a", 64), collection: "survivors", wantOffice: "m2", wantID: strings.Repeat("a", 64)},
		{name: "offices/" + "a" + strings.Repeat("b", 39) + "/survivors/z", collection: "survivors", wantOffice: "a" + strings.Repeat("b", 39), wantID: "z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			office, id, err := resname.Parse(tc.name, tc.collection, "name")
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tc.name, err)
			}
			if office != tc.wantOffice || id != tc.wantID {
				t.Errorf("Parse(%q) = %q, %q; want %q, %q", tc.name, office, id, tc.wantOffice, tc.wantID)
			}
		})
	}
}

func TestParse_RejectsMalformedNamesWithAPreciseViolation(t *testing.T) {
	t.Parallel()

	const format = "must be offices/{office}/survivors/{survivor}; "
	tests := []struct {
		rule string
		name string
		want string // the violation's description
	}{
		{rule: "empty name", name: "", want: format + "got an empty name"},
		{rule: "extra segment", name: "offices/mumbai/survivors/abc/def", want: format + "got 5 segments separated by /, want 4"},
		{rule: "missing id segment", name: "offices/mumbai/survivors", want: format + "got 3 segments separated by /, want 4"},
		{rule: "leading slash", name: "/offices/mumbai/survivors/abc", want: format + "got 5 segments separated by /, want 4"},
		{rule: "trailing slash", name: "offices/mumbai/survivors/abc/", want: format + "got 5 segments separated by /, want 4"},
		{rule: "full resource name with service", name: "//rescue.justice.example/offices/mumbai/survivors/abc", want: format + "got 7 segments separated by /, want 4"},
		{rule: "wrong collection", name: "offices/mumbai/cases/abc", want: format + `the collection is "cases", want survivors`},
		{rule: "collection in another case", name: "offices/mumbai/Survivors/abc", want: format + `the collection is "Survivors", want survivors`},
		{rule: "wrong root", name: "office/mumbai/survivors/abc", want: format + "the name must start with offices/"},
		{rule: "uppercase root", name: "Offices/mumbai/survivors/abc", want: format + "the name must start with offices/"},
		{rule: "empty office", name: "offices//survivors/x", want: format + "the office is empty"},
		{rule: "uppercase office", name: "offices/Mumbai/survivors/abc", want: format + `the office "Mumbai" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "office starting with a digit", name: "offices/1mumbai/survivors/abc", want: format + `the office "1mumbai" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "one-letter office", name: "offices/m/survivors/abc", want: format + `the office "m" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "wildcard office in a resource name", name: "offices/-/survivors/abc", want: format + `the office "-" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "dot-dot office", name: "offices/../survivors/abc", want: format + `the office ".." must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "empty id", name: "offices/mumbai/survivors/", want: format + "the survivor id is empty"},
		{rule: "uppercase id", name: "offices/mumbai/survivors/ABC", want: format + `the survivor id "ABC" must be 1 to 64 lowercase letters or digits`},
		{rule: "id with a hyphen", name: "offices/mumbai/survivors/a-b", want: format + `the survivor id "a-b" must be 1 to 64 lowercase letters or digits`},
		{rule: "id too long", name: "offices/mumbai/survivors/" + strings.Repeat("a", 65), want: format + `the survivor id "` + strings.Repeat("a", 40) + `"... must be 1 to 64 lowercase letters or digits`},
		{rule: "dot-dot id", name: "offices/mumbai/survivors/..", want: format + `the survivor id ".." must be 1 to 64 lowercase letters or digits`},
		{rule: "path traversal", name: "offices/mumbai/survivors/../../cases/abc", want: format + "got 7 segments separated by /, want 4"},
		{rule: "percent-encoded traversal", name: "offices/mumbai/survivors/%2e%2e", want: format + `the survivor id "%2e%2e" must be 1 to 64 lowercase letters or digits`},
		{rule: "backslash traversal", name: `offices/mumbai/survivors/..\abc`, want: format + `the survivor id "..\\abc" must be 1 to 64 lowercase letters or digits`},
		{rule: "whitespace around", name: " offices/mumbai/survivors/abc", want: format + "the name must start with offices/"},
		{rule: "newline in id", name: "offices/mumbai/survivors/abc\n", want: format + `the survivor id "abc\n" must be 1 to 64 lowercase letters or digits`},
		{rule: "NUL in id", name: "offices/mumbai/survivors/a\x00b", want: format + `the survivor id "a\x00b" must be 1 to 64 lowercase letters or digits`},
		{rule: "mongo operator in id", name: "offices/mumbai/survivors/$gt", want: format + `the survivor id "$gt" must be 1 to 64 lowercase letters or digits`},
		{rule: "non-ascii id", name: "offices/mumbai/survivors/abcé", want: format + `the survivor id "abcé" must be 1 to 64 lowercase letters or digits`},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()

			office, id, err := resname.Parse(tc.name, "survivors", "survivor.name")
			if office != "" || id != "" {
				t.Errorf("Parse(%q) = %q, %q; want empty results on error", tc.name, office, id)
			}
			assertInvalidName(t, err, "survivor.name", tc.want)
		})
	}
}

func TestParse_FormatNamesTheCollectionMember(t *testing.T) {
	t.Parallel()

	tests := []struct{ collection, want string }{
		{collection: "survivors", want: "must be offices/{office}/survivors/{survivor}; "},
		{collection: "cases", want: "must be offices/{office}/cases/{case}; "},
		{collection: "histories", want: "must be offices/{office}/histories/{history}; "},
		{collection: "carePlans", want: "must be offices/{office}/carePlans/{care_plan}; "},
		{collection: "accused", want: "must be offices/{office}/accused/{accused}; "},
	}
	for _, tc := range tests {
		t.Run(tc.collection, func(t *testing.T) {
			t.Parallel()

			_, _, err := resname.Parse("nope", tc.collection, "name")
			e, ok := errs.As(err)
			if !ok || len(e.Violations) != 1 || !strings.HasPrefix(e.Violations[0].Description, tc.want) {
				t.Errorf("Parse() error = %v, want a violation starting %q", err, tc.want)
			}
		})
	}
}

func TestParseParent(t *testing.T) {
	t.Parallel()

	const format = "must be offices/{office}, or offices/- for all your offices; "
	tests := []struct {
		rule       string
		parent     string
		wantOffice string
		want       string // violation description; "" means valid
	}{
		{rule: "office", parent: "offices/mumbai", wantOffice: "mumbai"},
		{rule: "all offices", parent: "offices/-", wantOffice: "-"},
		{rule: "empty", parent: "", want: format + "got an empty parent"},
		{rule: "resource name instead of parent", parent: "offices/mumbai/survivors/abc", want: format + "got 4 segments separated by /, want 2"},
		{rule: "trailing slash", parent: "offices/mumbai/", want: format + "got 3 segments separated by /, want 2"},
		{rule: "wrong root", parent: "regions/west", want: format + "the parent must start with offices/"},
		{rule: "empty office", parent: "offices/", want: format + "the office is empty"},
		{rule: "uppercase office", parent: "offices/MUMBAI", want: format + `the office "MUMBAI" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "glob office", parent: "offices/*", want: format + `the office "*" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "dot-dot", parent: "offices/..", want: format + `the office ".." must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "double dash", parent: "offices/--", want: format + `the office "--" must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()

			office, err := resname.ParseParent(tc.parent, "parent")
			if tc.want == "" {
				if err != nil || office != tc.wantOffice {
					t.Errorf("ParseParent(%q) = %q, %v; want %q, nil", tc.parent, office, err, tc.wantOffice)
				}
				return
			}
			if office != "" {
				t.Errorf("ParseParent(%q) office = %q, want empty on error", tc.parent, office)
			}
			assertInvalidName(t, err, "parent", tc.want)
		})
	}
}

func assertInvalidName(t *testing.T, err error, field, description string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error = %v, want an *errs.Error", err)
	}
	if e.Kind != errs.KindInvalidArgument || e.Reason != resname.ReasonInvalidResourceName {
		t.Errorf("error kind, reason = %v, %s; want INVALID_ARGUMENT, INVALID_RESOURCE_NAME", e.Kind, e.Reason)
	}
	if len(e.Violations) != 1 || e.Violations[0].Field != field || e.Violations[0].Description != description {
		t.Errorf("violations = %q, want one on %s: %q", e.Violations, field, description)
	}
	if want := field + " " + description; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{"offices/mumbai/survivors/abc", "offices//survivors/x", "offices/-/survivors/x", "../..", "offices/mumbai/survivors/a/b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		office, id, err := resname.Parse(name, "survivors", "name")
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Reason != resname.ReasonInvalidResourceName || len(e.Violations) != 1 {
				t.Fatalf("Parse(%q) error = %v, want INVALID_RESOURCE_NAME with one violation", name, err)
			}
			return
		}
		if got := resname.Format(office, "survivors", id); got != name {
			t.Fatalf("Format(Parse(%q)) = %q, want the name back", name, got)
		}
	})
}
