package service_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/rescue/service"
)

func TestLifecycleFromSuspicionToRescue(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	c := e.client

	l := e.location(t, "mumbai")
	if !strings.HasPrefix(l.GetName(), "offices/mumbai/locations/") || l.GetStatus() != rescuev1.LocationStatus_LOCATION_STATUS_SUSPECTED ||
		l.GetEtag() == "" || l.GetCreateTime() == nil || l.GetCreatedBy() == "" {
		t.Fatalf("created location = %v", l)
	}
	got, err := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: l.GetName()})
	if err != nil || !proto.Equal(got, l) {
		t.Fatalf("GetLocation = %v, %v; want %v", got, err, l)
	}
	l, err = c.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{
		Location:   &rescuev1.Location{Name: l.GetName(), Etag: l.GetEtag(), Notes: "Watched for two weeks", Area: "ignored"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}},
	})
	if err != nil || l.GetNotes() != "Watched for two weeks" || l.GetArea() != "Kamathipura" {
		t.Fatalf("UpdateLocation = %v, %v", l, err)
	}
	for _, step := range []func() (*rescuev1.Location, error){
		func() (*rescuev1.Location, error) {
			return c.InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: l.GetName(), Etag: l.GetEtag(), Reason: "tip-off"})
		},
		func() (*rescuev1.Location, error) {
			return c.ConfirmLocation(ctx, &rescuev1.ConfirmLocationRequest{Name: l.GetName(), Reason: "decoy visit"})
		},
	} {
		if l, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	if l.GetStatus() != rescuev1.LocationStatus_LOCATION_STATUS_CONFIRMED || len(l.GetTransitions()) != 2 ||
		l.GetTransitions()[0].GetReason() != "tip-off" || l.GetTransitions()[1].GetToStatus() != rescuev1.LocationStatus_LOCATION_STATUS_CONFIRMED {
		t.Fatalf("confirmed location = %v", l)
	}

	o, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: operationAt(l.GetName()), RequestId: "op-1"})
	if err != nil || o.GetStatus() != rescuev1.OperationStatus_OPERATION_STATUS_PLANNED || o.GetLocation() != l.GetName() {
		t.Fatalf("CreateOperation = %v, %v", o, err)
	}
	_, err = c.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())})
	statusOf(t, err, codes.FailedPrecondition, "OPERATION_NOT_CONDUCTED")
	conductTime := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	o, err = c.ConductOperation(ctx, &rescuev1.ConductOperationRequest{
		Name: o.GetName(), Etag: o.GetEtag(), ConductTime: timestamppb.New(conductTime), SuspectsApprehended: 2, Reason: "raid with AHTU",
	})
	if err != nil || o.GetStatus() != rescuev1.OperationStatus_OPERATION_STATUS_CONDUCTED ||
		!o.GetConductTime().AsTime().Equal(conductTime) || o.GetSuspectsApprehended() != 2 {
		t.Fatalf("ConductOperation = %v, %v", o, err)
	}
	if l, _ = c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: l.GetName()}); l.GetStatus() != rescuev1.LocationStatus_LOCATION_STATUS_CONFIRMED {
		t.Errorf("conducting moved the location to %s; it must move only by its own transitions", l.GetStatus())
	}

	s, err := c.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: minor(o.GetName(), time.Hour)})
	if err != nil {
		t.Fatalf("CreateSurvivor: %v", err)
	}
	if !s.GetMinor() || s.GetCwcProductionStatus() != rescuev1.CwcProductionStatus_CWC_PRODUCTION_STATUS_PENDING ||
		!s.GetCwcProductionDeadline().AsTime().Equal(s.GetRescueTime().AsTime().Add(24*time.Hour)) || s.GetLegalName() != legalName {
		t.Errorf("created survivor = %v", s)
	}
	s, err = c.UpdateSurvivor(ctx, &rescuev1.UpdateSurvivorRequest{
		Survivor:   &rescuev1.Survivor{Name: s.GetName(), Etag: s.GetEtag(), CwcProductionTime: timestamppb.Now()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"cwc_production_time"}},
	})
	if err != nil || s.GetCwcProductionStatus() != rescuev1.CwcProductionStatus_CWC_PRODUCTION_STATUS_PRODUCED {
		t.Fatalf("recording the CWC production: %v, %v", s, err)
	}
	if o, err = c.GetOperation(ctx, &rescuev1.GetOperationRequest{Name: o.GetName()}); err != nil || o.GetSurvivorsRescued() != 1 {
		t.Errorf("GetOperation survivors_rescued = %d, %v; want 1", o.GetSurvivorsRescued(), err)
	}
	if o, err = c.CloseOperation(ctx, &rescuev1.CloseOperationRequest{Name: o.GetName()}); err != nil || o.GetStatus() != rescuev1.OperationStatus_OPERATION_STATUS_CLOSED {
		t.Fatalf("CloseOperation = %v, %v", o, err)
	}
	if l, err = c.MarkRaidedLocation(ctx, &rescuev1.MarkRaidedLocationRequest{Name: l.GetName()}); err != nil {
		t.Fatal(err)
	}
	if l, err = c.CloseLocation(ctx, &rescuev1.CloseLocationRequest{Name: l.GetName()}); err != nil || l.GetStatus() != rescuev1.LocationStatus_LOCATION_STATUS_CLOSED {
		t.Fatalf("CloseLocation = %v, %v", l, err)
	}
	_, err = c.InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: l.GetName()})
	st := statusOf(t, err, codes.FailedPrecondition, "ILLEGAL_TRANSITION")
	if want := fmt.Sprintf("location %s is CLOSED; cannot move to UNDER_INVESTIGATION (allowed from CLOSED: none)", l.GetName()); st.Message() != want {
		t.Errorf("message = %q, want %q", st.Message(), want)
	}
	if md := errorInfo(st).GetMetadata(); md["current_state"] != "CLOSED" || md["requested_state"] != "UNDER_INVESTIGATION" {
		t.Errorf("metadata = %v", md)
	}
	_, err = c.DeleteOperation(ctx, &rescuev1.DeleteOperationRequest{Name: o.GetName()})
	statusOf(t, err, codes.FailedPrecondition, "OPERATION_NOT_DELETABLE")
	_, err = c.DeleteLocation(ctx, &rescuev1.DeleteLocationRequest{Name: l.GetName()})
	statusOf(t, err, codes.FailedPrecondition, "LOCATION_NOT_DELETABLE")
}

