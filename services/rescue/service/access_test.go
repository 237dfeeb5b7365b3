package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/rescue/internal/ports/grpcport"
)

const matrixLegalName = "Lalita Matrixtest Oraon"

// matrixCall makes one valid request of an RPC, as the caller of ctx,
// against records of mumbai that exist and are in the state the RPC needs.
// It prepares those records first (as the default caller), fresh when the
// RPC changes them, so every allowed call can succeed.
type matrixCall func(t *testing.T, e *env, shared *matrixFixture, ctx context.Context) error

// matrixFixture holds the records of mumbai that reads act on.
type matrixFixture struct {
	location  *rescuev1.Location
	confirmed *rescuev1.Location
	conducted *rescuev1.Operation
	survivor  *rescuev1.Survivor
}

func (e *env) matrixSurvivor(t *testing.T, operation string) *rescuev1.Survivor {
	t.Helper()
	s := adult(operation)
	s.LegalName = matrixLegalName
	sv, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s})
	if err != nil {
		t.Fatalf("CreateSurvivor: %v", err)
	}
	return sv
}

// locationIn returns a new mumbai location moved through the given transitions.
func (e *env) locationIn(t *testing.T, moves ...func(*rescuev1.Location) (*rescuev1.Location, error)) *rescuev1.Location {
	t.Helper()
	l := e.location(t, "mumbai")
	var err error
	for _, move := range moves {
		if l, err = move(l); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func (e *env) plannedOperation(t *testing.T, at *rescuev1.Location) *rescuev1.Operation {
	t.Helper()
	o, err := e.client.CreateOperation(ctxT(t), &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: operationAt(at.GetName())})
	if err != nil {
		t.Fatalf("CreateOperation: %v", err)
	}
	return o
}

// matrixCalls has one valid call of every RPC the service serves; the test
// fails if an RPC of the policy table has none.
func matrixCalls() map[string]matrixCall {
	investigate := func(e *env, t *testing.T) func(l *rescuev1.Location) (*rescuev1.Location, error) {
		return func(l *rescuev1.Location) (*rescuev1.Location, error) {
			return e.client.InvestigateLocation(ctxT(t), &rescuev1.InvestigateLocationRequest{Name: l.GetName()})
		}
	}
	confirm := func(e *env, t *testing.T) func(l *rescuev1.Location) (*rescuev1.Location, error) {
		return func(l *rescuev1.Location) (*rescuev1.Location, error) {
			return e.client.ConfirmLocation(ctxT(t), &rescuev1.ConfirmLocationRequest{Name: l.GetName()})
		}
	}
	raid := func(e *env, t *testing.T) func(l *rescuev1.Location) (*rescuev1.Location, error) {
		return func(l *rescuev1.Location) (*rescuev1.Location, error) {
			return e.client.MarkRaidedLocation(ctxT(t), &rescuev1.MarkRaidedLocationRequest{Name: l.GetName()})
		}
	}
	err := func(_ any, err error) error { return err }
	c := func(e *env) rescuev1.RescueServiceClient { return e.anon }
	return map[string]matrixCall{
		rescuev1.RescueService_CreateLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai",
				Location: &rescuev1.Location{DisplayName: "New lodge", Type: rescuev1.LocationType_LOCATION_TYPE_BROTHEL}}))
		},
		rescuev1.RescueService_GetLocation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).GetLocation(ctx, &rescuev1.GetLocationRequest{Name: f.location.GetName()}))
		},
		rescuev1.RescueService_ListLocations_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/mumbai"}))
		},
		rescuev1.RescueService_UpdateLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			l := e.location(t, "mumbai")
			return err(c(e).UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{Location: &rescuev1.Location{Name: l.GetName(), Notes: "n"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}}}))
		},
		rescuev1.RescueService_DeleteLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).DeleteLocation(ctx, &rescuev1.DeleteLocationRequest{Name: e.location(t, "mumbai").GetName()}))
		},
		rescuev1.RescueService_InvestigateLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: e.location(t, "mumbai").GetName()}))
		},
		rescuev1.RescueService_ConfirmLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			l := e.locationIn(t, investigate(e, t))
			return err(c(e).ConfirmLocation(ctx, &rescuev1.ConfirmLocationRequest{Name: l.GetName()}))
		},
		rescuev1.RescueService_MarkRaidedLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			l := e.locationIn(t, investigate(e, t), confirm(e, t))
			return err(c(e).MarkRaidedLocation(ctx, &rescuev1.MarkRaidedLocationRequest{Name: l.GetName()}))
		},
		rescuev1.RescueService_CloseLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			l := e.locationIn(t, investigate(e, t), confirm(e, t), raid(e, t))
			return err(c(e).CloseLocation(ctx, &rescuev1.CloseLocationRequest{Name: l.GetName()}))
		},
		rescuev1.RescueService_DismissLocation_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).DismissLocation(ctx, &rescuev1.DismissLocationRequest{Name: e.location(t, "mumbai").GetName(), Reason: "no evidence"}))
		},
		rescuev1.RescueService_CreateOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: operationAt(f.confirmed.GetName())}))
		},
		rescuev1.RescueService_GetOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).GetOperation(ctx, &rescuev1.GetOperationRequest{Name: f.conducted.GetName()}))
		},
		rescuev1.RescueService_ListOperations_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).ListOperations(ctx, &rescuev1.ListOperationsRequest{Parent: "offices/mumbai"}))
		},
		rescuev1.RescueService_UpdateOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			o := e.plannedOperation(t, f.confirmed)
			return err(c(e).UpdateOperation(ctx, &rescuev1.UpdateOperationRequest{Operation: &rescuev1.Operation{Name: o.GetName(), Notes: "n"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}}}))
		},
		rescuev1.RescueService_DeleteOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).DeleteOperation(ctx, &rescuev1.DeleteOperationRequest{Name: e.plannedOperation(t, f.confirmed).GetName()}))
		},
		rescuev1.RescueService_ConductOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).ConductOperation(ctx, &rescuev1.ConductOperationRequest{Name: e.plannedOperation(t, f.confirmed).GetName(),
				ConductTime: timestamppb.New(time.Now().Add(-time.Hour))}))
		},
		rescuev1.RescueService_CloseOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			o, cerr := e.client.ConductOperation(ctxT(t), &rescuev1.ConductOperationRequest{Name: e.plannedOperation(t, f.confirmed).GetName(),
				ConductTime: timestamppb.New(time.Now().Add(-time.Hour))})
			if cerr != nil {
				t.Fatal(cerr)
			}
			return err(c(e).CloseOperation(ctx, &rescuev1.CloseOperationRequest{Name: o.GetName()}))
		},
		rescuev1.RescueService_AbortOperation_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).AbortOperation(ctx, &rescuev1.AbortOperationRequest{Name: e.plannedOperation(t, f.confirmed).GetName()}))
		},
		rescuev1.RescueService_CreateSurvivor_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			s := adult(f.conducted.GetName())
			s.LegalName = matrixLegalName
			return err(c(e).CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s}))
		},
		rescuev1.RescueService_GetSurvivor_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: f.survivor.GetName()}))
		},
		rescuev1.RescueService_ListSurvivors_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(c(e).ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai"}))
		},
		rescuev1.RescueService_UpdateSurvivor_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{Survivor: &rescuev1.Survivor{Name: f.survivor.GetName(), Pseudonym: "Asha R"},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pseudonym"}}}))
		},
		rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			sv := e.matrixSurvivor(t, f.conducted.GetName())
			return err(c(e).EraseSurvivorIdentity(ctx, &rescuev1.EraseSurvivorIdentityRequest{Name: sv.GetName(), Reason: "purpose served"}))
		},
		rescuev1.RescueService_FindSurvivorDuplicates_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(c(e).FindSurvivorDuplicates(ctx, &rescuev1.FindSurvivorDuplicatesRequest{Name: f.survivor.GetName()}))
		},
		rescuev1.RescueReferenceService_LookupReferences_FullMethodName: func(t *testing.T, e *env, f *matrixFixture, ctx context.Context) error {
			return err(e.references.LookupReferences(ctx, &rescuev1.LookupReferencesRequest{Names: []string{f.survivor.GetName()}}))
		},
		auditv1.AuditService_ListAuditEntries_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(e.audit.ListAuditEntries(ctx, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"}))
		},
		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(e.metrics.QueryMetrics(ctx, &metricsv1.QueryMetricsRequest{Offices: []string{"mumbai"}}))
		},
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: func(t *testing.T, e *env, _ *matrixFixture, ctx context.Context) error {
			return err(e.metrics.RebuildMetrics(ctx, &metricsv1.RebuildMetricsRequest{Reason: "access matrix"}))
		},
	}
}

