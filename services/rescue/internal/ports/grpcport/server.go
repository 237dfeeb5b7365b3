// Package grpcport implements the justice.rescue.v1.RescueService gRPC API
// over the application: it parses resource names against the office
// registry, translates protobuf to domain values and back, wraps creates and
// transitions in request_id idempotency, and returns the platform's typed
// errors, which the platform server interceptor turns into statuses with
// ErrorInfo reasons and field violations.
//
// Nothing here logs request or response bodies: survivor identity never
// leaves the handler except in the response.
package grpcport

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/emptypb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Server implements rescuev1.RescueServiceServer.
type Server struct {
	rescuev1.UnimplementedRescueServiceServer

	app     *app.Application
	offices *office.Registry
	idem    *idempotency.Store
}

var _ rescuev1.RescueServiceServer = (*Server)(nil)

// New returns the gRPC API over the application.
func New(application *app.Application, offices *office.Registry, idem *idempotency.Store) *Server {
	return &Server{app: application, offices: offices, idem: idem}
}

// transitionRequest is what every lifecycle request has.
type transitionRequest interface {
	GetName() string
	GetEtag() string
	GetRequestId() string
	GetReason() string
}

// transition parses and checks the common part of a lifecycle request.
func (s *Server) transition(req transitionRequest, collection string) (app.Transition, error) {
	t, err := s.transitionTarget(req, collection)
	if err != nil {
		return app.Transition{}, err
	}
	if err := s.app.CheckTransition(t); err != nil {
		return app.Transition{}, err
	}
	return t, nil
}

// transitionTarget parses the name and request_id of a lifecycle request.
func (s *Server) transitionTarget(req transitionRequest, collection string) (app.Transition, error) {
	office, id, err := s.name(req.GetName(), collection, "name")
	if err != nil {
		return app.Transition{}, err
	}
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return app.Transition{}, err
	}
	return app.Transition{Office: office, ID: id, Etag: req.GetEtag(), RequestID: req.GetRequestId(), Reason: req.GetReason()}, nil
}

// Locations.

