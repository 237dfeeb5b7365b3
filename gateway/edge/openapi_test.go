package edge

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/go-openapi/loads"
	"github.com/go-openapi/strfmt"
	"github.com/go-openapi/validate"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// TestMergedOpenAPIIsAValidSwagger2Document validates /openapi.json against
// the OpenAPI 2.0 (Swagger) JSON schema embedded in go-openapi, plus its
// semantic checks (unique operationIds, declared path parameters, resolvable
// $refs ...). Nothing is fetched: every $ref is local.
func TestMergedOpenAPIIsAValidSwagger2Document(t *testing.T) {
	t.Parallel()
	raw, err := MergedOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := loads.Analyzed(json.RawMessage(raw), "")
	if err != nil {
		t.Fatalf("loads.Analyzed: %v", err)
	}
	if err := validate.Spec(doc, strfmt.Default); err != nil {
		t.Errorf("validate.Spec: %v", err)
	}
	errs, warnings := validate.NewSpecValidator(doc.Schema(), strfmt.Default).Validate(doc)
	for _, e := range errs.Errors {
		t.Errorf("invalid: %v", e)
	}
	for _, w := range warnings.Errors {
		t.Errorf("warning: %v", w)
	}
}

// apiDoc is the part of the OpenAPI document the tests read.
type apiDoc struct {
	Swagger             string                      `json:"swagger"`
	Paths               map[string]map[string]apiOp `json:"paths"`
	Definitions         map[string]json.RawMessage  `json:"definitions"`
	Parameters          map[string]map[string]any   `json:"parameters"`
	Responses           map[string]apiResponse      `json:"responses"`
	SecurityDefinitions map[string]map[string]any   `json:"securityDefinitions"`
	Security            []map[string]any            `json:"security"`
	Tags                []struct{ Name string }     `json:"tags"`
	Info                map[string]any              `json:"info"`
}

type apiOp struct {
	OperationID string                 `json:"operationId"`
	Tags        []string               `json:"tags"`
	Security    *[]map[string]any      `json:"security"`
	Parameters  []map[string]any       `json:"parameters"`
	Responses   map[string]apiResponse `json:"responses"`
}

type apiResponse struct {
	Ref     string                    `json:"$ref"`
	Schema  map[string]any            `json:"schema"`
	Headers map[string]map[string]any `json:"headers"`
}

func loadDoc(t *testing.T) apiDoc {
	t.Helper()
	raw, err := MergedOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var doc apiDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

var docVarRE = regexp.MustCompile(`\{[^}]+\}`)

func TestMergedOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	table, err := routes()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Swagger != "2.0" {
		t.Errorf("swagger = %q, want 2.0", doc.Swagger)
	}
	// Paths read like the resources, not /v1/{name}.
	for _, p := range []string{
		"/v1/offices/{office}/survivors", "/v1/offices/{office}/survivors/{survivor}",
		"/v1/offices/{office}/survivors/{survivor}:eraseIdentity", "/v1/offices/{office}/survivors/{survivor}:findDuplicates",
		"/v1/offices/{office}/locations/{location}:investigate", "/v1/offices/{office}/operations/{operation}:conduct",
		"/v1/offices/{office}/auditEntries", "/healthz", "/readyz", "/openapi.json",
		"/v1/offices/{office}/cases", "/v1/offices/{office}/cases/{case}/accused", "/v1/offices/{office}/cases/{case}/witnesses/{witness}",
	} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("OpenAPI lacks path %s", p)
		}
	}
	tags := map[string]bool{}
	for _, tag := range doc.Tags {
		tags[tag.Name] = true
	}
	seen := map[string]bool{}
	for path, ops := range doc.Paths {
		for verb, op := range ops {
			for _, tag := range op.Tags {
				if !tags[tag] {
					t.Errorf("%s %s: tag %s is not declared", verb, path, tag)
				}
			}
			if len(op.Tags) == 0 {
				t.Errorf("%s %s has no tag", verb, path)
			}
			if strings.HasPrefix(op.OperationID, "Edge_") {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("public %s %s does not say it needs no token", verb, path)
				}
				continue
			}
			rt := table.byOperationID(op.OperationID)
			if rt == nil {
				t.Errorf("%s %s: operation %s is not a served route", verb, path, op.OperationID)
				continue
			}
			seen[rt.fullMethod] = true
			if got := docVarRE.ReplaceAllString(path, "*"); strings.ToUpper(verb) != rt.verb || got != rt.pattern {
				t.Errorf("%s: document says %s %s, the route is %s %s", op.OperationID, strings.ToUpper(verb), got, rt.verb, rt.pattern)
			}
			checkOperation(t, doc, op, rt)
		}
	}
	for method := range table {
		if !seen[method] {
			t.Errorf("route %s is not in the document", method)
		}
	}
	if b := doc.SecurityDefinitions["bearer"]; b["in"] != "header" || b["name"] != "Authorization" {
		t.Errorf("OpenAPI lacks the bearer security definition: %v", doc.SecurityDefinitions)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("OpenAPI does not require the bearer token: %v", doc.Security)
	}
	for _, def := range []string{"v1Survivor", "v1Case", "v1Accused", "v1Witness", "v1Hearing", "v1Compensation"} {
		if _, ok := doc.Definitions[def]; !ok {
			t.Errorf("OpenAPI lacks the %s definition", def)
		}
	}
	if _, ok := doc.Definitions["rpcStatus"]; ok {
		t.Error("OpenAPI still has google.rpc.Status, which the edge never answers")
	}
}

