package edge

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
)

// servedServices are the gRPC services whose REST routes the edge serves.
// The route table, the OpenAPI document and the header mappings all derive
// from their google.api.http annotations.
func servedServices() []protoreflect.ServiceDescriptor {
	return []protoreflect.ServiceDescriptor{
		rescuev1.File_justice_rescue_v1_rescue_service_proto.Services().ByName("RescueService"),
		prosecutionv1.File_justice_prosecution_v1_prosecution_service_proto.Services().ByName("ProsecutionService"),
		auditv1.File_justice_audit_v1_audit_proto.Services().ByName("AuditService"),
		insightsv1.File_justice_insights_v1_insights_proto.Services().ByName("InsightsService"),
	}
}

// route is the REST mapping of one RPC, read from its google.api.http rule.
type route struct {
	// fullMethod is the gRPC method, e.g. /justice.rescue.v1.RescueService/GetSurvivor.
	fullMethod string
	// operationID is the method's OpenAPI operationId, e.g. RescueService_GetSurvivor.
	operationID string
	// verb is the HTTP method: GET, POST, PATCH or DELETE.
	verb string
	// pattern is the path with every variable segment as *, e.g.
	// /v1/offices/*/survivors/*:eraseIdentity.
	pattern string
	// body is the rule's body: "", "*" or the request field sent as the body.
	body string
	// created is true for Create methods, answered 201 with Location.
	created bool
	// requestID is the request's request_id field when the route takes the
	// Idempotency-Key header (POST routes only), else nil.
	requestID protoreflect.FieldDescriptor
	// etag is the path to the etag field (the request's own, or the one of
	// the resource sent as the body) when the route takes the If-Match
	// header (PATCH, DELETE and POST routes but creates), else nil.
	etag []protoreflect.FieldDescriptor
	// returnsETag is true when the response message carries an etag, sent
	// as the ETag header.
	returnsETag bool
}

// routeTable is every route of the served services, by gRPC method.
type routeTable map[string]*route

var (
	routesOnce sync.Once
	routesVal  routeTable
	routesErr  error
)

// routes returns the route table of the served services, built once.
func routes() (routeTable, error) {
	routesOnce.Do(func() { routesVal, routesErr = buildRoutes(servedServices()) })
	return routesVal, routesErr
}

// byOperationID returns the route with an OpenAPI operationId, or nil.
func (t routeTable) byOperationID(id string) *route {
	for _, r := range t {
		if r.operationID == id {
			return r
		}
	}
	return nil
}

var templateVarRE = regexp.MustCompile(`\{([A-Za-z0-9_.]+)(?:=([^}]*))?\}`)

// buildRoutes reads the google.api.http rule of every method of services.
func buildRoutes(services []protoreflect.ServiceDescriptor) (routeTable, error) {
	table := routeTable{}
	for _, sd := range services {
		if sd == nil {
			return nil, fmt.Errorf("edge.buildRoutes: a served service has no descriptor")
		}
		methods := sd.Methods()
		for i := range methods.Len() {
			md := methods.Get(i)
			rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
			if rule == nil {
				continue
			}
			if len(rule.GetAdditionalBindings()) > 0 {
				return nil, fmt.Errorf("edge.buildRoutes: %s: additional_bindings are not supported", md.FullName())
			}
			r := &route{
				fullMethod:  "/" + string(sd.FullName()) + "/" + string(md.Name()),
				operationID: string(sd.Name()) + "_" + string(md.Name()),
				body:        rule.GetBody(),
				created:     strings.HasPrefix(string(md.Name()), "Create"),
			}
			var template string
			switch p := rule.GetPattern().(type) {
			case *annotations.HttpRule_Get:
				r.verb, template = http.MethodGet, p.Get
			case *annotations.HttpRule_Post:
				r.verb, template = http.MethodPost, p.Post
			case *annotations.HttpRule_Patch:
				r.verb, template = http.MethodPatch, p.Patch
			case *annotations.HttpRule_Delete:
				r.verb, template = http.MethodDelete, p.Delete
			default:
				return nil, fmt.Errorf("edge.buildRoutes: %s: only GET, POST, PATCH and DELETE rules are supported", md.FullName())
			}
			pattern, err := expandTemplate(template)
			if err != nil {
				return nil, fmt.Errorf("edge.buildRoutes: %s: %w", md.FullName(), err)
			}
			r.pattern = pattern
			in := md.Input()
			if f := in.Fields().ByName("request_id"); f != nil && f.Kind() == protoreflect.StringKind && r.verb == http.MethodPost {
				r.requestID = f
			}
			if r.verb != http.MethodGet && !r.created {
				r.etag = etagPath(in, r.body)
			}
			if f := md.Output().Fields().ByName("etag"); f != nil && f.Kind() == protoreflect.StringKind {
				r.returnsETag = true
			}
			table[r.fullMethod] = r
		}
	}
	return table, nil
}

// etagPath finds the etag a request carries: its own etag field, else the
// etag of the resource message sent as the body (Update methods).
func etagPath(in protoreflect.MessageDescriptor, body string) []protoreflect.FieldDescriptor {
	if f := in.Fields().ByName("etag"); f != nil && f.Kind() == protoreflect.StringKind {
		return []protoreflect.FieldDescriptor{f}
	}
	if body == "" || body == "*" || strings.Contains(body, ".") {
		return nil
	}
	res := in.Fields().ByName(protoreflect.Name(body))
	if res == nil || res.Kind() != protoreflect.MessageKind || res.IsList() || res.IsMap() {
		return nil
	}
	if f := res.Message().Fields().ByName("etag"); f != nil && f.Kind() == protoreflect.StringKind {
		return []protoreflect.FieldDescriptor{res, f}
	}
	return nil
}

// expandTemplate turns an http rule template into a path pattern:
// /v1/{name=offices/*/survivors/*}:eraseIdentity becomes
// /v1/offices/*/survivors/*:eraseIdentity, and {field} becomes *.
func expandTemplate(template string) (string, error) {
	out := templateVarRE.ReplaceAllStringFunc(template, func(v string) string {
		m := templateVarRE.FindStringSubmatch(v)
		if m[2] == "" {
			return "*"
		}
		return m[2]
	})
	if strings.Contains(out, "**") || strings.ContainsAny(out, "{}") || !strings.HasPrefix(out, "/") {
		return "", fmt.Errorf("template %q: only / segments, literals, * and {field=...} variables are supported", template)
	}
	return out, nil
}

// splitVerb splits a path's custom verb off its last segment:
// /v1/offices/a/survivors/b:eraseIdentity gives (/v1/offices/a/survivors/b, eraseIdentity).
func splitVerb(path string) (string, string) {
	last := strings.LastIndexByte(path, '/')
	if i := strings.LastIndexByte(path, ':'); i > last {
		return path[:i], path[i+1:]
	}
	return path, ""
}

// patternsOverlap reports whether two path patterns can match the same
// path: the same segments, each equal or * on either side, and the same
// custom verb. A concrete path is a pattern without *.
func patternsOverlap(a, b string) bool {
	a, averb := splitVerb(a)
	b, bverb := splitVerb(b)
	if averb != bverb {
		return false
	}
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	if len(as) != len(bs) {
		return false
	}
	for i := range as {
		if as[i] == "" && bs[i] == "" {
			continue
		}
		if as[i] == "" || bs[i] == "" {
			return false
		}
		if as[i] != "*" && bs[i] != "*" && as[i] != bs[i] {
			return false
		}
	}
	return true
}
