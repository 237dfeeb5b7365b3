package mongodb_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/errs/errstest"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/prosecution/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// A case with every field set, its history holding advances and a
// correction, reads back equal, and is stored in the documented form.
func TestCaseRoundTripKeepsEveryField(t *testing.T) {
	t.Parallel()
	repos, db := newRepos(t)
	ctx := context.Background()
	f := caseFields(day(2024, 6, 20))
	f.Court, f.CNRNumber = "Sessions Court, Mumbai", "MHMU010012342024"
	f.Charges = append(f.Charges, domain.Charge{Statute: domain.StatuteIPC, Section: "370A", OffenceDate: day(2024, 6, 18)})
	c, err := domain.NewCase("c1", "mumbai", f, []string{"offices/mumbai/operations/op1"},
		[]string{survivor("mumbai", "s1"), survivor("mumbai", "s2")}, "meera", now, ist)
	if err != nil {
		t.Fatal(err)
	}
	advance(t, c, domain.StageCognizance, day(2024, 9, 2))
	if err := c.Correct(domain.StageChargesheetFiled, "cognizance was entered by mistake", change("r2")); err != nil {
		t.Fatal(err)
	}
	// Passing COGNIZANCE again sets its date anew.
	advance(t, c, domain.StageChargesFramed, day(2024, 10, 1))
	create(t, repos.Cases, c)
	got, err := repos.Cases.Get(ctx, all, "mumbai", "c1")
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("read back: err %v\n%+v\nwant\n%+v", err, got, c)
	}
	e := errstest.Want(t, repos.Cases.Create(ctx, newCase(t, "mumbai", "c1", day(2025, 1, 2))), errs.KindAlreadyExists, "CASE_ALREADY_EXISTS")
	if e.Message != `case "offices/mumbai/cases/c1" already exists` {
		t.Errorf("message %q", e.Message)
	}

	var raw bson.M
	if err := db.Collection(mongodb.CasesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "c1"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for field, want := range map[string]any{
		"fir_date": "2024-06-20", "chargesheet_date": "2024-09-02", "cognizance_date": "2024-10-01", "stage": "CHARGES_FRAMED",
		"outcome": "", "office": "mumbai", "version": int64(1),
	} {
		if raw[field] != want {
			t.Errorf("stored %s = %#v, want %#v", field, raw[field], want)
		}
	}
	if _, ok := raw["judgment_date"]; ok {
		t.Errorf("an unset date is stored: %v", raw["judgment_date"])
	}

	// A new case: empty lists stored as arrays, read back as nil.
	create(t, repos.Cases, newCase(t, "mumbai", "c2", day(2025, 1, 2)))
	raw = nil
	if err := db.Collection(mongodb.CasesCollection).FindOne(ctx, bson.D{{Key: "_id", Value: "c2"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"operations", "survivors", "stage_history"} {
		if arr, ok := raw[field].(bson.A); !ok || len(arr) != 0 {
			t.Errorf("empty %s stored as %#v, want an empty array", field, raw[field])
		}
	}
	got, err = repos.Cases.Get(ctx, all, "mumbai", "c2")
	if err != nil || got.Operations != nil || got.StageHistory != nil {
		t.Errorf("empty lists read back as %#v, %#v (%v)", got.Operations, got.StageHistory, err)
	}
}

// The records under a case read back equal after a create and an update.
func TestChildRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()

	a := newAccused(t, "mumbai", "c1", "a1", "Ravi alias Raju")
	a.Notes = "ran the lodge's books"
	if err := a.ChangeCustody(domain.CustodyArrested, day(2024, 8, 31), "", change("r1"), ist); err != nil {
		t.Fatal(err)
	}
	if err := a.RecordBailEvent(domain.BailEvent{Kind: domain.BailGranted, Date: day(2024, 9, 10), Court: "Sessions",
		SuretyINR: 50000, Conditions: "report weekly"}, change("r2"), ist); err != nil {
		t.Fatal(err)
	}
	create(t, repos.Accused, a)
	checkChild(t, "accused", a, func() (*domain.Accused, error) { return repos.Accused.Get(ctx, all, "mumbai", "c1", "a1") })
	updated, err := repos.Accused.Update(ctx, all, "mumbai", "c1", "a1", func(a *domain.Accused) (*domain.Accused, error) {
		return a, a.RecordVerdict(domain.VerdictConvicted, day(2025, 5, 2),
			&domain.Sentence{ImprisonmentMonths: 84, FineINR: 20000}, change("r3"), ist)
	})
	if err != nil || updated.Version != 2 {
		t.Fatalf("Update = %+v, %v", updated, err)
	}
	checkChild(t, "accused", updated, func() (*domain.Accused, error) { return repos.Accused.Get(ctx, all, "mumbai", "c1", "a1") })

	h := newHearing(t, "mumbai", "c1", "h1", day(2025, 7, 14), domain.PurposeEvidence)
	h.NextDate, h.Notes = day(2025, 8, 1), "witness PW-2 to be examined"
	create(t, repos.Hearings, h)
	checkChild(t, "hearing", h, func() (*domain.Hearing, error) { return repos.Hearings.Get(ctx, all, "mumbai", "c1", "h1") })

	w := newWitness(t, "mumbai", "c1", "w1", "s1", true)
	w.LastContactDate, w.SupportNotes = day(2025, 6, 2), "attends school"
	w.ProtectionNeeds = []domain.ProtectionNeed{domain.ProtectionInCameraTrial, domain.ProtectionSupportPerson}
	create(t, repos.Witnesses, w)
	checkChild(t, "witness", w, func() (*domain.Witness, error) { return repos.Witnesses.Get(ctx, all, "mumbai", "c1", "w1") })
	updatedW, err := repos.Witnesses.Update(ctx, all, "mumbai", "c1", "w1", func(w *domain.Witness) (*domain.Witness, error) {
		return w, w.Update([]domain.WitnessField{domain.WitnessFieldTestimonyStatus, domain.WitnessFieldEvidenceRecordedDate},
			domain.WitnessFields{TestimonyStatus: domain.TestimonyRecorded, EvidenceRecordedDate: day(2025, 6, 20)}, "meera", now, ist)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkChild(t, "witness", updatedW, func() (*domain.Witness, error) { return repos.Witnesses.Get(ctx, all, "mumbai", "c1", "w1") })

	comp := newCompensation(t, "mumbai", "c1", "k1", "s1", day(2024, 7, 1))
	create(t, repos.Compensations, comp)
	checkChild(t, "compensation", comp, func() (*domain.Compensation, error) {
		return repos.Compensations.Get(ctx, all, "mumbai", "c1", "k1")
	})
	updatedC, err := repos.Compensations.Update(ctx, all, "mumbai", "c1", "k1", func(c *domain.Compensation) (*domain.Compensation, error) {
		return c, c.Update([]domain.CompensationField{domain.CompensationFieldStatus, domain.CompensationFieldAwardedINR, domain.CompensationFieldAwardedDate},
			domain.CompensationFields{Status: domain.CompensationAwarded, AwardedINR: 200000, AwardedDate: day(2025, 2, 3)}, "meera", now, ist)
	})
	if err != nil || len(updatedC.Transitions) != 1 {
		t.Fatalf("Update = %+v, %v", updatedC, err)
	}
	checkChild(t, "compensation", updatedC, func() (*domain.Compensation, error) {
		return repos.Compensations.Get(ctx, all, "mumbai", "c1", "k1")
	})

	// Ids are unique in each collection, under any case.
	e := errstest.Want(t, repos.Hearings.Create(ctx, newHearing(t, "mumbai", "c2", "h1", day(2025, 7, 1), domain.PurposeBail)),
		errs.KindAlreadyExists, "HEARING_ALREADY_EXISTS")
	if e.Message != `hearing "offices/mumbai/cases/c2/hearings/h1" already exists` {
		t.Errorf("message %q", e.Message)
	}
}

func checkChild[T any](t *testing.T, kind string, want *T, get func() (*T, error)) {
	t.Helper()
	got, err := get()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%s read back: err %v\n%+v\nwant\n%+v", kind, err, got, want)
	}
}

// A record of another office, or under another case, is NOT_FOUND with the
// message of an absent one, for every read and write by name; lists and
// counts never reach past the scope.
func TestRecordsOutsideTheScopeOrCaseAreNotFound(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	c := newCase(t, "kolkata", "c1", day(2024, 8, 1))
	advance(t, c, domain.StageCognizance, day(2024, 9, 1))
	create(t, repos.Cases, c)
	create(t, repos.Accused, newAccused(t, "kolkata", "c1", "a1", "Ravi"))
	create(t, repos.Hearings, newHearing(t, "kolkata", "c1", "h1", day(2025, 7, 1), domain.PurposeBail))
	create(t, repos.Witnesses, newWitness(t, "kolkata", "c1", "w1", "s1", true))
	create(t, repos.Compensations, newCompensation(t, "kolkata", "c1", "k1", "s1", day(2025, 1, 5)))

	_, errOther := repos.Cases.Get(ctx, mumbai, "kolkata", "c1")
	_, errMissing := repos.Cases.Get(ctx, mumbai, "kolkata", "c9")
	a := errstest.Want(t, errOther, errs.KindNotFound, "CASE_NOT_FOUND")
	b := errstest.Want(t, errMissing, errs.KindNotFound, "CASE_NOT_FOUND")
	if a.Message != `case "offices/kolkata/cases/c1" does not exist` || b.Message != `case "offices/kolkata/cases/c9" does not exist` {
		t.Errorf("messages differ beyond the name: %q, %q", a.Message, b.Message)
	}
	_, err := repos.Cases.Update(ctx, mumbai, "kolkata", "c1", func(c *domain.Case) (*domain.Case, error) {
		t.Error("update function ran on a case outside the scope")
		return c, nil
	})
	errstest.Want(t, err, errs.KindNotFound, "CASE_NOT_FOUND")

	// Each child: another office's caller, the right office under another
	// case, and the wrong office.
	type read struct {
		scope          domain.Scope
		office, caseID string
	}
	misses := []read{{mumbai, "kolkata", "c1"}, {all, "kolkata", "c2"}, {all, "mumbai", "c1"}}
	for _, m := range misses {
		name := func(coll, id string) string {
			return fmt.Sprintf("%q does not exist", domain.CaseName(m.office, m.caseID)+"/"+coll+"/"+id)
		}
		_, err := repos.Accused.Get(ctx, m.scope, m.office, m.caseID, "a1")
		if e := errstest.Want(t, err, errs.KindNotFound, "ACCUSED_NOT_FOUND"); !strings.HasSuffix(e.Message, name("accused", "a1")) {
			t.Errorf("message %q", e.Message)
		}
		_, err = repos.Accused.Update(ctx, m.scope, m.office, m.caseID, "a1", func(a *domain.Accused) (*domain.Accused, error) {
			t.Error("update function ran on an accused outside the scope or case")
			return a, nil
		})
		errstest.Want(t, err, errs.KindNotFound, "ACCUSED_NOT_FOUND")
		_, err = repos.Hearings.Get(ctx, m.scope, m.office, m.caseID, "h1")
		if e := errstest.Want(t, err, errs.KindNotFound, "HEARING_NOT_FOUND"); !strings.HasSuffix(e.Message, name("hearings", "h1")) {
			t.Errorf("message %q", e.Message)
		}
		errstest.Want(t, repos.Hearings.Delete(ctx, m.scope, m.office, m.caseID, "h1", 1), errs.KindNotFound, "HEARING_NOT_FOUND")
		_, err = repos.Witnesses.Get(ctx, m.scope, m.office, m.caseID, "w1")
		errstest.Want(t, err, errs.KindNotFound, "WITNESS_NOT_FOUND")
		errstest.Want(t, repos.Witnesses.Delete(ctx, m.scope, m.office, m.caseID, "w1", 1), errs.KindNotFound, "WITNESS_NOT_FOUND")
		_, err = repos.Compensations.Get(ctx, m.scope, m.office, m.caseID, "k1")
		errstest.Want(t, err, errs.KindNotFound, "COMPENSATION_NOT_FOUND")
		_, err = repos.Compensations.Update(ctx, m.scope, m.office, m.caseID, "k1", func(c *domain.Compensation) (*domain.Compensation, error) {
			t.Error("update function ran on a compensation outside the scope or case")
			return c, nil
		})
		errstest.Want(t, err, errs.KindNotFound, "COMPENSATION_NOT_FOUND")
		for name, count := range map[string]func(context.Context, domain.Scope, string, string, string) (int, error){
			"witnesses": repos.Witnesses.CountBySurvivor, "compensations": repos.Compensations.CountBySurvivor,
		} {
			if n, err := count(ctx, m.scope, m.office, m.caseID, survivor("kolkata", "s1")); err != nil || n != 0 {
				t.Errorf("%s CountBySurvivor %+v = %d, %v; want 0", name, m, n, err)
			}
		}
	}

	// Lists, counts and the calendar of a Mumbai caller see nothing of
	// Kolkata's, whatever the parent or filter says.
	q := domain.ListQuery{Scope: mumbai, Now: now}
	if p, err := repos.Cases.List(ctx, domain.ListQuery{Scope: mumbai, Filter: `office = "kolkata"`}); err != nil || len(p.Items) != 0 {
		t.Errorf("cases: %v, %v", p.Items, err)
	}
	for _, office := range []string{"kolkata", "-"} {
		for _, caseID := range []string{"c1", domain.AllCases} {
			pa, errA := repos.Accused.List(ctx, office, caseID, q)
			ph, errH := repos.Hearings.List(ctx, office, caseID, q)
			pw, errW := repos.Witnesses.List(ctx, office, caseID, domain.ListQuery{Scope: mumbai, Now: now, Filter: "evidence_overdue = false"})
			pc, errC := repos.Compensations.List(ctx, office, caseID, q)
			if n := len(pa.Items) + len(ph.Items) + len(pw.Items) + len(pc.Items); n != 0 || errA != nil || errH != nil || errW != nil || errC != nil {
				t.Errorf("offices/%s/cases/%s: %d records (%v %v %v %v)", office, caseID, n, errA, errH, errW, errC)
			}
		}
	}
	cal, err := repos.Hearings.Calendar(ctx, domain.CalendarQuery{Scope: mumbai, Office: "kolkata", Start: day(2025, 1, 1), End: day(2025, 12, 31)})
	if err != nil || len(cal.Items) != 0 {
		t.Errorf("calendar: %v, %v", cal.Items, err)
	}
	if m, err := repos.Cases.GetMany(ctx, mumbai, "kolkata", []string{"c1"}); err != nil || len(m) != 0 {
		t.Errorf("GetMany = %v, %v", m, err)
	}
	if m, err := repos.Cases.ListWithCognizance(ctx, mumbai, "kolkata"); err != nil || len(m) != 0 {
		t.Errorf("ListWithCognizance = %v, %v", m, err)
	}
	// Kolkata's own caller reaches all of it.
	kolkata := domain.NewScope("kolkata")
	if m, err := repos.Cases.GetMany(ctx, kolkata, "kolkata", []string{"c1", "c9"}); err != nil || len(m) != 1 || m["c1"].ID != "c1" {
		t.Errorf("GetMany = %v, %v", m, err)
	}
	if m, err := repos.Cases.ListWithCognizance(ctx, kolkata, "kolkata"); err != nil || !reflect.DeepEqual(m, map[string]domain.Date{"c1": day(2024, 9, 1)}) {
		t.Errorf("ListWithCognizance = %v, %v", m, err)
	}
	for name, count := range map[string]func(context.Context, domain.Scope, string, string, string) (int, error){
		"witnesses": repos.Witnesses.CountBySurvivor, "compensations": repos.Compensations.CountBySurvivor,
	} {
		if n, err := count(ctx, kolkata, "kolkata", "c1", survivor("kolkata", "s1")); err != nil || n != 1 {
			t.Errorf("%s CountBySurvivor = %d, %v; want 1", name, n, err)
		}
	}
}

// A stale etag is ABORTED; of two writers with the same etag exactly one
// wins, for a case and for a record under one.
func TestEtagsAndConcurrentWriters(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	create(t, repos.Cases, newCase(t, "mumbai", "c1", day(2025, 1, 2)))
	create(t, repos.Accused, newAccused(t, "mumbai", "c1", "a1", "Ravi"))
	c, _ := repos.Cases.Get(ctx, all, "mumbai", "c1")
	a, _ := repos.Accused.Get(ctx, all, "mumbai", "c1", "a1")

	retitle := func(etag, title string) func(*domain.Case) (*domain.Case, error) {
		return func(c *domain.Case) (*domain.Case, error) {
			if err := domain.CheckEtag("case", c.Name(), c.Meta, etag); err != nil {
				return nil, err
			}
			return c, c.Update([]domain.CaseField{domain.CaseFieldTitle}, domain.CaseFields{Title: title}, "meera", now, ist)
		}
	}
	rename := func(etag, name string) func(*domain.Accused) (*domain.Accused, error) {
		return func(a *domain.Accused) (*domain.Accused, error) {
			if err := domain.CheckEtag("accused", a.Name(), a.Meta, etag); err != nil {
				return nil, err
			}
			return a, a.Update([]domain.AccusedField{domain.AccusedFieldDisplayName}, domain.AccusedFields{DisplayName: name}, "meera", now)
		}
	}
	for _, tc := range []struct {
		what  string
		write func(i int) error
	}{
		{"case", func(i int) error {
			_, err := repos.Cases.Update(ctx, all, "mumbai", "c1", retitle(c.Etag(), fmt.Sprintf("State v. %d", i)))
			return err
		}},
		{"accused", func(i int) error {
			_, err := repos.Accused.Update(ctx, all, "mumbai", "c1", "a1", rename(a.Etag(), fmt.Sprintf("Ravi %d", i)))
			return err
		}},
	} {
		results := make([]error, 8)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() { results[i] = tc.write(i) })
		}
		wg.Wait()
		won := 0
		for _, err := range results {
			if err == nil {
				won++
				continue
			}
			errstest.Want(t, err, errs.KindAborted, "ETAG_MISMATCH")
		}
		if won != 1 {
			t.Errorf("%s: %d writers with the same etag won, want exactly 1", tc.what, won)
		}
		// The etag the winner left is stale for the next writer too.
		if err := tc.write(99); err == nil {
			t.Errorf("%s: a write with a stale etag succeeded", tc.what)
		}
	}
	got, _ := repos.Cases.Get(ctx, all, "mumbai", "c1")
	if got.Version != 2 {
		t.Errorf("case version %d, want 2", got.Version)
	}

	// A hearing is deleted at its version only.
	create(t, repos.Hearings, newHearing(t, "mumbai", "c1", "h1", day(2025, 7, 1), domain.PurposeBail))
	if _, err := repos.Hearings.Update(ctx, all, "mumbai", "c1", "h1", func(h *domain.Hearing) (*domain.Hearing, error) {
		return h, h.Update([]domain.HearingField{domain.HearingFieldOutcome}, domain.HearingFields{Outcome: "adjourned"}, "meera", now)
	}); err != nil {
		t.Fatal(err)
	}
	errstest.Want(t, repos.Hearings.Delete(ctx, all, "mumbai", "c1", "h1", 1), errs.KindAborted, "ETAG_MISMATCH")
	if err := repos.Hearings.Delete(ctx, all, "mumbai", "c1", "h1", 2); err != nil {
		t.Fatal(err)
	}
	_, err := repos.Hearings.Get(ctx, all, "mumbai", "c1", "h1")
	errstest.Want(t, err, errs.KindNotFound, "HEARING_NOT_FOUND")
}