// serviceWide are the RPCs that act on every office at once: the caller
// must hold every office, so one holding a single office is refused
// (PERMISSION_DENIED) even in a role the policy allows.
var serviceWide = map[string]bool{metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: true}

// TestAccessMatrix calls every RPC of the policy table as every role, once
// holding only the office of the records (mumbai) and once holding only
// another office (kolkata). A role the policy allows gets OK in its own
// office and NOT_FOUND in the other (the records do not exist for it); a
// role it does not allow gets PERMISSION_DENIED in both, before any record
// is read. A service-wide RPC is also called holding every office: a role
// the policy allows gets OK there only, PERMISSION_DENIED holding one office.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	e := start(t)
	policy := grpcport.Policy()
	calls := matrixCalls()
	var methods []string
	for method := range policy {
		methods = append(methods, method)
		if calls[method] == nil {
			t.Errorf("%s is in the policy table but the matrix has no call for it", method)
		}
	}
	slices.Sort(methods)

	f := &matrixFixture{location: e.location(t, "mumbai"), confirmed: e.confirmedLocation(t, "mumbai"), conducted: e.conductedOperation(t, "mumbai")}
	f.survivor = e.matrixSurvivor(t, f.conducted.GetName())

	for _, method := range methods {
		holdings := []string{"mumbai", "kolkata"}
		if serviceWide[method] {
			holdings = append(holdings, "all")
		}
		for _, role := range auth.Roles() {
			for _, office := range holdings {
				caller := identity.Principal{Subject: role + "@" + office, Roles: []string{role}, Offices: []string{office}}
				if office == "all" {
					caller.Offices, caller.AllOffices = nil, true
				}
				want := codes.PermissionDenied
				switch {
				case policy.Allows(method, caller) != nil:
				case serviceWide[method]:
					if office == "all" {
						want = codes.OK
					}
				case office == "mumbai":
					want = codes.OK
				default:
					want = codes.NotFound
				}
				name := fmt.Sprintf("%s/%s/%s", method[strings.LastIndex(method, "/")+1:], role, office)
				t.Run(name, func(t *testing.T) {
					err := calls[method](t, e, f, e.ctxAs(t, caller))
					if got := status.Code(err); got != want {
						t.Errorf("%s as %s holding %s: %s (%v), want %s", method, role, office, got, err, want)
					}
				})
			}
		}
	}
}
