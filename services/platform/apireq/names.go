// Package apireq holds what every service's gRPC port does with a request
// before and after its application runs: parsing resource names (nested
// ones too, e.g. offices/{office}/cases/{case}/accused/{accused}) into
// precise INVALID_ARGUMENT errors, checking a create's parent against the
// office registry and the caller's offices, turning a List's parent into
// the offices it covers (offices/- and AIP-159 wildcards), validating update
// masks (AIP-134), merging field violations, converting enums, timestamps
// and dates between protobuf and the records of package record, and running
// creates and transitions under their request_id (AIP-155) with the stored
// responses encrypted by the office's keys.
//
// Every error says which request field was wrong, what was wrong and what
// is allowed. No message repeats a value that could be a person's identity:
// names are quoted only by their segments' shape checks (office codes and
// ids), dates never.
package apireq

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/resname"
)

// ReasonInvalidResourceName is the ErrorInfo reason of a malformed name or parent.
const ReasonInvalidResourceName = resname.ReasonInvalidResourceName

// AllOffices is the {office} of a List parent that means every office the
// caller holds (offices/-).
const AllOffices = resname.AllOffices

// AnyID is the id of a parent collection in a List parent that means every
// record of that collection (AIP-159), e.g. offices/mumbai/cases/- to list
// the witnesses of every case of the Mumbai office. Only the ListScopeAnyID
// and ParseListParentAnyID forms accept it.
const AnyID = "-"

var (
	officePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	idPattern     = regexp.MustCompile(`^[a-z0-9]{1,64}$`)
)

// shape is what a name or parent must look like: offices/{office} followed
// by one {collection}/{id} pair per collection.
type shape struct {
	// what is "name" or "parent", in messages.
	what        string
	collections []string
	// allOffices lets the office be AllOffices (List parents).
	allOffices bool
	// anyID lets the ids be AnyID (List parents that ask for it).
	anyID bool
}

// ParseName checks that name is a resource name of the nested collections
// given, outermost first: ParseName(n, "name", "cases", "accused") accepts
// offices/{office}/cases/{case}/accused/{accused}. It returns the office and
// the ids, one per collection. field is the request field that held the
// name (e.g. "name", "accused.name", "witness.survivor"), named in the
// violation. Whether the office exists is not checked here (Offices.Name).
func ParseName(name, field string, collections ...string) (office string, ids []string, err error) {
	return shape{what: "name", collections: collections}.parse(name, field)
}

// ParseParent checks the parent of a Create: offices/{office}, followed by
// the parent collections given, outermost first: ParseParent(p, "parent",
// "cases") accepts offices/{office}/cases/{case}. No segment may be a
// wildcard: a record is created in one office, under one parent.
func ParseParent(parent, field string, collections ...string) (office string, ids []string, err error) {
	return shape{what: "parent", collections: collections}.parse(parent, field)
}

// ParseListParent checks the parent of a List: like ParseParent, but the
// office may be AllOffices (offices/-, every office the caller holds).
func ParseListParent(parent, field string, collections ...string) (office string, ids []string, err error) {
	return shape{what: "parent", collections: collections, allOffices: true}.parse(parent, field)
}

// ParseListParentAnyID checks the parent of a List that also accepts AnyID
// for the parent collections' ids (AIP-159): ParseListParentAnyID(p,
// "parent", "cases") accepts offices/mumbai/cases/c1, offices/mumbai/cases/-
// and offices/-/cases/-.
func ParseListParentAnyID(parent, field string, collections ...string) (office string, ids []string, err error) {
	return shape{what: "parent", collections: collections, allOffices: true, anyID: true}.parse(parent, field)
}

func (s shape) parse(value, field string) (string, []string, error) {
	if s.what == "name" && len(s.collections) == 0 {
		return "", nil, errs.Internal(errors.New("apireq.ParseName: no collection given"))
	}
	invalid := func(problem string) (string, []string, error) {
		return "", nil, invalidName(field, s.describe()+"; "+problem)
	}
	if value == "" {
		return invalid("got an empty " + s.what)
	}
	segs := strings.Split(value, "/")
	if want := 2 + 2*len(s.collections); len(segs) != want {
		return invalid(fmt.Sprintf("got %d segments separated by /, want %d", len(segs), want))
	}
	if segs[0] != "offices" {
		return invalid("the " + s.what + " must start with offices/")
	}
	office := segs[1]
	if problem := s.checkOffice(office); problem != "" {
		return invalid(problem)
	}
	ids := make([]string, len(s.collections))
	for i, collection := range s.collections {
		if got := segs[2+2*i]; got != collection {
			return invalid(fmt.Sprintf("the collection is %s, want %s", quote(got), collection))
		}
		ids[i] = segs[3+2*i]
		if problem := s.checkID(ids[i], resname.Singular(collection)); problem != "" {
			return invalid(problem)
		}
	}
	return office, ids, nil
}

// describe says what the name or parent must look like.
func (s shape) describe() string {
	format := s.format()
	switch {
	case !s.allOffices:
		return "must be " + format
	case len(s.collections) == 0:
		return "must be " + format + ", or offices/- for all your offices"
	case !s.anyID:
		return "must be " + format + ", where {office} may be - for all your offices"
	}
	stands := []string{"all your offices as {office}"}
	for _, c := range s.collections {
		one := resname.Singular(c)
		stands = append(stands, "every "+strings.ReplaceAll(one, "_", " ")+" as {"+one+"}")
	}
	last := len(stands) - 1
	return "must be " + format + ", where - stands for " + strings.Join(stands[:last], ", ") + " and " + stands[last]
}