func TestCaseListFiltersOrdersAndPages(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	for i, title := range []string{"State v. Bhola", "State v. Arun", "State v. Chhotu", "State v. Deepak", "State v. Ejaz"} {
		c := newCase(t, "mumbai", fmt.Sprintf("c%d", i), day(2024, 5, 1+i))
		c.Title, c.CreateTime = title, now.Add(time.Duration(i)*time.Minute)
		switch i {
		case 1:
			c.CNRNumber, c.Court = "MHMU010000012024", "Sessions"
		case 2:
			advance(t, c, domain.StageJudgment, day(2025, 1, 5))
			advance(t, c, domain.StageConvicted, day(2025, 2, 5))
		case 3:
			advance(t, c, domain.StageJudgment, day(2025, 1, 5))
			advance(t, c, domain.StageAcquitted, day(2025, 2, 5))
			advance(t, c, domain.StageAppeal, day(2025, 3, 5))
		case 4:
			c.PoliceStation, c.FIRNumber = "Colaba", "9/2024"
		}
		create(t, repos.Cases, c)
	}
	k1 := newCase(t, "kolkata", "k1", day(2024, 5, 1))
	k1.CreateTime = now.Add(-time.Minute)
	create(t, repos.Cases, k1)
	for _, tc := range []struct {
		scope           domain.Scope
		filter, orderBy string
		want            []string
	}{
		{mumbai, "", "", []string{"c4", "c3", "c2", "c1", "c0"}},
		{all, "", "create_time", []string{"k1", "c0", "c1", "c2", "c3", "c4"}},
		{mumbai, "", "title", []string{"c1", "c0", "c2", "c3", "c4"}},
		{mumbai, "", "title desc", []string{"c4", "c3", "c2", "c0", "c1"}},
		{all, `office = "kolkata"`, "", []string{"k1"}},
		{mumbai, `stage = CASE_STAGE_FIR_REGISTERED`, "title", []string{"c1", "c0", "c4"}},
		{mumbai, `stage = "APPEAL"`, "", []string{"c3"}},
		{mumbai, `outcome = CASE_OUTCOME_CONVICTED`, "", []string{"c2"}},
		// Under appeal, the outcome is the one appealed against.
		{mumbai, `outcome = ACQUITTED`, "", []string{"c3"}},
		{mumbai, `outcome = CASE_OUTCOME_UNSPECIFIED`, "title", []string{"c1", "c0", "c4"}},
		{mumbai, `outcome != UNSPECIFIED`, "title", []string{"c2", "c3"}},
		{mumbai, `cnr_number = "MHMU010000012024" AND court = "Sessions"`, "", []string{"c1"}},
		{mumbai, `police_station = "Colaba" OR fir_number = "9/2024"`, "", []string{"c4"}},
	} {
		got := pages(t, domain.ListQuery{Scope: tc.scope, Filter: tc.filter, OrderBy: tc.orderBy, QueryKey: "offices/-"},
			func(q domain.ListQuery) (domain.Page[*domain.Case], error) { return repos.Cases.List(ctx, q) }, caseMeta)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q by %q = %v, want %v", tc.filter, tc.orderBy, got, tc.want)
		}
	}
	for _, tc := range []struct{ filter, orderBy, reason string }{
		{`survivors = "offices/mumbai/survivors/s1"`, "", filtering.ReasonInvalidFilter},
		{`stage = SOMEWHERE`, "", filtering.ReasonInvalidFilter},
		{`outcome > CONVICTED`, "", filtering.ReasonInvalidFilter},
		{"", "fir_date", listing.ReasonInvalidOrderBy},
	} {
		_, err := repos.Cases.List(ctx, domain.ListQuery{Scope: mumbai, Filter: tc.filter, OrderBy: tc.orderBy})
		errstest.Want(t, err, errs.KindInvalidArgument, tc.reason)
	}
}

