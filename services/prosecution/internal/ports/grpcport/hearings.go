package grpcport

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// hearingResult converts a hearing use case's answer.
var hearingResult = result(hearingOut)

// CreateHearing implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) CreateHearing(ctx context.Context, req *prosecutionv1.CreateHearingRequest) (*prosecutionv1.Hearing, error) {
	return create(ctx, s, prosecutionv1.ProsecutionService_CreateHearing_FullMethodName, req, true, newRecord[app.CreateHearing, *prosecutionv1.Hearing]{
		field: "hearing", present: req.GetHearing() != nil,
		command: func(v *errs.Violations, office, caseID string) app.CreateHearing {
			return app.CreateHearing{Office: office, CaseID: caseID, Fields: hearingFieldsIn(v, req.GetHearing(), "hearing")}
		},
		check: s.app.CheckCreateHearing,
		create: func(ctx context.Context, cmd app.CreateHearing, id string, retry bool) (*prosecutionv1.Hearing, error) {
			cmd.ID, cmd.Retry = id, retry
			return hearingResult(s.app.CreateHearing(ctx, cmd))
		},
	})
}

// GetHearing implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) GetHearing(ctx context.Context, req *prosecutionv1.GetHearingRequest) (*prosecutionv1.Hearing, error) {
	return get(ctx, s, req.GetName(), domain.CollectionHearings, s.app.GetHearing, hearingOut)
}

// ListHearings implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) ListHearings(ctx context.Context, req *prosecutionv1.ListHearingsRequest) (*prosecutionv1.ListHearingsResponse, error) {
	items, next, err := list(ctx, s, req, false, s.app.ListHearings)
	if err != nil {
		return nil, err
	}
	return &prosecutionv1.ListHearingsResponse{Hearings: each(items, hearingOut), NextPageToken: next}, nil
}

// UpdateHearing implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) UpdateHearing(ctx context.Context, req *prosecutionv1.UpdateHearingRequest) (*prosecutionv1.Hearing, error) {
	t, fields, values, err := updateOf(s, req.GetHearing(), "hearing", domain.CollectionHearings, req.GetUpdateMask(), domain.HearingUpdatableFields,
		func(v *errs.Violations) domain.HearingFields { return hearingFieldsIn(v, req.GetHearing(), "hearing") })
	if err != nil {
		return nil, err
	}
	return hearingResult(s.app.UpdateHearing(ctx, app.UpdateHearing{Target: t, Fields: fields, Values: values}))
}

// DeleteHearing implements prosecutionv1.ProsecutionServiceServer.
func (s *Server) DeleteHearing(ctx context.Context, req *prosecutionv1.DeleteHearingRequest) (*emptypb.Empty, error) {
	return s.delete(ctx, req, domain.CollectionHearings, s.app.DeleteHearing)
}

// deleteRequest is what a Delete request has.
type deleteRequest interface {
	GetName() string
	GetEtag() string
}

// delete runs a Delete of a record of collection under a case.
func (s *Server) delete(ctx context.Context, req deleteRequest, collection string, del func(context.Context, app.Target) error) (*emptypb.Empty, error) {
	t, err := s.childName(req.GetName(), "name", collection)
	if err != nil {
		return nil, err
	}
	t.Etag = req.GetEtag()
	if err := del(ctx, t); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// QueryHearingCalendar implements prosecutionv1.ProsecutionServiceServer:
// the office must be one the caller holds.
func (s *Server) QueryHearingCalendar(ctx context.Context, req *prosecutionv1.QueryHearingCalendarRequest) (*prosecutionv1.QueryHearingCalendarResponse, error) {
	office, _, err := s.offices.OfficeListScope(ctx, req.GetOffice(), "office", false)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	q := app.CalendarQuery{Office: office, Start: apireq.DateIn(&v, "start_date", req.GetStartDate()),
		End: apireq.DateIn(&v, "end_date", req.GetEndDate()), PageSize: req.GetPageSize(), PageToken: req.GetPageToken()}
	if err := apireq.Invalid(v, s.app.CheckQueryHearingCalendar(q)); err != nil {
		return nil, err
	}
	page, err := s.app.QueryHearingCalendar(ctx, q)
	if err != nil {
		return nil, err
	}
	return &prosecutionv1.QueryHearingCalendarResponse{Hearings: each(page.Items, hearingOut), NextPageToken: page.NextPageToken}, nil
}
