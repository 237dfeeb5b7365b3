package service_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/prosecution/service"
)

// matrixFixture holds the records of mumbai that the matrix's calls name
// when they need no record of their own.
type matrixFixture struct {
	e *env
	// survivor and operation are rescue records of mumbai.
	survivor, operation string
	// kase is at FIR_REGISTERED, linking the survivor; it has an accused,
	// a hearing, the survivor's witness record and a compensation.
	kase         *prosecutionv1.Case
	accused      *prosecutionv1.Accused
	hearing      *prosecutionv1.Hearing
	witness      *prosecutionv1.Witness
	compensation *prosecutionv1.Compensation
	// judgment is at JUDGMENT, where a verdict is recorded.
	judgment *prosecutionv1.Case
}

func newMatrixFixture(t *testing.T, e *env) *matrixFixture {
	t.Helper()
	f := &matrixFixture{e: e, survivor: e.rescue.survivor(t, "mumbai", false).GetName(), operation: e.rescue.operation(t, "mumbai").GetName()}
	f.kase = e.createCase(t, "mumbai", f.survivor)
	f.accused = e.newAccused(t, f.kase.GetName())
	f.hearing = e.newHearing(t, f.kase.GetName())
	f.witness = e.newWitness(t, f.kase.GetName(), f.survivor)
	f.compensation = e.newCompensation(t, f.kase.GetName(), f.survivor, stageDate)
	f.judgment = e.caseAt(t, "mumbai", prosecutionv1.CaseStage_CASE_STAGE_JUDGMENT)
	return f
}

// matrixCall makes one valid request of an RPC as the caller of ctx, about
// records of mumbai, and returns the resource the request names (what its
// audit entry records) and the call's error. With fresh, it first makes,
// as the default caller, the records the call changes, in the state the
// change needs, so that a call expected to succeed can (a case advanced
// once cannot advance the same way again); without, it names the
// fixture's records, which a refused call leaves as they are.
type matrixCall func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (resource string, err error)

// on returns the resource with a call's error, dropping its answer.
func on(resource string) func(any, error) (string, error) {
	return func(_ any, err error) (string, error) { return resource, err }
}

// freshOr returns build() with fresh, else shared.
func freshOr[T any](fresh bool, shared T, build func() T) T {
	if fresh {
		return build()
	}
	return shared
}