// checkOperation: the operation's headers, success and error responses.
func checkOperation(t *testing.T, doc apiDoc, op apiOp, rt *route) {
	t.Helper()
	params := map[string]bool{}
	for _, p := range op.Parameters {
		if ref, ok := p["$ref"].(string); ok {
			shared := doc.Parameters[strings.TrimPrefix(ref, "#/parameters/")]
			if shared == nil {
				t.Errorf("%s: parameter %s is not declared", op.OperationID, ref)
				continue
			}
			params[shared["in"].(string)+" "+shared["name"].(string)] = true
			continue
		}
		params[p["in"].(string)+" "+p["name"].(string)] = true
	}
	if got := params["header Idempotency-Key"]; got != (rt.requestID != nil) {
		t.Errorf("%s: Idempotency-Key documented = %v, want %v", op.OperationID, got, rt.requestID != nil)
	}
	if got := params["header If-Match"]; got != (rt.etag != nil) {
		t.Errorf("%s: If-Match documented = %v, want %v", op.OperationID, got, rt.etag != nil)
	}
	if !params["header X-Request-Id"] {
		t.Errorf("%s: X-Request-Id is not documented", op.OperationID)
	}
	success := "200"
	if rt.created {
		success = "201"
		if _, ok := op.Responses["200"]; ok {
			t.Errorf("%s: a create documents 200, but answers 201", op.OperationID)
		}
		if op.Responses["201"].Headers["Location"] == nil {
			t.Errorf("%s: 201 does not document Location", op.OperationID)
		}
	}
	ok, found := op.Responses[success]
	if !found || ok.Schema == nil {
		t.Errorf("%s: no %s response with a schema", op.OperationID, success)
	}
	if rt.returnsETag && ok.Headers["ETag"] == nil {
		t.Errorf("%s: %s does not document ETag", op.OperationID, success)
	}
	want := []string{"default", "400", "401", "403", "404", "429", "503"}
	if rt.verb != http.MethodGet {
		want = append(want, "409")
	}
	if rt.etag != nil {
		want = append(want, "412")
	}
	for _, code := range want {
		r, found := op.Responses[code]
		if !found {
			t.Errorf("%s: no %s response", op.OperationID, code)
			continue
		}
		shared, found := doc.Responses[strings.TrimPrefix(r.Ref, "#/responses/")]
		if !found || shared.Schema["$ref"] != "#/definitions/Error" {
			t.Errorf("%s: %s response is not the Error schema: %+v", op.OperationID, code, r)
		}
	}
}

func TestOpenAPIErrorSchemaIsTheEdgesErrorShape(t *testing.T) {
	t.Parallel()
	doc := loadDoc(t)
	var def struct {
		Required   []string                  `json:"required"`
		Properties map[string]map[string]any `json:"properties"`
		Example    errorBody                 `json:"example"`
	}
	if err := json.Unmarshal(doc.Definitions["Error"], &def); err != nil {
		t.Fatal(err)
	}
	// The schema names exactly the JSON fields of errorBody.
	fields := map[string]bool{}
	for _, f := range []string{"code", "status", "message", "details"} {
		fields[f] = true
		if def.Properties[f] == nil {
			t.Errorf("Error schema lacks %s", f)
		}
	}
	for f := range def.Properties {
		if !fields[f] {
			t.Errorf("Error schema has %s, which the edge never sends", f)
		}
	}
	if len(def.Required) != 4 {
		t.Errorf("Error schema requires %v", def.Required)
	}
	if def.Example.Code != 400 || def.Example.Status != "INVALID_ARGUMENT" || len(def.Example.Details) != 2 {
		t.Errorf("Error example: %+v", def.Example)
	}
	var detail struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(doc.Definitions["ErrorDetail"], &detail); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"@type", "reason", "domain", "metadata", "field_violations", "retry_delay"} {
		if detail.Properties[f] == nil {
			t.Errorf("ErrorDetail lacks %s", f)
		}
	}
	if doc.Responses["Unauthenticated"].Headers["WWW-Authenticate"] == nil || doc.Responses["TooManyRequests"].Headers["Retry-After"] == nil {
		t.Error("401 and 429 do not document WWW-Authenticate and Retry-After")
	}
}

