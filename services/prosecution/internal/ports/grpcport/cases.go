package grpcport

import (
	"context"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// caseResult converts a case use case's answer.
var caseResult = result(caseOut)

// CreateCase implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) CreateCase(ctx context.Context, req *prosecutionv1.CreateCaseRequest) (*prosecutionv1.Case, error) {
	return create(ctx, s, prosecutionv1.ProsecutionService_CreateCase_FullMethodName, req, false, newRecord[app.CreateCase, *prosecutionv1.Case]{
		field: "case", present: req.GetCase() != nil,
		command: func(v *errs.Violations, office, _ string) app.CreateCase {
			return app.CreateCase{Office: office, Fields: caseFieldsIn(v, req.GetCase(), "case"),
				Operations: req.GetCase().GetOperations(), Survivors: req.GetCase().GetSurvivors()}
		},
		check: s.app.CheckCreateCase,
		create: func(ctx context.Context, cmd app.CreateCase, id string, retry bool) (*prosecutionv1.Case, error) {
			cmd.ID, cmd.Retry = id, retry
			return caseResult(s.app.CreateCase(ctx, cmd))
		},
	})
}

// GetCase implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) GetCase(ctx context.Context, req *prosecutionv1.GetCaseRequest) (*prosecutionv1.Case, error) {
	office, id, err := s.caseName(req.GetName(), "name")
	if err != nil {
		return nil, err
	}
	return caseResult(s.app.GetCase(ctx, office, id))
}

// ListCases implements prosecutionv1.ProsecutionServiceServer. The parent
// may be offices/- for every office of the caller.
func (s *Server) ListCases(ctx context.Context, req *prosecutionv1.ListCasesRequest) (*prosecutionv1.ListCasesResponse, error) {
	offices, _, err := s.offices.ListScope(ctx, req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListCases(ctx, listQuery(offices, req.GetParent(), req))
	if err != nil {
		return nil, err
	}
	return &prosecutionv1.ListCasesResponse{Cases: each(page.Items, caseOut), NextPageToken: page.NextPageToken}, nil
}

// UpdateCase implements prosecutionv1.ProsecutionServiceServer. The linked
// operations and survivors change only through LinkCaseReference and
// UnlinkCaseReference.
func (s *Server) UpdateCase(ctx context.Context, req *prosecutionv1.UpdateCaseRequest) (*prosecutionv1.Case, error) {
	if err := refuseMasked(req.GetUpdateMask(), []string{string(domain.CaseFieldOperations), string(domain.CaseFieldSurvivors)},
		"changes only with LinkCaseReference or UnlinkCaseReference"); err != nil {
		return nil, err
	}
	t, fields, values, err := updateOf(s, req.GetCase(), "case", "", req.GetUpdateMask(), domain.CaseUpdatableFields,
		func(v *errs.Violations) domain.CaseFields { return caseFieldsIn(v, req.GetCase(), "case") })
	if err != nil {
		return nil, err
	}
	return caseResult(s.app.UpdateCase(ctx, app.UpdateCase{Office: t.Office, ID: t.CaseID, Etag: t.Etag, Fields: fields, Values: values}))
}

// AdvanceCaseStage implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) AdvanceCaseStage(ctx context.Context, req *prosecutionv1.AdvanceCaseStageRequest) (*prosecutionv1.Case, error) {
	t, err := s.target(req, "")
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	cmd := app.AdvanceStage{Target: t, Stage: stageIn(req.GetStage()), EffectiveDate: apireq.DateIn(&v, "effective_date", req.GetEffectiveDate()),
		Note: req.GetNote()}
	if err := apireq.Invalid(v, s.app.CheckAdvanceCaseStage(cmd)); err != nil {
		return nil, err
	}
	return s.changeCase(ctx, prosecutionv1.ProsecutionService_AdvanceCaseStage_FullMethodName, t, req,
		func(ctx context.Context, t app.Target) (*domain.Case, error) {
			cmd.Target = t
			return s.app.AdvanceCaseStage(ctx, cmd)
		})
}

// CorrectCaseStage implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) CorrectCaseStage(ctx context.Context, req *prosecutionv1.CorrectCaseStageRequest) (*prosecutionv1.Case, error) {
	t, err := s.target(req, "")
	if err != nil {
		return nil, err
	}
	cmd := app.CorrectStage{Target: t, Stage: stageIn(req.GetStage()), Reason: req.GetReason()}
	if err := s.app.CheckCorrectCaseStage(cmd); err != nil {
		return nil, err
	}
	return s.changeCase(ctx, prosecutionv1.ProsecutionService_CorrectCaseStage_FullMethodName, t, req,
		func(ctx context.Context, t app.Target) (*domain.Case, error) {
			cmd.Target = t
			return s.app.CorrectCaseStage(ctx, cmd)
		})
}

// referenceRequest is a LinkCaseReference or UnlinkCaseReference request.
type referenceRequest interface {
	transitionRequest
	GetReference() string
}

// LinkCaseReference implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) LinkCaseReference(ctx context.Context, req *prosecutionv1.LinkCaseReferenceRequest) (*prosecutionv1.Case, error) {
	return s.reference(ctx, prosecutionv1.ProsecutionService_LinkCaseReference_FullMethodName, req, s.app.LinkCaseReference)
}

// UnlinkCaseReference implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) UnlinkCaseReference(ctx context.Context, req *prosecutionv1.UnlinkCaseReferenceRequest) (*prosecutionv1.Case, error) {
	return s.reference(ctx, prosecutionv1.ProsecutionService_UnlinkCaseReference_FullMethodName, req, s.app.UnlinkCaseReference)
}

// reference runs a link or unlink. A request naming no reference is
// refused; the form and office of one given are the case's to check.
func (s *Server) reference(ctx context.Context, method string, req referenceRequest,
	change func(context.Context, app.CaseReference) (*domain.Case, error)) (*prosecutionv1.Case, error) {
	t, err := s.target(req, "")
	if err != nil {
		return nil, err
	}
	if req.GetReference() == "" {
		return nil, errs.Violations{{Field: "reference", Description: "is required: a rescue survivor (offices/{office}/survivors/{survivor}) " +
			"or operation (offices/{office}/operations/{operation}) of the case's office"}}.Err()
	}
	return s.changeCase(ctx, method, t, req, func(ctx context.Context, t app.Target) (*domain.Case, error) {
		return change(ctx, app.CaseReference{Target: t, Reference: req.GetReference()})
	})
}

// changeCase runs a change of a case under its request_id.
func (s *Server) changeCase(ctx context.Context, method string, t app.Target, req transitionRequest,
	change func(context.Context, app.Target) (*domain.Case, error)) (*prosecutionv1.Case, error) {
	return once(ctx, s, method, t, req, func(ctx context.Context, t app.Target) (*prosecutionv1.Case, error) {
		return caseResult(change(ctx, t))
	})
}
