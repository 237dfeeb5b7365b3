package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

// currentEtag is the etag of every record of the fake service: any other
// etag is stale, and the call fails as the rescue service does.
const currentEtag = "e-current"

// checkEtag answers like the rescue service: ABORTED ETAG_MISMATCH unless
// the etag is empty or current.
func checkEtag(etag string) error {
	if etag == "" || etag == currentEtag {
		return nil
	}
	return grpcserver.ToStatus("rescue.justice.example",
		errs.Aborted(reasonETagMismatch, "the record has changed since the given etag was read")).Err()
}

// answer is how the fakes answer a call that takes an etag: resp, unless
// the etag is stale.
func answer[T any](etag string, resp T) (T, error) {
	if err := checkEtag(etag); err != nil {
		var zero T
		return zero, err
	}
	return resp, nil
}

func (f *fakeRescue) record(req proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, proto.Clone(req))
}

func (f *fakeRescue) CreateSurvivor(_ context.Context, req *rescuev1.CreateSurvivorRequest) (*rescuev1.Survivor, error) {
	f.record(req)
	return &rescuev1.Survivor{Name: req.GetParent() + "/survivors/s1", Pseudonym: req.GetSurvivor().GetPseudonym(), Etag: currentEtag}, nil
}

func (f *fakeRescue) UpdateSurvivor(_ context.Context, req *rescuev1.UpdateSurvivorRequest) (*rescuev1.Survivor, error) {
	f.record(req)
	return answer(req.GetSurvivor().GetEtag(), &rescuev1.Survivor{Name: req.GetSurvivor().GetName(), Pseudonym: req.GetSurvivor().GetPseudonym(), Etag: "e-next"})
}

func (f *fakeRescue) InvestigateLocation(_ context.Context, req *rescuev1.InvestigateLocationRequest) (*rescuev1.Location, error) {
	f.record(req)
	return answer(req.GetEtag(), &rescuev1.Location{Name: req.GetName(), Etag: "e-next"})
}

func (f *fakeRescue) DeleteLocation(_ context.Context, req *rescuev1.DeleteLocationRequest) (*emptypb.Empty, error) {
	f.record(req)
	return answer(req.GetEtag(), &emptypb.Empty{})
}

// lastRequest is the last request the fake service got, or nil.
func (f *fakeRescue) lastRequest() proto.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeRescue) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// do sends method path with a JSON body (nil: none) and header.
func (te testEdge) do(t *testing.T, method, path string, body any, header http.Header) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, te.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if res.StatusCode >= 400 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: error body is not JSON: %s", method, path, raw)
		}
	}
	return r
}

// with returns a copy of h with more headers (name, value, name, value ...).
func with(h http.Header, kv ...string) http.Header {
	out := h.Clone()
	for i := 0; i+1 < len(kv); i += 2 {
		out.Add(kv[i], kv[i+1])
	}
	return out
}

// violationFields lists the fields of the BadRequest violations of an error.
func violationFields(b errorBody) []string {
	var fields []string
	for _, d := range b.Details {
		var br struct {
			Violations []struct{ Field string } `json:"field_violations"`
		}
		if json.Unmarshal(d, &br) == nil {
			for _, v := range br.Violations {
				fields = append(fields, v.Field)
			}
		}
	}
	return fields
}