// CreateLocation implements rescuev1.RescueServiceServer.
func (s *Server) CreateLocation(ctx context.Context, req *rescuev1.CreateLocationRequest) (*rescuev1.Location, error) {
	office, err := s.createParent(req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	var v errs.Violations
	required(&v, "location", req.GetLocation() != nil)
	cmd := app.CreateLocation{Office: office, Fields: locationFieldsIn(req.GetLocation())}
	if err := invalid(v, s.app.CheckCreateLocation(cmd)); err != nil {
		return nil, err
	}
	return idempotent(ctx, s, rescuev1.RescueService_CreateLocation_FullMethodName, office, req.GetRequestId(), req,
		func(ctx context.Context, a idempotency.Attempt) (*rescuev1.Location, error) {
			cmd.ID, cmd.Retry = a.ID, a.Retry
			l, err := s.app.CreateLocation(ctx, cmd)
			if err != nil {
				return nil, err
			}
			return locationOut(l), nil
		})
}

// GetLocation implements rescuev1.RescueServiceServer.
func (s *Server) GetLocation(ctx context.Context, req *rescuev1.GetLocationRequest) (*rescuev1.Location, error) {
	office, id, err := s.name(req.GetName(), domain.CollectionLocations, "name")
	if err != nil {
		return nil, err
	}
	l, err := s.app.GetLocation(ctx, office, id)
	if err != nil {
		return nil, err
	}
	return locationOut(l), nil
}

// ListLocations implements rescuev1.RescueServiceServer.
func (s *Server) ListLocations(ctx context.Context, req *rescuev1.ListLocationsRequest) (*rescuev1.ListLocationsResponse, error) {
	offices, err := s.listScope(req.GetParent())
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListLocations(ctx, app.ListQuery{
		Offices: offices, QueryKey: req.GetParent(), Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &rescuev1.ListLocationsResponse{NextPageToken: page.NextPageToken}
	for _, l := range page.Items {
		resp.Locations = append(resp.Locations, locationOut(l))
	}
	return resp, nil
}

// UpdateLocation implements rescuev1.RescueServiceServer.
func (s *Server) UpdateLocation(ctx context.Context, req *rescuev1.UpdateLocationRequest) (*rescuev1.Location, error) {
	if req.GetLocation() == nil {
		return nil, errs.Violations{{Field: "location", Description: "is required, with its name"}}.Err()
	}
	office, id, err := s.name(req.GetLocation().GetName(), domain.CollectionLocations, "location.name")
	if err != nil {
		return nil, err
	}
	fields, err := updateMask(req.GetUpdateMask(), req.GetLocation(), domain.LocationUpdatableFields)
	if err != nil {
		return nil, err
	}
	l, err := s.app.UpdateLocation(ctx, app.UpdateLocation{
		Office: office, ID: id, Etag: req.GetLocation().GetEtag(), Fields: fields, Values: locationFieldsIn(req.GetLocation()),
	})
	if err != nil {
		return nil, err
	}
	return locationOut(l), nil
}

// DeleteLocation implements rescuev1.RescueServiceServer.
func (s *Server) DeleteLocation(ctx context.Context, req *rescuev1.DeleteLocationRequest) (*emptypb.Empty, error) {
	office, id, err := s.name(req.GetName(), domain.CollectionLocations, "name")
	if err != nil {
		return nil, err
	}
	if err := s.app.DeleteLocation(ctx, office, id, req.GetEtag()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Server) transitionLocation(ctx context.Context, method string, req interface {
	transitionRequest
	protoMessage
}, to domain.LocationStatus) (*rescuev1.Location, error) {
	t, err := s.transition(req, domain.CollectionLocations)
	if err != nil {
		return nil, err
	}
	return idempotent(ctx, s, method, t.Office, t.RequestID, req,
		func(ctx context.Context, a idempotency.Attempt) (*rescuev1.Location, error) {
			t.Retry = a.Retry
			l, err := s.app.TransitionLocation(ctx, t, to)
			if err != nil {
				return nil, err
			}
			return locationOut(l), nil
		})
}

// InvestigateLocation implements rescuev1.RescueServiceServer.
func (s *Server) InvestigateLocation(ctx context.Context, req *rescuev1.InvestigateLocationRequest) (*rescuev1.Location, error) {
	return s.transitionLocation(ctx, rescuev1.RescueService_InvestigateLocation_FullMethodName, req, domain.LocationUnderInvestigation)
}

// ConfirmLocation implements rescuev1.RescueServiceServer.
func (s *Server) ConfirmLocation(ctx context.Context, req *rescuev1.ConfirmLocationRequest) (*rescuev1.Location, error) {
	return s.transitionLocation(ctx, rescuev1.RescueService_ConfirmLocation_FullMethodName, req, domain.LocationConfirmed)
}

// MarkRaidedLocation implements rescuev1.RescueServiceServer.
func (s *Server) MarkRaidedLocation(ctx context.Context, req *rescuev1.MarkRaidedLocationRequest) (*rescuev1.Location, error) {
	return s.transitionLocation(ctx, rescuev1.RescueService_MarkRaidedLocation_FullMethodName, req, domain.LocationRaided)
}

// CloseLocation implements rescuev1.RescueServiceServer.
func (s *Server) CloseLocation(ctx context.Context, req *rescuev1.CloseLocationRequest) (*rescuev1.Location, error) {
	return s.transitionLocation(ctx, rescuev1.RescueService_CloseLocation_FullMethodName, req, domain.LocationClosed)
}

// DismissLocation implements rescuev1.RescueServiceServer.
func (s *Server) DismissLocation(ctx context.Context, req *rescuev1.DismissLocationRequest) (*rescuev1.Location, error) {
	return s.transitionLocation(ctx, rescuev1.RescueService_DismissLocation_FullMethodName, req, domain.LocationDismissed)
}

// Operations.

// CreateOperation implements rescuev1.RescueServiceServer.
func (s *Server) CreateOperation(ctx context.Context, req *rescuev1.CreateOperationRequest) (*rescuev1.Operation, error) {
	office, err := s.createParent(req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	var v errs.Violations
	required(&v, "operation", req.GetOperation() != nil)
	reference(&v, req.GetOperation().GetLocation(), domain.CollectionLocations, "operation.location")
	cmd := app.CreateOperation{Office: office, Fields: operationFieldsIn(&v, req.GetOperation(), "operation")}
	if err := invalid(v, s.app.CheckCreateOperation(cmd)); err != nil {
		return nil, err
	}
	return idempotent(ctx, s, rescuev1.RescueService_CreateOperation_FullMethodName, office, req.GetRequestId(), req,
		func(ctx context.Context, a idempotency.Attempt) (*rescuev1.Operation, error) {
			cmd.ID, cmd.Retry = a.ID, a.Retry
			o, err := s.app.CreateOperation(ctx, cmd)
			if err != nil {
				return nil, err
			}
			return operationOut(o), nil
		})
}

// GetOperation implements rescuev1.RescueServiceServer.
func (s *Server) GetOperation(ctx context.Context, req *rescuev1.GetOperationRequest) (*rescuev1.Operation, error) {
	office, id, err := s.name(req.GetName(), domain.CollectionOperations, "name")
	if err != nil {
		return nil, err
	}
	o, err := s.app.GetOperation(ctx, office, id)
	if err != nil {
		return nil, err
	}
	return operationOut(o), nil
}

// ListOperations implements rescuev1.RescueServiceServer.
func (s *Server) ListOperations(ctx context.Context, req *rescuev1.ListOperationsRequest) (*rescuev1.ListOperationsResponse, error) {
	offices, err := s.listScope(req.GetParent())
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListOperations(ctx, app.ListQuery{
		Offices: offices, QueryKey: req.GetParent(), Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	resp := &rescuev1.ListOperationsResponse{NextPageToken: page.NextPageToken}
	for _, o := range page.Items {
		resp.Operations = append(resp.Operations, operationOut(o))
	}
	return resp, nil
}

// UpdateOperation implements rescuev1.RescueServiceServer.
func (s *Server) UpdateOperation(ctx context.Context, req *rescuev1.UpdateOperationRequest) (*rescuev1.Operation, error) {
	if req.GetOperation() == nil {
		return nil, errs.Violations{{Field: "operation", Description: "is required, with its name"}}.Err()
	}
	office, id, err := s.name(req.GetOperation().GetName(), domain.CollectionOperations, "operation.name")
	if err != nil {
		return nil, err
	}
	fields, err := updateMask(req.GetUpdateMask(), req.GetOperation(), domain.OperationUpdatableFields)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	values := operationFieldsIn(&v, req.GetOperation(), "operation")
	if err := onlyMasked(v, "operation", fields).Err(); err != nil {
		return nil, err
	}
	o, err := s.app.UpdateOperation(ctx, app.UpdateOperation{
		Office: office, ID: id, Etag: req.GetOperation().GetEtag(), Fields: fields, Values: values,
	})
	if err != nil {
		return nil, err
	}
	return operationOut(o), nil
}

// DeleteOperation implements rescuev1.RescueServiceServer.
func (s *Server) DeleteOperation(ctx context.Context, req *rescuev1.DeleteOperationRequest) (*emptypb.Empty, error) {
	office, id, err := s.name(req.GetName(), domain.CollectionOperations, "name")
	if err != nil {
		return nil, err
	}
	if err := s.app.DeleteOperation(ctx, office, id, req.GetEtag()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *Server) transitionOperation(ctx context.Context, method string, req protoMessage, t app.Transition,
	move func(context.Context, app.Transition) (*app.OperationView, error)) (*rescuev1.Operation, error) {
	return idempotent(ctx, s, method, t.Office, t.RequestID, req,
		func(ctx context.Context, a idempotency.Attempt) (*rescuev1.Operation, error) {
			t.Retry = a.Retry
			o, err := move(ctx, t)
			if err != nil {
				return nil, err
			}
			return operationOut(o), nil
		})
}

// ConductOperation implements rescuev1.RescueServiceServer.
func (s *Server) ConductOperation(ctx context.Context, req *rescuev1.ConductOperationRequest) (*rescuev1.Operation, error) {
	var v errs.Violations
	d := domain.Conduct{Time: timeIn(&v, "conduct_time", req.GetConductTime()), SuspectsApprehended: int(req.GetSuspectsApprehended())}
	t, err := s.transitionTarget(req, domain.CollectionOperations)
	if err != nil {
		return nil, err
	}
	if err := invalid(v, s.app.CheckConduct(t, d)); err != nil {
		return nil, err
	}
	return s.transitionOperation(ctx, rescuev1.RescueService_ConductOperation_FullMethodName, req, t,
		func(ctx context.Context, t app.Transition) (*app.OperationView, error) {
			return s.app.ConductOperation(ctx, t, d)
		})
}

// CloseOperation implements rescuev1.RescueServiceServer.
func (s *Server) CloseOperation(ctx context.Context, req *rescuev1.CloseOperationRequest) (*rescuev1.Operation, error) {
	t, err := s.transition(req, domain.CollectionOperations)
	if err != nil {
		return nil, err
	}
	return s.transitionOperation(ctx, rescuev1.RescueService_CloseOperation_FullMethodName, req, t, s.app.CloseOperation)
}

// AbortOperation implements rescuev1.RescueServiceServer.
func (s *Server) AbortOperation(ctx context.Context, req *rescuev1.AbortOperationRequest) (*rescuev1.Operation, error) {
	t, err := s.transition(req, domain.CollectionOperations)
	if err != nil {
		return nil, err
	}
	return s.transitionOperation(ctx, rescuev1.RescueService_AbortOperation_FullMethodName, req, t, s.app.AbortOperation)
}

// Survivors.

// CreateSurvivor implements rescuev1.RescueServiceServer.
func (s *Server) CreateSurvivor(ctx context.Context, req *rescuev1.CreateSurvivorRequest) (*rescuev1.Survivor, error) {
	office, err := s.createParent(req.GetParent())
	if err != nil {
		return nil, err
	}
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	var v errs.Violations
	required(&v, "survivor", req.GetSurvivor() != nil)
	reference(&v, req.GetSurvivor().GetOperation(), domain.CollectionOperations, "survivor.operation")
	cmd := app.CreateSurvivor{Office: office, Operation: req.GetSurvivor().GetOperation(),
		Fields: survivorFieldsIn(&v, req.GetSurvivor(), "survivor")}
	if err := invalid(v, s.app.CheckCreateSurvivor(cmd)); err != nil {
		return nil, err
	}
	// The idempotency key keeps only the new record's name: a stored full
	// response would be a second, unencrypted copy of the survivor's
	// identity. A retry reads the record back instead.
	var created *domain.Survivor
	ref, err := idempotent(ctx, s, rescuev1.RescueService_CreateSurvivor_FullMethodName, office, req.GetRequestId(), req,
		func(ctx context.Context, a idempotency.Attempt) (*rescuev1.Survivor, error) {
			cmd.ID, cmd.Retry = a.ID, a.Retry
			sv, err := s.app.CreateSurvivor(ctx, cmd)
			if err != nil {
				return nil, err
			}
			created = sv
			return &rescuev1.Survivor{Name: sv.Name()}, nil
		})
	if err != nil {
		return nil, err
	}
	if created == nil {
		refOffice, id, ok := domain.SplitName(ref.GetName(), domain.CollectionSurvivors)
		if !ok {
			return nil, errs.Internal(fmt.Errorf("grpcport.CreateSurvivor: stored response names %q", ref.GetName()))
		}
		if created, err = s.app.GetSurvivor(ctx, refOffice, id); err != nil {
			return nil, err
		}
	}
	return survivorOut(created, s.app.Now()), nil
}

// GetSurvivor implements rescuev1.RescueServiceServer.
func (s *Server) GetSurvivor(ctx context.Context, req *rescuev1.GetSurvivorRequest) (*rescuev1.Survivor, error) {
	office, id, err := s.name(req.GetName(), domain.CollectionSurvivors, "name")
	if err != nil {
		return nil, err
	}
	sv, err := s.app.GetSurvivor(ctx, office, id)
	if err != nil {
		return nil, err
	}
	return survivorOut(sv, s.app.Now()), nil
}

// ListSurvivors implements rescuev1.RescueServiceServer.
func (s *Server) ListSurvivors(ctx context.Context, req *rescuev1.ListSurvivorsRequest) (*rescuev1.ListSurvivorsResponse, error) {
	offices, err := s.listScope(req.GetParent())
	if err != nil {
		return nil, err
	}
	page, err := s.app.ListSurvivors(ctx, app.ListQuery{
		Offices: offices, QueryKey: req.GetParent(), Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, err
	}
	now := s.app.Now()
	resp := &rescuev1.ListSurvivorsResponse{NextPageToken: page.NextPageToken}
	for _, sv := range page.Items {
		resp.Survivors = append(resp.Survivors, survivorOut(sv, now))
	}
	return resp, nil
}

// UpdateSurvivor implements rescuev1.RescueServiceServer.
func (s *Server) UpdateSurvivor(ctx context.Context, req *rescuev1.UpdateSurvivorRequest) (*rescuev1.Survivor, error) {
	if req.GetSurvivor() == nil {
		return nil, errs.Violations{{Field: "survivor", Description: "is required, with its name"}}.Err()
	}
	office, id, err := s.name(req.GetSurvivor().GetName(), domain.CollectionSurvivors, "survivor.name")
	if err != nil {
		return nil, err
	}
	fields, err := updateMask(req.GetUpdateMask(), req.GetSurvivor(), domain.SurvivorUpdatableFields)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	values := survivorFieldsIn(&v, req.GetSurvivor(), "survivor")
	if err := onlyMasked(v, "survivor", fields).Err(); err != nil {
		return nil, err
	}
	sv, err := s.app.UpdateSurvivor(ctx, app.UpdateSurvivor{
		Office: office, ID: id, Etag: req.GetSurvivor().GetEtag(), Fields: fields, Values: values,
	})
	if err != nil {
		return nil, err
	}
	return survivorOut(sv, s.app.Now()), nil
}