func TestAccusedListUnderACaseOrEvery(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	people := []struct {
		caseID, id, name string
		role             domain.AccusedRole
	}{
		{"c1", "a1", "Meena", domain.RoleBrothelOwnerOrKeeper},
		{"c1", "a2", "Kishore", domain.RolePimp},
		{"c2", "a3", "Lalit", domain.RoleRecruiter},
		{"c2", "a4", "Anwar", domain.RolePimp},
	}
	for i, p := range people {
		a := newAccused(t, "mumbai", p.caseID, p.id, p.name)
		a.Role, a.CreateTime = p.role, now.Add(time.Duration(i)*time.Minute)
		switch p.id {
		case "a2", "a3":
			if err := a.ChangeCustody(domain.CustodyArrested, day(2025, 1, 3), "", change(""), ist); err != nil {
				t.Fatal(err)
			}
		case "a4":
			if err := a.RecordVerdict(domain.VerdictDischarged, day(2025, 2, 1), nil, change(""), ist); err != nil {
				t.Fatal(err)
			}
		}
		create(t, repos.Accused, a)
	}
	create(t, repos.Accused, newAccused(t, "kolkata", "c9", "a9", "Zakir"))
	for _, tc := range []struct {
		office, caseID  string
		filter, orderBy string
		want            []string
	}{
		{"mumbai", "c1", "", "", []string{"a2", "a1"}},
		{"mumbai", domain.AllCases, "", "", []string{"a4", "a3", "a2", "a1"}},
		{"mumbai", domain.AllCases, "", "display_name", []string{"a4", "a2", "a3", "a1"}},
		{"-", domain.AllCases, "", "display_name desc", []string{"a9", "a1", "a3", "a2", "a4"}},
		{"mumbai", domain.AllCases, `role = ACCUSED_ROLE_PIMP`, "display_name", []string{"a4", "a2"}},
		{"mumbai", domain.AllCases, `custody = "CUSTODY_ARRESTED"`, "display_name", []string{"a2", "a3"}},
		{"mumbai", domain.AllCases, `custody = ACQUITTED`, "", []string{"a4"}},
		{"mumbai", domain.AllCases, `verdict = VERDICT_DISCHARGED`, "", []string{"a4"}},
		{"mumbai", "c2", `verdict = VERDICT_UNSPECIFIED`, "", []string{"a3"}},
		{"mumbai", "c3", "", "", []string{}},
	} {
		got := pages(t, domain.ListQuery{Scope: all, Filter: tc.filter, OrderBy: tc.orderBy},
			func(q domain.ListQuery) (domain.Page[*domain.Accused], error) {
				return repos.Accused.List(ctx, tc.office, tc.caseID, q)
			},
			accusedMeta)
		if !slices.Equal(got, tc.want) {
			t.Errorf("offices/%s/cases/%s %q by %q = %v, want %v", tc.office, tc.caseID, tc.filter, tc.orderBy, got, tc.want)
		}
	}
	_, err := repos.Accused.List(ctx, "mumbai", "c1", domain.ListQuery{Scope: all, Filter: `display_name = "Meena"`})
	errstest.Want(t, err, errs.KindInvalidArgument, filtering.ReasonInvalidFilter)
}

