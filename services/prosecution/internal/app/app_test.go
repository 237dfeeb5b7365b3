package app_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/usecase"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

var (
	now     = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)
	kolkata = func() *time.Location {
		tz, err := time.LoadLocation("Asia/Kolkata")
		if err != nil {
			panic(err)
		}
		return tz
	}()
)

const (
	survivorA  = "offices/mumbai/survivors/sa"
	survivorB  = "offices/mumbai/survivors/sb"
	operationA = "offices/mumbai/operations/oa"
)

type fixture struct {
	app    *app.Application
	mem    *memory
	rescue *fakeRescue
	clock  *time.Time
	ctx    context.Context
}

func as(p identity.Principal) context.Context { return identity.WithPrincipal(context.Background(), p) }

func newFixture(t *testing.T) *fixture {
	t.Helper()
	mem, rescue := newMemory(), newRescue()
	rescue.add(survivorA, false)
	rescue.add(survivorB, true)
	rescue.add(operationA, false)
	clock := now
	a := app.New(mem.repositories(), rescue, usecase.ClockFunc(func() time.Time { return clock }),
		func(string) *time.Location { return kolkata }, []string{"kolkata", "mumbai"})
	return &fixture{app: a, mem: mem, rescue: rescue, clock: &clock,
		ctx: as(identity.Principal{Subject: "advocate-1", Offices: []string{"mumbai"}})}
}

func date(y, m, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func caseFields() domain.CaseFields {
	return domain.CaseFields{
		Title: "State v. Accused 1 and others", FIRNumber: "112/2024", PoliceStation: "Nagpada Police Station",
		FIRDate: date(2024, 8, 2), Court: "Sessions Court, Mumbai",
		Charges: []domain.Charge{{Statute: domain.StatuteBNS, Section: "143", OffenceDate: date(2024, 8, 1)}},
	}
}

func (f *fixture) newCase(t *testing.T, id string, survivors ...string) *domain.Case {
	t.Helper()
	c, err := f.app.CreateCase(f.ctx, app.CreateCase{Office: "mumbai", ID: id, Fields: caseFields(), Survivors: survivors})
	if err != nil {
		t.Fatalf("CreateCase: %v", err)
	}
	return c
}

// wantErr checks err's kind and reason and returns it.
func wantErr(t *testing.T, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("err = %v, want %s %s", err, kind, reason)
	}
	if e.Kind != kind || (reason != "" && e.Reason != reason) {
		t.Fatalf("err = %s %s (%v), want %s %s", e.Kind, e.Reason, err, kind, reason)
	}
	return e
}

func violated(e *errs.Error, field string) bool {
	return slices.ContainsFunc(e.Violations, func(v errs.FieldViolation) bool { return v.Field == field })
}

