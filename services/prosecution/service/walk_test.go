package service_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// TestSmoke_EveryRPCOnce walks a case from the FIR to a conviction through
// every RPC of the ProsecutionService once, as the service's users would,
// and reads the metrics it produced: a check of the wiring, not of the
// rules (the domain, app and component tests check those).
func TestSmoke_EveryRPCOnce(t *testing.T) {
	t.Parallel()
	e := start(t)
	c, ctx := e.client, ctxT(t)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	sv := e.rescue.survivor(t, "mumbai", true)
	op := e.rescue.operation(t, "mumbai")

	cs, err := c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(), RequestId: "case-1"})
	must("CreateCase", err)
	again, err := c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(), RequestId: "case-1"})
	if err != nil || again.GetName() != cs.GetName() {
		t.Fatalf("retried CreateCase = %v, %v; want the first case", again, err)
	}
	_, err = c.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: cs.GetName()})
	must("GetCase", err)
	list, err := c.ListCases(ctx, &prosecutionv1.ListCasesRequest{Parent: "offices/-"})
	if err != nil || len(list.GetCases()) != 1 {
		t.Fatalf("ListCases = %v, %v", list, err)
	}
	cs, err = c.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: &prosecutionv1.Case{Name: cs.GetName(), CnrNumber: "mhmu010012342024", Etag: cs.GetEtag()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"cnr_number"}}})
	if err != nil || cs.GetCnrNumber() != "MHMU010012342024" {
		t.Fatalf("UpdateCase = %v, %v", cs, err)
	}
	_, err = c.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: &prosecutionv1.Case{Name: cs.GetName()},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"survivors"}}})
	statusOf(t, err, codes.InvalidArgument, "INVALID_UPDATE_MASK", "update_mask")
	_, err = c.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: cs.GetName(), Reference: sv.GetName()})
	must("LinkCaseReference survivor", err)
	_, err = c.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: cs.GetName(), Reference: op.GetName()})
	must("LinkCaseReference operation", err)
	cs, err = c.UnlinkCaseReference(ctx, &prosecutionv1.UnlinkCaseReferenceRequest{Name: cs.GetName(), Reference: op.GetName()})
	if err != nil || len(cs.GetOperations()) != 0 || len(cs.GetSurvivors()) != 1 {
		t.Fatalf("UnlinkCaseReference = %v, %v", cs, err)
	}

	acc, err := c.CreateAccused(ctx, &prosecutionv1.CreateAccusedRequest{Parent: cs.GetName(),
		Accused: &prosecutionv1.Accused{DisplayName: "Accused 1", Role: prosecutionv1.AccusedRole_ACCUSED_ROLE_BROTHEL_OWNER_OR_KEEPER}})
	must("CreateAccused", err)
	_, err = c.GetAccused(ctx, &prosecutionv1.GetAccusedRequest{Name: acc.GetName()})
	must("GetAccused", err)
	accList, err := c.ListAccused(ctx, &prosecutionv1.ListAccusedRequest{Parent: cs.GetName()})
	if err != nil || len(accList.GetAccused()) != 1 {
		t.Fatalf("ListAccused = %v, %v", accList, err)
	}
	_, err = c.UpdateAccused(ctx, &prosecutionv1.UpdateAccusedRequest{Accused: &prosecutionv1.Accused{Name: acc.GetName(), Notes: "alias Raju"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"notes"}}})
	must("UpdateAccused", err)
	_, err = c.ChangeAccusedCustody(ctx, &prosecutionv1.ChangeAccusedCustodyRequest{Name: acc.GetName(),
		Custody: prosecutionv1.Custody_CUSTODY_ARRESTED, EffectiveDate: day(2024, 8, 3), RequestId: "arrest-1"})
	must("ChangeAccusedCustody", err)
	_, err = c.RecordBailEvent(ctx, &prosecutionv1.RecordBailEventRequest{Name: acc.GetName(),
		Event: &prosecutionv1.BailEvent{Kind: prosecutionv1.BailEventKind_BAIL_EVENT_KIND_APPLIED, Date: day(2024, 8, 10)}})
	must("RecordBailEvent", err)

	h, err := c.CreateHearing(ctx, &prosecutionv1.CreateHearingRequest{Parent: cs.GetName(),
		Hearing: &prosecutionv1.Hearing{Date: day(2025, 1, 15), Purpose: prosecutionv1.HearingPurpose_HEARING_PURPOSE_EVIDENCE}})
	must("CreateHearing", err)
	_, err = c.GetHearing(ctx, &prosecutionv1.GetHearingRequest{Name: h.GetName()})
	must("GetHearing", err)
	_, err = c.ListHearings(ctx, &prosecutionv1.ListHearingsRequest{Parent: cs.GetName()})
	must("ListHearings", err)
	h, err = c.UpdateHearing(ctx, &prosecutionv1.UpdateHearingRequest{Hearing: &prosecutionv1.Hearing{Name: h.GetName(), Outcome: "PW-1 examined"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"outcome"}}})
	must("UpdateHearing", err)
	cal, err := c.QueryHearingCalendar(ctx, &prosecutionv1.QueryHearingCalendarRequest{Office: "offices/mumbai",
		StartDate: day(2025, 1, 1), EndDate: day(2025, 1, 31)})
	if err != nil || len(cal.GetHearings()) != 1 {
		t.Fatalf("QueryHearingCalendar = %v, %v", cal, err)
	}
	extra, err := c.CreateHearing(ctx, &prosecutionv1.CreateHearingRequest{Parent: cs.GetName(),
		Hearing: &prosecutionv1.Hearing{Date: day(2025, 2, 1), Purpose: prosecutionv1.HearingPurpose_HEARING_PURPOSE_OTHER}})
	must("CreateHearing", err)
	_, err = c.DeleteHearing(ctx, &prosecutionv1.DeleteHearingRequest{Name: extra.GetName(), Etag: extra.GetEtag()})
	must("DeleteHearing", err)

	w, err := c.CreateWitness(ctx, &prosecutionv1.CreateWitnessRequest{Parent: cs.GetName(), Witness: &prosecutionv1.Witness{Survivor: sv.GetName()}})
	must("CreateWitness", err)
	_, err = c.GetWitness(ctx, &prosecutionv1.GetWitnessRequest{Name: w.GetName()})
	must("GetWitness", err)
	ws, err := c.ListWitnesses(ctx, &prosecutionv1.ListWitnessesRequest{Parent: "offices/mumbai/cases/-"})
	if err != nil || len(ws.GetWitnesses()) != 1 {
		t.Fatalf("ListWitnesses(-) = %v, %v", ws, err)
	}
	worker := e.ctxRole(t, auth.RoleSocialWorker, "mumbai")
	sw, err := e.anon.UpdateWitness(worker, &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: w.GetName(), SupportNotes: "weekly calls"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"support_notes"}}})
	if err != nil || sw.GetSupportNotes() != "weekly calls" || sw.GetTestimonyStatus() != 0 {
		t.Fatalf("a social worker's UpdateWitness = %v, %v; want the support field changed and no testimony shown", sw, err)
	}
	_, err = e.anon.UpdateWitness(worker, &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: w.GetName(),
		TestimonyStatus: prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_NOT_REQUIRED}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"testimony_status"}}})
	statusOf(t, err, codes.PermissionDenied, "WITNESS_FIELD_NOT_ALLOWED")
	_, err = e.anon.ListWitnesses(worker, &prosecutionv1.ListWitnessesRequest{Parent: cs.GetName(), Filter: "evidence_overdue = true"})
	statusOf(t, err, codes.PermissionDenied, "WITNESS_FIELD_NOT_ALLOWED")

	comp, err := c.CreateCompensation(ctx, &prosecutionv1.CreateCompensationRequest{Parent: cs.GetName(),
		Compensation: &prosecutionv1.Compensation{Survivor: sv.GetName(), AppliedDate: day(2024, 9, 1), ClaimedInr: 200000}})
	if err != nil || comp.GetScheme() != prosecutionv1.CompensationScheme_COMPENSATION_SCHEME_BNSS_396 {
		t.Fatalf("CreateCompensation = %v, %v", comp, err)
	}
	_, err = c.GetCompensation(ctx, &prosecutionv1.GetCompensationRequest{Name: comp.GetName()})
	must("GetCompensation", err)
	_, err = c.ListCompensations(ctx, &prosecutionv1.ListCompensationsRequest{Parent: cs.GetName()})
	must("ListCompensations", err)
	_, err = c.UpdateCompensation(ctx, &prosecutionv1.UpdateCompensationRequest{Compensation: &prosecutionv1.Compensation{Name: comp.GetName(),
		Status: prosecutionv1.CompensationStatus_COMPENSATION_STATUS_AWARDED, AwardedInr: 150000, AwardedDate: day(2024, 12, 1)},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"status", "awarded_inr", "awarded_date"}}})
	must("UpdateCompensation", err)
	_, err = c.UnlinkCaseReference(ctx, &prosecutionv1.UnlinkCaseReferenceRequest{Name: cs.GetName(), Reference: sv.GetName()})
	statusOf(t, err, codes.FailedPrecondition, "SURVIVOR_IN_USE")

	_, err = c.AdvanceCaseStage(ctx, &prosecutionv1.AdvanceCaseStageRequest{Name: cs.GetName(), Stage: prosecutionv1.CaseStage_CASE_STAGE_ARGUMENTS,
		EffectiveDate: day(2024, 9, 15)})
	must("AdvanceCaseStage", err)
	_, err = c.CorrectCaseStage(ctx, &prosecutionv1.CorrectCaseStageRequest{Name: cs.GetName(), Stage: prosecutionv1.CaseStage_CASE_STAGE_COGNIZANCE,
		Reason: "arguments not yet heard"})
	must("CorrectCaseStage", err)
	_, err = c.AdvanceCaseStage(ctx, &prosecutionv1.AdvanceCaseStageRequest{Name: cs.GetName(), Stage: prosecutionv1.CaseStage_CASE_STAGE_JUDGMENT,
		EffectiveDate: day(2025, 2, 20)})
	must("AdvanceCaseStage to JUDGMENT", err)
	acc, err = c.RecordVerdict(ctx, &prosecutionv1.RecordVerdictRequest{Name: acc.GetName(), Verdict: prosecutionv1.Verdict_VERDICT_CONVICTED,
		VerdictDate: day(2025, 3, 1), Sentence: &prosecutionv1.Sentence{ImprisonmentMonths: 84}})
	if err != nil || acc.GetCustody() != prosecutionv1.Custody_CUSTODY_CONVICTED {
		t.Fatalf("RecordVerdict = %v, %v", acc, err)
	}
	_, err = c.DeleteWitness(ctx, &prosecutionv1.DeleteWitnessRequest{Name: w.GetName()})
	must("DeleteWitness", err)

	resp, err := e.metrics.QueryMetrics(e.ctxRole(t, auth.RoleRegionalDirector, "mumbai", "kolkata"), &metricsv1.QueryMetricsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, v := range resp.GetValues() {
		got[v.GetMetric()+" "+v.GetMonth()] += v.GetValue()
	}
	want := map[string]int64{"criminals_restrained 2024-08": 1, "convictions 2025-03": 1, "cases_charge_sheeted 2024-09": 1}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("metric %s = %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}
