// Package grpcport implements the justice.rescue.v1.RescueService gRPC API
// over the application: it parses resource names against the office
// registry, translates protobuf to domain values and back, wraps creates and
// transitions in request_id idempotency, and returns the platform's typed
// errors, which the platform server interceptor turns into statuses with
// ErrorInfo reasons and field violations. MetricsServer implements the
// service's part of the cross-office metrics,
// justice.metrics.v1.MetricsSourceService.
//
// Access is decided in three places. Policy (policy.go) says which roles may
// call each RPC; the platform's auth interceptors enforce it, and audit the
// survivor RPCs, before a handler runs. The office scope (which offices'
// records a caller reaches) is enforced by the application in every
// repository query. Field visibility is enforced here: survivors' protected
// identity goes out only to IdentityRoles, and only they may set it.
//
// Nothing here logs request or response bodies: survivor identity never
// leaves the handler except in the response.
package grpcport

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/emptypb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/rescue/internal/app"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Server implements rescuev1.RescueServiceServer.
type Server struct {
	rescuev1.UnimplementedRescueServiceServer

	app     *app.Application
	offices *apireq.Offices
	idem    *apireq.Idempotency
	keys    Keys
}

var _ rescuev1.RescueServiceServer = (*Server)(nil)

// New returns the gRPC API over the application. keys encrypt the responses
// the idempotency store keeps and key the fingerprints of requests that
// carry survivor identity (see Keys).
func New(application *app.Application, offices *office.Registry, idem *idempotency.Store, keys Keys) *Server {
	return &Server{app: application, offices: apireq.NewOffices(offices), idem: apireq.NewIdempotency(idem, keys), keys: keys}
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
	if err := apireq.CheckRequestID(req.GetRequestId()); err != nil {
		return app.Transition{}, err
	}
	return app.Transition{Office: office, ID: id, Etag: req.GetEtag(), RequestID: req.GetRequestId(), Reason: req.GetReason()}, nil
}

// Locations.