func TestCreateCaseAsksRescueAboutEveryLinkBeforeWriting(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c, err := f.app.CreateCase(f.ctx, app.CreateCase{Office: "mumbai", ID: "c1", Fields: caseFields(),
		Operations: []string{operationA}, Survivors: []string{survivorA, survivorB}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage != domain.StageFIRRegistered || !slices.Equal(c.Survivors, []string{survivorA, survivorB}) || !slices.Equal(c.Operations, []string{operationA}) {
		t.Errorf("case = %+v", c)
	}
	if f.rescue.callCount() != 1 || !slices.Equal(f.rescue.calls[0], []string{operationA, survivorA, survivorB}) {
		t.Errorf("rescue was asked %v, want one lookup of every linked name", f.rescue.calls)
	}

	tests := []struct {
		name    string
		ctx     context.Context
		cmd     app.CreateCase
		down    bool
		failErr error
		kind    errs.Kind
		reason  string
		field   string
		asks    bool
	}{
		{"a survivor rescue does not know", f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(),
			Survivors: []string{survivorA, "offices/mumbai/survivors/abc"}}, false, nil,
			errs.KindNotFound, app.ReasonReferenceNotFound, "case.survivors[1]", true},
		{"an operation rescue does not know", f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(),
			Operations: []string{"offices/mumbai/operations/nope"}}, false, nil,
			errs.KindNotFound, app.ReasonReferenceNotFound, "case.operations[0]", true},
		{"rescue unavailable", f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(), Survivors: []string{survivorA}},
			true, nil, errs.KindUnavailable, app.ReasonRescueUnavailable, "", true},
		{"rescue failing otherwise", f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(), Survivors: []string{survivorA}},
			false, errors.New("bad response"), errs.KindInternal, "", "", true},
		{"a survivor of another office", f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(),
			Survivors: []string{"offices/kolkata/survivors/sk"}}, false, nil, errs.KindInvalidArgument, "", "case.survivors[0]", false},
		{"an office the caller does not hold", f.ctx, app.CreateCase{Office: "kolkata", ID: "c2", Fields: caseFields(),
			Survivors: []string{"offices/kolkata/survivors/sk"}}, false, nil, errs.KindNotFound, "OFFICE_NOT_FOUND", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.rescue.down, f.rescue.failErr = tc.down, tc.failErr
			defer func() { f.rescue.down, f.rescue.failErr = false, nil }()
			calls := f.rescue.callCount()
			_, err := f.app.CreateCase(tc.ctx, tc.cmd)
			e := wantErr(t, err, tc.kind, tc.reason)
			if tc.field != "" && !violated(e, tc.field) {
				t.Errorf("violations %v do not name %s", e.Violations, tc.field)
			}
			if asked := f.rescue.callCount() > calls; asked != tc.asks {
				t.Errorf("rescue asked: %v, want %v", asked, tc.asks)
			}
			if n := f.mem.cases.Len(); n != 1 {
				t.Errorf("%d cases stored, want only the first: nothing written on a failure", n)
			}
		})
	}

	_, err = f.app.CreateCase(f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(), Survivors: []string{"offices/mumbai/survivors/abc"}})
	if e := wantErr(t, err, errs.KindNotFound, app.ReasonReferenceNotFound); e.Message != "survivor offices/mumbai/survivors/abc does not exist in rescue" {
		t.Errorf("message = %q", e.Message)
	}
	f.rescue.down = true
	_, err = f.app.CreateCase(f.ctx, app.CreateCase{Office: "mumbai", ID: "c2", Fields: caseFields(), Survivors: []string{survivorA}})
	if e := wantErr(t, err, errs.KindUnavailable, app.ReasonRescueUnavailable); e.RetryAfter <= 0 || !strings.Contains(e.Message, "retry") {
		t.Errorf("unavailable error %+v: want a retry delay and a message saying to retry", e)
	}
	// A retry of the create that applied reads the case back, without rescue.
	calls := f.rescue.callCount()
	again, err := f.app.CreateCase(f.ctx, app.CreateCase{Office: "mumbai", ID: "c1", Retry: true, Fields: caseFields(), Survivors: []string{survivorA}})
	if err != nil || again.Version != c.Version || len(again.Survivors) != 2 || f.rescue.callCount() != calls {
		t.Errorf("retry = %+v, %v after %d lookups; want the first case, unasked", again, err, f.rescue.callCount()-calls)
	}
}