// format is the name's pattern, e.g. offices/{office}/cases/{case}.
func (s shape) format() string {
	var b strings.Builder
	b.WriteString("offices/{office}")
	for _, c := range s.collections {
		b.WriteString("/" + c + "/{" + resname.Singular(c) + "}")
	}
	return b.String()
}

// checkOffice returns what is wrong with an office segment, or "".
func (s shape) checkOffice(seg string) string {
	switch {
	case seg == AllOffices && s.allOffices:
		return ""
	case seg == AllOffices && s.what == "name":
		return "the office - (all your offices) is only for a List's parent; a resource name names one office"
	case seg == AllOffices:
		return "the office - (all your offices) is only for a List; create in one office"
	case seg == "":
		return "the office is empty"
	case !officePattern.MatchString(seg):
		return fmt.Sprintf("the office %s must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter", quote(seg))
	}
	return ""
}

// checkID returns what is wrong with the id of one, a member of a collection, or "".
func (s shape) checkID(seg, one string) string {
	switch {
	case seg == AnyID && s.anyID:
		return ""
	case seg == AnyID && s.what == "name":
		return "the " + one + " id - (every " + one + ") is only for a List's parent; a resource name names one " + one
	case seg == AnyID && s.allOffices:
		return "the " + one + " id - (every " + one + ") is not accepted here; name one " + one
	case seg == AnyID:
		return "the " + one + " id - (every " + one + ") is only for a List; create under one " + one
	case seg == "":
		return "the " + one + " id is empty"
	case !idPattern.MatchString(seg):
		return fmt.Sprintf("the %s id %s must be 1 to 64 lowercase letters or digits", one, quote(seg))
	}
	return ""
}

func invalidName(field, description string) error {
	return errs.InvalidArgument(ReasonInvalidResourceName, field+" "+description,
		errs.FieldViolation{Field: field, Description: description})
}

// quote quotes a segment of the caller's input for a message, cut to 40
// bytes (marked by ...) so an oversized name cannot bloat the error.
func quote(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "..."
	}
	return strconv.Quote(s)
}

// Offices checks the offices of requests' names and parents against the
// office registry and the caller's offices. The office scope of reads and
// writes is enforced again by the repositories, in the database filter:
// these checks give the caller a precise error early.
type Offices struct {
	registry *office.Registry
}

// NewOffices returns the checks over registry.
func NewOffices(registry *office.Registry) *Offices {
	return &Offices{registry: registry}
}

// Name parses a resource name of the nested collections (ParseName) and
// checks that its office exists: NOT_FOUND reason OFFICE_NOT_FOUND
// otherwise. Whether the caller holds the office is the application's
// check, in the repository query, so that a record of another office reads
// exactly like an absent one.
func (o *Offices) Name(name, field string, collections ...string) (office string, ids []string, err error) {
	office, ids, err = ParseName(name, field, collections...)
	if err != nil {
		return "", nil, err
	}
	if _, err := o.registry.Get(office); err != nil {
		return "", nil, err
	}
	return office, ids, nil
}

// CreateParent parses the parent of a Create (ParseParent): one existing
// office that the caller holds, and the ids of the parent collections. An
// office the caller does not hold is NOT_FOUND reason OFFICE_NOT_FOUND with
// the message of one that does not exist (auth.OfficeScope).
func (o *Offices) CreateParent(ctx context.Context, parent, field string, collections ...string) (office string, ids []string, err error) {
	office, ids, err = ParseParent(parent, field, collections...)
	if err != nil {
		return "", nil, err
	}
	if _, err := auth.OfficeScope(identity.FromContext(ctx), office, o.registry.Codes()); err != nil {
		return "", nil, err
	}
	return office, ids, nil
}

// ListScope parses the parent of a List (ParseListParent) into the offices
// it covers: one office the caller holds, or for offices/- every office the
// caller holds (none is an empty list, not an error), and the ids of the
// parent collections.
func (o *Offices) ListScope(ctx context.Context, parent, field string, collections ...string) (offices, ids []string, err error) {
	return o.scope(ctx, ParseListParent, parent, field, collections)
}

// ListScopeAnyID is ListScope for a List whose parent collections' ids may
// be AnyID (ParseListParentAnyID): an id of AnyID means every record of
// that collection within the offices returned.
func (o *Offices) ListScopeAnyID(ctx context.Context, parent, field string, collections ...string) (offices, ids []string, err error) {
	return o.scope(ctx, ParseListParentAnyID, parent, field, collections)
}

func (o *Offices) scope(ctx context.Context, parse func(string, string, ...string) (string, []string, error),
	parent, field string, collections []string) ([]string, []string, error) {
	office, ids, err := parse(parent, field, collections...)
	if err != nil {
		return nil, nil, err
	}
	offices, err := auth.OfficeScope(identity.FromContext(ctx), office, o.registry.Codes())
	if err != nil {
		return nil, nil, err
	}
	return offices, ids, nil
}

// Reference checks a resource name a new record holds (an operation's
// location, a witness's survivor), recording a violation on field if it is
// malformed. An empty name is left to the domain, which reports a missing
// reference as required; whether the record named exists, in the right
// office, is the application's check.
func Reference(v *errs.Violations, name, field string, collections ...string) {
	if name == "" {
		return
	}
	if _, _, err := ParseName(name, field, collections...); err != nil {
		if e, ok := errs.As(err); ok && len(e.Violations) > 0 {
			*v = append(*v, e.Violations...)
			return
		}
		v.Add(field, "must be %s", shape{collections: collections}.format())
	}
}
