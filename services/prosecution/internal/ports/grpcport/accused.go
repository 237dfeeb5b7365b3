package grpcport

import (
	"context"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// accusedResult converts an accused use case's answer.
var accusedResult = result(accusedOut)

// CreateAccused implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) CreateAccused(ctx context.Context, req *prosecutionv1.CreateAccusedRequest) (*prosecutionv1.Accused, error) {
	return create(ctx, s, prosecutionv1.ProsecutionService_CreateAccused_FullMethodName, req, true, newRecord[app.CreateAccused, *prosecutionv1.Accused]{
		field: "accused", present: req.GetAccused() != nil,
		command: func(_ *errs.Violations, office, caseID string) app.CreateAccused {
			return app.CreateAccused{Office: office, CaseID: caseID, Fields: accusedFieldsIn(req.GetAccused())}
		},
		check: s.app.CheckCreateAccused,
		create: func(ctx context.Context, cmd app.CreateAccused, id string, retry bool) (*prosecutionv1.Accused, error) {
			cmd.ID, cmd.Retry = id, retry
			return accusedResult(s.app.CreateAccused(ctx, cmd))
		},
	})
}

// GetAccused implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) GetAccused(ctx context.Context, req *prosecutionv1.GetAccusedRequest) (*prosecutionv1.Accused, error) {
	return get(ctx, s, req.GetName(), domain.CollectionAccused, s.app.GetAccused, accusedOut)
}

// ListAccused implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) ListAccused(ctx context.Context, req *prosecutionv1.ListAccusedRequest) (*prosecutionv1.ListAccusedResponse, error) {
	items, next, err := list(ctx, s, req, false, s.app.ListAccused)
	if err != nil {
		return nil, err
	}
	return &prosecutionv1.ListAccusedResponse{Accused: each(items, accusedOut), NextPageToken: next}, nil
}

// UpdateAccused implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) UpdateAccused(ctx context.Context, req *prosecutionv1.UpdateAccusedRequest) (*prosecutionv1.Accused, error) {
	t, fields, values, err := updateOf(s, req.GetAccused(), "accused", domain.CollectionAccused, req.GetUpdateMask(), domain.AccusedUpdatableFields,
		func(*errs.Violations) domain.AccusedFields { return accusedFieldsIn(req.GetAccused()) })
	if err != nil {
		return nil, err
	}
	return accusedResult(s.app.UpdateAccused(ctx, app.UpdateAccused{Target: t, Fields: fields, Values: values}))
}

// ChangeAccusedCustody implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) ChangeAccusedCustody(ctx context.Context, req *prosecutionv1.ChangeAccusedCustodyRequest) (*prosecutionv1.Accused, error) {
	return changeAccused(ctx, s, prosecutionv1.ProsecutionService_ChangeAccusedCustody_FullMethodName, req,
		func(v *errs.Violations, t app.Target) app.ChangeCustody {
			return app.ChangeCustody{Target: t, Custody: custodyIn(req.GetCustody()),
				EffectiveDate: apireq.DateIn(v, "effective_date", req.GetEffectiveDate()), Note: req.GetNote()}
		}, s.app.CheckChangeCustody, s.app.ChangeAccusedCustody)
}

// RecordBailEvent implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) RecordBailEvent(ctx context.Context, req *prosecutionv1.RecordBailEventRequest) (*prosecutionv1.Accused, error) {
	return changeAccused(ctx, s, prosecutionv1.ProsecutionService_RecordBailEvent_FullMethodName, req,
		func(v *errs.Violations, t app.Target) app.RecordBail {
			apireq.Required(v, "event", req.GetEvent() != nil)
			return app.RecordBail{Target: t, Event: bailEventIn(v, req.GetEvent(), "event")}
		}, s.app.CheckRecordBailEvent, s.app.RecordBailEvent)
}

// RecordVerdict implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) RecordVerdict(ctx context.Context, req *prosecutionv1.RecordVerdictRequest) (*prosecutionv1.Accused, error) {
	return changeAccused(ctx, s, prosecutionv1.ProsecutionService_RecordVerdict_FullMethodName, req,
		func(v *errs.Violations, t app.Target) app.RecordVerdict {
			return app.RecordVerdict{Target: t, Verdict: verdictIn(req.GetVerdict()), Date: apireq.DateIn(v, "verdict_date", req.GetVerdictDate()),
				Sentence: sentenceIn(v, req.GetSentence(), "sentence")}
		}, s.app.CheckRecordVerdict, s.app.RecordVerdict)
}

// targeted is an accused command, which carries its target.
type targeted interface {
	app.ChangeCustody | app.RecordBail | app.RecordVerdict
}

// changeAccused runs a change of an accused: it parses the target and
// converts the request (command), checks the input (check), all before
// anything is written, then runs change under the request_id.
func changeAccused[C targeted](ctx context.Context, s *Server, method string, req transitionRequest,
	command func(*errs.Violations, app.Target) C, check func(C) error,
	change func(context.Context, C) (*domain.Accused, error)) (*prosecutionv1.Accused, error) {
	t, err := s.target(req, domain.CollectionAccused)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	cmd := command(&v, t)
	if err := apireq.Invalid(v, check(cmd)); err != nil {
		return nil, err
	}
	return once(ctx, s, method, t, req, func(ctx context.Context, t app.Target) (*prosecutionv1.Accused, error) {
		// The target now knows whether an earlier attempt may have applied.
		return accusedResult(change(ctx, command(&errs.Violations{}, t)))
	})
}