func TestLinkCaseReference(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.newCase(t, "c1")
	link := func(ref, etag string) (*domain.Case, error) {
		return f.app.LinkCaseReference(f.ctx, app.CaseReference{Target: app.Target{Office: "mumbai", CaseID: "c1", Etag: etag}, Reference: ref})
	}

	_, err := link("offices/mumbai/survivors/abc", "")
	if e := wantErr(t, err, errs.KindNotFound, app.ReasonReferenceNotFound); !violated(e, "reference") ||
		e.Message != "survivor offices/mumbai/survivors/abc does not exist in rescue" {
		t.Errorf("unknown survivor: %+v", e)
	}
	f.rescue.down = true
	_, err = link(survivorA, "")
	wantErr(t, err, errs.KindUnavailable, app.ReasonRescueUnavailable)
	f.rescue.down = false
	_, err = link("offices/kolkata/survivors/sk", "")
	if e := wantErr(t, err, errs.KindInvalidArgument, ""); !violated(e, "reference") {
		t.Errorf("another office's survivor: %+v", e)
	}
	_, err = link(survivorA, "99")
	wantErr(t, err, errs.KindAborted, "ETAG_MISMATCH")
	if got, _ := f.app.GetCase(f.ctx, "mumbai", "c1"); got.Version != c.Version {
		t.Fatalf("refused links wrote the case: version %d, want %d", got.Version, c.Version)
	}

	got, err := link(survivorA, c.Etag())
	if err != nil || !slices.Equal(got.Survivors, []string{survivorA}) {
		t.Fatalf("link = %+v, %v", got, err)
	}
	got, err = link(operationA, "")
	if err != nil || !slices.Equal(got.Operations, []string{operationA}) {
		t.Fatalf("link operation = %+v, %v", got, err)
	}
	calls := f.rescue.callCount()
	again, err := link(survivorA, "")
	if err != nil || again.Version != got.Version || f.rescue.callCount() != calls {
		t.Errorf("linking again: %+v, %v; want the case unchanged, rescue unasked", again, err)
	}
	// A retry after an applied link succeeds even with the etag of before.
	retried, err := f.app.LinkCaseReference(f.ctx, app.CaseReference{
		Target: app.Target{Office: "mumbai", CaseID: "c1", Etag: c.Etag(), Retry: true}, Reference: survivorA})
	if err != nil || retried.Version != got.Version {
		t.Errorf("retried link = %v, %v", retried, err)
	}
}

func TestUnlinkKeepsSurvivorsThatRecordsName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1", survivorA, survivorB)
	unlink := func(ref string) (*domain.Case, error) {
		return f.app.UnlinkCaseReference(f.ctx, app.CaseReference{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Reference: ref})
	}
	w, err := f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c1", ID: "w1", Survivor: survivorA})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateCompensation(f.ctx, app.CreateCompensation{Office: "mumbai", CaseID: "c1", ID: "k1", Survivor: survivorB,
		Fields: domain.CompensationFields{AppliedDate: date(2025, 1, 10)}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{survivorA, survivorB} {
		_, err := unlink(s)
		if e := wantErr(t, err, errs.KindFailedPrecondition, app.ReasonSurvivorInUse); !strings.Contains(e.Message, s) {
			t.Errorf("message %q does not name %s", e.Message, s)
		}
	}
	if err := f.app.DeleteWitness(f.ctx, app.Target{Office: "mumbai", CaseID: "c1", ID: "w1", Etag: w.Etag()}); err != nil {
		t.Fatal(err)
	}
	c, err := unlink(survivorA)
	if err != nil || !slices.Equal(c.Survivors, []string{survivorB}) {
		t.Fatalf("unlink = %+v, %v", c, err)
	}
	if again, err := unlink(survivorA); err != nil || again.Version != c.Version {
		t.Errorf("unlinking again: %v, %v; want the case unchanged", again, err)
	}
	_, err = unlink("offices/mumbai/locations/l1")
	wantErr(t, err, errs.KindInvalidArgument, "")
}

