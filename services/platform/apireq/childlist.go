package apireq

import (
	"context"
	"strings"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/resname"
)

// OfficeListScope parses the parent of a List of the records under a
// parent record, e.g. offices/{office}/cases/{case} for the accused of a
// case, which are listed one office at a time: the office must be one
// office (not -) that exists and that the caller holds (NOT_FOUND reason
// OFFICE_NOT_FOUND otherwise, as for one that does not exist). With anyID
// the parent collections' ids may be AnyID (AIP-159):
// offices/mumbai/cases/- lists the records under every case of the office.
// It returns the office and the parent ids.
func (o *Offices) OfficeListScope(ctx context.Context, parent, field string, anyID bool, collections ...string) (office string, ids []string, err error) {
	listed := shape{what: "parent", collections: collections, allOffices: true, anyID: anyID}
	one := oneOfficeDescription(listed)
	office, ids, err = listed.parse(parent, field)
	if err != nil {
		return "", nil, redescribe(err, field, listed.describe(), one)
	}
	if office == AllOffices {
		return "", nil, invalidName(field, one+"; the office - (all your offices) is not accepted here: these records are listed one office at a time")
	}
	if _, err := auth.OfficeScope(identity.FromContext(ctx), office, o.registry.Codes()); err != nil {
		return "", nil, err
	}
	return office, ids, nil
}

// oneOfficeDescription says what the parent of a one-office List must look like.
func oneOfficeDescription(s shape) string {
	if !s.anyID {
		return "must be " + s.format()
	}
	var stands []string
	for _, c := range s.collections {
		one := resname.Singular(c)
		stands = append(stands, "every "+strings.ReplaceAll(one, "_", " ")+" of the office as {"+one+"}")
	}
	return "must be " + s.format() + ", where - stands for " + strings.Join(stands, " and ")
}

// redescribe replaces the description of what a name must look like in an
// invalid-name error.
func redescribe(err error, field, was, now string) error {
	e, ok := errs.As(err)
	if !ok || len(e.Violations) != 1 {
		return err
	}
	return invalidName(field, strings.Replace(e.Violations[0].Description, was, now, 1))
}
