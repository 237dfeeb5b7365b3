package stack_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/justiceops/justice/gateway/edge"
	"github.com/justiceops/justice/gateway/insights"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	rescue "github.com/justiceops/justice/services/rescue/service"
)

// The generated packages register the descriptors the matrix reads.
var _ = []protoreflect.FileDescriptor{rescuev1.File_justice_rescue_v1_rescue_service_proto, auditv1.File_justice_audit_v1_audit_proto}

// documentedPolicy is the access the README's Roles section promises, as a
// policy table: who may call each RPC of the rescue server. The matrix
// checks that the running stack enforces exactly this over REST, for every
// route of /openapi.json (a route missing here fails the test).
func documentedPolicy() auth.Policy {
	const (
		investigator     = auth.RoleInvestigator
		socialWorker     = auth.RoleSocialWorker
		lawyer           = auth.RoleLawyer
		officeDirector   = auth.RoleOfficeDirector
		regionalDirector = auth.RoleRegionalDirector
		auditor          = auth.RoleAuditor
		admin            = auth.RoleAdmin
	)
	read := []string{investigator, socialWorker, lawyer, officeDirector, regionalDirector, admin}
	casework := []string{investigator}
	decide := []string{investigator, officeDirector}
	survivors := []string{investigator, socialWorker}
	erase := []string{officeDirector, admin}
	rules := map[string][]string{
		"CreateLocation": casework, "GetLocation": read, "ListLocations": read, "UpdateLocation": casework,
		"DeleteLocation": casework, "InvestigateLocation": decide, "ConfirmLocation": decide,
		"MarkRaidedLocation": decide, "CloseLocation": decide, "DismissLocation": decide,
		"CreateOperation": casework, "GetOperation": read, "ListOperations": read, "UpdateOperation": casework,
		"DeleteOperation": casework, "ConductOperation": decide, "CloseOperation": decide, "AbortOperation": decide,
		"CreateSurvivor": survivors, "GetSurvivor": read, "ListSurvivors": read, "UpdateSurvivor": survivors,
		"FindSurvivorDuplicates": survivors, "EraseSurvivorIdentity": erase,
	}
	p := auth.Policy{
		auditv1.AuditService_ListAuditEntries_FullMethodName: {Roles: []string{auditor}},
		// The internal metrics source (no REST route: the gateway's /v1/metrics calls it):
		// aggregate counts for every human role, in its own offices; rebuilds for admins.
		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName:   {Roles: auth.Roles()},
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: {Roles: []string{admin}},
	}
	for method, roles := range rules {
		p["/"+rescuev1.RescueService_ServiceDesc.ServiceName+"/"+method] = auth.Rule{Roles: roles}
	}
	return p
}

// identityRoles are the roles the README says read survivors' identity.
var identityRoles = []string{auth.RoleInvestigator, auth.RoleSocialWorker, auth.RoleLawyer}

// restRoute is the REST mapping of one RPC (its google.api.http rule).
type restRoute struct {
	verb     string // GET, POST, PATCH or DELETE
	template string // e.g. /v1/{name=offices/*/locations/*}:investigate
}

// restRouteOf reads the google.api.http rule of a full method name.
func restRouteOf(t *testing.T, fullMethod string) restRoute {
	t.Helper()
	service, method, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	if !ok {
		t.Fatalf("policy key %q is not a full method name", fullMethod)
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		t.Fatalf("policy names %s, which no registered service has: %v", fullMethod, err)
	}
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(method))
	if md == nil {
		t.Fatalf("policy names %s, which %s does not have", fullMethod, service)
	}
	rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
	switch p := rule.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return restRoute{"GET", p.Get}
	case *annotations.HttpRule_Post:
		return restRoute{"POST", p.Post}
	case *annotations.HttpRule_Patch:
		return restRoute{"PATCH", p.Patch}
	case *annotations.HttpRule_Delete:
		return restRoute{"DELETE", p.Delete}
	default:
		t.Fatalf("%s has no REST route: every RPC in the policy table must be reachable through the edge", fullMethod)
		return restRoute{}
	}
}