func TestAWitnessCreatedWhileItsSurvivorIsUnlinkedIsCaught(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1", survivorA)
	// The witness lands right after the unlink is stored: the unlink's
	// second count finds it, links the survivor back and fails.
	*f.mem.cases.afterUpdate = func() {
		w, err := domain.NewWitness("w1", "mumbai", "c1", survivorA, false, domain.WitnessFields{}, "other", now, kolkata)
		if err != nil {
			panic(err)
		}
		if err := f.mem.witnesses.Create(context.Background(), w); err != nil {
			panic(err)
		}
	}
	_, err := f.app.UnlinkCaseReference(f.ctx, app.CaseReference{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Reference: survivorA})
	wantErr(t, err, errs.KindFailedPrecondition, app.ReasonSurvivorInUse)
	if c, _ := f.app.GetCase(f.ctx, "mumbai", "c1"); !c.HasSurvivor(survivorA) {
		t.Error("the survivor a witness names was left unlinked")
	}

	// The unlink lands right after a witness is inserted: the create's
	// check after its insert finds it and withdraws the witness.
	f.newCase(t, "c2", survivorA)
	f.mem.witnesses.AfterCreate = func(*domain.Witness) {
		f.mem.witnesses.AfterCreate = nil
		if _, err := f.mem.cases.Update(context.Background(), domain.NewScope("mumbai"), "mumbai", "c2", func(c *domain.Case) (*domain.Case, error) {
			_, err := c.Unlink(survivorA, "other", now)
			return c, err
		}); err != nil {
			panic(err)
		}
	}
	_, err = f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c2", ID: "w2", Survivor: survivorA})
	wantErr(t, err, errs.KindFailedPrecondition, "SURVIVOR_NOT_LINKED")
	if _, err := f.app.GetWitness(f.ctx, "mumbai", "c2", "w2"); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("the withdrawn witness is still there: %v", err)
	}

	// A compensation cannot be withdrawn: its create links the survivor back.
	f.newCase(t, "c3", survivorA)
	f.mem.compensations.AfterCreate = func(*domain.Compensation) {
		f.mem.compensations.AfterCreate = nil
		if _, err := f.mem.cases.Update(context.Background(), domain.NewScope("mumbai"), "mumbai", "c3", func(c *domain.Case) (*domain.Case, error) {
			_, err := c.Unlink(survivorA, "other", now)
			return c, err
		}); err != nil {
			panic(err)
		}
	}
	if _, err := f.app.CreateCompensation(f.ctx, app.CreateCompensation{Office: "mumbai", CaseID: "c3", ID: "k1", Survivor: survivorA,
		Fields: domain.CompensationFields{AppliedDate: date(2025, 1, 10)}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.app.GetCase(f.ctx, "mumbai", "c3"); !c.HasSurvivor(survivorA) {
		t.Error("the survivor a compensation names was left unlinked")
	}
}

func TestWitnessesLearnMinorityFromRescueAndTheirDeadlineFromTheCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1", survivorA, survivorB)
	f.newCase(t, "c2", survivorB)

	adult, err := f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c1", ID: "w1", Survivor: survivorA})
	if err != nil || adult.Minor || adult.TestimonyStatus != domain.TestimonyPending || !adult.EvidenceDeadline.IsZero() {
		t.Fatalf("adult witness = %+v, %v", adult, err)
	}
	child, err := f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c1", ID: "w2", Survivor: survivorB})
	if err != nil || !child.Minor || !child.EvidenceDeadline.IsZero() {
		t.Fatalf("child witness before cognizance = %+v, %v", child, err)
	}
	_, err = f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c1", ID: "w3", Survivor: survivorB})
	wantErr(t, err, errs.KindAlreadyExists, app.ReasonWitnessExists)
	_, err = f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c2", ID: "w3", Survivor: survivorA})
	wantErr(t, err, errs.KindFailedPrecondition, "SURVIVOR_NOT_LINKED")
	f.rescue.down = true
	_, err = f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c2", ID: "w3", Survivor: survivorB})
	wantErr(t, err, errs.KindUnavailable, app.ReasonRescueUnavailable)
	f.rescue.down = false
	if n := f.mem.witnesses.Len(); n != 2 {
		t.Fatalf("%d witnesses stored, want 2: refused creates write nothing", n)
	}
	if _, err := f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c2", ID: "w3", Survivor: survivorB}); err != nil {
		t.Fatal(err)
	}

	// Cognizance on 2025-02-11: a child's evidence is due 30 days later, on 2025-03-13.
	if _, err := f.app.AdvanceCaseStage(f.ctx, app.AdvanceStage{Target: app.Target{Office: "mumbai", CaseID: "c1"},
		Stage: domain.StageCognizance, EffectiveDate: date(2025, 2, 11)}); err != nil {
		t.Fatal(err)
	}
	got, err := f.app.GetWitness(f.ctx, "mumbai", "c1", "w2")
	if err != nil || got.EvidenceDeadline != date(2025, 3, 13) || !got.EvidenceOverdue {
		t.Fatalf("child witness after cognizance = %+v, %v; want due 2025-03-13, overdue on 2025-03-14", got, err)
	}
	if adultNow, _ := f.app.GetWitness(f.ctx, "mumbai", "c1", "w1"); adultNow.EvidenceOverdue || !adultNow.EvidenceDeadline.IsZero() {
		t.Errorf("an adult witness has a deadline: %+v", adultNow)
	}
	// The office's today decides: 2025-03-13 18:00 UTC is 2025-03-13 23:30 in Mumbai, the deadline day itself.
	*f.clock = time.Date(2025, 3, 13, 18, 0, 0, 0, time.UTC)
	if got, _ := f.app.GetWitness(f.ctx, "mumbai", "c1", "w2"); got.EvidenceOverdue {
		t.Error("overdue on the deadline day itself")
	}
	// 18:31 UTC is past midnight in Mumbai: the next day, overdue.
	*f.clock = time.Date(2025, 3, 13, 18, 31, 0, 0, time.UTC)
	if got, _ := f.app.GetWitness(f.ctx, "mumbai", "c1", "w2"); !got.EvidenceOverdue {
		t.Error("not overdue the day after the deadline in the office's calendar")
	}

	page, err := f.app.ListWitnesses(f.ctx, "mumbai", domain.AllCases, app.ListQuery{Offices: []string{"mumbai"}})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("ListWitnesses(-) = %d items, %v", len(page.Items), err)
	}
	for _, v := range page.Items {
		wantOverdue := v.CaseID == "c1" && v.Minor
		if v.EvidenceOverdue != wantOverdue {
			t.Errorf("witness %s: overdue %v, want %v", v.Name(), v.EvidenceOverdue, wantOverdue)
		}
	}
	one, err := f.app.ListWitnesses(f.ctx, "mumbai", "c2", app.ListQuery{Offices: []string{"mumbai"}})
	if err != nil || len(one.Items) != 1 || one.Items[0].EvidenceOverdue {
		t.Errorf("ListWitnesses(c2) = %+v, %v", one.Items, err)
	}
	_, err = f.app.ListWitnesses(f.ctx, "mumbai", "nocase", app.ListQuery{Offices: []string{"mumbai"}})
	wantErr(t, err, errs.KindNotFound, "CASE_NOT_FOUND")

	// Recording the evidence ends the deadline's hold.
	upd, err := f.app.UpdateWitness(f.ctx, app.UpdateWitness{Target: app.Target{Office: "mumbai", CaseID: "c1", ID: "w2"},
		Fields: []domain.WitnessField{domain.WitnessFieldTestimonyStatus, domain.WitnessFieldEvidenceRecordedDate},
		Values: domain.WitnessFields{TestimonyStatus: domain.TestimonyRecorded, EvidenceRecordedDate: date(2025, 3, 12)}})
	if err != nil || upd.EvidenceOverdue || upd.EvidenceDeadline != date(2025, 3, 13) {
		t.Errorf("after recording the evidence: %+v, %v", upd, err)
	}
}

func TestStageMovesAreAppliedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1")
	target := app.Target{Office: "mumbai", CaseID: "c1", RequestID: "req-1"}
	c, err := f.app.AdvanceCaseStage(f.ctx, app.AdvanceStage{Target: target, Stage: domain.StageChargesheetFiled, EffectiveDate: date(2024, 10, 1)})
	if err != nil || c.Stage != domain.StageChargesheetFiled || c.ChargesheetDate != date(2024, 10, 1) {
		t.Fatalf("advance = %+v, %v", c, err)
	}
	target.Retry = true
	again, err := f.app.AdvanceCaseStage(f.ctx, app.AdvanceStage{Target: target, Stage: domain.StageChargesheetFiled, EffectiveDate: date(2024, 10, 1)})
	if err != nil || again.Version != c.Version || len(again.StageHistory) != 1 {
		t.Errorf("retry of an applied advance = %+v, %v; want the case as it is", again, err)
	}
	_, err = f.app.AdvanceCaseStage(f.ctx, app.AdvanceStage{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Stage: domain.StageInvestigation,
		EffectiveDate: date(2024, 10, 2)})
	wantErr(t, err, errs.KindFailedPrecondition, "ILLEGAL_TRANSITION")

	for _, tc := range []struct {
		cmd    app.AdvanceStage
		fields []string
	}{
		{app.AdvanceStage{Target: app.Target{Office: "mumbai", CaseID: "c1"}}, []string{"stage", "effective_date"}},
		{app.AdvanceStage{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Stage: "LATER", EffectiveDate: date(2025, 3, 15),
			Note: strings.Repeat("n", domain.MaxChangeNoteLength+1)}, []string{"stage", "effective_date", "note"}},
		{app.AdvanceStage{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Stage: domain.StageCognizance, EffectiveDate: date(2025, 2, 30)},
			[]string{"effective_date"}},
	} {
		e := wantErr(t, f.app.CheckAdvanceCaseStage(tc.cmd), errs.KindInvalidArgument, "")
		for _, field := range tc.fields {
			if !violated(e, field) {
				t.Errorf("%+v: violations %v do not name %s", tc.cmd, e.Violations, field)
			}
		}
	}
	// The office's today: 2025-03-14 23:00 UTC is already 2025-03-15 in Mumbai.
	*f.clock = time.Date(2025, 3, 14, 23, 0, 0, 0, time.UTC)
	if err := f.app.CheckAdvanceCaseStage(app.AdvanceStage{Target: target, Stage: domain.StageCognizance, EffectiveDate: date(2025, 3, 15)}); err != nil {
		t.Errorf("today in Mumbai refused: %v", err)
	}

	_, err = f.app.CorrectCaseStage(f.ctx, app.CorrectStage{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Stage: domain.StageInvestigation})
	if e := wantErr(t, err, errs.KindInvalidArgument, ""); !violated(e, "reason") {
		t.Errorf("a correction without a reason: %+v", e)
	}
	corrected, err := f.app.CorrectCaseStage(f.ctx, app.CorrectStage{Target: app.Target{Office: "mumbai", CaseID: "c1", RequestID: "req-2"},
		Stage: domain.StageInvestigation, Reason: "chargesheet entered on the wrong case"})
	if err != nil || corrected.Stage != domain.StageInvestigation || !corrected.ChargesheetDate.IsZero() {
		t.Fatalf("correct = %+v, %v", corrected, err)
	}
	last := corrected.StageHistory[len(corrected.StageHistory)-1]
	if !last.Correction || last.Actor != "advocate-1" || last.RequestID != "req-2" || last.Reason == "" {
		t.Errorf("correction recorded as %+v", last)
	}
}

