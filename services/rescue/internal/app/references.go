package app

import (
	"context"
	"fmt"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// ReferenceKind is the kind of record another service refers to.
type ReferenceKind string

// The kinds of record another service may refer to.
const (
	ReferenceSurvivor  ReferenceKind = "SURVIVOR"
	ReferenceOperation ReferenceKind = "OPERATION"
)

// Reference is what rescue discloses to another service about a survivor
// or operation it refers to: whether it exists in the caller's offices,
// and for a survivor only the minor flag and the rescue time. Never
// identity, not even the pseudonym.
type Reference struct {
	// Name is the resource name asked about.
	Name string
	// Kind is the kind of record the name is of.
	Kind ReferenceKind
	// Found is true when the record exists in an office of the caller's
	// scope; when false, the fields below are empty.
	Found bool
	// Minor is true for a survivor under 18 at rescue.
	Minor bool
	// RescueTime is a survivor's rescue time.
	RescueTime time.Time
	// ConductTime is an operation's conduct time, once CONDUCTED (or
	// CLOSED after it); zero while PLANNED and for an ABORTED operation.
	ConductTime time.Time
}

// MaxReferences is the most names one LookupReferences answers.
const MaxReferences = 100

// LookupReferences answers, in order, whether each named survivor or
// operation (names already validated as such, at most MaxReferences)
// exists within the caller's scope: a service's identity may hold every
// office. A record of an office outside the scope, of an office that does
// not exist, or absent, is not found, alike.
func (a *Application) LookupReferences(ctx context.Context, names []string) ([]Reference, error) {
	if len(names) > MaxReferences {
		return nil, fmt.Errorf("app.LookupReferences: %w", errs.InvalidArgument("INVALID_FIELDS",
			fmt.Sprintf("names: must list at most %d names; got %d", MaxReferences, len(names))))
	}
	scope := a.Scope(ctx)
	out := make([]Reference, len(names))
	for i, name := range names {
		ref, err := a.lookupReference(ctx, scope, name)
		if err != nil {
			return nil, fmt.Errorf("app.LookupReferences: %w", err)
		}
		out[i] = ref
	}
	return out, nil
}

func (a *Application) lookupReference(ctx context.Context, scope domain.Scope, name string) (Reference, error) {
	if office, id, ok := domain.SplitName(name, domain.CollectionSurvivors); ok {
		ref := Reference{Name: name, Kind: ReferenceSurvivor}
		s, err := a.survivors.Get(ctx, scope, office, id)
		if errs.Is(err, errs.KindNotFound) {
			return ref, nil
		}
		if err != nil {
			return Reference{}, err
		}
		ref.Found, ref.Minor, ref.RescueTime = true, s.Minor(), s.RescueTime
		return ref, nil
	}
	office, id, ok := domain.SplitName(name, domain.CollectionOperations)
	if !ok {
		return Reference{}, errs.InvalidArgument("INVALID_FIELDS", "names: each must be a survivor or an operation name")
	}
	ref := Reference{Name: name, Kind: ReferenceOperation}
	o, err := a.operations.Get(ctx, scope, office, id)
	if errs.Is(err, errs.KindNotFound) {
		return ref, nil
	}
	if err != nil {
		return Reference{}, err
	}
	ref.Found = true
	if o.AcceptsSurvivors() {
		ref.ConductTime = o.ConductTime
	}
	return ref, nil
}
