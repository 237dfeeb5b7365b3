package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/deploy/local/stack"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// generous is a rate limit no test reaches, but the rate limit test.
var generous = ratelimit.Config{RPS: 100000, Burst: 100000}

// startStack runs a whole local stack on free ports with its data in dir.
// edit, when given, changes the configuration first.
func startStack(t *testing.T, dir string, edit ...func(*stack.Config, **slog.Logger)) *stack.Stack {
	t.Helper()
	cfg := stack.Config{
		DataDir: dir, StoreAddr: "127.0.0.1:0", RescueAddr: "127.0.0.1:0", ProsecutionAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", GatewayGRPCAddr: "127.0.0.1:0",
		Reflection: true, AuthIssuer: "justice-local", AuthAudience: "justice", RateLimit: generous,
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, e := range edit {
		e(&cfg, &logger)
	}
	s, err := stack.Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("start stack: %v", err)
	}
	return s
}

// mint returns a token from the stack's issuer for subject with roles in
// offices ("*" for every office).
func mint(t *testing.T, s *stack.Stack, subject string, roles []string, offices ...string) string {
	t.Helper()
	p := identity.Principal{Subject: subject, Roles: roles}
	if len(offices) == 1 && offices[0] == "*" {
		p.AllOffices = true
	} else {
		p.Offices = offices
	}
	tok, err := s.Issuer.Mint(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// investigator is the usual case worker of the tests: every rescue RPC of
// mumbai and kolkata, identity included.
func investigator(t *testing.T, s *stack.Stack) client {
	t.Helper()
	return client{t: t, base: "http://" + s.Addrs.HTTP, token: mint(t, s, "priya", []string{auth.RoleInvestigator}, "mumbai", "kolkata")}
}

// client is a tiny REST client for the tests; it sends token, when set, as
// its bearer token, and hands every response to inspect, when set.
type client struct {
	t       *testing.T
	base    string
	token   string
	inspect func(t *testing.T, method, path string, r response)
}

// as returns the client with another token.
func (c client) as(token string) client { c.token = token; return c }

// checking returns the client with every response also checked by inspect.
func (c client) checking(inspect func(t *testing.T, method, path string, r response)) client {
	c.inspect = inspect
	return c
}

type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (c client) do(method, path string, body any, header ...string) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case []byte:
			rd = bytes.NewReader(b)
		case string:
			rd = strings.NewReader(b)
		default:
			raw, err := json.Marshal(body)
			if err != nil {
				c.t.Fatal(err)
			}
			rd = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			c.t.Fatalf("%s %s: response is not JSON: %v: %s", method, path, err, raw)
		}
	}
	if c.inspect != nil {
		c.inspect(c.t, method, path, out)
	}
	return out
}

func (c client) must(want int, method, path string, body any, header ...string) response {
	c.t.Helper()
	r := c.do(method, path, body, header...)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Raw)
	}
	return r
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// reason returns the ErrorInfo reason of a JSON error body.
func reason(body map[string]any) string {
	details, _ := body["details"].([]any)
	for _, d := range details {
		if m, ok := d.(map[string]any); ok && strings.HasSuffix(str(m, "@type"), "ErrorInfo") {
			return str(m, "reason")
		}
	}
	return ""
}

// seedOperation creates a confirmed location and a conducted operation in office.
func seedOperation(c client, office string) string {
	loc := c.must(201, "POST", "/v1/offices/"+office+"/locations", map[string]any{
		"display_name": "Lane 4 lodge", "type": "LOCATION_TYPE_HOTEL_OR_LODGE", "district": "Mumbai City"})
	name := str(loc.Body, "name")
	c.must(200, "POST", "/v1/"+name+":investigate", map[string]any{"reason": "tip from partner"})
	c.must(200, "POST", "/v1/"+name+":confirm", map[string]any{"reason": "undercover visit"})
	op := c.must(201, "POST", "/v1/offices/"+office+"/operations", map[string]any{
		"location": name, "planned_time": time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339),
		"police_unit": "AHTU", "legal_basis": "OPERATION_LEGAL_BASIS_ITPA_S16_RESCUE"})
	opName := str(op.Body, "name")
	c.must(200, "POST", "/v1/"+opName+":conduct", map[string]any{
		"conduct_time": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "suspects_apprehended": 2})
	return opName
}