func TestVerdictsFollowTheCaseStage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1")
	acc, err := f.app.CreateAccused(f.ctx, app.CreateAccused{Office: "mumbai", CaseID: "c1", ID: "a1",
		Fields: domain.AccusedFields{DisplayName: "Accused 1", Role: domain.RolePimp}})
	if err != nil || acc.Custody != domain.CustodyAtLarge {
		t.Fatalf("CreateAccused = %+v, %v", acc, err)
	}
	_, err = f.app.CreateAccused(f.ctx, app.CreateAccused{Office: "mumbai", CaseID: "nocase", ID: "a2",
		Fields: domain.AccusedFields{DisplayName: "Accused 2", Role: domain.RolePimp}})
	wantErr(t, err, errs.KindNotFound, "CASE_NOT_FOUND")

	arrest := app.ChangeCustody{Target: app.Target{Office: "mumbai", CaseID: "c1", ID: "a1", RequestID: "arrest"},
		Custody: domain.CustodyArrested, EffectiveDate: date(2024, 8, 3)}
	acc, err = f.app.ChangeAccusedCustody(f.ctx, arrest)
	if err != nil || acc.FirstCustodyDate != date(2024, 8, 3) {
		t.Fatalf("arrest = %+v, %v", acc, err)
	}
	arrest.Retry = true
	if again, err := f.app.ChangeAccusedCustody(f.ctx, arrest); err != nil || again.Version != acc.Version {
		t.Errorf("retried arrest = %+v, %v", again, err)
	}
	if _, err := f.app.RecordBailEvent(f.ctx, app.RecordBail{Target: app.Target{Office: "mumbai", CaseID: "c1", ID: "a1"},
		Event: domain.BailEvent{Kind: domain.BailGranted, Date: date(2024, 9, 1), SuretyINR: 25000}}); err != nil {
		t.Fatal(err)
	}

	verdict := app.RecordVerdict{Target: app.Target{Office: "mumbai", CaseID: "c1", ID: "a1"}, Verdict: domain.VerdictConvicted, Date: date(2025, 3, 1)}
	_, err = f.app.RecordVerdict(f.ctx, verdict)
	wantErr(t, err, errs.KindFailedPrecondition, "VERDICT_NOT_ALLOWED")
	if _, err := f.app.AdvanceCaseStage(f.ctx, app.AdvanceStage{Target: app.Target{Office: "mumbai", CaseID: "c1"},
		Stage: domain.StageJudgment, EffectiveDate: date(2025, 2, 20)}); err != nil {
		t.Fatal(err)
	}
	acc, err = f.app.RecordVerdict(f.ctx, verdict)
	if err != nil || acc.Verdict != domain.VerdictConvicted || acc.Custody != domain.CustodyConvicted || acc.Sentence != nil {
		t.Fatalf("verdict = %+v, %v", acc, err)
	}
	// The sentence follows days later, in a second call.
	verdict.Sentence = &domain.Sentence{ImprisonmentMonths: 84, FineINR: 50000, SentenceDate: date(2025, 3, 5)}
	verdict.RequestID = "sentence"
	acc, err = f.app.RecordVerdict(f.ctx, verdict)
	if err != nil || acc.Sentence == nil || acc.Sentence.ImprisonmentMonths != 84 || acc.VerdictDate != date(2025, 3, 1) {
		t.Fatalf("sentence = %+v, %v", acc, err)
	}
	verdict.Retry = true
	if again, err := f.app.RecordVerdict(f.ctx, verdict); err != nil || again.Version != acc.Version {
		t.Errorf("retried sentence = %+v, %v", again, err)
	}
	verdict.Retry, verdict.RequestID = false, ""
	_, err = f.app.RecordVerdict(f.ctx, verdict)
	wantErr(t, err, errs.KindFailedPrecondition, "VERDICT_RECORDED")

	e := wantErr(t, f.app.CheckRecordVerdict(app.RecordVerdict{Verdict: domain.VerdictAcquitted, Date: date(2025, 3, 1),
		Sentence: &domain.Sentence{FineINR: 1}}), errs.KindInvalidArgument, "")
	if !violated(e, "sentence") {
		t.Errorf("a sentence with an acquittal: %+v", e)
	}
}

