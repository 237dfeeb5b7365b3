package stack_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/justiceops/justice/deploy/local/stack"
	"github.com/justiceops/justice/gateway/edge"
	"github.com/justiceops/justice/gateway/insights"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/resname"
	prosecution "github.com/justiceops/justice/services/prosecution/service"
	rescue "github.com/justiceops/justice/services/rescue/service"
)

// The generated packages register the descriptors the matrix reads.
var _ = []protoreflect.FileDescriptor{rescuev1.File_justice_rescue_v1_rescue_service_proto, auditv1.File_justice_audit_v1_audit_proto,
	prosecutionv1.File_justice_prosecution_v1_prosecution_service_proto}

// documentedPolicies are the access the README's Roles section promises,
// one policy table per service (as the service's Policy): who may call each
// RPC. They are kept by hand in step with the README's tables (the test does
// not parse the README). The matrix checks that the running stack enforces
// exactly this over REST, for every route of /openapi.json (a route missing
// here fails the test).
func documentedPolicies() map[string]auth.Policy {
	return map[string]auth.Policy{stack.Rescue: documentedRescuePolicy(), stack.Prosecution: documentedProsecutionPolicy()}
}

// documentedRescuePolicy is the README's rescue table.
func documentedRescuePolicy() auth.Policy {
	read := []string{auth.RoleInvestigator, auth.RoleSocialWorker, auth.RoleLawyer, auth.RoleOfficeDirector,
		auth.RoleRegionalDirector, auth.RoleAdmin}
	casework := []string{auth.RoleInvestigator}
	decide := []string{auth.RoleInvestigator, auth.RoleOfficeDirector}
	survivors := []string{auth.RoleInvestigator, auth.RoleSocialWorker}
	erase := []string{auth.RoleOfficeDirector, auth.RoleAdmin}
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
		auditv1.AuditService_ListAuditEntries_FullMethodName: {Roles: []string{auth.RoleAuditor}},
		// The internal metrics source (no REST route: the gateway's /v1/metrics calls it):
		// aggregate counts for every human role, in its own offices; rebuilds for admins.
		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName:   {Roles: auth.Roles()},
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: {Roles: []string{auth.RoleAdmin}},
		// Other services' reference checks (no REST route), with their own identity only.
		rescuev1.RescueReferenceService_LookupReferences_FullMethodName: {Roles: []string{auth.RoleService}},
	}
	for method, roles := range rules {
		p["/"+rescuev1.RescueService_ServiceDesc.ServiceName+"/"+method] = auth.Rule{Roles: roles}
	}
	return p
}

// documentedProsecutionPolicy is the README's prosecution table.
func documentedProsecutionPolicy() auth.Policy {
	work := []string{auth.RoleInvestigator, auth.RoleLawyer}
	read := []string{auth.RoleInvestigator, auth.RoleLawyer, auth.RoleOfficeDirector}
	witnesses := []string{auth.RoleInvestigator, auth.RoleLawyer, auth.RoleOfficeDirector, auth.RoleSocialWorker}
	support := []string{auth.RoleInvestigator, auth.RoleLawyer, auth.RoleSocialWorker}
	rules := map[string][]string{
		"CreateCase": work, "GetCase": read, "ListCases": read, "UpdateCase": work, "AdvanceCaseStage": work,
		"CorrectCaseStage": work, "LinkCaseReference": work, "UnlinkCaseReference": work,
		"CreateAccused": work, "GetAccused": read, "ListAccused": read, "UpdateAccused": work,
		"ChangeAccusedCustody": work, "RecordBailEvent": work, "RecordVerdict": work,
		"CreateHearing": work, "GetHearing": read, "ListHearings": read, "UpdateHearing": work, "DeleteHearing": work,
		"QueryHearingCalendar": read, "CreateWitness": work, "GetWitness": witnesses, "ListWitnesses": witnesses,
		"UpdateWitness": support, "DeleteWitness": work,
		"CreateCompensation": work, "GetCompensation": read, "ListCompensations": read, "UpdateCompensation": work,
	}
	p := auth.Policy{
		auditv1.AuditService_ListAuditEntries_FullMethodName: {Roles: []string{auth.RoleAuditor}},
		// The metrics: every human role (suppressed at the gateway for partners); rebuilds for admins.
		metricsv1.MetricsSourceService_QueryMetrics_FullMethodName:   {Roles: auth.Roles()},
		metricsv1.MetricsSourceService_RebuildMetrics_FullMethodName: {Roles: []string{auth.RoleAdmin}},
	}
	for method, roles := range rules {
		p["/"+prosecutionv1.ProsecutionService_ServiceDesc.ServiceName+"/"+method] = auth.Rule{Roles: roles}
	}
	return p
}

