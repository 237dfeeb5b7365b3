// Package resname builds and parses AIP-122 resource names of the form
// offices/{office}/{collection}/{id}, e.g. offices/mumbai/survivors/k3x9....
//
// Parsing is strict: anything but exactly that shape, with an office code and
// an id in their allowed alphabets, is INVALID_ARGUMENT with reason
// INVALID_RESOURCE_NAME and a field violation that says the expected format.
// Whether the office exists is for the caller to check against
// office.Registry (NOT_FOUND, OFFICE_NOT_FOUND).
package resname

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"regexp"
	"strings"

	"github.com/justiceops/justice/services/platform/errs"
)

// ReasonInvalidResourceName is the ErrorInfo reason of a malformed name.
const ReasonInvalidResourceName = "INVALID_RESOURCE_NAME"

// AllOffices is the office segment that means "every office the caller may
// see" in a parent (offices/-), per AIP-159.
const AllOffices = "-"

// IDLength is the length of ids made by NewID.
const IDLength = 20

var (
	officePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	idPattern     = regexp.MustCompile(`^[a-z0-9]{1,64}$`)
	lowerBase32   = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
)

// NewID returns a new resource id: 20 characters of lowercase base32 (100
// random bits from crypto/rand), which Parse accepts.
func NewID() string {
	// 13 bytes (104 bits) encode to 21 characters; the first 20 carry 100
	// random bits. crypto/rand.Read never returns an error: it crashes the
	// program instead.
	var b [13]byte
	_, _ = rand.Read(b[:])
	return lowerBase32.EncodeToString(b[:])[:IDLength]
}

// Format returns offices/{office}/{collection}/{id}.
func Format(office, collection, id string) string {
	return "offices/" + office + "/" + collection + "/" + id
}

// Parse checks that name is offices/{office}/{collection}/{id} and returns
// its office and id. field is the request field that held name (e.g. "name"
// or "survivor.operation"), named in the violation.
func Parse(name, collection, field string) (office, id string, err error) {
	format := "offices/{office}/" + collection + "/{" + Singular(collection) + "}"
	invalid := func(problem string) error {
		return invalidName(field, "must be "+format+"; "+problem)
	}
	if name == "" {
		return "", "", invalid("got an empty name")
	}
	segs := strings.Split(name, "/")
	if len(segs) != 4 {
		return "", "", invalid(fmt.Sprintf("got %d segments separated by /, want 4", len(segs)))
	}
	if segs[0] != "offices" {
		return "", "", invalid("the name must start with offices/")
	}
	if err := checkOffice(segs[1]); err != "" {
		return "", "", invalid(err)
	}
	if segs[2] != collection {
		return "", "", invalid(fmt.Sprintf("the collection is %s, want %s", quote(segs[2]), collection))
	}
	if !idPattern.MatchString(segs[3]) {
		return "", "", invalid(describeBadID(segs[3], Singular(collection)))
	}
	return segs[1], segs[3], nil
}

// ParseParent checks that parent is offices/{office} or offices/- and
// returns the office, or AllOffices ("-") for offices/-.
func ParseParent(parent, field string) (office string, err error) {
	invalid := func(problem string) error {
		return invalidName(field, "must be offices/{office}, or offices/- for all your offices; "+problem)
	}
	if parent == "" {
		return "", invalid("got an empty parent")
	}
	segs := strings.Split(parent, "/")
	if len(segs) != 2 {
		return "", invalid(fmt.Sprintf("got %d segments separated by /, want 2", len(segs)))
	}
	if segs[0] != "offices" {
		return "", invalid("the parent must start with offices/")
	}
	if segs[1] == AllOffices {
		return AllOffices, nil
	}
	if err := checkOffice(segs[1]); err != "" {
		return "", invalid(err)
	}
	return segs[1], nil
}

func invalidName(field, description string) error {
	return errs.InvalidArgument(ReasonInvalidResourceName, field+" "+description,
		errs.FieldViolation{Field: field, Description: description})
}

// checkOffice returns what is wrong with an office segment, or "".
func checkOffice(seg string) string {
	switch {
	case seg == "":
		return "the office is empty"
	case !officePattern.MatchString(seg):
		return fmt.Sprintf("the office %s must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter", quote(seg))
	}
	return ""
}

func describeBadID(seg, what string) string {
	if seg == "" {
		return "the " + what + " id is empty"
	}
	return fmt.Sprintf("the %s id %s must be 1 to 64 lowercase letters or digits", what, quote(seg))
}

// quote quotes a segment of the caller's input for a message, cut short so
// an oversized name cannot bloat the error.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		return fmt.Sprintf("%q...", s[:max])
	}
	return fmt.Sprintf("%q", s)
}

// plurals are the plural endings Singular knows, longest first.
var plurals = [...]struct{ suffix, one string }{
	{"ies", "y"}, {"sses", "ss"}, {"xes", "x"}, {"ches", "ch"}, {"shes", "sh"}, {"ss", "ss"}, {"s", ""},
}

// upperLetter matches what starts a word inside a camelCase collection id.
var upperLetter = regexp.MustCompile(`[A-Z]`)

// Singular names one member of a collection in the snake_case AIP uses for
// pattern variables: cases -> case, witnesses -> witness, histories ->
// history, carePlans -> care_plan; a collection not ending in s (accused)
// names its members as it is.
func Singular(collection string) string {
	one := collection
	for _, p := range plurals {
		if stem, ok := strings.CutSuffix(one, p.suffix); ok && stem != "" {
			one = stem + p.one
			break
		}
	}
	return upperLetter.ReplaceAllStringFunc(one, func(l string) string { return "_" + strings.ToLower(l) })
}