func TestHearingsAndTheCalendar(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1")
	f.newCase(t, "c2")
	for i, h := range []struct {
		caseID string
		day    domain.Date
	}{{"c1", date(2025, 4, 2)}, {"c2", date(2025, 3, 20)}, {"c1", date(2025, 6, 1)}} {
		if _, err := f.app.CreateHearing(f.ctx, app.CreateHearing{Office: "mumbai", CaseID: h.caseID, ID: "h" + string(rune('1'+i)),
			Fields: domain.HearingFields{Date: h.day, Purpose: domain.PurposeEvidence}}); err != nil {
			t.Fatal(err)
		}
	}
	page, err := f.app.QueryHearingCalendar(f.ctx, app.CalendarQuery{Office: "mumbai", Start: date(2025, 3, 1), End: date(2025, 4, 30)})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != "h2" || page.Items[1].ID != "h1" {
		t.Fatalf("calendar = %v, %v; want h2 then h1", page.Items, err)
	}
	other := as(identity.Principal{Subject: "k", Offices: []string{"kolkata"}})
	if page, err := f.app.QueryHearingCalendar(other, app.CalendarQuery{Office: "mumbai", Start: date(2025, 3, 1), End: date(2025, 4, 30)}); err != nil || len(page.Items) != 0 {
		t.Errorf("another office's calendar = %v, %v; want it empty", page.Items, err)
	}
	_, err = f.app.QueryHearingCalendar(f.ctx, app.CalendarQuery{Office: "mumbai", Start: date(2025, 4, 1), End: date(2025, 3, 1)})
	if e := wantErr(t, err, errs.KindInvalidArgument, ""); !violated(e, "end_date") {
		t.Errorf("a range ending before it starts: %+v", e)
	}
	h, err := f.app.GetHearing(f.ctx, "mumbai", "c1", "h1")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.DeleteHearing(f.ctx, app.Target{Office: "mumbai", CaseID: "c1", ID: "h1", Etag: "7"}); !errs.Is(err, errs.KindAborted) {
		t.Errorf("delete with a stale etag: %v", err)
	}
	if err := f.app.DeleteHearing(f.ctx, app.Target{Office: "mumbai", CaseID: "c1", ID: "h1", Etag: h.Etag()}); err != nil {
		t.Fatal(err)
	}
	list, err := f.app.ListHearings(f.ctx, "mumbai", "c1", app.ListQuery{Offices: []string{"mumbai"}})
	if err != nil || len(list.Items) != 1 {
		t.Errorf("ListHearings = %v, %v", list.Items, err)
	}
}