func TestIdempotencyKeyBecomesTheRequestID(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	h := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
	survivor := map[string]any{"pseudonym": "Asha"}

	// On a create: the key is the request's request_id; 201, Location, ETag.
	r := te.do(t, "POST", "/v1/offices/mumbai/survivors", survivor, with(h, "Idempotency-Key", "create-key-1"))
	if r.status != http.StatusCreated {
		t.Fatalf("create with Idempotency-Key: %d %s", r.status, r.raw)
	}
	if got := te.rescue.lastRequest().(*rescuev1.CreateSurvivorRequest).GetRequestId(); got != "create-key-1" {
		t.Errorf("request_id = %q, want create-key-1", got)
	}
	if loc := r.header.Get("Location"); loc != "/v1/offices/mumbai/survivors/s1" {
		t.Errorf("Location = %q", loc)
	}
	if etag := r.header.Get("ETag"); etag != `"`+currentEtag+`"` {
		t.Errorf("ETag = %q", etag)
	}

	// The structured-field form (a quoted string) is accepted too.
	te.do(t, "POST", "/v1/offices/mumbai/survivors", survivor, with(h, "Idempotency-Key", `"quoted-key"`))
	if got := te.rescue.lastRequest().(*rescuev1.CreateSurvivorRequest).GetRequestId(); got != "quoted-key" {
		t.Errorf("quoted key: request_id = %q, want quoted-key", got)
	}

	// On a transition, whose body is the whole request.
	r = te.do(t, "POST", "/v1/offices/mumbai/locations/l1:investigate", map[string]any{"reason": "tip"}, with(h, "Idempotency-Key", "transition-1"))
	if r.status != http.StatusOK {
		t.Fatalf("transition with Idempotency-Key: %d %s", r.status, r.raw)
	}
	if got := te.rescue.lastRequest().(*rescuev1.InvestigateLocationRequest); got.GetRequestId() != "transition-1" || got.GetReason() != "tip" {
		t.Errorf("transition request = %v", got)
	}

	// The same id in the query (or body) and the header is fine.
	r = te.do(t, "POST", "/v1/offices/mumbai/survivors?request_id=same-1", survivor, with(h, "Idempotency-Key", "same-1"))
	if r.status != http.StatusCreated || te.rescue.lastRequest().(*rescuev1.CreateSurvivorRequest).GetRequestId() != "same-1" {
		t.Errorf("same request_id and key: %d %s", r.status, r.raw)
	}
	// Without the header, request_id still works as before.
	te.do(t, "POST", "/v1/offices/mumbai/survivors?request_id=query-only", survivor, h)
	if got := te.rescue.lastRequest().(*rescuev1.CreateSurvivorRequest).GetRequestId(); got != "query-only" {
		t.Errorf("request_id without the header = %q", got)
	}

	before := te.rescue.requestCount()
	for _, tc := range []struct {
		name, path   string
		body         any
		keys         []string
		reason       string
		fields       []string
		wantInReason string
	}{
		{"another request_id in the query", "/v1/offices/mumbai/survivors?request_id=other", survivor, []string{"key-1"},
			ReasonRequestIDConflict, []string{"Idempotency-Key", "request_id"}, ""},
		{"another request_id in the body", "/v1/offices/mumbai/locations/l1:investigate", map[string]any{"request_id": "other"}, []string{"key-1"},
			ReasonRequestIDConflict, []string{"Idempotency-Key", "request_id"}, ""},
		{"a space", "/v1/offices/mumbai/survivors", survivor, []string{"key 1"}, ReasonInvalidRequestID, []string{"Idempotency-Key"}, "other characters"},
		{"65 characters", "/v1/offices/mumbai/survivors", survivor, []string{strings.Repeat("k", 65)}, ReasonInvalidRequestID, []string{"Idempotency-Key"}, "65 characters"},
		{"empty", "/v1/offices/mumbai/survivors", survivor, []string{""}, ReasonInvalidRequestID, []string{"Idempotency-Key"}, "empty"},
		{"sent twice", "/v1/offices/mumbai/survivors", survivor, []string{"a", "b"}, ReasonInvalidRequestID, []string{"Idempotency-Key"}, "once"},
	} {
		hh := h.Clone()
		for _, k := range tc.keys {
			hh.Add("Idempotency-Key", k)
		}
		r := te.do(t, "POST", tc.path, tc.body, hh)
		if r.status != http.StatusBadRequest || r.body.Status != "INVALID_ARGUMENT" || detailReason(r.body) != tc.reason {
			t.Errorf("%s: %d %s, want 400 %s", tc.name, r.status, r.raw, tc.reason)
			continue
		}
		if got := violationFields(r.body); strings.Join(got, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("%s: violations on %v, want %v", tc.name, got, tc.fields)
		}
		for _, f := range tc.fields {
			if !strings.Contains(r.body.Message, f) {
				t.Errorf("%s: message %q does not name %s", tc.name, r.body.Message, f)
			}
		}
		if !strings.Contains(r.body.Message, tc.wantInReason) {
			t.Errorf("%s: message %q does not say %q", tc.name, r.body.Message, tc.wantInReason)
		}
	}
	if n := te.rescue.requestCount() - before; n != 0 {
		t.Errorf("%d refused requests reached the service", n)
	}

	// A route without request_id ignores the header, even a malformed one.
	if r := te.get(t, "/v1/offices/mumbai/survivors/s1", with(h, "Idempotency-Key", "not a key")); r.status != http.StatusOK {
		t.Errorf("GET with Idempotency-Key: %d %s", r.status, r.raw)
	}
}

