package grpcport

import (
	"context"
	"regexp"
	"strings"

	"google.golang.org/protobuf/types/known/emptypb"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// ReasonWitnessFieldNotAllowed is the ErrorInfo reason (PERMISSION_DENIED)
// of a caller who sees only a witness's support fields and names another.
const ReasonWitnessFieldNotAllowed = "WITNESS_FIELD_NOT_ALLOWED"

// supportOnly reports whether the caller sees witnesses' support fields only.
func supportOnly(ctx context.Context) bool { return SupportOnly(identity.FromContext(ctx)) }

// refuseLegalField is the PERMISSION_DENIED of a support-only caller who
// names a testimony field.
func refuseLegalField(field, what string) error {
	return errs.PermissionDenied(ReasonWitnessFieldNotAllowed,
		"%s is a testimony field: only the roles %s may %s it; the caller's role sees and changes the support fields "+
			"(last_contact_date, protection_needs, support_notes)", field, strings.Join(WitnessLegalRoles, ", "), what).
		WithMetadata("field", field)
}

// CreateWitness implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) CreateWitness(ctx context.Context, req *prosecutionv1.CreateWitnessRequest) (*prosecutionv1.Witness, error) {
	return create(ctx, s, prosecutionv1.ProsecutionService_CreateWitness_FullMethodName, req, true, newRecord[app.CreateWitness, *prosecutionv1.Witness]{
		field: "witness", present: req.GetWitness() != nil,
		command: func(v *errs.Violations, office, caseID string) app.CreateWitness {
			apireq.Reference(v, req.GetWitness().GetSurvivor(), "witness.survivor", domain.RescueCollectionSurvivors)
			return app.CreateWitness{Office: office, CaseID: caseID, Survivor: req.GetWitness().GetSurvivor(),
				Fields: witnessFieldsIn(v, req.GetWitness(), "witness")}
		},
		check: s.app.CheckCreateWitness,
		create: func(ctx context.Context, cmd app.CreateWitness, id string, retry bool) (*prosecutionv1.Witness, error) {
			cmd.ID, cmd.Retry = id, retry
			w, err := s.app.CreateWitness(ctx, cmd)
			return witnessResult(ctx, w, err)
		},
	})
}

// witnessResult converts a use case's answer for the caller.
func witnessResult(ctx context.Context, w *app.WitnessView, err error) (*prosecutionv1.Witness, error) {
	if err != nil {
		return nil, err
	}
	return witnessOut(w, supportOnly(ctx)), nil
}

// GetWitness implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) GetWitness(ctx context.Context, req *prosecutionv1.GetWitnessRequest) (*prosecutionv1.Witness, error) {
	limited := supportOnly(ctx)
	return get(ctx, s, req.GetName(), domain.CollectionWitnesses, s.app.GetWitness,
		func(w *app.WitnessView) *prosecutionv1.Witness { return witnessOut(w, limited) })
}

// legalFilterFields are the witness fields a support-only caller may not filter on.
var legalFilterFields = regexp.MustCompile(`\b(testimony_status|evidence_recorded_date|evidence_overdue)\b`)

// quoted matches the string values of a filter, which name no field.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)

// ListWitnesses implements prosecutionv1.ProsecutionServiceServer. The
// parent may be offices/{office}/cases/- for every case of the office. A
// support-only caller may not filter on the testimony.
func (s *Server) ListWitnesses(ctx context.Context, req *prosecutionv1.ListWitnessesRequest) (*prosecutionv1.ListWitnessesResponse, error) {
	limited := supportOnly(ctx)
	if limited {
		if field := legalFilterFields.FindString(quoted.ReplaceAllString(req.GetFilter(), `""`)); field != "" {
			return nil, refuseLegalField(field, "filter on")
		}
	}
	items, next, err := list(ctx, s, req, true, s.app.ListWitnesses)
	if err != nil {
		return nil, err
	}
	return &prosecutionv1.ListWitnessesResponse{NextPageToken: next,
		Witnesses: each(items, func(w *app.WitnessView) *prosecutionv1.Witness { return witnessOut(w, limited) })}, nil
}

// UpdateWitness implements prosecutionv1.ProsecutionServiceServer. A
// support-only caller may change the support fields only.
func (s *Server) UpdateWitness(ctx context.Context, req *prosecutionv1.UpdateWitnessRequest) (*prosecutionv1.Witness, error) {
	t, fields, values, err := updateOf(s, req.GetWitness(), "witness", domain.CollectionWitnesses, req.GetUpdateMask(), domain.WitnessUpdatableFields,
		func(v *errs.Violations) domain.WitnessFields { return witnessFieldsIn(v, req.GetWitness(), "witness") })
	if err != nil {
		return nil, err
	}
	if supportOnly(ctx) {
		for _, f := range fields {
			if !f.IsSupport() {
				return nil, refuseLegalField("witness."+string(f), "change")
			}
		}
	}
	w, err := s.app.UpdateWitness(ctx, app.UpdateWitness{Target: t, Fields: fields, Values: values})
	return witnessResult(ctx, w, err)
}

// DeleteWitness implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) DeleteWitness(ctx context.Context, req *prosecutionv1.DeleteWitnessRequest) (*emptypb.Empty, error) {
	return s.delete(ctx, req, domain.CollectionWitnesses, s.app.DeleteWitness)
}