// mask is an update mask of the paths.
func mask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// matrixCalls has one valid call of every RPC the service serves.
func matrixCalls() map[string]matrixCall {
	const mumbai = "offices/mumbai"
	return map[string]matrixCall{
		prosecutionv1.ProsecutionService_CreateCase_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(mumbai)(f.e.anon.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: mumbai, Case: newCase()}))
		},
		prosecutionv1.ProsecutionService_GetCase_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.kase.GetName())(f.e.anon.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: f.kase.GetName()}))
		},
		prosecutionv1.ProsecutionService_ListCases_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(mumbai)(f.e.anon.ListCases(ctx, &prosecutionv1.ListCasesRequest{Parent: mumbai}))
		},
		prosecutionv1.ProsecutionService_UpdateCase_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			name := f.kase.GetName()
			return on(name)(f.e.anon.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{
				Case: &prosecutionv1.Case{Name: name, Court: "Sessions Court, Greater Mumbai"}, UpdateMask: mask("court")}))
		},
		prosecutionv1.ProsecutionService_AdvanceCaseStage_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.kase, func() *prosecutionv1.Case { return f.e.createCase(t, "mumbai") }).GetName()
			return on(name)(f.e.anon.AdvanceCaseStage(ctx, &prosecutionv1.AdvanceCaseStageRequest{Name: name,
				Stage: prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, EffectiveDate: day(2024, 8, 5)}))
		},
		prosecutionv1.ProsecutionService_CorrectCaseStage_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.kase, func() *prosecutionv1.Case {
				return f.e.caseAt(t, "mumbai", prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION)
			}).GetName()
			return on(name)(f.e.anon.CorrectCaseStage(ctx, &prosecutionv1.CorrectCaseStageRequest{Name: name,
				Stage: prosecutionv1.CaseStage_CASE_STAGE_FIR_REGISTERED, Reason: "the investigation has not begun"}))
		},
		prosecutionv1.ProsecutionService_LinkCaseReference_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.kase, func() *prosecutionv1.Case { return f.e.createCase(t, "mumbai") }).GetName()
			return on(name)(f.e.anon.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: name, Reference: f.survivor}))
		},
		prosecutionv1.ProsecutionService_UnlinkCaseReference_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.kase, func() *prosecutionv1.Case { return f.e.createCase(t, "mumbai", f.operation) }).GetName()
			return on(name)(f.e.anon.UnlinkCaseReference(ctx, &prosecutionv1.UnlinkCaseReferenceRequest{Name: name, Reference: f.operation}))
		},

		prosecutionv1.ProsecutionService_CreateAccused_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			parent := f.kase.GetName()
			return on(parent)(f.e.anon.CreateAccused(ctx, &prosecutionv1.CreateAccusedRequest{Parent: parent,
				Accused: &prosecutionv1.Accused{DisplayName: "Accused 2", Role: prosecutionv1.AccusedRole_ACCUSED_ROLE_PIMP}}))
		},
		prosecutionv1.ProsecutionService_GetAccused_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.accused.GetName())(f.e.anon.GetAccused(ctx, &prosecutionv1.GetAccusedRequest{Name: f.accused.GetName()}))
		},
		prosecutionv1.ProsecutionService_ListAccused_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.kase.GetName())(f.e.anon.ListAccused(ctx, &prosecutionv1.ListAccusedRequest{Parent: f.kase.GetName()}))
		},
		prosecutionv1.ProsecutionService_UpdateAccused_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			name := f.accused.GetName()
			return on(name)(f.e.anon.UpdateAccused(ctx, &prosecutionv1.UpdateAccusedRequest{
				Accused: &prosecutionv1.Accused{Name: name, Notes: "alias Raju"}, UpdateMask: mask("notes")}))
		},
		prosecutionv1.ProsecutionService_ChangeAccusedCustody_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.accused, func() *prosecutionv1.Accused { return f.e.newAccused(t, f.kase.GetName()) }).GetName()
			return on(name)(f.e.anon.ChangeAccusedCustody(ctx, &prosecutionv1.ChangeAccusedCustodyRequest{Name: name,
				Custody: prosecutionv1.Custody_CUSTODY_ARRESTED, EffectiveDate: day(2024, 8, 3)}))
		},
		prosecutionv1.ProsecutionService_RecordBailEvent_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			name := f.accused.GetName()
			return on(name)(f.e.anon.RecordBailEvent(ctx, &prosecutionv1.RecordBailEventRequest{Name: name,
				Event: &prosecutionv1.BailEvent{Kind: prosecutionv1.BailEventKind_BAIL_EVENT_KIND_APPLIED, Date: day(2024, 8, 10)}}))
		},
		prosecutionv1.ProsecutionService_RecordVerdict_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.accused, func() *prosecutionv1.Accused { return f.e.newAccused(t, f.judgment.GetName()) }).GetName()
			return on(name)(f.e.anon.RecordVerdict(ctx, &prosecutionv1.RecordVerdictRequest{Name: name,
				Verdict: prosecutionv1.Verdict_VERDICT_ACQUITTED, VerdictDate: day(2025, 3, 1)}))
		},

		prosecutionv1.ProsecutionService_CreateHearing_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			parent := f.kase.GetName()
			return on(parent)(f.e.anon.CreateHearing(ctx, &prosecutionv1.CreateHearingRequest{Parent: parent,
				Hearing: &prosecutionv1.Hearing{Date: day(2025, 2, 1), Purpose: prosecutionv1.HearingPurpose_HEARING_PURPOSE_ARGUMENTS}}))
		},
		prosecutionv1.ProsecutionService_GetHearing_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.hearing.GetName())(f.e.anon.GetHearing(ctx, &prosecutionv1.GetHearingRequest{Name: f.hearing.GetName()}))
		},
		prosecutionv1.ProsecutionService_ListHearings_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.kase.GetName())(f.e.anon.ListHearings(ctx, &prosecutionv1.ListHearingsRequest{Parent: f.kase.GetName()}))
		},
		prosecutionv1.ProsecutionService_UpdateHearing_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			name := f.hearing.GetName()
			return on(name)(f.e.anon.UpdateHearing(ctx, &prosecutionv1.UpdateHearingRequest{
				Hearing: &prosecutionv1.Hearing{Name: name, Outcome: "PW-1 examined"}, UpdateMask: mask("outcome")}))
		},
		prosecutionv1.ProsecutionService_DeleteHearing_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.hearing, func() *prosecutionv1.Hearing { return f.e.newHearing(t, f.kase.GetName()) }).GetName()
			return on(name)(f.e.anon.DeleteHearing(ctx, &prosecutionv1.DeleteHearingRequest{Name: name}))
		},
		prosecutionv1.ProsecutionService_QueryHearingCalendar_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			// The office (offices/{office}) is the resource the audit log files the call under.
			return on(mumbai)(f.e.anon.QueryHearingCalendar(ctx, &prosecutionv1.QueryHearingCalendarRequest{Office: mumbai,
				StartDate: day(2025, 1, 1), EndDate: day(2025, 1, 31)}))
		},

		prosecutionv1.ProsecutionService_CreateWitness_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			// The fixture's case has the survivor's witness record already.
			parent := freshOr(fresh, f.kase, func() *prosecutionv1.Case { return f.e.createCase(t, "mumbai", f.survivor) }).GetName()
			return on(parent)(f.e.anon.CreateWitness(ctx, &prosecutionv1.CreateWitnessRequest{Parent: parent,
				Witness: &prosecutionv1.Witness{Survivor: f.survivor}}))
		},
		prosecutionv1.ProsecutionService_GetWitness_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.witness.GetName())(f.e.anon.GetWitness(ctx, &prosecutionv1.GetWitnessRequest{Name: f.witness.GetName()}))
		},
		prosecutionv1.ProsecutionService_ListWitnesses_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(f.kase.GetName())(f.e.anon.ListWitnesses(ctx, &prosecutionv1.ListWitnessesRequest{Parent: f.kase.GetName()}))
		},
		prosecutionv1.ProsecutionService_UpdateWitness_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			// A support field: the social worker's change too.
			name := f.witness.GetName()
			return on(name)(f.e.anon.UpdateWitness(ctx, &prosecutionv1.UpdateWitnessRequest{
				Witness: &prosecutionv1.Witness{Name: name, SupportNotes: "called on Monday"}, UpdateMask: mask("support_notes")}))
		},
		prosecutionv1.ProsecutionService_DeleteWitness_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, fresh bool) (string, error) {
			name := freshOr(fresh, f.witness, func() *prosecutionv1.Witness {
				return f.e.newWitness(t, f.e.createCase(t, "mumbai", f.survivor).GetName(), f.survivor)
			}).GetName()
			return on(name)(f.e.anon.DeleteWitness(ctx, &prosecutionv1.DeleteWitnessRequest{Name: name}))
		},

		prosecutionv1.ProsecutionService_CreateCompensation_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			parent := f.kase.GetName()
			return on(parent)(f.e.anon.CreateCompensation(ctx, &prosecutionv1.CreateCompensationRequest{Parent: parent,
				Compensation: &prosecutionv1.Compensation{Survivor: f.survivor, AppliedDate: day(2024, 9, 2)}}))
		},
		prosecutionv1.ProsecutionService_GetCompensation_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			name := f.compensation.GetName()
			return on(name)(f.e.anon.GetCompensation(ctx, &prosecutionv1.GetCompensationRequest{Name: name}))
		},
		prosecutionv1.ProsecutionService_ListCompensations_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			parent := f.kase.GetName()
			return on(parent)(f.e.anon.ListCompensations(ctx, &prosecutionv1.ListCompensationsRequest{Parent: parent}))
		},
		prosecutionv1.ProsecutionService_UpdateCompensation_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			name := f.compensation.GetName()
			return on(name)(f.e.anon.UpdateCompensation(ctx, &prosecutionv1.UpdateCompensationRequest{
				Compensation: &prosecutionv1.Compensation{Name: name, Authority: "DLSA Mumbai"}, UpdateMask: mask("authority")}))
		},

		auditv1.AuditService_ListAuditEntries_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on(mumbai)(f.e.audit.ListAuditEntries(ctx, &auditv1.ListAuditEntriesRequest{Parent: mumbai}))
		},
		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on("")(f.e.metrics.QueryMetrics(ctx, &metricsv1.QueryMetricsRequest{Offices: []string{"mumbai"}}))
		},
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: func(t *testing.T, f *matrixFixture, ctx context.Context, _ bool) (string, error) {
			return on("")(f.e.metrics.RebuildMetrics(ctx, &metricsv1.RebuildMetricsRequest{Reason: "access matrix"}))
		},
	}
}

