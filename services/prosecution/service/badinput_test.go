package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
)

// badInputRecords are the records of mumbai the bad requests name.
type badInputRecords struct {
	survivor string
	// kase is at FIR_REGISTERED, links the survivor and has an accused at
	// large, a hearing, the survivor's witness record and a compensation.
	kase         *prosecutionv1.Case
	accused      *prosecutionv1.Accused
	hearing      *prosecutionv1.Hearing
	witness      *prosecutionv1.Witness
	compensation *prosecutionv1.Compensation
	// uncharged is a case without charges, linking no survivor.
	uncharged *prosecutionv1.Case
	// judgment is at JUDGMENT; its accused was acquitted.
	judgment  *prosecutionv1.Case
	acquitted *prosecutionv1.Accused
	// arrested was arrested on 10 August 2024.
	arrested *prosecutionv1.Accused
	// staleCase and staleHearing are etags of kase and hearing that
	// changes have made stale; pageToken is the token of the second page
	// of offices/mumbai's cases, one a page.
	staleCase, staleHearing, pageToken string
}

func newBadInputRecords(t *testing.T, e *env) *badInputRecords {
	t.Helper()
	ctx := ctxT(t)
	r := &badInputRecords{survivor: e.rescue.survivor(t, "mumbai", false).GetName()}
	r.kase = e.createCase(t, "mumbai", r.survivor)
	r.accused = e.newAccused(t, r.kase.GetName())
	r.hearing = e.newHearing(t, r.kase.GetName())
	r.witness = e.newWitness(t, r.kase.GetName(), r.survivor)
	r.compensation = e.newCompensation(t, r.kase.GetName(), r.survivor, stageDate)
	uncharged := newCase()
	uncharged.Charges = nil
	var err error
	if r.uncharged, err = e.client.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: uncharged}); err != nil {
		t.Fatal(err)
	}
	r.judgment = e.caseAt(t, "mumbai", prosecutionv1.CaseStage_CASE_STAGE_JUDGMENT)
	r.acquitted = e.newAccused(t, r.judgment.GetName())
	if _, err := e.client.RecordVerdict(ctx, &prosecutionv1.RecordVerdictRequest{Name: r.acquitted.GetName(),
		Verdict: prosecutionv1.Verdict_VERDICT_ACQUITTED, VerdictDate: day(2025, 3, 1)}); err != nil {
		t.Fatal(err)
	}
	r.arrested = e.newAccused(t, r.kase.GetName())
	if _, err := e.client.ChangeAccusedCustody(ctx, &prosecutionv1.ChangeAccusedCustodyRequest{Name: r.arrested.GetName(),
		Custody: prosecutionv1.Custody_CUSTODY_ARRESTED, EffectiveDate: day(2024, 8, 10)}); err != nil {
		t.Fatal(err)
	}

	r.staleCase, r.staleHearing = r.kase.GetEtag(), r.hearing.GetEtag()
	if r.kase, err = e.client.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: &prosecutionv1.Case{Name: r.kase.GetName(), Court: "Court 2"},
		UpdateMask: mask("court")}); err != nil {
		t.Fatal(err)
	}
	if r.hearing, err = e.client.UpdateHearing(ctx, &prosecutionv1.UpdateHearingRequest{Hearing: &prosecutionv1.Hearing{Name: r.hearing.GetName(),
		CourtRoom: "Court room 4"}, UpdateMask: mask("court_room")}); err != nil {
		t.Fatal(err)
	}
	page, err := e.client.ListCases(ctx, &prosecutionv1.ListCasesRequest{Parent: "offices/mumbai", PageSize: 1})
	if err != nil || page.GetNextPageToken() == "" {
		t.Fatalf("ListCases one a page = %v, %v", page, err)
	}
	r.pageToken = page.GetNextPageToken()
	return r
}

// etags are the current etags of the records, by name.
func (r *badInputRecords) etags(t *testing.T, e *env) map[string]string {
	t.Helper()
	ctx := ctxT(t)
	out := map[string]string{}
	for _, c := range []*prosecutionv1.Case{r.kase, r.uncharged, r.judgment} {
		got, err := e.client.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: c.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		out[got.GetName()] = got.GetEtag()
	}
	for _, a := range []*prosecutionv1.Accused{r.accused, r.acquitted, r.arrested} {
		got, err := e.client.GetAccused(ctx, &prosecutionv1.GetAccusedRequest{Name: a.GetName()})
		if err != nil {
			t.Fatal(err)
		}
		out[got.GetName()] = got.GetEtag()
	}
	h, err1 := e.client.GetHearing(ctx, &prosecutionv1.GetHearingRequest{Name: r.hearing.GetName()})
	w, err2 := e.client.GetWitness(ctx, &prosecutionv1.GetWitnessRequest{Name: r.witness.GetName()})
	c, err3 := e.client.GetCompensation(ctx, &prosecutionv1.GetCompensationRequest{Name: r.compensation.GetName()})
	if err := errors.Join(err1, err2, err3); err != nil {
		t.Fatal(err)
	}
	out[h.GetName()], out[w.GetName()], out[c.GetName()] = h.GetEtag(), w.GetEtag(), c.GetEtag()
	return out
}