func TestOpenAPIIsServedWithoutAToken(t *testing.T) {
	te := newTestEdge(t, generousLimit)
	r := te.get(t, "/openapi.json", nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", r.status, r.header.Get("Content-Type"))
	}
	want, err := MergedOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if r.raw != string(want) {
		t.Error("/openapi.json is not MergedOpenAPI()")
	}
}

// Every path variable of the document is the variable its resource pattern
// declares (google.api.resource), e.g. {witness} after witnesses/, never a
// generator's guess at the singular ({witnesse}); the operations' path
// parameters carry the same names.
func TestPathParametersAreTheResourcePatternsVariables(t *testing.T) {
	t.Parallel()
	// The patterns of every registered justice.* message, read here from the
	// registry on their own: "offices/cases/witnesses" -> "witness".
	declared := map[string]string{}
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "justice.") {
			return true
		}
		msgs := fd.Messages()
		for i := range msgs.Len() {
			res, _ := proto.GetExtension(msgs.Get(i).Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
			for _, pattern := range res.GetPattern() {
				segs := strings.Split(pattern, "/")
				var collection []string
				for _, seg := range segs {
					if strings.HasPrefix(seg, "{") {
						declared[strings.Join(collection, "/")] = strings.Trim(seg, "{}")
					} else {
						collection = append(collection, seg)
					}
				}
			}
		}
		return true
	})
	if declared["offices/cases/witnesses"] != "witness" || declared["offices/survivors"] != "survivor" {
		t.Fatalf("resource patterns read: %v", declared)
	}

	doc := loadDoc(t)
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/v1/") {
			continue
		}
		trimmed, _, _ := strings.Cut(strings.TrimPrefix(path, "/v1/"), ":")
		var collection, vars []string
		for _, seg := range strings.Split(trimmed, "/") {
			if !strings.HasPrefix(seg, "{") {
				collection = append(collection, seg)
				continue
			}
			name := strings.Trim(seg, "{}")
			vars = append(vars, name)
			want, ok := declared[strings.Join(collection, "/")]
			if !ok {
				t.Errorf("%s: {%s} follows %s, which no resource pattern declares", path, name, strings.Join(collection, "/"))
			} else if name != want {
				t.Errorf("%s: {%s}, but the resource pattern says {%s}", path, name, want)
			}
		}
		for verb, op := range ops {
			var params []string
			for _, p := range op.Parameters {
				if p["in"] == "path" {
					params = append(params, p["name"].(string))
				}
			}
			if strings.Join(params, ",") != strings.Join(vars, ",") {
				t.Errorf("%s %s: path parameters %v, the path's variables %v", verb, path, params, vars)
			}
		}
	}
	for _, p := range []string{
		"/v1/offices/{office}/cases/{case}/witnesses/{witness}", "/v1/offices/{office}/cases/{case}/accused/{accused}:recordVerdict",
		"/v1/offices/{office}/cases/{case}/compensations/{compensation}", "/v1/offices/{office}/cases/{case}/hearings/{hearing}",
		"/v1/offices/{office}/cases/{case}:advanceStage", "/v1/offices/{office}/hearingCalendar",
	} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("OpenAPI lacks path %s", p)
		}
	}
	raw, err := MergedOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "{witnesse}") || strings.Contains(string(raw), `"witnesse"`) {
		t.Error("the document still names a witnesse")
	}
}

// The document describes prosecution as served, not as arriving.
func TestOpenAPIDescriptionCoversProsecution(t *testing.T) {
	t.Parallel()
	desc, _ := loadDoc(t).Info["description"].(string)
	if !strings.Contains(desc, "prosecution (cases") || strings.Contains(desc, "prosecution, aftercare and training as they arrive") {
		t.Errorf("description = %q", desc)
	}
}