// allOfficesMethods act on every office at once: the caller must hold every office.
var allOfficesMethods = []string{metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName}

// registered are the service descriptors the prosecution binary serves.
var registered = []grpc.ServiceDesc{
	prosecutionv1.ProsecutionService_ServiceDesc, auditv1.AuditService_ServiceDesc, metricsv1.MetricsSourceService_ServiceDesc,
}

// TestAccessMatrix calls every RPC of the policy table as every role (and
// as a service identity), once holding only the office of the records
// (mumbai) and once holding only another (kolkata); RebuildMetrics also
// holding every office (kittest.AccessMatrix says what each must end
// with). A refused role is refused for its role before anything is read;
// without a token every RPC is UNAUTHENTICATED.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	e := start(t)
	policy := service.Policy()
	calls := matrixCalls()
	if missing := policy.Missing(registered...); len(missing) > 0 {
		t.Errorf("RPCs without a policy entry: %v", missing)
	}
	for method := range policy {
		if calls[method] == nil {
			t.Errorf("%s is in the policy table but the matrix has no call for it", method)
		}
	}
	f := newMatrixFixture(t, e)
	for _, cell := range kittest.AccessMatrix(policy, "mumbai", "kolkata", allOfficesMethods...) {
		t.Run(cell.Name(), func(t *testing.T) {
			_, err := calls[cell.Method](t, f, e.ctxAs(t, cell.Caller), cell.Want == codes.OK)
			if got := status.Code(err); got != cell.Want {
				t.Fatalf("%s as %s holding %s: %s (%v), want %s", cell.Method, cell.Role, cell.Holding, got, err, cell.Want)
			}
			if cell.Want != codes.PermissionDenied {
				return
			}
			reason := auth.ReasonRoleNotAllowed
			if policy.Allows(cell.Method, cell.Caller) == nil {
				reason = "ALL_OFFICES_REQUIRED"
			}
			statusOf(t, err, codes.PermissionDenied, reason)
		})
	}
	for method, call := range calls {
		t.Run("no token/"+method[strings.LastIndex(method, "/")+1:], func(t *testing.T) {
			_, err := call(t, f, ctxT(t), false)
			statusOf(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
		})
	}
}

