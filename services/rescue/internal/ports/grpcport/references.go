package grpcport

import (
	"context"
	"fmt"
	"strings"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// ReferenceServer implements rescuev1.RescueReferenceServiceServer: it
// tells another service (prosecution, aftercare), calling with its own
// service identity, whether the survivors and operations it links exist in
// its offices, without any survivor identity. Only the service role may
// call it, and every call is audited (Policy).
type ReferenceServer struct {
	rescuev1.UnimplementedRescueReferenceServiceServer

	app *app.Application
}

var _ rescuev1.RescueReferenceServiceServer = (*ReferenceServer)(nil)

// NewReferences returns the RescueReferenceService over the application.
func NewReferences(application *app.Application) *ReferenceServer {
	return &ReferenceServer{app: application}
}

// LookupReferences implements rescuev1.RescueReferenceServiceServer. Every
// name is validated first (INVALID_ARGUMENT naming names[i]): a survivor
// (offices/{office}/survivors/{survivor}) or an operation
// (offices/{office}/operations/{operation}), at least one and at most
// app.MaxReferences. A well-formed name of an office that does not exist
// or that the caller does not hold is answered not found, like an absent
// one.
func (s *ReferenceServer) LookupReferences(ctx context.Context, req *rescuev1.LookupReferencesRequest) (*rescuev1.LookupReferencesResponse, error) {
	if err := validateReferenceNames(req.GetNames()); err != nil {
		return nil, err
	}
	refs, err := s.app.LookupReferences(ctx, req.GetNames())
	if err != nil {
		return nil, err
	}
	resp := &rescuev1.LookupReferencesResponse{References: make([]*rescuev1.Reference, len(refs))}
	for i, r := range refs {
		out := &rescuev1.Reference{Name: r.Name, Found: r.Found,
			Kind: apireq.EnumOut[rescuev1.ReferenceKind](r.Kind, rescuev1.ReferenceKind_value, "REFERENCE_KIND_")}
		if r.Found {
			out.Minor, out.RescueTime, out.ConductTime = r.Minor, apireq.TimeOut(r.RescueTime), apireq.TimeOut(r.ConductTime)
		}
		resp.References[i] = out
	}
	return resp, nil
}

// validateReferenceNames checks the names of a lookup.
func validateReferenceNames(names []string) error {
	var v errs.Violations
	switch {
	case len(names) == 0:
		v.Add("names", "is required: list 1 to %d survivor or operation names", app.MaxReferences)
	case len(names) > app.MaxReferences:
		v.Add("names", "must list at most %d names; got %d", app.MaxReferences, len(names))
	}
	if len(v) > 0 {
		return v.Err()
	}
	for i, name := range names {
		field := fmt.Sprintf("names[%d]", i)
		switch collection := collectionOf(name); collection {
		case domain.CollectionSurvivors, domain.CollectionOperations:
			apireq.Reference(&v, name, field, collection)
		default:
			v.Add(field, "must be a survivor (offices/{office}/survivors/{survivor}) or an operation "+
				"(offices/{office}/operations/{operation})")
		}
	}
	return v.Err()
}

// collectionOf is the collection segment of offices/{office}/{collection}/..., or "".
func collectionOf(name string) string {
	parts := strings.SplitN(name, "/", 4)
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}