var templateVarRE = regexp.MustCompile(`\{[a-z_.]+=([^}]+)\}`)

// path fills the route's one variable with name, checking it fits the pattern.
func (r restRoute) path(t *testing.T, name string) string {
	t.Helper()
	m := templateVarRE.FindStringSubmatch(r.template)
	if m == nil {
		t.Fatalf("route %s has no {field=pattern} variable", r.template)
	}
	if pattern := "^" + strings.ReplaceAll(m[1], "*", "[^/]+") + "$"; !regexp.MustCompile(pattern).MatchString(name) {
		t.Fatalf("route %s needs a %s, got %s", r.template, m[1], name)
	}
	return strings.Replace(r.template, m[0], name, 1)
}

// casework makes records in a given lifecycle state.
type casework struct{ c client }

func (w casework) location(office string, steps ...string) string {
	r := w.c.must(201, "POST", "/v1/offices/"+office+"/locations", map[string]any{
		"display_name": "Matrix lodge", "type": "LOCATION_TYPE_HOTEL_OR_LODGE", "district": "Matrix"})
	name := str(r.Body, "name")
	for _, step := range steps {
		w.c.must(200, "POST", "/v1/"+name+":"+step, map[string]any{"reason": "access matrix"})
	}
	return name
}

func (w casework) operation(office string, conducted bool) string {
	r := w.c.must(201, "POST", "/v1/offices/"+office+"/operations", operationBody(w.location(office, "investigate", "confirm")))
	name := str(r.Body, "name")
	if conducted {
		w.c.must(200, "POST", "/v1/"+name+":conduct", conductBody())
	}
	return name
}

func (w casework) survivor(office string) string {
	r := w.c.must(201, "POST", "/v1/offices/"+office+"/survivors", survivorBody(w.operation(office, true), "Matrix", 24))
	return str(r.Body, "name")
}

func operationBody(location string) map[string]any {
	return map[string]any{"location": location, "planned_time": time.Now().Add(-72 * time.Hour).UTC().Format(time.RFC3339),
		"police_unit": "AHTU", "legal_basis": "OPERATION_LEGAL_BASIS_ITPA_S16_RESCUE"}
}

func conductBody() map[string]any {
	return map[string]any{"conduct_time": time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339), "suspects_apprehended": 1}
}

// matrixCall says how the matrix calls one RPC. An allowed call in the
// caller's office changes records, so it gets records of its own, in the
// lifecycle state it needs (fresh), and succeeds with status whatever the
// order of the calls. A refused call reads nothing: it gets the shared
// records of the office it asks about.
type matrixCall struct {
	kind   string                                 // "parent", or the kind of record the route names
	fresh  func(w casework, office string) string // a record in the state the call needs; nil: the shared one
	query  string
	body   func(ref func(kind string) string) any // ref names a record of a kind to refer to
	status int                                    // the status of an allowed call in the caller's office
}

// world is what the matrix calls act on: the shared records of each office,
// and a casework to make fresh ones.
type world struct {
	w      casework
	shared map[string]map[string]string // office -> kind -> record name
}

// ref returns a function naming records of office: fresh ones in the state
// a successful call needs, or the shared ones.
func (wd world) ref(office string, fresh bool) func(kind string) string {
	return func(kind string) string {
		if !fresh {
			return wd.shared[office][kind]
		}
		switch kind {
		case "confirmed location":
			return wd.w.location(office, "investigate", "confirm")
		case "conducted operation":
			return wd.w.operation(office, true)
		}
		panic("matrix: no fresh record of kind " + kind)
	}
}