// enforcedPolicies are the policy tables the services enforce.
func enforcedPolicies() map[string]auth.Policy {
	return map[string]auth.Policy{stack.Rescue: rescue.Policy(), stack.Prosecution: prosecution.Policy()}
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
	rule, _ := proto.GetExtension(methodDescriptor(t, fullMethod).Options(), annotations.E_Http).(*annotations.HttpRule)
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

// methodDescriptor finds the descriptor of a full method name.
func methodDescriptor(t *testing.T, fullMethod string) protoreflect.MethodDescriptor {
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
	return md
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
// a successful call needs, or the shared ones. Records a call only refers
// to, and does not change (the survivor and operation a case links), are
// the shared ones either way.
func (wd world) ref(office string, fresh bool) func(kind string) string {
	return func(kind string) string {
		switch {
		case fresh && kind == "confirmed location":
			return wd.w.location(office, "investigate", "confirm")
		case fresh && kind == "conducted operation":
			return wd.w.operation(office, true)
		case fresh && kind != "survivor" && kind != "operation":
			panic("matrix: no fresh record of kind " + kind)
		}
		return wd.shared[office][kind]
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

// prosecutionMatrixCalls say how the matrix calls the ProsecutionService.
// The shared records of an office are a case linking the office's shared
// survivor, and under it an accused, a hearing, a witness (of that
// survivor) and a compensation.
func prosecutionMatrixCalls() map[string]matrixCall {
	fields := func(m map[string]any) func(func(string) string) any {
		return func(func(string) string) any { return m }
	}
	none := func(func(string) string) any { return nil }
	// A fresh case links the office's shared survivor and has no witness.
	freshCase := func(stages ...string) func(casework, string) string {
		return func(w casework, office string) string { return w.prosecutionCase(office, stages...) }
	}
	under := func(make func(w casework, caseName, office string) string, stages ...string) func(casework, string) string {
		return func(w casework, office string) string { return make(w, w.prosecutionCase(office, stages...), office) }
	}
	accused := under(func(w casework, c, _ string) string { return w.accused(c) })
	hearing := under(func(w casework, c, _ string) string { return w.hearing(c, day(2025, 4, 2)) })
	witness := under(func(w casework, c, office string) string { return w.witness(c, w.linkedSurvivor(office)) })
	compensation := under(func(w casework, c, office string) string { return w.compensation(c, w.linkedSurvivor(office)) })
	survivor := func(body func(survivor string) map[string]any) func(func(string) string) any {
		return func(ref func(string) string) any { return body(ref("survivor")) }
	}
	calendar := "start_date.year=2025&start_date.month=1&start_date.day=1&end_date.year=2025&end_date.month=12&end_date.day=31"
	m := func(name string) string {
		return "/" + prosecutionv1.ProsecutionService_ServiceDesc.ServiceName + "/" + name
	}
	return map[string]matrixCall{
		m("CreateCase"): {kind: "parent", status: 201, body: survivor(func(s string) map[string]any { return caseBody("MX/2025", s) })},
		m("GetCase"):    {kind: "case", status: 200, body: none},
		m("ListCases"):  {kind: "parent", status: 200, body: none},
		m("UpdateCase"): {kind: "case", fresh: freshCase(), query: "update_mask=court", status: 200, body: fields(map[string]any{"court": "Sessions Court 2"})},
		m("AdvanceCaseStage"): {kind: "case", fresh: freshCase(), status: 200, body: fields(map[string]any{
			"stage": "CASE_STAGE_INVESTIGATION", "effective_date": day(2025, 2, 1)})},
		m("CorrectCaseStage"): {kind: "case", fresh: freshCase("INVESTIGATION"), status: 200, body: fields(map[string]any{
			"stage": "CASE_STAGE_FIR_REGISTERED", "reason": "access matrix"})},
		m("LinkCaseReference"): {kind: "case", fresh: freshCase(), status: 200, body: func(ref func(string) string) any {
			return map[string]any{"reference": ref("operation")}
		}},
		m("UnlinkCaseReference"): {kind: "case", fresh: freshCase(), status: 200, body: survivor(func(s string) map[string]any {
			return map[string]any{"reference": s}
		})},

		m("CreateAccused"): {kind: "case", status: 201, body: fields(map[string]any{
			"display_name": "Accused 9", "role": "ACCUSED_ROLE_RECRUITER"})},
		m("GetAccused"):    {kind: "accused", status: 200, body: none},
		m("ListAccused"):   {kind: "case", status: 200, body: none},
		m("UpdateAccused"): {kind: "accused", fresh: accused, query: "update_mask=notes", status: 200, body: fields(map[string]any{"notes": "matrix"})},
		m("ChangeAccusedCustody"): {kind: "accused", fresh: accused, status: 200, body: fields(map[string]any{
			"custody": "CUSTODY_ARRESTED", "effective_date": day(2025, 1, 10)})},
		m("RecordBailEvent"): {kind: "accused", fresh: accused, status: 200, body: fields(map[string]any{
			"event": map[string]any{"kind": "BAIL_EVENT_KIND_APPLIED", "date": day(2025, 1, 12)}})},
		m("RecordVerdict"): {kind: "accused", fresh: under(func(w casework, c, _ string) string { return w.accused(c) }, "JUDGMENT"),
			status: 200, body: fields(map[string]any{"verdict": "VERDICT_ACQUITTED", "verdict_date": day(2025, 3, 1)})},

		m("CreateHearing"):        {kind: "case", status: 201, body: fields(map[string]any{"date": day(2025, 4, 9), "purpose": "HEARING_PURPOSE_BAIL"})},
		m("GetHearing"):           {kind: "hearing", status: 200, body: none},
		m("ListHearings"):         {kind: "case", status: 200, body: none},
		m("UpdateHearing"):        {kind: "hearing", fresh: hearing, query: "update_mask=outcome", status: 200, body: fields(map[string]any{"outcome": "adjourned"})},
		m("DeleteHearing"):        {kind: "hearing", fresh: hearing, status: 200, body: none},
		m("QueryHearingCalendar"): {kind: "parent", query: calendar, status: 200, body: none},

		m("CreateWitness"): {kind: "case", fresh: freshCase(), status: 201, body: survivor(func(s string) map[string]any {
			return map[string]any{"survivor": s}
		})},
		m("GetWitness"):    {kind: "witness", status: 200, body: none},
		m("ListWitnesses"): {kind: "case", status: 200, body: none},
		m("UpdateWitness"): {kind: "witness", fresh: witness, query: "update_mask=support_notes", status: 200,
			body: fields(map[string]any{"support_notes": "weekly call"})},
		m("DeleteWitness"): {kind: "witness", fresh: witness, status: 200, body: none},

		m("CreateCompensation"): {kind: "case", fresh: freshCase(), status: 201, body: survivor(func(s string) map[string]any {
			return compensationBody(s, day(2025, 3, 20))
		})},
		m("GetCompensation"):   {kind: "compensation", status: 200, body: none},
		m("ListCompensations"): {kind: "case", status: 200, body: none},
		m("UpdateCompensation"): {kind: "compensation", fresh: compensation, query: "update_mask=authority", status: 200,
			body: fields(map[string]any{"authority": "DLSA Mumbai Suburban"})},
	}
}

// TestAccessMatrixOverREST calls every RPC of the policy tables of the
// rescue and the prosecution services that has a REST route, through the
// REST edge, as every role (and a service identity), in the caller's
// office and in another: a role the table does not list is refused (403)
// wherever it asks; a listed role succeeds in its office and finds nothing
// (404) in another, exactly as if the record did not exist.
func TestAccessMatrixOverREST(t *testing.T) {
	s := startStack(t, t.TempDir())
	defer s.Stop()
	documented := documentedPolicies()
	enforced := enforcedPolicies()
	for name, policy := range documented {
		checkDocumentedPolicyIsEnforced(t, name, policy, enforced[name])
	}
	// The matrix walks the RPCs with a REST route; the internal metrics
	// sources (the gateway's own insights API fronts them) and rescue's
	// reference service (for services) have none.
	policy := restPolicy(t, documented)
	checkRoutesMatchPolicy(t, policy, insights.Policy())

	wd := world{
		w: newCasework(client{t: t, base: "http://" + s.Addrs.HTTP,
			token: mint(t, s, "matrix-setup", []string{auth.RoleInvestigator}, "*")}),
		shared: map[string]map[string]string{},
	}
	for _, office := range []string{"mumbai", "kolkata"} {
		survivor := wd.w.linkedSurvivor(office)
		caseName := wd.w.prosecutionCase(office)
		wd.shared[office] = map[string]string{
			"parent": "offices/" + office, "location": wd.w.location(office),
			"operation": wd.w.operation(office, true), "survivor": survivor,
			"confirmed location": wd.w.location(office, "investigate", "confirm"), "conducted operation": wd.w.operation(office, true),
			"case": caseName, "accused": wd.w.accused(caseName), "hearing": wd.w.hearing(caseName, day(2025, 4, 2)),
			"witness": wd.w.witness(caseName, survivor), "compensation": wd.w.compensation(caseName, survivor),
		}
	}
	calls := matrixCalls()
	maps.Copy(calls, prosecutionMatrixCalls())
	roles := append(auth.Roles(), auth.RoleService)

	const own, other = "mumbai", "kolkata"
	methods := make([]string, 0, len(policy))
	for m := range policy {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	tokens := map[string]string{}
	for _, role := range roles {
		tokens[role] = mint(t, s, "matrix-"+role, []string{role}, own)
	}
	for _, method := range methods {
		route := restRouteOf(t, method)
		call, ok := calls[method]
		if !ok {
			t.Errorf("the matrix does not know how to call %s: add it to matrixCalls", method)
			continue
		}
		for _, role := range roles {
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
					switch method {
					case rescuev1.RescueService_GetSurvivor_FullMethodName:
						checkIdentityVisibility(t, role, r)
					case prosecutionv1.ProsecutionService_GetWitness_FullMethodName:
						checkWitnessVisibility(t, role, r)
					}
				}
			}
		}
	}
}

// checkWitnessVisibility: the roles that work the case read a witness's
// testimony fields; a social worker reads the support fields only.
func checkWitnessVisibility(t *testing.T, role string, r response) {
	t.Helper()
	legal := role != auth.RoleSocialWorker
	if legal && str(r.Body, "testimony_status") != "TESTIMONY_STATUS_PENDING" {
		t.Errorf("GetWitness as %s (works the case) lacks testimony_status: %s", role, r.Raw)
	}
	if !legal && (r.Body["testimony_status"] != nil || r.Body["evidence_overdue"] != nil || str(r.Body, "survivor") == "") {
		t.Errorf("GetWitness as %s (support only) shows testimony fields or lacks the survivor: %s", role, r.Raw)
	}
}

// restPolicy merges the services' tables into one over the RPCs with a
// REST route; an RPC two services serve (the AuditService, merged at the
// edge) must have the same roles in both.
func restPolicy(t *testing.T, policies map[string]auth.Policy) auth.Policy {
	t.Helper()
	merged := auth.Policy{}
	for name, policy := range policies {
		for method, rule := range policy {
			if !hasRESTRoute(t, method) {
				continue
			}
			if prev, ok := merged[method]; ok && !sameRoles(prev.Roles, rule.Roles) {
				t.Errorf("%s: %s documents roles %v, another service %v; the edge serves one route", method, name, rule.Roles, prev.Roles)
			}
			merged[method] = rule
		}
	}
	return merged
}

// hasRESTRoute reports whether a full method name has a google.api.http rule.
func hasRESTRoute(t *testing.T, fullMethod string) bool {
	t.Helper()
	return proto.HasExtension(methodDescriptor(t, fullMethod).Options(), annotations.E_Http)
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
// /v1/offices/{office}/survivors/{survivor}:eraseIdentity, and
// /v1/{parent=offices/*/cases/*}/witnesses is
// /v1/offices/{office}/cases/{case}/witnesses.
func (r restRoute) documentedPath() string {
	return templateVarRE.ReplaceAllStringFunc(r.template, func(v string) string {
		segments := strings.Split(templateVarRE.FindStringSubmatch(v)[1], "/")
		for i, s := range segments {
			if s == "*" && i > 0 {
				segments[i] = "{" + resname.Singular(segments[i-1]) + "}"
			}
		}
		return strings.Join(segments, "/")
	})
}

func shortMethod(full string) string { return full[strings.LastIndexByte(full, '/')+1:] }

// checkDocumentedPolicyIsEnforced fails when a service's table of the
// README's Roles section (documented) and the policy the service enforces
// disagree on who may call any RPC.
func checkDocumentedPolicyIsEnforced(t *testing.T, service string, documented, enforced auth.Policy) {
	t.Helper()
	for method, rule := range enforced {
		doc, ok := documented[method]
		if !ok {
			t.Errorf("%s: %s is enforced but not documented", service, method)
			continue
		}
		if !sameRoles(doc.Roles, rule.Roles) {
			t.Errorf("%s: %s: documented roles %v, enforced %v", service, method, doc.Roles, rule.Roles)
		}
	}
	for method := range documented {
		if _, ok := enforced[method]; !ok {
			t.Errorf("%s: %s is documented but has no enforced rule", service, method)
		}
	}
}

func sameRoles(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
