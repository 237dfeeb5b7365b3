package grpcport

import (
	"context"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// compensationResult converts a compensation use case's answer.
var compensationResult = result(compensationOut)

// CreateCompensation implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) CreateCompensation(ctx context.Context, req *prosecutionv1.CreateCompensationRequest) (*prosecutionv1.Compensation, error) {
	return create(ctx, s, prosecutionv1.ProsecutionService_CreateCompensation_FullMethodName, req, true,
		newRecord[app.CreateCompensation, *prosecutionv1.Compensation]{
			field: "compensation", present: req.GetCompensation() != nil,
			command: func(v *errs.Violations, office, caseID string) app.CreateCompensation {
				apireq.Reference(v, req.GetCompensation().GetSurvivor(), "compensation.survivor", domain.RescueCollectionSurvivors)
				return app.CreateCompensation{Office: office, CaseID: caseID, Survivor: req.GetCompensation().GetSurvivor(),
					Fields: compensationFieldsIn(v, req.GetCompensation(), "compensation")}
			},
			check: s.app.CheckCreateCompensation,
			create: func(ctx context.Context, cmd app.CreateCompensation, id string, retry bool) (*prosecutionv1.Compensation, error) {
				cmd.ID, cmd.Retry = id, retry
				return compensationResult(s.app.CreateCompensation(ctx, cmd))
			},
		})
}

// GetCompensation implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) GetCompensation(ctx context.Context, req *prosecutionv1.GetCompensationRequest) (*prosecutionv1.Compensation, error) {
	return get(ctx, s, req.GetName(), domain.CollectionCompensations, s.app.GetCompensation, compensationOut)
}

// ListCompensations implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) ListCompensations(ctx context.Context, req *prosecutionv1.ListCompensationsRequest) (*prosecutionv1.ListCompensationsResponse, error) {
	items, next, err := list(ctx, s, req, false, s.app.ListCompensations)
	if err != nil {
		return nil, err
	}
	return &prosecutionv1.ListCompensationsResponse{Compensations: each(items, compensationOut), NextPageToken: next}, nil
}

// UpdateCompensation implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) UpdateCompensation(ctx context.Context, req *prosecutionv1.UpdateCompensationRequest) (*prosecutionv1.Compensation, error) {
	t, fields, values, err := updateOf(s, req.GetCompensation(), "compensation", domain.CollectionCompensations, req.GetUpdateMask(),
		domain.CompensationUpdatableFields,
		func(v *errs.Violations) domain.CompensationFields {
			return compensationFieldsIn(v, req.GetCompensation(), "compensation")
		})
	if err != nil {
		return nil, err
	}
	return compensationResult(s.app.UpdateCompensation(ctx, app.UpdateCompensation{Target: t, Fields: fields, Values: values}))
}