func TestRecordsOutsideTheCallersOfficesAreNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.newCase(t, "c1", survivorA)
	if _, err := f.app.CreateWitness(f.ctx, app.CreateWitness{Office: "mumbai", CaseID: "c1", ID: "w1", Survivor: survivorA}); err != nil {
		t.Fatal(err)
	}
	other := as(identity.Principal{Subject: "k", Offices: []string{"kolkata"}})
	_, err := f.app.GetCase(other, "mumbai", "c1")
	foreign := wantErr(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	_, err = f.app.GetCase(f.ctx, "mumbai", "absent")
	missing := wantErr(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	if strings.Replace(foreign.Message, "c1", "absent", 1) != missing.Message {
		t.Errorf("another office's case reads differently from an absent one: %q, %q", foreign.Message, missing.Message)
	}
	_, err = f.app.GetWitness(other, "mumbai", "c1", "w1")
	wantErr(t, err, errs.KindNotFound, "WITNESS_NOT_FOUND")
	_, err = f.app.ListWitnesses(other, "mumbai", "c1", app.ListQuery{Offices: []string{"mumbai"}})
	wantErr(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	_, err = f.app.LinkCaseReference(other, app.CaseReference{Target: app.Target{Office: "mumbai", CaseID: "c1"}, Reference: survivorB})
	wantErr(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	_, err = f.app.CreateHearing(other, app.CreateHearing{Office: "mumbai", CaseID: "c1", ID: "h1",
		Fields: domain.HearingFields{Date: date(2025, 4, 1), Purpose: domain.PurposeBail}})
	wantErr(t, err, errs.KindNotFound, "OFFICE_NOT_FOUND")
	page, err := f.app.ListCases(other, app.ListQuery{Offices: []string{"kolkata", "mumbai"}})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("a kolkata caller listed %d cases (%v)", len(page.Items), err)
	}
	if got := f.app.Metrics().Provided(); !slices.Equal(got, domain.ProvidedMetrics()) {
		t.Errorf("metrics provided = %v", got)
	}
}