func TestDeleteRules(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	c := e.client
	l := e.location(t, "mumbai")
	_, err := c.DeleteLocation(ctx, &rescuev1.DeleteLocationRequest{Name: l.GetName(), Etag: "999"})
	statusOf(t, err, codes.Aborted, "ETAG_MISMATCH")
	if _, err := c.DeleteLocation(ctx, &rescuev1.DeleteLocationRequest{Name: l.GetName(), Etag: l.GetEtag()}); err != nil {
		t.Fatalf("delete a suspected location: %v", err)
	}
	_, err = c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: l.GetName()})
	statusOf(t, err, codes.NotFound, "LOCATION_NOT_FOUND")

	confirmed := e.confirmedLocation(t, "mumbai")
	o, err := c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: operationAt(confirmed.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DismissLocation(ctx, &rescuev1.DismissLocationRequest{Name: confirmed.GetName(), Reason: "moved away"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteLocation(ctx, &rescuev1.DeleteLocationRequest{Name: confirmed.GetName()})
	statusOf(t, err, codes.FailedPrecondition, "LOCATION_IN_USE")
	if _, err := c.AbortOperation(ctx, &rescuev1.AbortOperationRequest{Name: o.GetName(), Reason: "site empty"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteOperation(ctx, &rescuev1.DeleteOperationRequest{Name: o.GetName()}); err != nil {
		t.Fatalf("delete an aborted operation: %v", err)
	}
	if _, err := c.DeleteLocation(ctx, &rescuev1.DeleteLocationRequest{Name: confirmed.GetName()}); err != nil {
		t.Fatalf("delete a dismissed location no operation names: %v", err)
	}
	if n := e.counts(t); n["locations"] != 0 || n["operations"] != 0 {
		t.Errorf("documents left: %v", n)
	}
}

func TestRetryWithTheSameRequestIDReturnsTheSameResource(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	c := e.client
	o := e.conductedOperation(t, "mumbai")
	req := &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName()), RequestId: "7f9c2f4e-0b1d-4c55-9a0e-3f1f6a1b2c3d"}
	first, err := c.CreateSurvivor(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	before := e.counts(t)
	again, err := c.CreateSurvivor(ctx, req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if !proto.Equal(first, again) {
		t.Errorf("retry returned\n%v\nfirst was\n%v", again, first)
	}
	if after := e.counts(t); after["survivors"] != before["survivors"] || after["idempotency_keys"] != before["idempotency_keys"] {
		t.Errorf("retry wrote: before %v after %v", before, after)
	}

	l := e.location(t, "mumbai")
	inv := &rescuev1.InvestigateLocationRequest{Name: l.GetName(), RequestId: "inv-1", Reason: "tip"}
	a, err := c.InvestigateLocation(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.InvestigateLocation(ctx, inv)
	if err != nil || !proto.Equal(a, b) || len(b.GetTransitions()) != 1 {
		t.Errorf("transition retry: %v, %d transitions", err, len(b.GetTransitions()))
	}
}

func TestSameRequestIDWithAnotherPayloadIsRejected(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	req := &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", RequestId: "loc-42", Location: &rescuev1.Location{
		DisplayName: "Lodge A", Type: rescuev1.LocationType_LOCATION_TYPE_BROTHEL,
	}}
	if _, err := e.client.CreateLocation(ctx, req); err != nil {
		t.Fatal(err)
	}
	before := e.counts(t)
	req.Location.DisplayName = "Lodge B"
	_, err := e.client.CreateLocation(ctx, req)
	statusOf(t, err, codes.InvalidArgument, "REQUEST_ID_REUSED", "request_id")
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("documents changed: before %v after %v", before, after)
	}
}

func TestStaleEtagIsAborted(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	c := e.client
	l := e.location(t, "mumbai")
	stale := l.GetEtag()
	if _, err := c.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{
		Location: &rescuev1.Location{Name: l.GetName(), Etag: stale, Notes: "one"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateLocation(ctx, &rescuev1.UpdateLocationRequest{
		Location: &rescuev1.Location{Name: l.GetName(), Etag: stale, Notes: "two"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}},
	})
	statusOf(t, err, codes.Aborted, "ETAG_MISMATCH")
	_, err = c.InvestigateLocation(ctx, &rescuev1.InvestigateLocationRequest{Name: l.GetName(), Etag: stale})
	statusOf(t, err, codes.Aborted, "ETAG_MISMATCH")
	got, _ := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: l.GetName()})
	if got.GetNotes() != "one" || got.GetStatus() != rescuev1.LocationStatus_LOCATION_STATUS_SUSPECTED {
		t.Errorf("stale requests changed the record: %v", got)
	}
}

func TestMinorWithoutAChildProtectionBasisWritesNothing(t *testing.T) {
	t.Parallel()
	e := start(t)
	o := e.conductedOperation(t, "mumbai")
	before := e.counts(t)
	s := minor(o.GetName(), time.Hour)
	s.LegalBasis.Basis = rescuev1.LawfulBasis_LAWFUL_BASIS_CONSENT
	_, err := e.client.CreateSurvivor(ctxT(t), &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s, RequestId: "minor-1"})
	st := statusOf(t, err, codes.FailedPrecondition, "LEGAL_BASIS_REQUIRED")
	if strings.Contains(st.Message(), legalName) {
		t.Errorf("error message carries the legal name: %q", st.Message())
	}
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("documents changed: before %v after %v", before, after)
	}
}