func TestIfMatchBecomesTheEtagAndAStaleOneIs412(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	h := bearer(te.token(t, "priya", []string{auth.RoleInvestigator}, "mumbai"))
	const survivor = "/v1/offices/mumbai/survivors/s1?update_mask=pseudonym"
	update := map[string]any{"pseudonym": "Asha R"}
	updateEtag := func() string {
		return te.rescue.lastRequest().(*rescuev1.UpdateSurvivorRequest).GetSurvivor().GetEtag()
	}

	// PATCH: the If-Match etag, strong or weak, is the resource's etag.
	for _, v := range []string{`"` + currentEtag + `"`, `W/"` + currentEtag + `"`, currentEtag} {
		r := te.do(t, "PATCH", survivor, update, with(h, "If-Match", v))
		if r.status != http.StatusOK || updateEtag() != currentEtag {
			t.Errorf("PATCH If-Match %s: %d %s, etag sent %q", v, r.status, r.raw, updateEtag())
		}
		if r.header.Get("ETag") != `"e-next"` {
			t.Errorf("PATCH response ETag = %q", r.header.Get("ETag"))
		}
	}
	// A stale If-Match is 412; a stale etag in the body stays 409.
	r := te.do(t, "PATCH", survivor, update, with(h, "If-Match", `"e-old"`))
	if r.status != http.StatusPreconditionFailed || r.body.Code != 412 || r.body.Status != "ABORTED" || detailReason(r.body) != reasonETagMismatch {
		t.Errorf("PATCH with a stale If-Match: %d %s, want 412 ABORTED %s", r.status, r.raw, reasonETagMismatch)
	}
	r = te.do(t, "PATCH", survivor, map[string]any{"pseudonym": "Asha R", "etag": "e-old"}, h)
	if r.status != http.StatusConflict || r.body.Code != 409 || detailReason(r.body) != reasonETagMismatch {
		t.Errorf("PATCH with a stale body etag: %d %s, want 409", r.status, r.raw)
	}
	// If-Match: * asks for no version: no etag, whatever the record's.
	r = te.do(t, "PATCH", survivor, update, with(h, "If-Match", "*"))
	if r.status != http.StatusOK || updateEtag() != "" {
		t.Errorf("PATCH If-Match *: %d %s, etag sent %q", r.status, r.raw, updateEtag())
	}
	// The same etag in both is fine; different ones are refused, naming both.
	r = te.do(t, "PATCH", survivor, map[string]any{"pseudonym": "Asha R", "etag": currentEtag}, with(h, "If-Match", `"`+currentEtag+`"`))
	if r.status != http.StatusOK {
		t.Errorf("PATCH with the same etag twice: %d %s", r.status, r.raw)
	}
	before := te.rescue.requestCount()
	r = te.do(t, "PATCH", survivor, map[string]any{"pseudonym": "Asha R", "etag": "e-other"}, with(h, "If-Match", `"`+currentEtag+`"`))
	if r.status != http.StatusBadRequest || detailReason(r.body) != ReasonETagConflict ||
		strings.Join(violationFields(r.body), ",") != "If-Match,etag" {
		t.Errorf("PATCH with two different etags: %d %s, want 400 %s on If-Match and etag", r.status, r.raw, ReasonETagConflict)
	}
	for _, bad := range []string{`"a", "b"`, `""`, `"a b"`, "W/"} {
		r = te.do(t, "PATCH", survivor, update, with(h, "If-Match", bad))
		if r.status != http.StatusBadRequest || detailReason(r.body) != ReasonInvalidIfMatch || !strings.Contains(r.body.Message, "If-Match") {
			t.Errorf("PATCH If-Match %s: %d %s, want 400 %s", bad, r.status, r.raw, ReasonInvalidIfMatch)
		}
	}
	if n := te.rescue.requestCount() - before; n != 0 {
		t.Errorf("%d refused requests reached the service", n)
	}

	// DELETE: the etag is a query field.
	r = te.do(t, "DELETE", "/v1/offices/mumbai/locations/l1", nil, with(h, "If-Match", `"`+currentEtag+`"`))
	if r.status != http.StatusOK || te.rescue.lastRequest().(*rescuev1.DeleteLocationRequest).GetEtag() != currentEtag {
		t.Errorf("DELETE If-Match: %d %s", r.status, r.raw)
	}
	if r = te.do(t, "DELETE", "/v1/offices/mumbai/locations/l1", nil, with(h, "If-Match", `"e-old"`)); r.status != http.StatusPreconditionFailed {
		t.Errorf("DELETE with a stale If-Match: %d %s, want 412", r.status, r.raw)
	}
	if r = te.do(t, "DELETE", "/v1/offices/mumbai/locations/l1?etag=e-old", nil, h); r.status != http.StatusConflict {
		t.Errorf("DELETE with a stale etag in the query: %d %s, want 409", r.status, r.raw)
	}

	// A transition: the etag is a body field; both headers at once.
	r = te.do(t, "POST", "/v1/offices/mumbai/locations/l1:investigate", map[string]any{"reason": "tip"},
		with(h, "If-Match", `"`+currentEtag+`"`, "Idempotency-Key", "t-1"))
	got, _ := te.rescue.lastRequest().(*rescuev1.InvestigateLocationRequest)
	if r.status != http.StatusOK || got.GetEtag() != currentEtag || got.GetRequestId() != "t-1" {
		t.Errorf("transition with If-Match and Idempotency-Key: %d %s, request %v", r.status, r.raw, got)
	}
	if r = te.do(t, "POST", "/v1/offices/mumbai/locations/l1:investigate", nil, with(h, "If-Match", `"e-old"`)); r.status != http.StatusPreconditionFailed {
		t.Errorf("transition with a stale If-Match: %d %s, want 412", r.status, r.raw)
	}
	if r = te.do(t, "POST", "/v1/offices/mumbai/locations/l1:investigate", map[string]any{"etag": "e-old"}, h); r.status != http.StatusConflict {
		t.Errorf("transition with a stale body etag: %d %s, want 409", r.status, r.raw)
	}

	// A create takes no etag: If-Match does not reach the new record.
	r = te.do(t, "POST", "/v1/offices/mumbai/survivors", map[string]any{"pseudonym": "Asha"}, with(h, "If-Match", `"e-old"`))
	if r.status != http.StatusCreated || te.rescue.lastRequest().(*rescuev1.CreateSurvivorRequest).GetSurvivor().GetEtag() != "" {
		t.Errorf("create with If-Match: %d %s", r.status, r.raw)
	}
}