func matrixCalls() map[string]matrixCall {
	loc := func(steps ...string) func(casework, string) string {
		return func(w casework, office string) string { return w.location(office, steps...) }
	}
	op := func(conducted bool) func(casework, string) string {
		return func(w casework, office string) string { return w.operation(office, conducted) }
	}
	survivor := func(w casework, office string) string { return w.survivor(office) }
	fields := func(m map[string]any) func(func(string) string) any {
		return func(func(string) string) any { return m }
	}
	reason := fields(map[string]any{"reason": "access matrix"})
	none := func(func(string) string) any { return nil }
	m := func(name string) string { return "/" + rescuev1.RescueService_ServiceDesc.ServiceName + "/" + name }
	return map[string]matrixCall{
		m("CreateLocation"):      {kind: "parent", status: 201, body: fields(map[string]any{"display_name": "Matrix lodge", "type": "LOCATION_TYPE_BROTHEL"})},
		m("GetLocation"):         {kind: "location", status: 200, body: none},
		m("ListLocations"):       {kind: "parent", status: 200, body: none},
		m("UpdateLocation"):      {kind: "location", fresh: loc(), query: "update_mask=district", status: 200, body: fields(map[string]any{"district": "Matrix 2"})},
		m("DeleteLocation"):      {kind: "location", fresh: loc(), status: 200, body: none},
		m("InvestigateLocation"): {kind: "location", fresh: loc(), status: 200, body: reason},
		m("ConfirmLocation"):     {kind: "location", fresh: loc("investigate"), status: 200, body: reason},
		m("MarkRaidedLocation"):  {kind: "location", fresh: loc("investigate", "confirm"), status: 200, body: reason},
		m("CloseLocation"):       {kind: "location", fresh: loc("investigate", "confirm", "markRaided"), status: 200, body: reason},
		m("DismissLocation"):     {kind: "location", fresh: loc(), status: 200, body: reason},

		m("CreateOperation"): {kind: "parent", status: 201, body: func(ref func(string) string) any {
			return operationBody(ref("confirmed location"))
		}},
		m("GetOperation"):     {kind: "operation", status: 200, body: none},
		m("ListOperations"):   {kind: "parent", status: 200, body: none},
		m("UpdateOperation"):  {kind: "operation", fresh: op(false), query: "update_mask=police_unit", status: 200, body: fields(map[string]any{"police_unit": "AHTU 2"})},
		m("DeleteOperation"):  {kind: "operation", fresh: op(false), status: 200, body: none},
		m("ConductOperation"): {kind: "operation", fresh: op(false), status: 200, body: fields(conductBody())},
		m("CloseOperation"):   {kind: "operation", fresh: op(true), status: 200, body: reason},
		m("AbortOperation"):   {kind: "operation", fresh: op(false), status: 200, body: reason},

		m("CreateSurvivor"): {kind: "parent", status: 201, body: func(ref func(string) string) any {
			return survivorBody(ref("conducted operation"), "Matrix", 30)
		}},
		m("GetSurvivor"):            {kind: "survivor", status: 200, body: none},
		m("ListSurvivors"):          {kind: "parent", status: 200, body: none},
		m("UpdateSurvivor"):         {kind: "survivor", fresh: survivor, query: "update_mask=pseudonym", status: 200, body: fields(map[string]any{"pseudonym": "Matrix 2"})},
		m("EraseSurvivorIdentity"):  {kind: "survivor", fresh: survivor, status: 200, body: fields(map[string]any{"reason": "purpose served"})},
		m("FindSurvivorDuplicates"): {kind: "survivor", status: 200, body: none},

		auditv1.AuditService_ListAuditEntries_FullMethodName: {kind: "parent", status: 200, body: none},
	}
}

