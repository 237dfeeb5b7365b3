package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
)

// TestBadInputIsRefusedAndWritesNothing sends each kind of bad request and
// checks the code, the ErrorInfo reason, the field violation, and that no
// collection changed.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	c := e.client
	loc := e.location(t, "mumbai")
	op := e.conductedOperation(t, "mumbai")
	planned, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai",
		Operation: operationAt(op.GetLocation())})
	if err != nil {
		t.Fatal(err)
	}
	sv, err := c.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(op.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	validLocation := func() *rescuev1.Location {
		return &rescuev1.Location{DisplayName: "Lodge", Type: rescuev1.LocationType_LOCATION_TYPE_BROTHEL}
	}
	survivorWith := func(change func(*rescuev1.Survivor)) *rescuev1.CreateSurvivorRequest {
		s := adult(op.GetName())
		change(s)
		return &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s, RequestId: "bad-survivor"}
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	type call func(context.Context) error
	tests := []struct {
		name   string
		call   call
		code   codes.Code
		reason string
		fields []string
	}{
		{"location missing", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai"})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"location"}},
		{"required location fields missing", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", Location: &rescuev1.Location{}})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"location.display_name", "location.type"}},
		{"unknown location type", func(ctx context.Context) error {
			l := validLocation()
			l.Type = rescuev1.LocationType(99)
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", Location: l, RequestId: "x1"})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"location.type"}},
		{"display name too long", func(ctx context.Context) error {
			l := validLocation()
			l.DisplayName = strings.Repeat("d", 201)
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", Location: l})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"location.display_name"}},
		{"malformed parent", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/Mumbai", Location: validLocation()})
			return err
		}, codes.InvalidArgument, "INVALID_RESOURCE_NAME", []string{"parent"}},
		{"create in all offices", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/-", Location: validLocation()})
			return err
		}, codes.InvalidArgument, "INVALID_RESOURCE_NAME", []string{"parent"}},
		{"unknown office", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/chennai", Location: validLocation()})
			return err
		}, codes.NotFound, "OFFICE_NOT_FOUND", nil},
		{"malformed request id", func(ctx context.Context) error {
			_, err := c.CreateLocation(ctx, &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", Location: validLocation(), RequestId: "not ok!"})
			return err
		}, codes.InvalidArgument, "", []string{"request_id"}},
		{"malformed name", func(ctx context.Context) error {
			_, err := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: "offices/mumbai/locations/"})
			return err
		}, codes.InvalidArgument, "INVALID_RESOURCE_NAME", []string{"name"}},
		{"name of another collection", func(ctx context.Context) error {
			_, err := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: sv.GetName()})
			return err
		}, codes.InvalidArgument, "INVALID_RESOURCE_NAME", []string{"name"}},
		{"injection in a name", func(ctx context.Context) error {
			_, err := c.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: `offices/mumbai/survivors/{"$ne":null}`})
			return err
		}, codes.InvalidArgument, "INVALID_RESOURCE_NAME", []string{"name"}},
		{"unknown gender", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.Gender = rescuev1.Gender(99) }))
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"survivor.gender"}},
		{"many bad survivor fields", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) {
				s.Pseudonym, s.RescueTime, s.AgeAtRescue, s.Citizenship = "", nil, 200, "india"
				s.Languages = []string{"hi", "hi"}
				s.MeansOfControl = []rescuev1.MeansOfControl{0}
				s.LegalBasis = nil
			}))
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{
			"survivor.pseudonym", "survivor.rescue_time", "survivor.age_at_rescue", "survivor.citizenship",
			"survivor.languages", "survivor.means_of_control", "survivor.legal_basis.basis", "survivor.legal_basis.reference",
		}},
		{"rescue in the future", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.RescueTime = timestamppb.New(time.Now().Add(time.Hour)) }))
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"survivor.rescue_time"}},
		{"invalid timestamp", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.RescueTime = &timestamppb.Timestamp{Seconds: -1 << 62} }))
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"survivor.rescue_time"}},
		{"production time for an adult", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.CwcProductionTime = timestamppb.Now() }))
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"survivor.cwc_production_time"}},
		{"malformed operation reference", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.Operation = "operations/x" }))
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"survivor.operation"}},
		{"missing operation", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.Operation = "offices/mumbai/operations/nosuchop" }))
			return err
		}, codes.NotFound, "OPERATION_NOT_FOUND", []string{"survivor.operation"}},
		{"operation not conducted", func(ctx context.Context) error {
			_, err := c.CreateSurvivor(ctx, survivorWith(func(s *rescuev1.Survivor) { s.Operation = planned.GetName() }))
			return err
		}, codes.FailedPrecondition, "OPERATION_NOT_CONDUCTED", nil},
		{"operation at a missing location", func(ctx context.Context) error {
			_, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai",
				Operation: operationAt("offices/mumbai/locations/nosuchplace"), RequestId: "op-x"})
			return err
		}, codes.NotFound, "LOCATION_NOT_FOUND", []string{"operation.location"}},
		{"operation at a suspected location", func(ctx context.Context) error {
			_, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: operationAt(loc.GetName())})
			return err
		}, codes.FailedPrecondition, "LOCATION_NOT_CONFIRMED", nil},
		{"operation without required fields", func(ctx context.Context) error {
			_, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: &rescuev1.Operation{
				LegalBasis: rescuev1.OperationLegalBasis(7),
			}})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"operation.location", "operation.planned_time", "operation.police_unit", "operation.legal_basis"}},
		{"page size too large", func(ctx context.Context) error {
			_, err := c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/mumbai", PageSize: 1000000})
			return err
		}, codes.InvalidArgument, "INVALID_PAGE_SIZE", []string{"page_size"}},
		{"negative page size", func(ctx context.Context) error {
			_, err := c.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai", PageSize: -1})
			return err
		}, codes.InvalidArgument, "INVALID_PAGE_SIZE", []string{"page_size"}},
		{"$where in a filter", func(ctx context.Context) error {
			_, err := c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/mumbai", Filter: `$where = "sleep(1000)"`})
			return err
		}, codes.InvalidArgument, "INVALID_FILTER", []string{"filter"}},
		{"unknown filter field", func(ctx context.Context) error {
			_, err := c.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai", Filter: `legal_name = "x"`})
			return err
		}, codes.InvalidArgument, "INVALID_FILTER", []string{"filter"}},
		{"unknown enum value in a filter", func(ctx context.Context) error {
			_, err := c.ListOperations(ctx, &rescuev1.ListOperationsRequest{Parent: "offices/mumbai", Filter: `status = EXPLODED`})
			return err
		}, codes.InvalidArgument, "INVALID_FILTER", []string{"filter"}},
		{"unknown order_by field", func(ctx context.Context) error {
			_, err := c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/mumbai", OrderBy: "notes"})
			return err
		}, codes.InvalidArgument, "INVALID_ORDER_BY", []string{"order_by"}},
		{"forged page token", func(ctx context.Context) error {
			_, err := c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/mumbai", PageToken: "eyJvZmZzZXQiOjEwfQ"})
			return err
		}, codes.InvalidArgument, "INVALID_PAGE_TOKEN", []string{"page_token"}},
		{"empty update mask", func(ctx context.Context) error {
			_, err := c.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{Location: &rescuev1.Location{Name: loc.GetName(), Notes: "n"}})
			return err
		}, codes.InvalidArgument, "INVALID_UPDATE_MASK", []string{"update_mask"}},
		{"wildcard update mask", func(ctx context.Context) error {
			_, err := c.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{Location: &rescuev1.Location{Name: loc.GetName()}, UpdateMask: mask("*")})
			return err
		}, codes.InvalidArgument, "INVALID_UPDATE_MASK", []string{"update_mask"}},
		{"output-only field in the mask", func(ctx context.Context) error {
			_, err := c.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{Location: &rescuev1.Location{Name: loc.GetName(),
				Status: rescuev1.LocationStatus_LOCATION_STATUS_CLOSED}, UpdateMask: mask("status")})
			return err
		}, codes.InvalidArgument, "INVALID_UPDATE_MASK", []string{"update_mask"}},
		{"immutable operation of a survivor", func(ctx context.Context) error {
			_, err := c.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{Survivor: &rescuev1.Survivor{Name: sv.GetName(),
				Operation: planned.GetName()}, UpdateMask: mask("operation")})
			return err
		}, codes.InvalidArgument, "INVALID_UPDATE_MASK", []string{"update_mask"}},
		{"derived minor flag", func(ctx context.Context) error {
			_, err := c.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{Survivor: &rescuev1.Survivor{Name: sv.GetName(), Minor: true},
				UpdateMask: mask("pseudonym", "minor")})
			return err
		}, codes.InvalidArgument, "INVALID_UPDATE_MASK", []string{"update_mask"}},
		{"unknown mask path", func(ctx context.Context) error {
			_, err := c.UpdateOperation(ctx, &rescuev1.UpdateOperationRequest{Operation: &rescuev1.Operation{Name: planned.GetName()},
				UpdateMask: mask("police_unitt")})
			return err
		}, codes.InvalidArgument, "INVALID_UPDATE_MASK", []string{"update_mask"}},
		{"update makes an adult a minor on consent", func(ctx context.Context) error {
			_, err := c.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{Survivor: &rescuev1.Survivor{Name: sv.GetName(), AgeAtRescue: 16},
				UpdateMask: mask("age_at_rescue")})
			return err
		}, codes.FailedPrecondition, "LEGAL_BASIS_REQUIRED", nil},
		{"update with an unknown enum", func(ctx context.Context) error {
			_, err := c.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{Survivor: &rescuev1.Survivor{Name: sv.GetName(),
				RecruiterRelation: rescuev1.RecruiterRelation(42)}, UpdateMask: mask("recruiter_relation")})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"survivor.recruiter_relation"}},
		{"conduct without time", func(ctx context.Context) error {
			_, err := c.ConductOperation(ctx, &rescuev1.ConductOperationRequest{Name: planned.GetName(), SuspectsApprehended: -3})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"conduct_time", "suspects_apprehended"}},
		{"conduct in the future", func(ctx context.Context) error {
			_, err := c.ConductOperation(ctx, &rescuev1.ConductOperationRequest{Name: planned.GetName(), ConductTime: timestamppb.New(time.Now().Add(time.Hour))})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"conduct_time"}},
		{"reason too long", func(ctx context.Context) error {
			_, err := c.InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: loc.GetName(), Reason: strings.Repeat("r", 2001)})
			return err
		}, codes.InvalidArgument, "INVALID_FIELDS", []string{"reason"}},
		{"illegal transition", func(ctx context.Context) error {
			_, err := c.CloseOperation(ctx, &rescuev1.CloseOperationRequest{Name: planned.GetName(), RequestId: "close-1"})
			return err
		}, codes.FailedPrecondition, "ILLEGAL_TRANSITION", nil},
		{"delete a survivor's operation", func(ctx context.Context) error {
			_, err := c.DeleteOperation(ctx, &rescuev1.DeleteOperationRequest{Name: op.GetName()})
			return err
		}, codes.FailedPrecondition, "OPERATION_NOT_DELETABLE", nil},
	}
	before := e.counts(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			statusOf(t, tc.call(ctx), tc.code, tc.reason, tc.fields...)
		})
	}
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("refused requests changed the database: before %v, after %v", before, after)
	}
	for name, want := range map[string]string{loc.GetName(): loc.GetEtag(), planned.GetName(): planned.GetEtag(), sv.GetName(): sv.GetEtag()} {
		var etag string
		switch {
		case strings.Contains(name, "/locations/"):
			got, _ := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: name})
			etag = got.GetEtag()
		case strings.Contains(name, "/operations/"):
			got, _ := c.GetOperation(ctx, &rescuev1.GetOperationRequest{Name: name})
			etag = got.GetEtag()
		default:
			got, _ := c.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: name})
			etag = got.GetEtag()
		}
		if etag != want {
			t.Errorf("%s changed: etag %s, was %s", name, etag, want)
		}
	}
}