// TestSocialWorkersSeeAndChangeSupportFieldsOnly: a social worker reads a
// victim-witness without its testimony fields (testimony_status,
// evidence_recorded_date and evidence_overdue, derived from them), may
// change and filter on the support fields only, and is refused, naming
// the field, anything else; nothing changes when refused.
func TestSocialWorkersSeeAndChangeSupportFieldsOnly(t *testing.T) {
	t.Parallel()
	e := start(t)
	child := e.rescue.survivor(t, "mumbai", true).GetName()
	adult := e.rescue.survivor(t, "mumbai", false).GetName()
	// Cognizance on 1 September 2024: the child's evidence was due on 1 October.
	c := e.caseAt(t, "mumbai", prosecutionv1.CaseStage_CASE_STAGE_COGNIZANCE, child, adult)
	e.newWitness(t, c.GetName(), child)
	_, err := e.client.CreateWitness(ctxT(t), &prosecutionv1.CreateWitnessRequest{Parent: c.GetName(), Witness: &prosecutionv1.Witness{
		Survivor: adult, LastContactDate: day(2024, 11, 2), SupportNotes: "prefers calls in the evening",
		ProtectionNeeds: []prosecutionv1.ProtectionNeed{prosecutionv1.ProtectionNeed_PROTECTION_NEED_IN_CAMERA_TRIAL},
		TestimonyStatus: prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_RECORDED, EvidenceRecordedDate: day(2024, 11, 5),
	}})
	if err != nil {
		t.Fatal(err)
	}
	full, err := e.client.ListWitnesses(ctxT(t), &prosecutionv1.ListWitnessesRequest{Parent: c.GetName()})
	if err != nil || len(full.GetWitnesses()) != 2 {
		t.Fatalf("the lawyer's ListWitnesses = %v, %v", full, err)
	}
	// supportView is what a social worker must read of a witness the lawyer reads as w.
	supportView := func(w *prosecutionv1.Witness) *prosecutionv1.Witness {
		s := proto.CloneOf(w)
		s.TestimonyStatus, s.EvidenceRecordedDate, s.EvidenceOverdue = 0, nil, false
		return s
	}
	lawyerView := map[string]*prosecutionv1.Witness{}
	overdue := 0
	for _, w := range full.GetWitnesses() {
		lawyerView[w.GetName()] = w
		if w.GetTestimonyStatus() == 0 {
			t.Errorf("the lawyer reads no testimony status: %v", w)
		}
		if w.GetEvidenceOverdue() {
			overdue++
		}
	}
	if overdue != 1 {
		t.Fatalf("%d overdue witnesses, want the child's: %v", overdue, full)
	}

	worker := func() context.Context { return e.ctxRole(t, auth.RoleSocialWorker, "mumbai") }
	for name, w := range lawyerView {
		got, err := e.anon.GetWitness(worker(), &prosecutionv1.GetWitnessRequest{Name: name})
		if err != nil || !proto.Equal(got, supportView(w)) {
			t.Errorf("a social worker's GetWitness = %v, %v\nwant %v", got, err, supportView(w))
		}
	}
	for _, parent := range []string{c.GetName(), "offices/mumbai/cases/-"} {
		list, err := e.anon.ListWitnesses(worker(), &prosecutionv1.ListWitnessesRequest{Parent: parent, Filter: "minor = true OR minor = false"})
		if err != nil || len(list.GetWitnesses()) != 2 {
			t.Fatalf("a social worker's ListWitnesses(%s) = %v, %v", parent, list, err)
		}
		for _, w := range list.GetWitnesses() {
			if want := supportView(lawyerView[w.GetName()]); !proto.Equal(w, want) {
				t.Errorf("a social worker lists %v\nwant %v", w, want)
			}
		}
	}

	target := full.GetWitnesses()[0]
	refused := []struct {
		name  string
		call  func() error
		field string
	}{
		{"a testimony field in the mask", func() error {
			_, err := e.anon.UpdateWitness(worker(), &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: target.GetName(),
				TestimonyStatus: prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_NOT_REQUIRED}, UpdateMask: mask("testimony_status")})
			return err
		}, "witness.testimony_status"},
		{"a support field and a testimony field", func() error {
			_, err := e.anon.UpdateWitness(worker(), &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: target.GetName(),
				SupportNotes: "changed", TestimonyStatus: prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_PENDING},
				UpdateMask: mask("support_notes", "testimony_status", "evidence_recorded_date")})
			return err
		}, "witness.testimony_status"},
		{"a filter on a testimony field", func() error {
			_, err := e.anon.ListWitnesses(worker(), &prosecutionv1.ListWitnessesRequest{Parent: c.GetName(), Filter: "evidence_overdue = true"})
			return err
		}, "evidence_overdue"},
	}
	before := e.snapshot(t)
	for _, r := range refused {
		st := statusOf(t, r.call(), codes.PermissionDenied, "WITNESS_FIELD_NOT_ALLOWED")
		if !strings.Contains(st.Message(), r.field+" is a testimony field") || kittest.ErrorInfo(st).GetMetadata()["field"] != r.field {
			t.Errorf("%s: %q (metadata %v), want the field %s named", r.name, st.Message(), kittest.ErrorInfo(st).GetMetadata(), r.field)
		}
	}
	e.assertSnapshot(t, before)
	for _, w := range full.GetWitnesses() {
		if got, err := e.client.GetWitness(ctxT(t), &prosecutionv1.GetWitnessRequest{Name: w.GetName()}); err != nil || got.GetEtag() != w.GetEtag() {
			t.Errorf("%s changed by a refused update: %v, %v", w.GetName(), got, err)
		}
	}

	// The support fields change, and the answer still hides the testimony.
	got, err := e.anon.UpdateWitness(worker(), &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: target.GetName(),
		LastContactDate: day(2025, 1, 10), SupportNotes: "moved to a shelter home",
		ProtectionNeeds: []prosecutionv1.ProtectionNeed{prosecutionv1.ProtectionNeed_PROTECTION_NEED_SUPPORT_PERSON}},
		UpdateMask: mask("last_contact_date", "support_notes", "protection_needs")})
	if err != nil || got.GetSupportNotes() != "moved to a shelter home" || got.GetTestimonyStatus() != 0 || got.GetEvidenceOverdue() ||
		got.GetEvidenceRecordedDate() != nil {
		t.Fatalf("a social worker's support update = %v, %v", got, err)
	}
	after, err := e.client.GetWitness(ctxT(t), &prosecutionv1.GetWitnessRequest{Name: target.GetName()})
	workerSubject := kittest.RoleCaller(auth.RoleSocialWorker, "mumbai").Subject
	if err != nil || after.GetTestimonyStatus() != target.GetTestimonyStatus() || after.GetUpdatedBy() != workerSubject {
		t.Errorf("after the support update the lawyer reads %v, %v", after, err)
	}

	// Someone who is a social worker and a lawyer sees everything.
	both := identity.Principal{Subject: "both", Roles: []string{auth.RoleSocialWorker, auth.RoleLawyer}, Offices: []string{"mumbai"}}
	if w, err := e.anon.GetWitness(e.ctxAs(t, both), &prosecutionv1.GetWitnessRequest{Name: target.GetName()}); err != nil ||
		w.GetTestimonyStatus() != target.GetTestimonyStatus() {
		t.Errorf("a social worker who is also a lawyer reads %v, %v", w, err)
	}
}