func TestOverdueCWCProductionsAreListed(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	o := e.conductedOperation(t, "mumbai")
	create := func(s *rescuev1.Survivor) *rescuev1.Survivor {
		t.Helper()
		got, err := e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	overdue := minor(o.GetName(), 30*time.Hour)
	overdue.Pseudonym = "Overdue"
	pending := minor(o.GetName(), 2*time.Hour)
	pending.Pseudonym = "Pending"
	produced := minor(o.GetName(), 40*time.Hour)
	produced.Pseudonym = "Produced"
	produced.CwcProductionTime = timestamppb.New(produced.GetRescueTime().AsTime().Add(20 * time.Hour))
	want := create(overdue)
	create(pending)
	create(produced)
	create(adult(o.GetName()))
	if want.GetCwcProductionStatus() != rescuev1.CwcProductionStatus_CWC_PRODUCTION_STATUS_OVERDUE {
		t.Errorf("status = %s, want OVERDUE", want.GetCwcProductionStatus())
	}
	for _, filter := range []string{`cwc_production_status = OVERDUE`, `cwc_production_status = CWC_PRODUCTION_STATUS_OVERDUE AND minor = true`} {
		resp, err := e.client.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/-", Filter: filter})
		if err != nil {
			t.Fatalf("%s: %v", filter, err)
		}
		if len(resp.GetSurvivors()) != 1 || resp.GetSurvivors()[0].GetName() != want.GetName() {
			t.Errorf("%s: listed %v, want only %s", filter, resp.GetSurvivors(), want.GetName())
		}
	}
	resp, err := e.client.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai", Filter: `cwc_production_status = PENDING`})
	if err != nil || len(resp.GetSurvivors()) != 1 || resp.GetSurvivors()[0].GetPseudonym() != "Pending" {
		t.Errorf("pending: %v, %v", resp, err)
	}
}

func TestOfficesAreScopes(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	c := e.client
	k := e.location(t, "kolkata")
	m := e.location(t, "mumbai")
	foreign := strings.Replace(k.GetName(), "offices/kolkata/", "offices/mumbai/", 1)
	_, errForeign := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: foreign})
	_, errMissing := c.GetLocation(ctx, &rescuev1.GetLocationRequest{Name: "offices/mumbai/locations/doesnotexist"})
	a := statusOf(t, errForeign, codes.NotFound, "LOCATION_NOT_FOUND")
	b := statusOf(t, errMissing, codes.NotFound, "LOCATION_NOT_FOUND")
	if strings.Replace(a.Message(), foreign, "X", 1) != strings.Replace(b.Message(), "offices/mumbai/locations/doesnotexist", "X", 1) {
		t.Errorf("another office's record reads differently from a missing one: %q vs %q", a.Message(), b.Message())
	}
	resp, err := c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/mumbai"})
	if err != nil || len(resp.GetLocations()) != 1 || resp.GetLocations()[0].GetName() != m.GetName() {
		t.Errorf("mumbai list = %v, %v", resp, err)
	}
	resp, err = c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/-", OrderBy: "create_time"})
	if err != nil || len(resp.GetLocations()) != 2 || resp.GetLocations()[0].GetName() != k.GetName() {
		t.Errorf("all-offices list = %v, %v", resp, err)
	}
	resp, err = c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/-", Filter: `office = "kolkata"`})
	if err != nil || len(resp.GetLocations()) != 1 || resp.GetLocations()[0].GetName() != k.GetName() {
		t.Errorf("office filter = %v, %v", resp, err)
	}
	_, err = c.ListLocations(ctx, &rescuev1.ListLocationsRequest{Parent: "offices/chennai"})
	statusOf(t, err, codes.NotFound, "OFFICE_NOT_FOUND")

	// A mumbai operation may not name a kolkata location.
	kc := e.confirmedLocation(t, "kolkata")
	_, err = c.CreateOperation(ctx, &rescuev1.CreateOperationRequest{Parent: "offices/mumbai", Operation: operationAt(kc.GetName())})
	statusOf(t, err, codes.InvalidArgument, "INVALID_FIELDS", "operation.location")
}