func survivorBody(operation, pseudonym string, age int) map[string]any {
	basis := map[string]any{"basis": "LAWFUL_BASIS_CONSENT", "reference": "CF-1"}
	if age < 18 {
		basis = map[string]any{"basis": "LAWFUL_BASIS_CHILD_PROTECTION_UNDER_LAW", "reference": "CWC-7"}
	}
	return map[string]any{
		"pseudonym": pseudonym, "legal_name": "Zyxwy Qqvarn", "age_at_rescue": age,
		"gender": "GENDER_FEMALE", "citizenship": "NP", "languages": []string{"ne", "hi"},
		"rescue_time": time.Now().Add(-47 * time.Hour).UTC().Format(time.RFC3339), "operation": operation,
		"means_of_control": []string{"MEANS_OF_CONTROL_DEBT_BONDAGE"}, "legal_basis": basis,
	}
}

func TestEndToEndThroughTheRESTEdge(t *testing.T) {
	dir := t.TempDir()
	s := startStack(t, dir)
	defer s.Stop()
	c := investigator(t, s)

	op := seedOperation(c, "mumbai")

	// Create, with a request id, then retry it: same resource, no duplicate.
	// One body for the create and its retry: a retry resends the same request.
	asha := survivorBody(op, "Asha", 16)
	first := c.must(201, "POST", "/v1/offices/mumbai/survivors?request_id=e2e-create-1", asha)
	name := str(first.Body, "name")
	if loc := first.Header.Get("Location"); loc != "/v1/"+name {
		t.Errorf("Location header = %q, want /v1/%s", loc, name)
	}
	if first.Header.Get("ETag") == "" {
		t.Error("create response has no ETag header")
	}
	retry := c.must(201, "POST", "/v1/offices/mumbai/survivors?request_id=e2e-create-1", asha)
	if got := str(retry.Body, "name"); got != name {
		t.Fatalf("retried create returned %s, want the first resource %s", got, name)
	}
	reused := c.must(400, "POST", "/v1/offices/mumbai/survivors?request_id=e2e-create-1", survivorBody(op, "Other", 30))
	if reason(reused.Body) != "REQUEST_ID_REUSED" {
		t.Errorf("same request id, other payload: reason %q, want REQUEST_ID_REUSED: %s", reason(reused.Body), reused.Raw)
	}

	// Get.
	got := c.must(200, "GET", "/v1/"+name, nil)
	if got.Body["minor"] != true || str(got.Body, "pseudonym") != "Asha" {
		t.Errorf("get returned %s", got.Raw)
	}

	// More survivors, then list with a filter and paginate to the end.
	for i := 0; i < 4; i++ {
		c.must(201, "POST", "/v1/offices/mumbai/survivors", survivorBody(op, fmt.Sprintf("Minor-%d", i), 15))
		c.must(201, "POST", "/v1/offices/mumbai/survivors", survivorBody(op, fmt.Sprintf("Adult-%d", i), 25))
	}
	seen := map[string]bool{}
	token := ""
	pages := 0
	for {
		q := url.Values{"filter": {"minor = true"}, "page_size": {"2"}, "order_by": {"pseudonym"}}
		if token != "" {
			q.Set("page_token", token)
		}
		page := c.must(200, "GET", "/v1/offices/mumbai/survivors?"+q.Encode(), nil)
		pages++
		items, _ := page.Body["survivors"].([]any)
		for _, it := range items {
			m := it.(map[string]any)
			if m["minor"] != true {
				t.Errorf("filter minor = true returned an adult: %v", m["pseudonym"])
			}
			if seen[str(m, "name")] {
				t.Errorf("pagination returned %s twice", str(m, "name"))
			}
			seen[str(m, "name")] = true
		}
		token = str(page.Body, "next_page_token")
		if token == "" {
			break
		}
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != 5 || pages != 3 {
		t.Errorf("paginated %d minors over %d pages, want 5 over 3", len(seen), pages)
	}

	// The operation shows how many survivors it rescued.
	opRes := c.must(200, "GET", "/v1/"+op, nil)
	if n, _ := opRes.Body["survivors_rescued"].(float64); n != 9 {
		t.Errorf("operation survivors_rescued = %v, want 9", opRes.Body["survivors_rescued"])
	}

	// Update with the current etag, then with the stale one: 409.
	etag := str(got.Body, "etag")
	upd := c.must(200, "PATCH", "/v1/"+name+"?update_mask=pseudonym", map[string]any{"pseudonym": "Asha R", "etag": etag})
	if str(upd.Body, "etag") == etag {
		t.Error("update did not change the etag")
	}
	stale := c.must(409, "PATCH", "/v1/"+name+"?update_mask=pseudonym", map[string]any{"pseudonym": "Asha S", "etag": etag})
	if stale.Body["status"] != "ABORTED" || reason(stale.Body) != "ETAG_MISMATCH" {
		t.Errorf("stale etag: %s", stale.Raw)
	}

	// An illegal transition: 409 naming both states.
	ill := c.must(409, "POST", "/v1/"+op+":abort", map[string]any{"reason": "too late"})
	if msg := str(ill.Body, "message"); !strings.Contains(msg, "CONDUCTED") || !strings.Contains(msg, "ABORTED") {
		t.Errorf("illegal transition message %q does not name current and requested state", msg)
	}

	// The headers: If-Match carries the etag (a stale one is 412, not 409),
	// Idempotency-Key the request id, on updates, creates and transitions.
	checkConditionalHeaders(t, c, name, op)

	// Unknown office: 404 that says so.
	unk := c.must(404, "GET", "/v1/offices/chennai/survivors", nil)
	if !strings.Contains(str(unk.Body, "message"), "chennai") {
		t.Errorf("unknown office message: %s", unk.Raw)
	}

	// Without a token nothing is served, and nothing is said about the record.
	anon := c.as("")
	for _, path := range []string{"/v1/" + name, "/v1/offices/mumbai/survivors", "/v1/offices/chennai/survivors"} {
		r := anon.must(401, "GET", path, nil)
		if r.Body["status"] != "UNAUTHENTICATED" || r.Header.Get("WWW-Authenticate") != `Bearer realm="justice"` {
			t.Errorf("GET %s without a token: %s (WWW-Authenticate %q)", path, r.Raw, r.Header.Get("WWW-Authenticate"))
		}
	}

	// Identity never leaks into errors: the legal name is not in any error body.
	bad := survivorBody(op, "", 16)
	bad["age_at_rescue"] = 300
	res := c.must(400, "POST", "/v1/offices/mumbai/survivors", bad)
	if strings.Contains(string(res.Raw), "Zyxwy") {
		t.Errorf("error body carries the legal name: %s", res.Raw)
	}

	// Everything written is there after a restart on the same data directory.
	if err := s.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	// The issuer key is kept too: a token minted before the restart still works.
	s2 := startStack(t, dir)
	defer s2.Stop()
	c2 := client{t: t, base: "http://" + s2.Addrs.HTTP, token: c.token}
	after := c2.must(200, "GET", "/v1/"+name, nil)
	if str(after.Body, "pseudonym") != "Asha R" {
		t.Errorf("after restart: %s", after.Raw)
	}
}

func TestBadInputGetsAClearErrorAndChangesNothing(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	c := investigator(t, s)
	op := seedOperation(c, "mumbai")
	count := func() int {
		n := 0
		token := ""
		for {
			q := url.Values{"page_size": {"500"}}
			if token != "" {
				q.Set("page_token", token)
			}
			r := c.must(200, "GET", "/v1/offices/-/survivors?"+q.Encode(), nil)
			items, _ := r.Body["survivors"].([]any)
			n += len(items)
			if token = str(r.Body, "next_page_token"); token == "" {
				return n
			}
		}
	}
	c.must(201, "POST", "/v1/offices/mumbai/survivors", survivorBody(op, "Baseline", 20))
	before := count()

	without := func(k string) map[string]any { b := survivorBody(op, "X", 20); delete(b, k); return b }
	with := func(k string, v any) map[string]any { b := survivorBody(op, "X", 20); b[k] = v; return b }
	cases := []struct {
		name, method, path string
		body               any
		status             int
		field              string // a field the error must name
	}{
		{"missing pseudonym", "POST", "/v1/offices/mumbai/survivors", without("pseudonym"), 400, "pseudonym"},
		{"missing operation", "POST", "/v1/offices/mumbai/survivors", without("operation"), 400, "operation"},
		{"missing gender", "POST", "/v1/offices/mumbai/survivors", without("gender"), 400, "gender"},
		{"missing rescue time", "POST", "/v1/offices/mumbai/survivors", without("rescue_time"), 400, "rescue_time"},
		{"unknown enum name", "POST", "/v1/offices/mumbai/survivors", with("gender", "GENDER_MARTIAN"), 400, "gender"},
		{"unknown enum number", "POST", "/v1/offices/mumbai/survivors", with("gender", 99), 400, "gender"},
		{"malformed operation name", "POST", "/v1/offices/mumbai/survivors", with("operation", "operations/x"), 400, "operation"},
		{"operation of another office", "POST", "/v1/offices/kolkata/survivors", survivorBody(op, "X", 20), 400, "operation"},
		{"malformed survivor name", "GET", "/v1/offices/mumbai/survivors/NOT_AN_ID", nil, 400, "name"},
		{"page size 1000000", "GET", "/v1/offices/mumbai/survivors?page_size=1000000", nil, 400, "page_size"},
		{"filter with $where", "GET", "/v1/offices/mumbai/survivors?filter=" + url.QueryEscape(`$where = "1"`), nil, 400, "filter"},
		{"filter on a protected field", "GET", "/v1/offices/mumbai/survivors?filter=" + url.QueryEscape(`legal_name = "x"`), nil, 400, "legal_name"},
		{"tampered page token", "GET", "/v1/offices/mumbai/survivors?page_token=AAAA", nil, 400, "page_token"},
		{"not JSON", "POST", "/v1/offices/mumbai/survivors", "{not json", 400, ""},
		{"oversized body", "POST", "/v1/offices/mumbai/survivors", []byte(`{"pseudonym":"` + strings.Repeat("a", 2<<20) + `"}`), 413, ""},
		{"minor without a child basis", "POST", "/v1/offices/mumbai/survivors", with("age_at_rescue", 15), 409, "legal_basis"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client{t: t, base: c.base, token: c.token}
			r := c.do(tc.method, tc.path, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if r.Body["message"] == nil || r.Body["status"] == nil || r.Body["details"] == nil {
				t.Errorf("error body lacks code/status/message/details: %s", r.Raw)
			}
			if tc.field != "" && !strings.Contains(string(r.Raw), tc.field) {
				t.Errorf("error does not name %q: %s", tc.field, r.Raw)
			}
			if strings.Contains(string(r.Raw), "Zyxwy") {
				t.Errorf("error echoes the legal name: %s", r.Raw)
			}
		})
	}
	if after := count(); after != before {
		t.Errorf("bad input changed the database: %d survivors before, %d after", before, after)
	}
}

// checkConditionalHeaders exercises If-Match and Idempotency-Key against the
// real service: survivor is a survivor named "Asha R" (left so), op a
// conducted operation (left closed).
func checkConditionalHeaders(t *testing.T, c client, survivor, op string) {
	t.Helper()
	const patch = "?update_mask=pseudonym"
	read := c.must(200, "GET", "/v1/"+survivor, nil)
	etag := read.Header.Get("ETag")
	if etag != `"`+str(read.Body, "etag")+`"` {
		t.Fatalf("GET ETag header %q, body etag %q", etag, str(read.Body, "etag"))
	}
	upd := c.must(200, "PATCH", "/v1/"+survivor+patch, map[string]any{"pseudonym": "Asha Q"}, "If-Match", etag)
	if upd.Header.Get("ETag") == etag || upd.Header.Get("ETag") != `"`+str(upd.Body, "etag")+`"` {
		t.Errorf("PATCH with If-Match: ETag %q after %q, body etag %q", upd.Header.Get("ETag"), etag, str(upd.Body, "etag"))
	}
	stale := c.must(412, "PATCH", "/v1/"+survivor+patch, map[string]any{"pseudonym": "Asha S"}, "If-Match", etag)
	if stale.Body["status"] != "ABORTED" || reason(stale.Body) != "ETAG_MISMATCH" || stale.Body["code"] != float64(412) {
		t.Errorf("stale If-Match: %s", stale.Raw)
	}
	// The weak form of the current etag, and back to the name the test expects.
	c.must(200, "PATCH", "/v1/"+survivor+patch, map[string]any{"pseudonym": "Asha R"}, "If-Match", "W/"+upd.Header.Get("ETag"))

	// Idempotency-Key on a create: a retry is the first result.
	body := survivorBody(str(read.Body, "operation"), "Keyed", 30)
	first := c.must(201, "POST", "/v1/offices/mumbai/survivors", body, "Idempotency-Key", "e2e-key-1")
	retry := c.must(201, "POST", "/v1/offices/mumbai/survivors", body, "Idempotency-Key", "e2e-key-1")
	if str(first.Body, "name") == "" || str(retry.Body, "name") != str(first.Body, "name") {
		t.Errorf("retried keyed create: %s then %s", str(first.Body, "name"), str(retry.Body, "name"))
	}
	// The key and request_id are the same thing: the query's request_id finds it.
	byQuery := c.must(201, "POST", "/v1/offices/mumbai/survivors?request_id=e2e-key-1", body)
	if str(byQuery.Body, "name") != str(first.Body, "name") {
		t.Errorf("request_id=e2e-key-1 after Idempotency-Key e2e-key-1 made %s, want %s", str(byQuery.Body, "name"), str(first.Body, "name"))
	}
	reused := c.must(400, "POST", "/v1/offices/mumbai/survivors", survivorBody(str(read.Body, "operation"), "Other", 31), "Idempotency-Key", "e2e-key-1")
	if reason(reused.Body) != "REQUEST_ID_REUSED" {
		t.Errorf("same key, another payload: %s", reused.Raw)
	}
	conflict := c.must(400, "POST", "/v1/offices/mumbai/survivors?request_id=e2e-other", body, "Idempotency-Key", "e2e-key-1")
	if reason(conflict.Body) != "REQUEST_ID_CONFLICT" {
		t.Errorf("key and another request_id: %s", conflict.Raw)
	}
	bad := c.must(400, "POST", "/v1/offices/mumbai/survivors", body, "Idempotency-Key", "not a key")
	if reason(bad.Body) != "INVALID_REQUEST_ID" || !strings.Contains(str(bad.Body, "message"), "Idempotency-Key") {
		t.Errorf("malformed key: %s", bad.Raw)
	}

	// A transition with both: stale If-Match is 412; then it runs once.
	opEtag := c.must(200, "GET", "/v1/"+op, nil).Header.Get("ETag")
	c.must(412, "POST", "/v1/"+op+":close", map[string]any{"reason": "done"}, "If-Match", `"stale"`, "Idempotency-Key", "e2e-close-1")
	closed := c.must(200, "POST", "/v1/"+op+":close", map[string]any{"reason": "done"}, "If-Match", opEtag, "Idempotency-Key", "e2e-close-2")
	again := c.must(200, "POST", "/v1/"+op+":close", map[string]any{"reason": "done"}, "If-Match", opEtag, "Idempotency-Key", "e2e-close-2")
	if str(closed.Body, "status") != "OPERATION_STATUS_CLOSED" || str(again.Body, "etag") != str(closed.Body, "etag") {
		t.Errorf("keyed close then its retry: %s then %s", closed.Raw, again.Raw)
	}
}
