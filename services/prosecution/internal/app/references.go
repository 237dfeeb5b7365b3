package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// ReferenceKind is the kind of rescue record a name refers to.
type ReferenceKind string

// The kinds of rescue record a case refers to.
const (
	ReferenceSurvivor  ReferenceKind = "SURVIVOR"
	ReferenceOperation ReferenceKind = "OPERATION"
)

// Reference is what rescue discloses about one survivor or operation a
// case refers to: never identity.
type Reference struct {
	// Name is the resource name asked about, as sent.
	Name string
	// Found is true when the record exists in an office the service's
	// identity holds. When false, the other fields are empty.
	Found bool
	// Kind is the kind of record the name is of.
	Kind ReferenceKind
	// Minor is true for a survivor under 18 at rescue.
	Minor bool
	// RescueTime is a survivor's rescue time.
	RescueTime time.Time
	// ConductTime is an operation's conduct time; zero while PLANNED or if ABORTED.
	ConductTime time.Time
}

// References is the rescue service as the use cases ask it about the
// survivors and operations a case links (the port; package rescueclient
// implements it over gRPC with the prosecution service's own identity).
type References interface {
	// Lookup returns one Reference per name, in the order of names (at most
	// MaxLookup). When rescue cannot be reached or does not answer in time
	// it fails with RescueUnavailable; any other failure is internal.
	Lookup(ctx context.Context, names []string) ([]Reference, error)
}

// MaxLookup is the most names one Lookup asks about (rescue's limit).
const MaxLookup = 100

// The ErrorInfo reasons of the cross-service reference checks.
const (
	// ReasonReferenceNotFound (NOT_FOUND): a survivor or operation a
	// request links does not exist in rescue, in the case's office.
	ReasonReferenceNotFound = "REFERENCE_NOT_FOUND"
	// ReasonRescueUnavailable (UNAVAILABLE): rescue could not be asked, so
	// nothing was written; the caller should retry.
	ReasonRescueUnavailable = "RESCUE_UNAVAILABLE"
)

// RescueRetryAfter is the retry delay (google.rpc.RetryInfo) of a request
// refused because rescue was unavailable.
const RescueRetryAfter = 5 * time.Second

// RescueUnavailable is the error of a request refused because rescue could
// not be asked whether its references exist: UNAVAILABLE reason
// RESCUE_UNAVAILABLE with a retry delay. cause is for the logs only.
func RescueUnavailable(cause error) error {
	return errs.Unavailable(ReasonRescueUnavailable, RescueRetryAfter,
		"the rescue service, which confirms the survivors and operations a case links, cannot be reached; nothing was written: retry in %s",
		RescueRetryAfter).WithCause(cause)
}

// referenceField is a name to look up and the request field that holds it.
type referenceField struct {
	name, field string
}

// kindOf is the kind of reference a well-formed rescue name is, by its collection.
func kindOf(name string) (ReferenceKind, string) {
	if strings.Contains(name, "/"+domain.RescueCollectionSurvivors+"/") {
		return ReferenceSurvivor, "survivor"
	}
	return ReferenceOperation, "operation"
}

// lookup asks rescue about the names, all of the case's office, before
// anything is written: every one must exist (NOT_FOUND reason
// REFERENCE_NOT_FOUND naming the first that does not, with a violation on
// its field), and rescue must answer (RescueUnavailable otherwise). It
// returns the answers by name.
func (a *Application) lookup(ctx context.Context, refs []referenceField) (map[string]Reference, error) {
	out := make(map[string]Reference, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	names := make([]string, len(refs))
	for i, r := range refs {
		names[i] = r.name
	}
	for start := 0; start < len(names); start += MaxLookup {
		batch := names[start:min(start+MaxLookup, len(names))]
		answers, err := a.references.Lookup(ctx, batch)
		if err != nil {
			if errs.Is(err, errs.KindUnavailable) {
				return nil, err
			}
			return nil, errs.Internal(fmt.Errorf("look up references in rescue: %w", err))
		}
		if len(answers) != len(batch) {
			return nil, errs.Internal(fmt.Errorf("rescue answered %d references for %d names", len(answers), len(batch)))
		}
		for i, ans := range answers {
			if ans.Name != batch[i] {
				return nil, errs.Internal(errors.New("rescue answered references out of order"))
			}
			out[ans.Name] = ans
		}
	}
	for _, r := range refs {
		if !out[r.name].Found {
			return nil, referenceNotFound(r.name, r.field)
		}
	}
	return out, nil
}

// referenceNotFound is the NOT_FOUND of a survivor or operation rescue does
// not know in the case's office, with a violation on the request field
// that named it. The message reads the same whether the record does not
// exist or lies in an office the service may not see.
func referenceNotFound(name, field string) error {
	_, kind := kindOf(name)
	e := errs.NotFound(ReasonReferenceNotFound, "%s %s does not exist in rescue", kind, name)
	e.Violations = []errs.FieldViolation{{Field: field, Description: "must name an existing rescue " + kind + " of the case's office"}}
	return e.WithMetadata("reference", name)
}