func TestRouteTableKnowsWhichRoutesTakeTheHeaders(t *testing.T) {
	t.Parallel()
	table, err := routes()
	if err != nil {
		t.Fatal(err)
	}
	for method, want := range map[string]struct{ requestID, etag, created bool }{
		rescuev1.RescueService_CreateSurvivor_FullMethodName:        {requestID: true, created: true},
		rescuev1.RescueService_CreateLocation_FullMethodName:        {requestID: true, created: true},
		rescuev1.RescueService_InvestigateLocation_FullMethodName:   {requestID: true, etag: true},
		rescuev1.RescueService_ConductOperation_FullMethodName:      {requestID: true, etag: true},
		rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName: {requestID: true, etag: true},
		rescuev1.RescueService_UpdateSurvivor_FullMethodName:        {etag: true},
		rescuev1.RescueService_DeleteOperation_FullMethodName:       {etag: true},
		rescuev1.RescueService_GetSurvivor_FullMethodName:           {},
		rescuev1.RescueService_ListLocations_FullMethodName:         {},
		// Prosecution's routes follow the same rules.
		prosecutionv1.ProsecutionService_CreateCase_FullMethodName:           {requestID: true, created: true},
		prosecutionv1.ProsecutionService_CreateAccused_FullMethodName:        {requestID: true, created: true},
		prosecutionv1.ProsecutionService_CreateHearing_FullMethodName:        {requestID: true, created: true},
		prosecutionv1.ProsecutionService_CreateWitness_FullMethodName:        {requestID: true, created: true},
		prosecutionv1.ProsecutionService_CreateCompensation_FullMethodName:   {requestID: true, created: true},
		prosecutionv1.ProsecutionService_AdvanceCaseStage_FullMethodName:     {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_CorrectCaseStage_FullMethodName:     {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_LinkCaseReference_FullMethodName:    {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_UnlinkCaseReference_FullMethodName:  {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_ChangeAccusedCustody_FullMethodName: {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_RecordBailEvent_FullMethodName:      {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_RecordVerdict_FullMethodName:        {requestID: true, etag: true},
		prosecutionv1.ProsecutionService_UpdateCase_FullMethodName:           {etag: true},
		prosecutionv1.ProsecutionService_UpdateAccused_FullMethodName:        {etag: true},
		prosecutionv1.ProsecutionService_UpdateHearing_FullMethodName:        {etag: true},
		prosecutionv1.ProsecutionService_UpdateWitness_FullMethodName:        {etag: true},
		prosecutionv1.ProsecutionService_UpdateCompensation_FullMethodName:   {etag: true},
		prosecutionv1.ProsecutionService_DeleteHearing_FullMethodName:        {etag: true},
		prosecutionv1.ProsecutionService_DeleteWitness_FullMethodName:        {etag: true},
		prosecutionv1.ProsecutionService_GetCase_FullMethodName:              {},
		prosecutionv1.ProsecutionService_ListAccused_FullMethodName:          {},
		prosecutionv1.ProsecutionService_QueryHearingCalendar_FullMethodName: {},
	} {
		rt := table[method]
		if rt == nil {
			t.Errorf("no route for %s", method)
			continue
		}
		if (rt.requestID != nil) != want.requestID || (rt.etag != nil) != want.etag || rt.created != want.created {
			t.Errorf("%s: request_id %v, etag %v, created %v; want %+v", method, rt.requestID != nil, rt.etag != nil, rt.created, want)
		}
	}
	if p := table[rescuev1.RescueService_EraseSurvivorIdentity_FullMethodName].pattern; p != "/v1/offices/*/survivors/*:eraseIdentity" {
		t.Errorf("EraseSurvivorIdentity pattern = %s", p)
	}
	// Every prosecution method is routed.
	methods := prosecutionv1.File_justice_prosecution_v1_prosecution_service_proto.Services().ByName("ProsecutionService").Methods()
	for i := range methods.Len() {
		if name := "/justice.prosecution.v1.ProsecutionService/" + string(methods.Get(i).Name()); table[name] == nil {
			t.Errorf("no route for %s", name)
		}
	}
}