// badRequest is one row of TestBadInputIsRefusedAndWritesNothing.
type badRequest struct {
	name   string
	call   func(ctx context.Context) error
	code   codes.Code
	reason string
	// fields must each have a field violation.
	fields []string
	// message is a fragment of the status message: what was wrong or
	// what is allowed.
	message string
}

// errOf drops a call's answer.
func errOf(_ any, err error) error { return err }

// TestBadInputIsRefusedAndWritesNothing sends bad requests of every RPC
// family and checks the code, the ErrorInfo reason, the field violations
// and what the message says; then that no collection (every collection of
// the database but the audit log), no metric counter and no record changed.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	t.Parallel()
	e := start(t)
	r := newBadInputRecords(t, e)
	c := e.client
	mumbai := "offices/mumbai"
	nextYear := time.Now().AddDate(1, 0, 0)
	future := day(int32(nextYear.Year()), int32(nextYear.Month()), 1)

	caseWith := func(change func(*prosecutionv1.Case)) *prosecutionv1.CreateCaseRequest {
		k := newCase()
		change(k)
		return &prosecutionv1.CreateCaseRequest{Parent: mumbai, Case: k, RequestId: "bad-case"}
	}
	charge := func(statute prosecutionv1.Statute, section string, offence *date.Date) *prosecutionv1.CreateCaseRequest {
		return caseWith(func(k *prosecutionv1.Case) {
			k.Charges = []*prosecutionv1.Charge{{Statute: statute, Section: section, OffenceDate: offence}}
		})
	}
	cnr := func(number string) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: &prosecutionv1.Case{Name: r.kase.GetName(), CnrNumber: number},
				UpdateMask: mask("cnr_number")}))
		}
	}
	updateCase := func(k *prosecutionv1.Case, paths ...string) func(context.Context) error {
		return func(ctx context.Context) error {
			k.Name = r.kase.GetName()
			return errOf(c.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: k, UpdateMask: mask(paths...)}))
		}
	}
	advance := func(name string, stage prosecutionv1.CaseStage, on *date.Date) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.AdvanceCaseStage(ctx, &prosecutionv1.AdvanceCaseStageRequest{Name: name, Stage: stage, EffectiveDate: on, RequestId: "bad-advance"}))
		}
	}
	correct := func(name string, stage prosecutionv1.CaseStage, reason string) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.CorrectCaseStage(ctx, &prosecutionv1.CorrectCaseStageRequest{Name: name, Stage: stage, Reason: reason, RequestId: "bad-correct"}))
		}
	}
	custody := func(name string, to prosecutionv1.Custody, on *date.Date) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.ChangeAccusedCustody(ctx, &prosecutionv1.ChangeAccusedCustodyRequest{Name: name, Custody: to, EffectiveDate: on, RequestId: "bad-custody"}))
		}
	}
	bail := func(name string, event *prosecutionv1.BailEvent) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.RecordBailEvent(ctx, &prosecutionv1.RecordBailEventRequest{Name: name, Event: event, RequestId: "bad-bail"}))
		}
	}
	verdict := func(name string, v prosecutionv1.Verdict, s *prosecutionv1.Sentence) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.RecordVerdict(ctx, &prosecutionv1.RecordVerdictRequest{Name: name, Verdict: v, VerdictDate: day(2025, 3, 2), Sentence: s,
				RequestId: "bad-verdict"}))
		}
	}
	calendar := func(office string, start, end *date.Date) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.QueryHearingCalendar(ctx, &prosecutionv1.QueryHearingCalendarRequest{Office: office, StartDate: start, EndDate: end}))
		}
	}
	listCases := func(req *prosecutionv1.ListCasesRequest) func(context.Context) error {
		return func(ctx context.Context) error {
			if req.Parent == "" {
				req.Parent = mumbai
			}
			return errOf(c.ListCases(ctx, req))
		}
	}
	witness := func(parent string, w *prosecutionv1.Witness) func(context.Context) error {
		return func(ctx context.Context) error {
			return errOf(c.CreateWitness(ctx, &prosecutionv1.CreateWitnessRequest{Parent: parent, Witness: w, RequestId: "bad-witness"}))
		}
	}
	compensation := func(parent string, change func(*prosecutionv1.Compensation)) func(context.Context) error {
		return func(ctx context.Context) error {
			comp := &prosecutionv1.Compensation{Survivor: r.survivor, AppliedDate: day(2024, 9, 1), ClaimedInr: 50000}
			change(comp)
			return errOf(c.CreateCompensation(ctx, &prosecutionv1.CreateCompensationRequest{Parent: parent, Compensation: comp, RequestId: "bad-comp"}))
		}
	}
	const (
		ia         = codes.InvalidArgument
		fp         = codes.FailedPrecondition
		fields     = "INVALID_FIELDS"
		badName    = "INVALID_RESOURCE_NAME"
		badMask    = "INVALID_UPDATE_MASK"
		transition = "ILLEGAL_TRANSITION"
	)
	fromFIR := "(allowed from FIR_REGISTERED: INVESTIGATION, CHARGESHEET_FILED, COGNIZANCE, CHARGES_FRAMED, PROSECUTION_EVIDENCE, " +
		"STATEMENT_OF_ACCUSED, DEFENCE_EVIDENCE, ARGUMENTS, JUDGMENT, ABATED, WITHDRAWN)"
	cnrShape := "expected state (2 letters) + district (2 letters or digits) + establishment (2 digits) + serial (6 digits) + year (4 digits)"

	tests := []badRequest{
		// Cases: names, parents, required fields, enums, dates.
		{"case missing", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: mumbai}))
		}, ia, fields, []string{"case"}, "case: is required"},
		{"required case fields missing", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: mumbai, Case: &prosecutionv1.Case{}}))
		}, ia, fields, []string{"case.title", "case.fir_number", "case.police_station", "case.fir_date"}, "case.title: is required"},
		{"malformed parent", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/Mumbai", Case: newCase()}))
		}, ia, badName, []string{"parent"}, `parent must be offices/{office}; the office "Mumbai" must be 2 to 40 lowercase letters`},
		{"a case in all offices", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/-", Case: newCase()}))
		}, ia, badName, []string{"parent"}, "the office - (all your offices) is only for a List; create in one office"},
		{"unknown office", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: "offices/chennai", Case: newCase()}))
		}, codes.NotFound, "OFFICE_NOT_FOUND", nil, `office "chennai" not found`},
		{"malformed request id", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, &prosecutionv1.CreateCaseRequest{Parent: mumbai, Case: newCase(), RequestId: "not ok!"}))
		}, ia, "", []string{"request_id"}, "request_id: must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -"},
		{"malformed case name", func(ctx context.Context) error {
			return errOf(c.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: "offices/mumbai/cases/"}))
		}, ia, badName, []string{"name"}, "name must be offices/{office}/cases/{case}; the case id is empty"},
		{"a hearing's name for a case", func(ctx context.Context) error {
			return errOf(c.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: r.hearing.GetName()}))
		}, ia, badName, []string{"name"}, "name must be offices/{office}/cases/{case}; got 6 segments separated by /, want 4"},
		{"injection in a name", func(ctx context.Context) error {
			return errOf(c.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: `offices/mumbai/cases/{"$ne":null}`}))
		}, ia, badName, []string{"name"}, "must be 1 to 64 lowercase letters or digits"},
		{"a case that does not exist", func(ctx context.Context) error {
			return errOf(c.GetCase(ctx, &prosecutionv1.GetCaseRequest{Name: "offices/mumbai/cases/nosuchcase"}))
		}, codes.NotFound, "CASE_NOT_FOUND", nil, `case "offices/mumbai/cases/nosuchcase" does not exist`},
		{"unknown statute", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute(99), "143", day(2024, 8, 1))))
		}, ia, fields, []string{"case.charges[0].statute"}, "case.charges[0].statute: must be one of ITPA, IPC, BNS, POCSO"},
		{"a date that does not exist", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, caseWith(func(k *prosecutionv1.Case) { k.FirDate = day(2024, 2, 30) })))
		}, ia, fields, []string{"case.fir_date"}, "case.fir_date: must be a calendar date that exists"},
		{"an FIR in the future", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, caseWith(func(k *prosecutionv1.Case) { k.FirDate = future })))
		}, ia, fields, []string{"case.fir_date"}, "case.fir_date: must not be in the future"},
		{"an offence after the FIR", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute_STATUTE_BNS, "143", day(2024, 8, 5))))
		}, ia, fields, []string{"case.charges[0].offence_date"}, "must not be after the FIR date (2024-08-02)"},
		{"a BNS charge for an offence before BNS", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute_STATUTE_BNS, "143", day(2024, 6, 15))))
		}, ia, fields, []string{"case.charges[0].statute"}, "an offence on 2024-06-15 is charged under IPC: use IPC 370 instead of BNS 143"},
		{"an IPC charge for an offence under BNS", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute_STATUTE_IPC, "370a", day(2024, 7, 1))))
		}, ia, fields, []string{"case.charges[0].statute"}, "an offence on 2024-07-01 is charged under BNS: use BNS 144 instead of IPC 370A"},
		{"a section BNS does not have", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute_STATUTE_BNS, "370", day(2024, 8, 1))))
		}, ia, fields, []string{"case.charges[0].section"}, `must be one of 143, 144, 98, 99 for BNS; got "370"`},
		{"an ITPA section outside the list", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute_STATUTE_ITPA, "2", day(2024, 8, 1))))
		}, ia, fields, []string{"case.charges[0].section"}, "must be one of 3, 4, 5, 6, 7, 8, 9 for ITPA"},
		{"a charge without section", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, charge(prosecutionv1.Statute_STATUTE_POCSO, "", day(2024, 8, 1))))
		}, ia, fields, []string{"case.charges[0].section"}, "is required; for POCSO one of 3, 4, 5"},
		{"a charge twice", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, caseWith(func(k *prosecutionv1.Case) { k.Charges = append(k.Charges, proto.CloneOf(k.Charges[0])) })))
		}, ia, fields, []string{"case.charges[1]"}, "repeats case.charges[0]"},
		{"a survivor twice", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, caseWith(func(k *prosecutionv1.Case) { k.Survivors = []string{r.survivor, r.survivor} })))
		}, ia, fields, []string{"case.survivors[1]"}, "repeats case.survivors[0]"},
		{"a malformed survivor name", func(ctx context.Context) error {
			return errOf(c.CreateCase(ctx, caseWith(func(k *prosecutionv1.Case) { k.Survivors = []string{"survivors/x"} })))
		}, ia, fields, []string{"case.survivors[0]"}, "must be a rescue resource name offices/{office}/survivors/{id}"},

		// The eCourts CNR, part by part.
		{"a CNR of 15 characters", cnr("MHMU01001234202"), ia, fields, []string{"case.cnr_number"}, "must be 16 characters"},
		{"a CNR with a bad state code", cnr("12MU010012342024"), ia, fields, []string{"case.cnr_number"},
			`the state code (characters 1-2) must be 2 letters; got "12"; ` + cnrShape},
		{"a CNR with a bad district code", cnr("MH-U010012342024"), ia, fields, []string{"case.cnr_number"},
			`the district code (characters 3-4) must be 2 letters or digits; got "-U"`},
		{"a CNR with a bad establishment code", cnr("MHMUA10012342024"), ia, fields, []string{"case.cnr_number"},
			`the establishment code (characters 5-6) must be 2 digits; got "A1"`},
		{"a CNR with a bad serial number", cnr("MHMU0100123X2024"), ia, fields, []string{"case.cnr_number"},
			`the serial number (characters 7-12) must be 6 digits; got "00123X"`},
		{"a CNR filed before 1950", cnr("MHMU010012341949"), ia, fields, []string{"case.cnr_number"},
			fmt.Sprintf("the year (characters 13-16) must be a year of filing from 1950 to %d; got 1949", time.Now().Year())},
		{"a CNR with two bad parts", cnr("MHMUXX00123X2024"), ia, fields, []string{"case.cnr_number"},
			`the establishment code (characters 5-6) must be 2 digits; got "XX"; the serial number`},

		// Updates: masks, values, etags.
		{"an empty update mask", updateCase(&prosecutionv1.Case{Court: "c"}), ia, badMask, []string{"update_mask"}, "is required: list the fields to change"},
		{"a wildcard update mask", updateCase(&prosecutionv1.Case{}, "*"), ia, badMask, []string{"update_mask"}, `"*" is not accepted`},
		{"an output-only field in the mask", updateCase(&prosecutionv1.Case{}, "stage"), ia, badMask, []string{"update_mask"}, `field "stage" is output only`},
		{"an unknown field in the mask", updateCase(&prosecutionv1.Case{}, "titel"), ia, badMask, []string{"update_mask"}, `Case has no field "titel"`},
		{"survivors in the mask", updateCase(&prosecutionv1.Case{}, "survivors"), ia, badMask, []string{"update_mask"},
			"changes only with LinkCaseReference or UnlinkCaseReference"},
		{"a bad value of a masked field", updateCase(&prosecutionv1.Case{FirDate: day(2024, 13, 1)}, "fir_date"), ia, fields, []string{"case.fir_date"},
			"must be a calendar date that exists"},
		{"a masked required field emptied", updateCase(&prosecutionv1.Case{}, "title"), ia, fields, []string{"case.title"}, "case.title: is required"},
		{"the charges of a charge-sheeted case removed", func(ctx context.Context) error {
			return errOf(c.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: &prosecutionv1.Case{Name: r.judgment.GetName()}, UpdateMask: mask("charges")}))
		}, fp, "CHARGES_REQUIRED", nil, "is JUDGMENT; a case charge-sheeted keeps at least one charge"},
		{"an FIR moved after the case's first stage change", func(ctx context.Context) error {
			return errOf(c.UpdateCase(ctx, &prosecutionv1.UpdateCaseRequest{Case: &prosecutionv1.Case{Name: r.judgment.GetName(), FirDate: day(2024, 9, 5)},
				UpdateMask: mask("fir_date")}))
		}, ia, fields, []string{"case.fir_date"}, "must not be after 2024-09-01, the effective date of the case's first stage change"},
		{"an update with a stale etag", updateCase(&prosecutionv1.Case{Court: "c", Etag: r.staleCase}, "court"), codes.Aborted, "ETAG_MISMATCH", nil,
			"has changed since the given etag was read"},

		// The stage machine.
		{"an illegal stage move", advance(r.kase.GetName(), prosecutionv1.CaseStage_CASE_STAGE_CONVICTED, day(2024, 9, 1)), fp, transition, nil,
			"is FIR_REGISTERED; cannot move to CONVICTED " + fromFIR},
		{"an advance backwards", advance(r.judgment.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, day(2024, 9, 2)), fp, transition, nil,
			"cannot move to INVESTIGATION (allowed from JUDGMENT: CONVICTED, ACQUITTED, ABATED, WITHDRAWN)"},
		{"an advance without stage", advance(r.kase.GetName(), 0, day(2024, 9, 1)), ia, fields, []string{"stage"}, "stage: is required"},
		{"an advance to an unknown stage", advance(r.kase.GetName(), 99, day(2024, 9, 1)), ia, fields, []string{"stage"}, "stage: must be one of FIR_REGISTERED"},
		{"an advance without date", advance(r.kase.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, nil), ia, fields, []string{"effective_date"},
			"effective_date: is required"},
		{"an advance in the future", advance(r.kase.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, future), ia, fields, []string{"effective_date"},
			"effective_date: must not be in the future"},
		{"an advance dated before the FIR", advance(r.kase.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, day(2024, 7, 30)), ia, fields,
			[]string{"effective_date"}, "must not be before the FIR date (2024-08-02)"},
		{"an advance on 31 April", advance(r.kase.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, day(2025, 4, 31)), ia, fields,
			[]string{"effective_date"}, "must be a calendar date that exists"},
		{"a chargesheet without charges", advance(r.uncharged.GetName(), prosecutionv1.CaseStage_CASE_STAGE_CHARGESHEET_FILED, day(2024, 9, 1)), fp,
			"CHARGES_REQUIRED", nil, "CHARGESHEET_FILED needs at least one charge"},
		{"a correction without reason", correct(r.judgment.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, " "), ia, fields, []string{"reason"},
			"reason: is required: say why the stage recorded was wrong"},
		{"a correction forwards", correct(r.kase.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, "wrong stage"), fp, transition, nil,
			"is later, so moving there is not a correction: use AdvanceCaseStage"},
		{"a correction to the stage the case is at", correct(r.judgment.GetName(), prosecutionv1.CaseStage_CASE_STAGE_JUDGMENT, "wrong stage"), fp, transition,
			nil, "is already JUDGMENT; there is nothing to correct"},
		{"a correction with too long a reason", correct(r.judgment.GetName(), prosecutionv1.CaseStage_CASE_STAGE_INVESTIGATION, strings.Repeat("r", 2001)),
			ia, fields, []string{"reason"}, "reason: must be at most 2000 characters; got 2001"},

		// Links to rescue records.
		{"a link without reference", func(ctx context.Context) error {
			return errOf(c.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: r.kase.GetName()}))
		}, ia, fields, []string{"reference"}, "reference: is required"},
		{"a link to a rescue location", func(ctx context.Context) error {
			return errOf(c.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: r.kase.GetName(), Reference: "offices/mumbai/locations/l1"}))
		}, ia, fields, []string{"reference"}, "must be a rescue survivor (offices/mumbai/survivors/{survivor}) or operation"},
		{"a link with a stale etag", func(ctx context.Context) error {
			return errOf(c.LinkCaseReference(ctx, &prosecutionv1.LinkCaseReferenceRequest{Name: r.kase.GetName(), Reference: "offices/mumbai/operations/o1",
				Etag: r.staleCase}))
		}, codes.Aborted, "ETAG_MISMATCH", nil, "get it again and retry with its current etag"},
		{"an unlink of a survivor a witness names", func(ctx context.Context) error {
			return errOf(c.UnlinkCaseReference(ctx, &prosecutionv1.UnlinkCaseReferenceRequest{Name: r.kase.GetName(), Reference: r.survivor}))
		}, fp, "SURVIVOR_IN_USE", nil, "is named by 1 witness and 1 compensation record(s)"},

		// Accused: custody, bail, verdicts.
		{"an accused without name and role", func(ctx context.Context) error {
			return errOf(c.CreateAccused(ctx, &prosecutionv1.CreateAccusedRequest{Parent: r.kase.GetName(), Accused: &prosecutionv1.Accused{}, RequestId: "a1"}))
		}, ia, fields, []string{"accused.display_name", "accused.role"}, "accused.display_name: is required"},
		{"an unknown accused role", func(ctx context.Context) error {
			return errOf(c.CreateAccused(ctx, &prosecutionv1.CreateAccusedRequest{Parent: r.kase.GetName(),
				Accused: &prosecutionv1.Accused{DisplayName: "A", Role: 42}}))
		}, ia, fields, []string{"accused.role"}, "accused.role: must be one of BROTHEL_OWNER_OR_KEEPER"},
		{"an accused under an office", func(ctx context.Context) error {
			return errOf(c.CreateAccused(ctx, &prosecutionv1.CreateAccusedRequest{Parent: mumbai,
				Accused: &prosecutionv1.Accused{DisplayName: "A", Role: prosecutionv1.AccusedRole_ACCUSED_ROLE_PIMP}}))
		}, ia, badName, []string{"parent"}, "parent must be offices/{office}/cases/{case}; got 2 segments"},
		{"an accused of a case that does not exist", func(ctx context.Context) error {
			return errOf(c.CreateAccused(ctx, &prosecutionv1.CreateAccusedRequest{Parent: "offices/mumbai/cases/nosuchcase",
				Accused: &prosecutionv1.Accused{DisplayName: "A", Role: prosecutionv1.AccusedRole_ACCUSED_ROLE_PIMP}, RequestId: "a2"}))
		}, codes.NotFound, "CASE_NOT_FOUND", nil, `case "offices/mumbai/cases/nosuchcase" does not exist`},
		{"an output-only field in an accused's mask", func(ctx context.Context) error {
			return errOf(c.UpdateAccused(ctx, &prosecutionv1.UpdateAccusedRequest{Accused: &prosecutionv1.Accused{Name: r.accused.GetName(),
				Custody: prosecutionv1.Custody_CUSTODY_ARRESTED}, UpdateMask: mask("custody")}))
		}, ia, badMask, []string{"update_mask"}, `field "custody" is output only`},
		{"bail before arrest", custody(r.accused.GetName(), prosecutionv1.Custody_CUSTODY_ON_BAIL, day(2024, 8, 20)), fp, transition, nil,
			"is AT_LARGE; cannot move to ON_BAIL (allowed from AT_LARGE: ARRESTED)"},
		{"a conviction as a custody change", custody(r.arrested.GetName(), prosecutionv1.Custody_CUSTODY_CONVICTED, day(2024, 8, 20)), fp, transition, nil,
			"custody CONVICTED follows from the verdict: record it with RecordVerdict"},
		{"a custody change without custody", custody(r.accused.GetName(), 0, day(2024, 8, 20)), ia, fields, []string{"custody"}, "custody: is required"},
		{"a custody change dated before the last", custody(r.arrested.GetName(), prosecutionv1.Custody_CUSTODY_JUDICIAL_CUSTODY, day(2024, 8, 5)), ia,
			fields, []string{"effective_date"}, "must not be before the effective date of the accused's latest custody change (2024-08-10)"},
		{"a custody change in the future", custody(r.arrested.GetName(), prosecutionv1.Custody_CUSTODY_JUDICIAL_CUSTODY, future), ia, fields,
			[]string{"effective_date"}, "must not be in the future"},
		{"bail granted to an accused at large", bail(r.accused.GetName(), &prosecutionv1.BailEvent{Kind: prosecutionv1.BailEventKind_BAIL_EVENT_KIND_GRANTED,
			Date: day(2024, 8, 20)}), fp, "NOT_IN_CUSTODY", nil, "bail can be granted only to an accused in custody (ARRESTED or JUDICIAL_CUSTODY)"},
		{"bail cancelled for an accused not on bail", bail(r.arrested.GetName(), &prosecutionv1.BailEvent{Kind: prosecutionv1.BailEventKind_BAIL_EVENT_KIND_CANCELLED,
			Date: day(2024, 8, 20)}), fp, "NOT_ON_BAIL", nil, "only bail of an accused ON_BAIL can be cancelled"},
		{"a bail event missing", bail(r.arrested.GetName(), nil), ia, fields, []string{"event"}, "event: is required"},
		{"a bail event without kind and date", bail(r.arrested.GetName(), &prosecutionv1.BailEvent{SuretyInr: -1}), ia, fields,
			[]string{"event.kind", "event.date", "event.surety_inr"}, "event.kind: is required"},
		{"a bail event after the verdict", bail(r.acquitted.GetName(), &prosecutionv1.BailEvent{Kind: prosecutionv1.BailEventKind_BAIL_EVENT_KIND_APPLIED,
			Date: day(2025, 3, 5)}), fp, "VERDICT_RECORDED", nil, "bail events are not recorded after it"},
		{"a second verdict", verdict(r.acquitted.GetName(), prosecutionv1.Verdict_VERDICT_CONVICTED, nil), fp, "VERDICT_RECORDED", nil,
			"already has a verdict (ACQUITTED on 2025-03-01); a verdict is recorded once"},
		{"a verdict before the judgment", verdict(r.accused.GetName(), prosecutionv1.Verdict_VERDICT_CONVICTED, nil), fp, "VERDICT_NOT_ALLOWED", nil,
			"is FIR_REGISTERED; a verdict of CONVICTED is recorded only while the case is JUDGMENT, CONVICTED, ACQUITTED, APPEAL"},
		{"a sentence with an acquittal", verdict(r.accused.GetName(), prosecutionv1.Verdict_VERDICT_ACQUITTED, &prosecutionv1.Sentence{FineInr: 100}), ia,
			fields, []string{"sentence"}, "sentence: may be given only with verdict CONVICTED; got verdict ACQUITTED"},
		{"a verdict without verdict", verdict(r.accused.GetName(), 0, nil), ia, fields, []string{"verdict"}, "verdict: is required"},

		// Hearings and the calendar.
		{"a hearing without date and purpose", func(ctx context.Context) error {
			return errOf(c.CreateHearing(ctx, &prosecutionv1.CreateHearingRequest{Parent: r.kase.GetName(), Hearing: &prosecutionv1.Hearing{}, RequestId: "h1"}))
		}, ia, fields, []string{"hearing.date", "hearing.purpose"}, "hearing.date: is required"},
		{"a calendar of more than 366 days", calendar(mumbai, day(2025, 1, 1), day(2026, 1, 3)), ia, fields, []string{"end_date"},
			"end_date: must be at most 366 days after start_date (2025-01-01, so 2026-01-02 at the latest); got 367 days"},
		{"a calendar ending before it starts", calendar(mumbai, day(2025, 2, 1), day(2025, 1, 31)), ia, fields, []string{"end_date"},
			"end_date: must not be before start_date (2025-02-01)"},
		{"a calendar without dates", calendar(mumbai, nil, nil), ia, fields, []string{"start_date", "end_date"}, "start_date: is required"},
		{"a calendar on a date that does not exist", calendar(mumbai, day(2025, 2, 29), day(2025, 3, 1)), ia, fields, []string{"start_date"},
			"start_date: must be a calendar date that exists"},
		{"a calendar of every office", calendar("offices/-", day(2025, 1, 1), day(2025, 1, 31)), ia, badName, []string{"office"},
			"the office - (all your offices) is not accepted here: these records are listed one office at a time"},
		{"a calendar with a forged page token", func(ctx context.Context) error {
			return errOf(c.QueryHearingCalendar(ctx, &prosecutionv1.QueryHearingCalendarRequest{Office: mumbai, StartDate: day(2025, 1, 1),
				EndDate: day(2025, 1, 31), PageToken: r.pageToken}))
		}, ia, "INVALID_PAGE_TOKEN", []string{"page_token"}, "the token does not belong to this query"},
		{"a hearing deleted with a stale etag", func(ctx context.Context) error {
			return errOf(c.DeleteHearing(ctx, &prosecutionv1.DeleteHearingRequest{Name: r.hearing.GetName(), Etag: r.staleHearing}))
		}, codes.Aborted, "ETAG_MISMATCH", nil, "has changed since the given etag was read"},

		// Listing: filters, orders, pages.
		{"an unknown filter field", func(ctx context.Context) error {
			return errOf(c.ListHearings(ctx, &prosecutionv1.ListHearingsRequest{Parent: r.kase.GetName(), Filter: `court_room = "1"`}))
		}, ia, "INVALID_FILTER", []string{"filter"}, `unknown field "court_room"; filterable fields: purpose`},
		{"an unknown enum value in a filter", func(ctx context.Context) error {
			return errOf(c.ListAccused(ctx, &prosecutionv1.ListAccusedRequest{Parent: r.kase.GetName(), Filter: `custody = EXPLODED`}))
		}, ia, "INVALID_FILTER", []string{"filter"}, `field "custody" takes one of: AT_LARGE, ARRESTED, JUDICIAL_CUSTODY, ON_BAIL`},
		{"$where in a filter", listCases(&prosecutionv1.ListCasesRequest{Filter: `$where = "sleep(1000)"`}), ia, "INVALID_FILTER", []string{"filter"},
			`unknown field "$where"; filterable fields: cnr_number, court, fir_number, office, outcome, police_station, stage`},
		{"a filter that does not parse", listCases(&prosecutionv1.ListCasesRequest{Filter: `stage = `}), ia, "INVALID_FILTER", []string{"filter"},
			`field "stage": expected a value after "stage ="`},
		{"an unknown order_by field", listCases(&prosecutionv1.ListCasesRequest{OrderBy: "court"}), ia, "INVALID_ORDER_BY", []string{"order_by"},
			`unknown field "court"; order_by fields: create_time, title, update_time`},
		{"a page size too large", listCases(&prosecutionv1.ListCasesRequest{PageSize: 501}), ia, "INVALID_PAGE_SIZE", []string{"page_size"},
			"must be between 0 and 500"},
		{"a forged page token", listCases(&prosecutionv1.ListCasesRequest{PageToken: "eyJvZmZzZXQiOjEwfQ"}), ia, "INVALID_PAGE_TOKEN", []string{"page_token"},
			"the token does not belong to this query"},
		{"a page token of another query", listCases(&prosecutionv1.ListCasesRequest{PageToken: r.pageToken, Filter: `stage = CASE_STAGE_JUDGMENT`}), ia,
			"INVALID_PAGE_TOKEN", []string{"page_token"}, "issued for a different parent, filter or order_by"},
		{"witnesses of every office", func(ctx context.Context) error {
			return errOf(c.ListWitnesses(ctx, &prosecutionv1.ListWitnessesRequest{Parent: "offices/-/cases/-"}))
		}, ia, badName, []string{"parent"}, "listed one office at a time"},

		// Victim-witnesses.
		{"a witness of a survivor the case does not link", witness(r.uncharged.GetName(), &prosecutionv1.Witness{Survivor: r.survivor}), fp,
			"SURVIVOR_NOT_LINKED", nil, "link it with LinkCaseReference first"},
		{"a witness without survivor", witness(r.kase.GetName(), &prosecutionv1.Witness{}), ia, fields, []string{"witness.survivor"},
			"witness.survivor: is required"},
		{"a survivor's second witness record", witness(r.kase.GetName(), &prosecutionv1.Witness{Survivor: r.survivor}), codes.AlreadyExists,
			"WITNESS_ALREADY_EXISTS", nil, "a survivor testifies once per case"},
		{"an unknown protection need", witness(r.kase.GetName(), &prosecutionv1.Witness{Survivor: r.survivor,
			ProtectionNeeds: []prosecutionv1.ProtectionNeed{77}}), ia, fields, []string{"witness.protection_needs[0]"},
			"witness.protection_needs[0]: must be one of IN_CAMERA_TRIAL"},
		{"testimony recorded without its date", func(ctx context.Context) error {
			return errOf(c.UpdateWitness(ctx, &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: r.witness.GetName(),
				TestimonyStatus: prosecutionv1.TestimonyStatus_TESTIMONY_STATUS_RECORDED}, UpdateMask: mask("testimony_status")}))
		}, ia, fields, []string{"witness.evidence_recorded_date"}, "witness.evidence_recorded_date: is required"},
		{"a witness's survivor in the mask", func(ctx context.Context) error {
			return errOf(c.UpdateWitness(ctx, &prosecutionv1.UpdateWitnessRequest{Witness: &prosecutionv1.Witness{Name: r.witness.GetName(),
				Survivor: "offices/mumbai/survivors/s2"}, UpdateMask: mask("survivor")}))
		}, ia, badMask, []string{"update_mask"}, `field "survivor" is immutable once created`},

		// Compensations.
		{"a compensation decided when applied for", compensation(r.kase.GetName(), func(comp *prosecutionv1.Compensation) {
			comp.Status, comp.AwardedInr, comp.AwardedDate = prosecutionv1.CompensationStatus_COMPENSATION_STATUS_AWARDED, 100, day(2024, 10, 1)
		}), ia, fields, []string{"compensation.status"}, "must be APPLIED or unset when the application is recorded"},
		{"a compensation applied for in the future", compensation(r.kase.GetName(), func(comp *prosecutionv1.Compensation) { comp.AppliedDate = future }),
			ia, fields, []string{"compensation.applied_date"}, "must not be in the future"},
		{"a negative claim", compensation(r.kase.GetName(), func(comp *prosecutionv1.Compensation) { comp.ClaimedInr = -5 }), ia, fields,
			[]string{"compensation.claimed_inr"}, "must be between 0 and 10000000000 rupees; got -5"},
		{"a compensation of a survivor the case does not link", compensation(r.uncharged.GetName(), func(*prosecutionv1.Compensation) {}), fp,
			"SURVIVOR_NOT_LINKED", nil, "link it with LinkCaseReference first"},
		{"a compensation paid before it was awarded", func(ctx context.Context) error {
			return errOf(c.UpdateCompensation(ctx, &prosecutionv1.UpdateCompensationRequest{Compensation: &prosecutionv1.Compensation{Name: r.compensation.GetName(),
				Status: prosecutionv1.CompensationStatus_COMPENSATION_STATUS_PAID, AwardedInr: 100, AwardedDate: day(2024, 10, 1), PaidDate: day(2024, 11, 1)},
				UpdateMask: mask("status", "awarded_inr", "awarded_date", "paid_date")}))
		}, fp, transition, nil, "(allowed from APPLIED: INTERIM_AWARDED, AWARDED, REJECTED)"},
		{"a compensation's applied date in the mask", func(ctx context.Context) error {
			return errOf(c.UpdateCompensation(ctx, &prosecutionv1.UpdateCompensationRequest{Compensation: &prosecutionv1.Compensation{Name: r.compensation.GetName(),
				AppliedDate: day(2024, 9, 3)}, UpdateMask: mask("applied_date")}))
		}, ia, badMask, []string{"update_mask"}, `field "applied_date" is immutable once created`},
	}

	before, etags := e.snapshot(t), r.etags(t, e)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := statusOf(t, tc.call(ctxT(t)), tc.code, tc.reason, tc.fields...)
			if !strings.Contains(st.Message(), tc.message) {
				t.Errorf("message %q\ndoes not say %q", st.Message(), tc.message)
			}
		})
	}
	e.assertSnapshot(t, before)
	now := r.etags(t, e)
	for name, etag := range etags {
		if now[name] != etag {
			t.Errorf("%s changed: etag %s, was %s", name, now[name], etag)
		}
	}
	if len(etags) != 9 {
		t.Errorf("checked %d records, want 9", len(etags))
	}
}