func TestHearingListAndCalendar(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	for _, h := range []struct {
		caseID, id string
		on         domain.Date
		purpose    domain.HearingPurpose
	}{
		{"cb", "h1", day(2025, 7, 14), domain.PurposeEvidence},
		{"ca", "h2", day(2025, 7, 14), domain.PurposeBail},
		{"cb", "h3", day(2025, 7, 1), domain.PurposeCharge},
		{"ca", "h4", day(2025, 6, 30), domain.PurposeBail},
		{"ca", "h5", day(2025, 8, 1), domain.PurposeArguments},
		{"ca", "h0", day(2025, 7, 14), domain.PurposeBail},
		{"ca0", "h6", day(2025, 7, 14), domain.PurposeOther},
	} {
		create(t, repos.Hearings, newHearing(t, "mumbai", h.caseID, h.id, h.on, h.purpose))
	}
	create(t, repos.Hearings, newHearing(t, "kolkata", "k1", "h9", day(2025, 7, 14), domain.PurposeBail))

	for _, tc := range []struct {
		caseID, filter, orderBy string
		want                    []string
	}{
		{"ca", "", "date", []string{"h4", "h0", "h2", "h5"}},
		// Ties in any order are broken by id, ascending.
		{"ca", "", "date desc", []string{"h5", "h0", "h2", "h4"}},
		{"ca", `purpose = HEARING_PURPOSE_BAIL`, "date", []string{"h4", "h0", "h2"}},
		{domain.AllCases, `purpose = "CHARGE" OR purpose = "OTHER"`, "date", []string{"h3", "h6"}},
	} {
		got := pages(t, domain.ListQuery{Scope: all, Filter: tc.filter, OrderBy: tc.orderBy},
			func(q domain.ListQuery) (domain.Page[*domain.Hearing], error) {
				return repos.Hearings.List(ctx, "mumbai", tc.caseID, q)
			},
			hearingMeta)
		if !slices.Equal(got, tc.want) {
			t.Errorf("cases/%s %q by %q = %v, want %v", tc.caseID, tc.filter, tc.orderBy, got, tc.want)
		}
	}

	// The calendar: both ends included, by date then by name, over pages.
	calendar := func(scope domain.Scope, office string, start, end domain.Date, size int32) ([]string, error) {
		q := domain.CalendarQuery{Scope: scope, Office: office, Start: start, End: end, PageSize: size}
		var names []string
		for range 20 {
			page, err := repos.Hearings.Calendar(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, h := range page.Items {
				names = append(names, h.Name())
			}
			if page.NextPageToken == "" {
				break
			}
			q.PageToken = page.NextPageToken
		}
		return names, nil
	}
	got, err := calendar(all, "mumbai", day(2025, 7, 1), day(2025, 7, 14), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"offices/mumbai/cases/cb/hearings/h3",
		"offices/mumbai/cases/ca/hearings/h0",
		"offices/mumbai/cases/ca/hearings/h2",
		"offices/mumbai/cases/ca0/hearings/h6",
		"offices/mumbai/cases/cb/hearings/h1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("calendar =\n%v\nwant\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	sorted := slices.Clone(want[1:])
	slices.Sort(sorted)
	if !slices.Equal(sorted, want[1:]) {
		t.Errorf("one day's hearings are not in name order: %v", want[1:])
	}
	if got, err := calendar(all, "mumbai", day(2025, 6, 30), day(2025, 6, 30), 0); err != nil || !slices.Equal(got, []string{"offices/mumbai/cases/ca/hearings/h4"}) {
		t.Errorf("one-day calendar = %v, %v", got, err)
	}
	if got, err := calendar(mumbai, "kolkata", day(2025, 7, 1), day(2025, 7, 31), 0); err != nil || len(got) != 0 {
		t.Errorf("another office's calendar = %v, %v", got, err)
	}
	// A page token of one range does not continue another.
	page, err := repos.Hearings.Calendar(ctx, domain.CalendarQuery{Scope: all, Office: "mumbai", Start: day(2025, 7, 1), End: day(2025, 7, 14), PageSize: 1})
	if err != nil || page.NextPageToken == "" {
		t.Fatalf("first page: %v, %v", page, err)
	}
	_, err = repos.Hearings.Calendar(ctx, domain.CalendarQuery{Scope: all, Office: "mumbai", Start: day(2025, 7, 1), End: day(2025, 7, 31),
		PageSize: 1, PageToken: page.NextPageToken})
	errstest.Want(t, err, errs.KindInvalidArgument, "INVALID_PAGE_TOKEN")
}

// evidence_overdue is judged as domain.Witness.Overdue does, on the office's
// today: a pending child witness whose case took cognizance more than 30
// days ago.
func TestWitnessFiltersIncludingEvidenceOverdue(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	// Today in Mumbai is 2025-06-30 (now is 15:30 IST). At 19:00 UTC it is
	// 1 July in Mumbai but still 30 June in UTC: the office's zone decides.
	cognizance := map[string]domain.Date{
		"late":    day(2025, 5, 30), // deadline 06-29: overdue today
		"due":     day(2025, 5, 31), // deadline 06-30, today: not yet
		"none":    {},
		"kolkata": day(2025, 1, 2),
	}
	for id, on := range cognizance {
		office := "mumbai"
		if id == "kolkata" {
			office = "kolkata"
		}
		c := newCase(t, office, id, day(2025, 1, 1))
		if !on.IsZero() {
			advance(t, c, domain.StageCognizance, on)
		}
		create(t, repos.Cases, c)
	}
	type w struct {
		caseID, id string
		minor      bool
		status     domain.TestimonyStatus
	}
	for i, x := range []w{
		{"late", "w1", true, domain.TestimonyPending},     // overdue
		{"late", "w2", false, domain.TestimonyPending},    // adult
		{"late", "w3", true, domain.TestimonyRecorded},    // recorded
		{"late", "w4", true, domain.TestimonyNotRequired}, // not required
		{"due", "w5", true, domain.TestimonyPending},      // deadline today
		{"none", "w6", true, domain.TestimonyPending},     // no cognizance yet
		{"late", "w7", true, domain.TestimonyPending},     // overdue
		{"kolkata", "w8", true, domain.TestimonyPending},  // overdue, other office
		{"gone", "w9", true, domain.TestimonyPending},     // no such case
	} {
		office := "mumbai"
		if x.caseID == "kolkata" {
			office = "kolkata"
		}
		wit := newWitness(t, office, x.caseID, x.id, fmt.Sprintf("s%d", i), x.minor)
		wit.TestimonyStatus = x.status
		if x.status == domain.TestimonyRecorded {
			wit.EvidenceRecordedDate = day(2025, 6, 2)
		}
		wit.CreateTime = now.Add(time.Duration(i) * time.Minute)
		create(t, repos.Witnesses, wit)
	}
	list := func(scope domain.Scope, office, caseID, filter string, at time.Time) []string {
		t.Helper()
		return pages(t, domain.ListQuery{Scope: scope, Filter: filter, OrderBy: "create_time", Now: at},
			func(q domain.ListQuery) (domain.Page[*domain.Witness], error) {
				return repos.Witnesses.List(ctx, office, caseID, q)
			},
			witnessMeta)
	}
	for _, tc := range []struct {
		scope          domain.Scope
		office, caseID string
		filter         string
		want           []string
	}{
		{all, "mumbai", domain.AllCases, `evidence_overdue = true`, []string{"w1", "w7"}},
		{all, "mumbai", "late", `evidence_overdue = true`, []string{"w1", "w7"}},
		{all, "mumbai", "due", `evidence_overdue = true`, []string{}},
		{all, "mumbai", domain.AllCases, `evidence_overdue = false`, []string{"w2", "w3", "w4", "w5", "w6", "w9"}},
		{all, "mumbai", domain.AllCases, `evidence_overdue != true AND minor = true`, []string{"w3", "w4", "w5", "w6", "w9"}},
		{all, "mumbai", domain.AllCases, `evidence_overdue = true AND survivor = "offices/mumbai/survivors/s6"`, []string{"w7"}},
		{all, "mumbai", domain.AllCases, `NOT evidence_overdue = true AND testimony_status = TESTIMONY_STATUS_PENDING AND minor = true`,
			[]string{"w5", "w6", "w9"}},
		{all, "-", domain.AllCases, `evidence_overdue = true`, []string{"w1", "w7", "w8"}},
		{mumbai, "-", domain.AllCases, `evidence_overdue = true`, []string{"w1", "w7"}},
		{mumbai, "kolkata", domain.AllCases, `evidence_overdue = true`, []string{}},
		{all, "mumbai", domain.AllCases, `testimony_status = RECORDED OR testimony_status = NOT_REQUIRED`, []string{"w3", "w4"}},
		{all, "mumbai", "late", `minor = false`, []string{"w2"}},
	} {
		if got := list(tc.scope, tc.office, tc.caseID, tc.filter, now); !slices.Equal(got, tc.want) {
			t.Errorf("offices/%s/cases/%s %q in %v = %v, want %v", tc.office, tc.caseID, tc.filter, tc.scope.Offices(), got, tc.want)
		}
	}
	// A day later (past midnight in Mumbai, not yet in UTC), w5's deadline has passed.
	tomorrow := time.Date(2025, 6, 30, 19, 0, 0, 0, time.UTC)
	if got := list(all, "mumbai", domain.AllCases, `evidence_overdue = true`, tomorrow); !slices.Equal(got, []string{"w1", "w5", "w7"}) {
		t.Errorf("overdue at 00:30 IST on 1 July = %v, want [w1 w5 w7]", got)
	}
	// The filter agrees with the domain's rule on every witness listed.
	dates, err := repos.Cases.ListWithCognizance(ctx, all, "mumbai")
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{now, tomorrow} {
		page, err := repos.Witnesses.List(ctx, "mumbai", domain.AllCases, domain.ListQuery{Scope: all, Now: at, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		overdue := list(all, "mumbai", domain.AllCases, `evidence_overdue = true`, at)
		for _, wit := range page.Items {
			if want := wit.Overdue(dates[wit.CaseID], domain.Today(at, ist)); want != slices.Contains(overdue, wit.ID) {
				t.Errorf("at %v: %s listed overdue %v, the domain says %v", at, wit.ID, !want, want)
			}
		}
	}
	_, err = repos.Witnesses.List(ctx, "mumbai", domain.AllCases, domain.ListQuery{Scope: all, Now: now, Filter: `evidence_overdue = "yes"`})
	errstest.Want(t, err, errs.KindInvalidArgument, filtering.ReasonInvalidFilter)
	_, err = repos.Witnesses.List(ctx, "mumbai", domain.AllCases, domain.ListQuery{Scope: all, Now: now, OrderBy: "survivor"})
	errstest.Want(t, err, errs.KindInvalidArgument, listing.ReasonInvalidOrderBy)
}

func TestCompensationListAndCountsBySurvivor(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	for i, k := range []struct {
		caseID, id, survivor string
		applied              domain.Date
	}{
		{"c1", "k1", "s1", day(2024, 6, 30)}, // CrPC 357A: the day before BNSS
		{"c1", "k2", "s2", day(2024, 7, 1)},  // BNSS 396 from its first day
		{"c2", "k3", "s1", day(2025, 1, 9)},
	} {
		c := newCompensation(t, "mumbai", k.caseID, k.id, k.survivor, k.applied)
		c.CreateTime = now.Add(time.Duration(i) * time.Minute)
		if k.id == "k3" {
			if err := c.Update([]domain.CompensationField{domain.CompensationFieldStatus}, domain.CompensationFields{Status: domain.CompensationRejected},
				"meera", now, ist); err != nil {
				t.Fatal(err)
			}
		}
		create(t, repos.Compensations, c)
	}
	for _, tc := range []struct {
		caseID, filter, orderBy string
		want                    []string
	}{
		{"c1", "", "", []string{"k2", "k1"}},
		{domain.AllCases, "", "create_time", []string{"k1", "k2", "k3"}},
		{domain.AllCases, `scheme = COMPENSATION_SCHEME_CRPC_357A`, "", []string{"k1"}},
		{domain.AllCases, `scheme = "BNSS_396"`, "create_time", []string{"k2", "k3"}},
		{domain.AllCases, `status = COMPENSATION_STATUS_REJECTED`, "", []string{"k3"}},
		{domain.AllCases, `survivor = "offices/mumbai/survivors/s1"`, "create_time", []string{"k1", "k3"}},
	} {
		got := pages(t, domain.ListQuery{Scope: all, Filter: tc.filter, OrderBy: tc.orderBy},
			func(q domain.ListQuery) (domain.Page[*domain.Compensation], error) {
				return repos.Compensations.List(ctx, "mumbai", tc.caseID, q)
			}, compensationMeta)
		if !slices.Equal(got, tc.want) {
			t.Errorf("cases/%s %q by %q = %v, want %v", tc.caseID, tc.filter, tc.orderBy, got, tc.want)
		}
	}

	create(t, repos.Witnesses, newWitness(t, "mumbai", "c1", "w1", "s1", false), newWitness(t, "mumbai", "c2", "w2", "s1", false))
	for _, tc := range []struct {
		caseID, survivor string
		witnesses, comps int
	}{
		{"c1", "s1", 1, 1},
		{"c1", "s2", 0, 1},
		{"c2", "s1", 1, 1},
		{"c2", "s2", 0, 0},
		{"c3", "s1", 0, 0},
	} {
		nw, errW := repos.Witnesses.CountBySurvivor(ctx, all, "mumbai", tc.caseID, survivor("mumbai", tc.survivor))
		nc, errC := repos.Compensations.CountBySurvivor(ctx, all, "mumbai", tc.caseID, survivor("mumbai", tc.survivor))
		if nw != tc.witnesses || nc != tc.comps || errW != nil || errC != nil {
			t.Errorf("%s in %s: witnesses %d (%v), compensations %d (%v); want %d, %d", tc.survivor, tc.caseID, nw, errW, nc, errC, tc.witnesses, tc.comps)
		}
	}
	// Once the witness is deleted, the survivor is no longer named by one.
	if err := repos.Witnesses.Delete(ctx, all, "mumbai", "c1", "w1", 1); err != nil {
		t.Fatal(err)
	}
	if n, err := repos.Witnesses.CountBySurvivor(ctx, all, "mumbai", "c1", survivor("mumbai", "s1")); err != nil || n != 0 {
		t.Errorf("after the delete: %d, %v", n, err)
	}
}

func TestGetManyAndListWithCognizance(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	c1 := newCase(t, "mumbai", "c1", day(2024, 8, 1))
	advance(t, c1, domain.StageProsecutionEvidence, day(2024, 10, 3)) // reaches past COGNIZANCE: its date is set
	c2 := newCase(t, "mumbai", "c2", day(2024, 8, 1))
	advance(t, c2, domain.StageCognizance, day(2024, 9, 9))
	if err := c2.Correct(domain.StageInvestigation, "the court has not yet taken cognizance", change("")); err != nil {
		t.Fatal(err)
	}
	create(t, repos.Cases, c1, c2, newCase(t, "mumbai", "c3", day(2024, 8, 1)))
	got, err := repos.Cases.ListWithCognizance(ctx, all, "mumbai")
	if want := map[string]domain.Date{"c1": day(2024, 10, 3)}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("ListWithCognizance = %v, %v; want %v", got, err, want)
	}
	many, err := repos.Cases.GetMany(ctx, all, "mumbai", []string{"c1", "c3", "c9"})
	if err != nil || len(many) != 2 || !reflect.DeepEqual(many["c1"], c1) || many["c3"].ID != "c3" {
		t.Errorf("GetMany = %v, %v", many, err)
	}
	if many, err := repos.Cases.GetMany(ctx, all, "mumbai", nil); err != nil || len(many) != 0 {
		t.Errorf("GetMany of no ids = %v, %v", many, err)
	}
}
