package stack_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/justiceops/justice/deploy/local/stack"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// survivorIdentityFields are rescue's fields about the survivor as a
// person (the protected identity, and the pseudonym): prosecution stores
// and answers survivors' resource names only, so none may appear in a
// prosecution response, at any depth.
var survivorIdentityFields = []string{"legal_name", "date_of_birth", "family_contact", "address", "photo", "pseudonym", "identity_withheld"}

// noSurvivorIdentity fails when a prosecution response carries a survivor
// identity field, or the identity the tests record (identityRE).
func noSurvivorIdentity(t *testing.T, method, path string, r response) {
	t.Helper()
	if loc := identityRE.FindIndex(r.Raw); loc != nil {
		t.Errorf("%s %s: the response carries survivor identity %q: %s", method, path, r.Raw[loc[0]:loc[1]], r.Raw)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if slices.Contains(survivorIdentityFields, k) {
					t.Errorf("%s %s: the response has the survivor field %q: %s", method, path, k, r.Raw)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(r.Body)
}

// names lists the "name" of each item of a list response's field.
func names(r response, field string) []string {
	items, _ := r.Body[field].([]any)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(it.(map[string]any), "name")
	}
	return out
}

// dateOf reads a google.type.Date of a JSON body as YYYY-MM-DD.
func dateOf(m map[string]any, field string) string {
	d, _ := m[field].(map[string]any)
	if d == nil {
		return ""
	}
	n := func(k string) int { f, _ := d[k].(float64); return int(f) }
	return fmt.Sprintf("%04d-%02d-%02d", n("year"), n("month"), n("day"))
}

// calendarQuery is the query of QueryHearingCalendar from one day to another.
func calendarQuery(from, to [3]int) string {
	q := url.Values{}
	for prefix, d := range map[string][3]int{"start_date": from, "end_date": to} {
		q.Set(prefix+".year", strconv.Itoa(d[0]))
		q.Set(prefix+".month", strconv.Itoa(d[1]))
		q.Set(prefix+".day", strconv.Itoa(d[2]))
	}
	return q.Encode()
}

// TestProsecutionEndToEndThroughTheRESTEdge follows a case through the
// REST edge, from the rescue that led to it to the conviction, with every
// prosecution response checked for survivor identity.
func TestProsecutionEndToEndThroughTheRESTEdge(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	rescueSide := investigator(t, s)
	c := rescueSide.checking(noSurvivorIdentity)

	// In rescue: a location, a conducted operation and a minor survivor.
	op := seedOperation(rescueSide, "mumbai")
	survivor := str(rescueSide.must(201, "POST", "/v1/offices/mumbai/survivors", survivorBody(op, "Asha", 16)).Body, "name")

	// A case linking the operation, charged under both codes: BNS for the
	// offence after 2024-07-01, IPC for the earlier one. Created with an
	// Idempotency-Key; the retry returns the same case and writes nothing.
	body := caseBody("12/2025")
	body["operations"] = []string{op}
	body["charges"] = []any{charge("BNS", "143", day(2025, 1, 4)), charge("IPC", "370", day(2024, 6, 10))}
	created := c.must(201, "POST", "/v1/offices/mumbai/cases", body, "Idempotency-Key", "e2e-case-1")
	caseName := str(created.Body, "name")
	if loc := created.Header.Get("Location"); loc != "/v1/"+caseName || created.Header.Get("ETag") == "" {
		t.Errorf("create: Location %q, ETag %q", loc, created.Header.Get("ETag"))
	}
	if str(created.Body, "stage") != "CASE_STAGE_FIR_REGISTERED" {
		t.Errorf("a new case is at %s, want FIR_REGISTERED", str(created.Body, "stage"))
	}
	replay := c.must(201, "POST", "/v1/offices/mumbai/cases", body, "Idempotency-Key", "e2e-case-1")
	if str(replay.Body, "name") != caseName || str(replay.Body, "etag") != str(created.Body, "etag") {
		t.Errorf("replayed create: %s, want the first case %s", replay.Raw, created.Raw)
	}
	if n := len(names(c.must(200, "GET", "/v1/offices/mumbai/cases", nil), "cases")); n != 1 {
		t.Errorf("%d cases after a create and its replay, want 1", n)
	}

	// The wrong regime is refused, naming the section that applies instead.
	for _, tc := range []struct {
		charge map[string]any
		want   string
	}{
		{charge("IPC", "370", day(2024, 8, 10)), "use BNS 143 instead of IPC 370"},
		{charge("BNS", "98", day(2024, 5, 1)), "use IPC 372 instead of BNS 98"},
	} {
		wrong := caseBody("13/2025")
		wrong["charges"] = []any{tc.charge}
		r := c.must(400, "POST", "/v1/offices/mumbai/cases", wrong)
		if !strings.Contains(str(r.Body, "message"), tc.want) || !strings.Contains(string(r.Raw), "case.charges[0]") {
			t.Errorf("charge %v: %s, want a 400 on case.charges[0] saying %q", tc.charge, r.Raw, tc.want)
		}
	}

	// Link the survivor; a survivor that does not exist is 404 naming it,
	// and the case is left as it was.
	linked := c.must(200, "POST", "/v1/"+caseName+":linkReference", map[string]any{"reference": survivor})
	if !slices.Contains(anyStrings(linked.Body["survivors"]), survivor) {
		t.Fatalf("linked survivors %v, want %s", linked.Body["survivors"], survivor)
	}
	ghost := "offices/mumbai/survivors/" + strings.Repeat("z", 20)
	missing := c.must(404, "POST", "/v1/"+caseName+":linkReference", map[string]any{"reference": ghost})
	if !strings.Contains(str(missing.Body, "message"), ghost) || reason(missing.Body) != "REFERENCE_NOT_FOUND" {
		t.Errorf("linking a survivor that does not exist: %s", missing.Raw)
	}
	if after := c.must(200, "GET", "/v1/"+caseName, nil); str(after.Body, "etag") != str(linked.Body, "etag") {
		t.Errorf("the refused link changed the case: %s", after.Raw)
	}

	// If-Match: a stale ETag is 412 and changes nothing.
	staleTag := created.Header.Get("ETag")
	stale := c.must(412, "PATCH", "/v1/"+caseName+"?update_mask=court", map[string]any{"court": "Another court"}, "If-Match", staleTag)
	if stale.Body["status"] != "ABORTED" || reason(stale.Body) != "ETAG_MISMATCH" {
		t.Errorf("stale If-Match: %s", stale.Raw)
	}
	current := c.must(200, "GET", "/v1/"+caseName, nil).Header.Get("ETag")
	c.must(200, "PATCH", "/v1/"+caseName+"?update_mask=cnr_number", map[string]any{"cnr_number": "mhmu010012342025"}, "If-Match", current)

	// Stages through COGNIZANCE, each with its date.
	advance := func(stage string, date map[string]any) response {
		t.Helper()
		return c.must(200, "POST", "/v1/"+caseName+":advanceStage", map[string]any{"stage": "CASE_STAGE_" + stage, "effective_date": date})
	}
	advance("INVESTIGATION", day(2025, 1, 10))
	advance("CHARGESHEET_FILED", day(2025, 3, 1))
	cog := advance("COGNIZANCE", day(2025, 3, 15))
	if dateOf(cog.Body, "chargesheet_date") != "2025-03-01" || dateOf(cog.Body, "cognizance_date") != "2025-03-15" ||
		str(cog.Body, "cnr_number") != "MHMU010012342025" {
		t.Errorf("at COGNIZANCE: %s", cog.Raw)
	}
	backwards := c.must(409, "POST", "/v1/"+caseName+":advanceStage", map[string]any{"stage": "CASE_STAGE_INVESTIGATION", "effective_date": day(2025, 3, 16)})
	if reason(backwards.Body) != "ILLEGAL_TRANSITION" {
		t.Errorf("advancing backwards: %s", backwards.Raw)
	}

	// An accused: arrested, remanded, then bailed.
	accused := str(c.must(201, "POST", "/v1/"+caseName+"/accused", map[string]any{
		"display_name": "Accused 1 (alias Raju)", "role": "ACCUSED_ROLE_BROTHEL_OWNER_OR_KEEPER"}).Body, "name")
	c.must(200, "POST", "/v1/"+accused+":changeCustody", map[string]any{"custody": "CUSTODY_ARRESTED", "effective_date": day(2025, 1, 6)})
	c.must(200, "POST", "/v1/"+accused+":changeCustody", map[string]any{"custody": "CUSTODY_JUDICIAL_CUSTODY", "effective_date": day(2025, 1, 8)})
	bailed := c.must(200, "POST", "/v1/"+accused+":recordBailEvent", map[string]any{"event": map[string]any{
		"kind": "BAIL_EVENT_KIND_GRANTED", "date": day(2025, 2, 1), "court": "Sessions Court, Mumbai", "surety_inr": "50000"}})
	if str(bailed.Body, "custody") != "CUSTODY_ON_BAIL" || dateOf(bailed.Body, "first_custody_date") != "2025-01-06" {
		t.Errorf("after bail: %s", bailed.Raw)
	}
	if h, _ := bailed.Body["custody_history"].([]any); len(h) != 3 {
		t.Errorf("custody_history has %d changes, want 3 (arrest, remand, bail): %s", len(h), bailed.Raw)
	}

	// Hearings, and the office's calendar over a range, ordered by date.
	for _, d := range []map[string]any{day(2025, 4, 20), day(2025, 4, 2), day(2025, 7, 1), day(2025, 5, 10), day(2025, 3, 31)} {
		c.must(201, "POST", "/v1/"+caseName+"/hearings", map[string]any{"date": d, "purpose": "HEARING_PURPOSE_EVIDENCE"})
	}
	cal := c.must(200, "GET", "/v1/offices/mumbai/hearingCalendar?"+calendarQuery([3]int{2025, 4, 1}, [3]int{2025, 5, 31}), nil)
	var dates []string
	for _, h := range cal.Body["hearings"].([]any) {
		dates = append(dates, dateOf(h.(map[string]any), "date"))
	}
	if want := []string{"2025-04-02", "2025-04-20", "2025-05-10"}; !slices.Equal(dates, want) {
		t.Errorf("calendar April-May 2025: %v, want %v", dates, want)
	}

	// The minor victim-witness: evidence due 30 days after cognizance, long
	// past, so overdue, and listed among the office's overdue witnesses.
	witness := c.must(201, "POST", "/v1/"+caseName+"/witnesses", map[string]any{
		"survivor": survivor, "protection_needs": []string{"PROTECTION_NEED_IN_CAMERA_TRIAL", "PROTECTION_NEED_SUPPORT_PERSON"}})
	if witness.Body["minor"] != true || dateOf(witness.Body, "evidence_deadline") != "2025-04-14" || witness.Body["evidence_overdue"] != true {
		t.Errorf("minor witness: %s, want minor, deadline 2025-04-14 (cognizance + 30), overdue", witness.Raw)
	}
	overdue := c.must(200, "GET", "/v1/offices/mumbai/cases/-/witnesses?"+url.Values{"filter": {"evidence_overdue = true"}}.Encode(), nil)
	if got := names(overdue, "witnesses"); !slices.Equal(got, []string{str(witness.Body, "name")}) {
		t.Errorf("overdue witnesses %v, want %s", got, str(witness.Body, "name"))
	}

	// A compensation application: its scheme follows the application date.
	comp := c.must(201, "POST", "/v1/"+caseName+"/compensations", compensationBody(survivor, day(2025, 3, 20)))
	if str(comp.Body, "scheme") != "COMPENSATION_SCHEME_BNSS_396" || str(comp.Body, "status") != "COMPENSATION_STATUS_APPLIED" {
		t.Errorf("compensation applied 2025-03-20: %s, want BNSS 396, APPLIED", comp.Raw)
	}

	// Judgment: the accused convicted and sentenced, the case CONVICTED.
	advance("JUDGMENT", day(2025, 9, 1))
	verdict := c.must(200, "POST", "/v1/"+accused+":recordVerdict", map[string]any{
		"verdict": "VERDICT_CONVICTED", "verdict_date": day(2025, 9, 15),
		"sentence": map[string]any{"imprisonment_months": 84, "fine_inr": "50000"}})
	sentence, _ := verdict.Body["sentence"].(map[string]any)
	if str(verdict.Body, "custody") != "CUSTODY_CONVICTED" || sentence["imprisonment_months"] != float64(84) || dateOf(sentence, "sentence_date") != "2025-09-15" {
		t.Errorf("verdict: %s", verdict.Raw)
	}
	convicted := advance("CONVICTED", day(2025, 9, 15))
	if str(convicted.Body, "outcome") != "CASE_OUTCOME_CONVICTED" {
		t.Errorf("at CONVICTED: %s", convicted.Raw)
	}

	// A correction backwards needs a reason, is recorded with it, and audited.
	noReason := c.must(400, "POST", "/v1/"+caseName+":correctStage", map[string]any{"stage": "CASE_STAGE_JUDGMENT"})
	if !strings.Contains(string(noReason.Raw), "reason") {
		t.Errorf("a correction without a reason: %s", noReason.Raw)
	}
	corrected := c.must(200, "POST", "/v1/"+caseName+":correctStage", map[string]any{
		"stage": "CASE_STAGE_JUDGMENT", "reason": "the conviction was entered before the judgment was pronounced"})
	history := corrected.Body["stage_history"].([]any)
	last := history[len(history)-1].(map[string]any)
	if str(corrected.Body, "stage") != "CASE_STAGE_JUDGMENT" || str(corrected.Body, "outcome") != "" || last["correction"] != true ||
		str(last, "reason") == "" || str(last, "from") != "CASE_STAGE_CONVICTED" {
		t.Errorf("after the correction: %s", corrected.Raw)
	}
	advance("CONVICTED", day(2025, 9, 20))

	// The merged audit log: the correction (refused without a reason, then
	// made), and rescue's record of prosecution asking about the survivor
	// with its own service identity, never the caller's, filed under the
	// office of the names looked up: Mumbai's auditor sees it.
	auditor := c.as(mint(t, s, "kavya", []string{auth.RoleAuditor}, "mumbai"))
	lookups := auditor.must(200, "GET", "/v1/offices/mumbai/auditEntries?"+url.Values{"filter": {`action = "` +
		rescuev1.RescueReferenceService_LookupReferences_FullMethodName + `"`}}.Encode(), nil)
	list, _ := lookups.Body["audit_entries"].([]any)
	if len(list) == 0 {
		t.Errorf("rescue's audit log has no reference lookup for Mumbai: %s", lookups.Raw)
	}
	sawSurvivor := false
	for _, e := range list {
		m := e.(map[string]any)
		if str(m, "subject") != "svc:prosecution" || fmt.Sprint(m["roles"]) != "[service]" || str(m, "service") != stack.Rescue {
			t.Errorf("a reference lookup audited as %v, want rescue's entry for svc:prosecution, role service", m)
		}
		sawSurvivor = sawSurvivor || slices.Contains(strings.Split(str(m, "resource"), ","), survivor)
	}
	if !sawSurvivor {
		t.Errorf("no reference lookup names the survivor linked: %s", lookups.Raw)
	}
	q := url.Values{"filter": {`resource = "` + caseName + `" AND action = "` + prosecutionv1.ProsecutionService_CorrectCaseStage_FullMethodName + `"`}}
	entries := auditor.must(200, "GET", "/v1/offices/mumbai/auditEntries?"+q.Encode(), nil)
	if list, _ := entries.Body["audit_entries"].([]any); len(list) != 2 {
		t.Errorf("the audit log has %d CorrectCaseStage entries for the case, want 2 (refused, then allowed): %s", len(list), entries.Raw)
	}

	// Everything reads back, identity-free, as the lawyer on the case.
	lawyer := c.as(mint(t, s, "adv-rao", []string{auth.RoleLawyer}, "mumbai"))
	for _, path := range []string{caseName, caseName + "/accused", caseName + "/hearings", caseName + "/witnesses",
		caseName + "/compensations", "offices/mumbai/cases"} {
		lawyer.must(200, "GET", "/v1/"+path, nil)
	}

	// /openapi.json (no token needed) documents every prosecution route.
	raw := client{t: t, base: c.base}.must(200, "GET", "/openapi.json", nil).Raw
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	methods := prosecutionv1.File_justice_prosecution_v1_prosecution_service_proto.Services().ByName("ProsecutionService").Methods()
	for i := range methods.Len() {
		full := "/" + prosecutionv1.ProsecutionService_ServiceDesc.ServiceName + "/" + string(methods.Get(i).Name())
		route := restRouteOf(t, full)
		if _, ok := doc.Paths[route.documentedPath()][strings.ToLower(route.verb)]; !ok {
			t.Errorf("/openapi.json lacks %s %s (%s)", route.verb, route.documentedPath(), full)
		}
	}
}

// anyStrings reads a JSON array of strings.
func anyStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestProsecutionWithRescueStopped stops rescue alone: what needs rescue's
// answer (linking a survivor, a witness) is refused with 503, a retry delay
// and reason RESCUE_UNAVAILABLE, and writes nothing; what does not (reading
// the case, a hearing) still works.
func TestProsecutionWithRescueStopped(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	w := newCasework(investigator(t, s))
	survivor := w.linkedSurvivor("mumbai")
	other := w.survivor("mumbai")
	caseName := w.prosecutionCase("mumbai")
	c := w.c.checking(noSurvivorIdentity)
	before := c.must(200, "GET", "/v1/"+caseName, nil)
	casesBefore := names(c.must(200, "GET", "/v1/offices/mumbai/cases", nil), "cases")

	if err := s.StopService("nonesuch"); err == nil || !strings.Contains(err.Error(), stack.Prosecution) {
		t.Errorf("StopService of an unknown service: %v, want an error listing the services", err)
	}
	if err := s.StopService(stack.Rescue); err != nil {
		t.Fatal(err)
	}

	unavailable := func(r response) {
		t.Helper()
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.Body["status"] != "UNAVAILABLE" || reason(r.Body) != "RESCUE_UNAVAILABLE" || err != nil || secs < 1 ||
			!strings.Contains(string(r.Raw), "RetryInfo") || !strings.Contains(str(r.Body, "message"), "nothing was written") {
			t.Errorf("with rescue stopped: Retry-After %q, %s", r.Header.Get("Retry-After"), r.Raw)
		}
	}
	unavailable(c.must(503, "POST", "/v1/"+caseName+":linkReference", map[string]any{"reference": other}))
	unavailable(c.must(503, "POST", "/v1/"+caseName+"/witnesses", map[string]any{"survivor": survivor}))
	unavailable(c.must(503, "POST", "/v1/offices/mumbai/cases", caseBody("14/2025", other), "Idempotency-Key", "while-rescue-is-down"))

	// Nothing was written; what needs no rescue still works.
	after := c.must(200, "GET", "/v1/"+caseName, nil)
	if str(after.Body, "etag") != str(before.Body, "etag") || len(anyStrings(after.Body["survivors"])) != 1 {
		t.Errorf("the case changed while rescue was down: %s, before %s", after.Raw, before.Raw)
	}
	if got := names(c.must(200, "GET", "/v1/offices/mumbai/cases", nil), "cases"); !slices.Equal(got, casesBefore) {
		t.Errorf("cases %v while rescue was down, want %v", got, casesBefore)
	}
	if n := len(names(c.must(200, "GET", "/v1/"+caseName+"/witnesses", nil), "witnesses")); n != 0 {
		t.Errorf("%d witnesses written while rescue was down", n)
	}
	c.must(201, "POST", "/v1/"+caseName+"/hearings", map[string]any{"date": day(2025, 4, 2), "purpose": "HEARING_PURPOSE_BAIL"})
	// Rescue's own routes are unavailable at the edge too.
	c.must(503, "GET", "/v1/"+survivor, nil)
}