func TestListPagesThroughEveryRecord(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	o := e.conductedOperation(t, "mumbai")
	for i := range 5 {
		s := adult(o.GetName())
		s.Pseudonym = fmt.Sprintf("S%d", i)
		if _, err := e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: s}); err != nil {
			t.Fatal(err)
		}
	}
	req := &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai", PageSize: 2, OrderBy: "pseudonym desc", Filter: `minor = false`}
	var names []string
	for {
		resp, err := e.client.ListSurvivors(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range resp.GetSurvivors() {
			names = append(names, s.GetPseudonym())
		}
		if resp.GetNextPageToken() == "" {
			break
		}
		req.PageToken = resp.GetNextPageToken()
	}
	if strings.Join(names, ",") != "S4,S3,S2,S1,S0" {
		t.Errorf("pages = %v", names)
	}
	// A token is bound to its query.
	resp, err := e.client.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai", PageSize: 2, OrderBy: "pseudonym"})
	if err != nil || resp.GetNextPageToken() == "" {
		t.Fatalf("first page: %v", err)
	}
	_, err = e.client.ListSurvivors(ctx, &rescuev1.ListSurvivorsRequest{Parent: "offices/mumbai", PageToken: resp.GetNextPageToken(), OrderBy: "rescue_time"})
	statusOf(t, err, codes.InvalidArgument, "INVALID_PAGE_TOKEN", "page_token")

	ops, err := e.client.ListOperations(ctx, &rescuev1.ListOperationsRequest{Parent: "offices/-"})
	if err != nil || len(ops.GetOperations()) != 1 || ops.GetOperations()[0].GetSurvivorsRescued() != 5 {
		t.Errorf("ListOperations survivors_rescued: %v, %v", ops, err)
	}
}