// TestAccessMatrixOverREST calls every RPC of the rescue service's policy
// table through the REST edge, as every role, in the caller's office and in
// another: a role the table does not list is refused (403) wherever it asks;
// a listed role succeeds in its office and finds nothing (404) in another,
// exactly as if the record did not exist.
func TestAccessMatrixOverREST(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	documented := documentedPolicy()
	checkDocumentedPolicyIsEnforced(t, documented)
	// The matrix walks the RPCs with a REST route; the internal metrics
	// source has none (the gateway's own insights API fronts it).
	policy := auth.Policy{}
	for method, rule := range documented {
		if !strings.HasPrefix(method, "/"+metricsv1.MetricsSourceService_ServiceDesc.ServiceName+"/") {
			policy[method] = rule
		}
	}
	checkRoutesMatchPolicy(t, policy, insights.Policy())

	wd := world{
		w: casework{c: client{t: t, base: "http://" + s.Addrs.HTTP,
			token: mint(t, s, "matrix-setup", []string{auth.RoleInvestigator}, "*")}},
		shared: map[string]map[string]string{},
	}
	for _, office := range []string{"mumbai", "kolkata"} {
		wd.shared[office] = map[string]string{
			"parent": "offices/" + office, "location": wd.w.location(office),
			"operation": wd.w.operation(office, true), "survivor": wd.w.survivor(office),
			"confirmed location": wd.w.location(office, "investigate", "confirm"), "conducted operation": wd.w.operation(office, true),
		}
	}
	calls := matrixCalls()

	const own, other = "mumbai", "kolkata"
	methods := make([]string, 0, len(policy))
	for m := range policy {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	tokens := map[string]string{}
	for _, role := range auth.Roles() {
		tokens[role] = mint(t, s, "matrix-"+role, []string{role}, own)
	}
	for _, method := range methods {
		route := restRouteOf(t, method)
		call, ok := calls[method]
		if !ok {
			t.Errorf("the matrix does not know how to call %s: add it to matrixCalls", method)
			continue
		}
		for _, role := range auth.Roles() {
			allowed := slices.Contains(policy[method].Roles, role)
			for _, office := range []string{own, other} {
				succeeds := allowed && office == own
				target := wd.shared[office][call.kind]
				if succeeds && call.fresh != nil {
					target = call.fresh(wd.w, office)
				}
				path := route.path(t, target)
				if call.query != "" {
					path += "?" + call.query
				}
				want := call.status
				switch {
				case !allowed:
					want = http.StatusForbidden
				case office == other:
					want = http.StatusNotFound
				}
				where := map[bool]string{true: "its own office", false: "another office"}[office == own]
				r := wd.w.c.as(tokens[role]).do(route.verb, path, call.body(wd.ref(office, succeeds)))
				if r.Status != want {
					t.Errorf("%s as %s in %s: %s %s: status %d, want %d: %s", shortMethod(method), role, where, route.verb, path, r.Status, want, r.Raw)
					continue
				}
				switch want {
				case http.StatusForbidden:
					if r.Body["status"] != "PERMISSION_DENIED" || reason(r.Body) != auth.ReasonRoleNotAllowed {
						t.Errorf("%s as %s: 403 body %s, want PERMISSION_DENIED %s", shortMethod(method), role, r.Raw, auth.ReasonRoleNotAllowed)
					}
				case http.StatusNotFound:
					if r.Body["status"] != "NOT_FOUND" {
						t.Errorf("%s as %s in %s: 404 body %s", shortMethod(method), role, where, r.Raw)
					}
				default:
					if method == rescuev1.RescueService_GetSurvivor_FullMethodName {
						checkIdentityVisibility(t, role, r)
					}
				}
			}
		}
	}
}

// checkIdentityVisibility: the identity roles read the legal name; every
// other role reads the pseudonym and identity_withheld.
func checkIdentityVisibility(t *testing.T, role string, r response) {
	t.Helper()
	sees := slices.Contains(identityRoles, role)
	if sees && (str(r.Body, "legal_name") != "Zyxwy Qqvarn" || r.Body["identity_withheld"] == true) {
		t.Errorf("GetSurvivor as %s (an identity role): %s", role, r.Raw)
	}
	if !sees && (r.Body["legal_name"] != nil || r.Body["identity_withheld"] != true || str(r.Body, "pseudonym") == "") {
		t.Errorf("GetSurvivor as %s (not an identity role) shows identity or lacks identity_withheld: %s", role, r.Raw)
	}
}

// checkRoutesMatchPolicy: the REST routes of /openapi.json and the policy
// table name the same RPCs, so the matrix covers every route, and each
// route's documented path is its google.api.http template, spelled out
// (/v1/offices/{office}/survivors/{survivor}, never /v1/{name}). The edge's
// public endpoints (security: [], no token) are not RPCs.
func checkRoutesMatchPolicy(t *testing.T, policy, edgeOwn auth.Policy) {
	t.Helper()
	raw, err := edge.MergedOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string            `json:"operationId"`
			Security    *[]map[string]any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	type documented struct{ verb, path string }
	routes := map[string]documented{}
	for path, ops := range doc.Paths {
		for verb, op := range ops {
			if op.OperationID == "" {
				t.Errorf("OpenAPI %s %s has no operationId", verb, path)
			}
			if op.Security != nil && len(*op.Security) == 0 {
				if !slices.Contains([]string{"/healthz", "/readyz", "/openapi.json"}, path) {
					t.Errorf("OpenAPI %s %s needs no token, but is not one of the edge's public endpoints", verb, path)
				}
				continue
			}
			routes[op.OperationID] = documented{strings.ToUpper(verb), path}
		}
	}
	inPolicy := map[string]bool{}
	for method := range policy {
		service, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
		id := service[strings.LastIndexByte(service, '.')+1:] + "_" + name
		inPolicy[id] = true
		doc, ok := routes[id]
		if !ok {
			t.Errorf("policy entry %s has no REST route in /openapi.json", method)
			continue
		}
		rule := restRouteOf(t, method)
		if want := rule.documentedPath(); doc.verb != rule.verb || doc.path != want {
			t.Errorf("%s: /openapi.json says %s %s, its google.api.http rule %s %s", method, doc.verb, doc.path, rule.verb, want)
		}
	}
	for method := range edgeOwn {
		service, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
		inPolicy[service[strings.LastIndexByte(service, '.')+1:]+"_"+name] = true
	}
	for id := range routes {
		if !inPolicy[id] {
			t.Errorf("REST route %s has no policy entry", id)
		}
	}
}

// documentedPath spells a template out as /openapi.json does: each * of a
// {field=pattern} variable becomes {collection's singular}, e.g.
// /v1/{name=offices/*/survivors/*}:eraseIdentity is
// /v1/offices/{office}/survivors/{survivor}:eraseIdentity.
func (r restRoute) documentedPath() string {
	return templateVarRE.ReplaceAllStringFunc(r.template, func(v string) string {
		segments := strings.Split(templateVarRE.FindStringSubmatch(v)[1], "/")
		for i, s := range segments {
			if s == "*" && i > 0 {
				segments[i] = "{" + strings.TrimSuffix(segments[i-1], "s") + "}"
			}
		}
		return strings.Join(segments, "/")
	})
}

func shortMethod(full string) string { return full[strings.LastIndexByte(full, '/')+1:] }

// checkDocumentedPolicyIsEnforced fails when the README's role table (as
// documentedPolicy) and the policy the rescue service enforces disagree on
// who may call any RPC.
func checkDocumentedPolicyIsEnforced(t *testing.T, documented auth.Policy) {
	t.Helper()
	enforced := rescue.Policy()
	for method, rule := range enforced {
		doc, ok := documented[method]
		if !ok {
			t.Errorf("%s is enforced but not documented", method)
			continue
		}
		if !sameRoles(doc.Roles, rule.Roles) {
			t.Errorf("%s: documented roles %v, enforced %v", method, doc.Roles, rule.Roles)
		}
	}
	for method := range documented {
		if _, ok := enforced[method]; !ok {
			t.Errorf("%s is documented but has no enforced rule", method)
		}
	}
}

func sameRoles(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