// CreateLocation implements rescuev1.RescueServiceServer.
func (s *Server) CreateLocation(ctx context.Context, req *rescuev1.CreateLocationRequest) (*rescuev1.Location, error) {
	office, _, err := s.offices.CreateParent(ctx, req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	if err := apireq.CheckRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	var v errs.Violations
	apireq.Required(&v, "location", req.GetLocation() != nil)
	cmd := app.CreateLocation{Office: office, Fields: locationFieldsIn(req.GetLocation())}
	if err := apireq.Invalid(v, s.app.CheckCreateLocation(cmd)); err != nil {
		return nil, err
	}
	return apireq.Idempotent(ctx, s.idem, rescuev1.RescueService_CreateLocation_FullMethodName, office, req.GetRequestId(), req,
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
	offices, _, err := s.offices.ListScope(ctx, req.GetParent(), "parent")
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
	fields, err := apireq.UpdateMask(req.GetUpdateMask(), req.GetLocation(), domain.LocationUpdatableFields)
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
	return apireq.Idempotent(ctx, s.idem, method, t.Office, t.RequestID, req,
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
	office, _, err := s.offices.CreateParent(ctx, req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	if err := apireq.CheckRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	var v errs.Violations
	apireq.Required(&v, "operation", req.GetOperation() != nil)
	apireq.Reference(&v, req.GetOperation().GetLocation(), "operation.location", domain.CollectionLocations)
	cmd := app.CreateOperation{Office: office, Fields: operationFieldsIn(&v, req.GetOperation(), "operation")}
	if err := apireq.Invalid(v, s.app.CheckCreateOperation(cmd)); err != nil {
		return nil, err
	}
	return apireq.Idempotent(ctx, s.idem, rescuev1.RescueService_CreateOperation_FullMethodName, office, req.GetRequestId(), req,
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
	offices, _, err := s.offices.ListScope(ctx, req.GetParent(), "parent")
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
	fields, err := apireq.UpdateMask(req.GetUpdateMask(), req.GetOperation(), domain.OperationUpdatableFields)
	if err != nil {
		return nil, err
	}
	var v errs.Violations
	values := operationFieldsIn(&v, req.GetOperation(), "operation")
	if err := apireq.OnlyMasked(v, "operation", fields).Err(); err != nil {
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
	return apireq.Idempotent(ctx, s.idem, method, t.Office, t.RequestID, req,
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
	d := domain.Conduct{Time: apireq.TimeIn(&v, "conduct_time", req.GetConductTime()), SuspectsApprehended: int(req.GetSuspectsApprehended())}
	t, err := s.transitionTarget(req, domain.CollectionOperations)
	if err != nil {
		return nil, err
	}
	if err := apireq.Invalid(v, s.app.CheckConduct(t, d)); err != nil {
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

// showIdentity reports whether the caller may see survivors' protected identity.
func showIdentity(ctx context.Context) bool { return SeesIdentity(identity.FromContext(ctx)) }

// checkIdentityWrite refuses, with PERMISSION_DENIED naming the first such
// field, a caller outside IdentityRoles who sets a protected identity field:
// who may not see the identity may not write it either (nor overwrite or
// clear it through an update mask).
func checkIdentityWrite(ctx context.Context, fields []domain.SurvivorField) error {
	if len(fields) == 0 {
		return nil
	}
	p := identity.FromContext(ctx)
	if SeesIdentity(p) {
		return nil
	}
	return errs.PermissionDenied("IDENTITY_FIELD_NOT_ALLOWED",
		"survivor.%s is protected identity: only the roles %s may set it, and the caller holds %s",
		fields[0], strings.Join(IdentityRoles, ", "), rolesOf(p)).
		WithMetadata("field", "survivor."+string(fields[0]))
}

func rolesOf(p identity.Principal) string {
	if len(p.Roles) == 0 {
		return "no role"
	}
	return strings.Join(p.Roles, ", ")
}

// CreateSurvivor implements rescuev1.RescueServiceServer.
func (s *Server) CreateSurvivor(ctx context.Context, req *rescuev1.CreateSurvivorRequest) (*rescuev1.Survivor, error) {
	office, _, err := s.offices.CreateParent(ctx, req.GetParent(), "parent")
	if err != nil {
		return nil, err
	}
	if err := apireq.CheckRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	var v errs.Violations
	apireq.Required(&v, "survivor", req.GetSurvivor() != nil)
	apireq.Reference(&v, req.GetSurvivor().GetOperation(), "survivor.operation", domain.CollectionOperations)
	cmd := app.CreateSurvivor{Office: office, Operation: req.GetSurvivor().GetOperation(),
		Fields: survivorFieldsIn(&v, req.GetSurvivor(), "survivor")}
	if err := checkIdentityWrite(ctx, cmd.Fields.IdentitySet()); err != nil {
		return nil, err
	}
	if err := apireq.Invalid(v, s.app.CheckCreateSurvivor(cmd)); err != nil {
		return nil, err
	}
	fingerprint := req
	if req.GetRequestId() != "" {
		if fingerprint, err = createSurvivorFingerprint(s.keys, req); err != nil {
			return nil, err
		}
	}
	// The idempotency key keeps only the new record's name: a stored full
	// response would be a second copy of the survivor's identity. A retry
	// reads the record back instead.
	var created *domain.Survivor
	ref, err := apireq.Idempotent(ctx, s.idem, rescuev1.RescueService_CreateSurvivor_FullMethodName, office, req.GetRequestId(), fingerprint,
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
		if created, err = s.readBack(ctx, "CreateSurvivor", ref); err != nil {
			return nil, err
		}
	}
	return survivorOut(created, s.app.Now(), showIdentity(ctx)), nil
}

// readBack reads the survivor a stored idempotent response names.
func (s *Server) readBack(ctx context.Context, method string, ref *rescuev1.Survivor) (*domain.Survivor, error) {
	office, id, ok := domain.SplitName(ref.GetName(), domain.CollectionSurvivors)
	if !ok {
		return nil, errs.Internal(fmt.Errorf("grpcport.%s: stored response names %q", method, ref.GetName()))
	}
	return s.app.GetSurvivor(ctx, office, id)
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
	return survivorOut(sv, s.app.Now(), showIdentity(ctx)), nil
}

// ListSurvivors implements rescuev1.RescueServiceServer.
func (s *Server) ListSurvivors(ctx context.Context, req *rescuev1.ListSurvivorsRequest) (*rescuev1.ListSurvivorsResponse, error) {
	offices, _, err := s.offices.ListScope(ctx, req.GetParent(), "parent")
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
	now, show := s.app.Now(), showIdentity(ctx)
	resp := &rescuev1.ListSurvivorsResponse{NextPageToken: page.NextPageToken}
	for _, sv := range page.Items {
		resp.Survivors = append(resp.Survivors, survivorOut(sv, now, show))
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
	fields, err := apireq.UpdateMask(req.GetUpdateMask(), req.GetSurvivor(), domain.SurvivorUpdatableFields)
	if err != nil {
		return nil, err
	}
	var protected []domain.SurvivorField
	for _, f := range fields {
		if domain.IsIdentityField(f) {
			protected = append(protected, f)
		}
	}
	if err := checkIdentityWrite(ctx, protected); err != nil {
		return nil, err
	}
	var v errs.Violations
	values := survivorFieldsIn(&v, req.GetSurvivor(), "survivor")
	if err := apireq.OnlyMasked(v, "survivor", fields).Err(); err != nil {
		return nil, err
	}
	sv, err := s.app.UpdateSurvivor(ctx, app.UpdateSurvivor{
		Office: office, ID: id, Etag: req.GetSurvivor().GetEtag(), Fields: fields, Values: values,
	})
	if err != nil {
		return nil, err
	}
	return survivorOut(sv, s.app.Now(), showIdentity(ctx)), nil
}

// EraseSurvivorIdentity implements rescuev1.RescueServiceServer. Like
// CreateSurvivor, the idempotency key keeps only the survivor's name and a
// retry reads the record back, so the answer is always rendered for the
// caller who asks.
func (s *Server) EraseSurvivorIdentity(ctx context.Context, req *rescuev1.EraseSurvivorIdentityRequest) (*rescuev1.Survivor, error) {
	t, err := s.transitionTarget(req, domain.CollectionSurvivors)
	if err != nil {
		return nil, err
	}
	if err := s.app.CheckEraseSurvivorIdentity(t); err != nil {
		return nil, err
	}
	var erased *domain.Survivor
	ref, err := apireq.Idempotent(ctx, s.idem, rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName, t.Office, t.RequestID, req,
		func(ctx context.Context, a idempotency.Attempt) (*rescuev1.Survivor, error) {
			t.Retry = a.Retry
			sv, err := s.app.EraseSurvivorIdentity(ctx, t)
			if err != nil {
				return nil, err
			}
			erased = sv
			return &rescuev1.Survivor{Name: sv.Name()}, nil
		})
	if err != nil {
		return nil, err
	}
	if erased == nil {
		if erased, err = s.readBack(ctx, "EraseSurvivorIdentity", ref); err != nil {
			return nil, err
		}
	}
	return survivorOut(erased, s.app.Now(), showIdentity(ctx)), nil
}

// FindSurvivorDuplicates implements rescuev1.RescueServiceServer. The answer
// names survivors by resource name and pseudonym only, whatever the caller's role.
func (s *Server) FindSurvivorDuplicates(ctx context.Context, req *rescuev1.FindSurvivorDuplicatesRequest) (*rescuev1.FindSurvivorDuplicatesResponse, error) {
	office, id, err := s.name(req.GetName(), domain.CollectionSurvivors, "name")
	if err != nil {
		return nil, err
	}
	refs, err := s.app.FindSurvivorDuplicates(ctx, office, id)
	if err != nil {
		return nil, err
	}
	resp := &rescuev1.FindSurvivorDuplicatesResponse{}
	for _, r := range refs {
		resp.PossibleDuplicates = append(resp.PossibleDuplicates, &rescuev1.SurvivorReference{Name: r.Name(), Pseudonym: r.Pseudonym})
	}
	return resp, nil
}