func TestOversizedMessageIsRejected(t *testing.T) {
	t.Parallel()
	e := start(t)
	before := e.counts(t)
	_, err := e.client.CreateLocation(ctxT(t), &rescuev1.CreateLocationRequest{Parent: "offices/mumbai", Location: &rescuev1.Location{
		DisplayName: "Big", Type: rescuev1.LocationType_LOCATION_TYPE_OTHER, Notes: strings.Repeat("x", maxRecv+1),
	}})
	statusOf(t, err, codes.ResourceExhausted, "")
	if after := e.counts(t); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("documents changed: before %v after %v", before, after)
	}
}

func TestHealthReportsTheServicesServing(t *testing.T) {
	t.Parallel()
	e := start(t)
	for _, name := range []string{service.HealthService, service.AuditHealthService, service.MetricsHealthService, service.ReferencesHealthService} {
		resp, err := e.srv.Health().Check(context.Background(), &healthpb.HealthCheckRequest{Service: name})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("health of %s = %v, %v", name, resp, err)
		}
	}
}

func TestLogsNeverCarrySurvivorIdentity(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := ctxT(t)
	o := e.conductedOperation(t, "mumbai")
	s, err := e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: adult(o.GetName())})
	if err != nil {
		t.Fatal(err)
	}
	bad := adult(o.GetName())
	bad.Gender = rescuev1.Gender(99)
	_, err = e.client.CreateSurvivor(ctx, &rescuev1.CreateSurvivorRequest{Parent: "offices/mumbai", Survivor: bad})
	st := statusOf(t, err, codes.InvalidArgument, "INVALID_FIELDS", "survivor.gender")
	if _, err := e.client.GetSurvivor(ctx, &rescuev1.GetSurvivorRequest{Name: s.GetName()}); err != nil {
		t.Fatal(err)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "CreateSurvivor") {
		t.Fatalf("no call was logged: %q", logs)
	}
	for _, secret := range []string{legalName, "98200 11111", "Hidden Lane"} {
		if strings.Contains(logs, secret) || strings.Contains(st.Message(), secret) {
			t.Errorf("protected identity %q appears in logs or errors", secret)
		}
	}
}
