package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"

	justiceproto "github.com/justiceops/justice/proto"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
	openAPIErr  error
)

// serveOpenAPI serves one OpenAPI v2 document merged from the generated
// per-file documents: every route, parameter, body and error schema.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	openAPIOnce.Do(func() { openAPIDoc, openAPIErr = MergedOpenAPI() })
	if openAPIErr != nil {
		writeError(r.Context(), w, http.StatusInternalServerError, statusInternal())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

// obj is a JSON object of the document.
type obj = map[string]any

// MergedOpenAPI merges the generated OpenAPI v2 documents (one per .proto
// file) into the edge's document, and describes what the edge adds: the
// JSON error shape as every operation's error responses, the bearer
// security scheme, the Idempotency-Key, If-Match and X-Request-Id headers,
// 201 Created with Location and ETag, and the public /healthz, /readyz and
// /openapi.json. It fails when the generated operations and the served
// routes disagree.
func MergedOpenAPI() ([]byte, error) {
	table, err := routes()
	if err != nil {
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}
	merged := obj{
		"swagger": "2.0",
		"info": obj{
			"title":   "Justice operations API",
			"version": "v1",
			"description": "REST edge of the justice operations backend: rescue (locations, operations, survivors) and prosecution (cases, accused, hearings, victim-witnesses, compensation), " +
				"their merged audit log and the cross-office metrics; aftercare and training as they arrive. " +
				"Every error is a JSON object {code, status, message, details} (definition Error). " +
				"Send Idempotency-Key on creates and transitions to make retries safe, and If-Match with the ETag you read to change a record only if nobody else did (412 otherwise).",
		},
		"schemes":     []any{"http", "https"},
		"consumes":    []any{"application/json"},
		"produces":    []any{"application/json"},
		"paths":       obj{},
		"definitions": obj{},
		"parameters":  headerParameters(),
		"responses":   errorResponses(),
		// Every route needs a bearer JWT (RFC 6750) except /healthz, /readyz
		// and this document, which say so with an empty security list.
		"securityDefinitions": obj{
			"bearer": obj{
				"type": "apiKey", "in": "header", "name": "Authorization",
				"description": "A JWT from the identity provider, sent as `Authorization: Bearer <token>`. " +
					"Locally: `bin/justice-local token --role ROLE --offices OFFICES`. Missing or invalid: 401 with WWW-Authenticate.",
			},
		},
		"security": []any{obj{"bearer": []any{}}},
	}
	paths, definitions := merged["paths"].(obj), merged["definitions"].(obj)
	var tags []any
	tagSeen := map[string]bool{}

	docs, err := generatedDocuments()
	if err != nil {
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}
	for _, doc := range docs {
		served := false
		if part, ok := doc.body["paths"].(obj); ok {
			for path, item := range part {
				ops, _ := item.(obj)
				target, _ := paths[path].(obj)
				if target == nil {
					target = obj{}
				}
				for verb, op := range ops {
					// Only what the edge serves: a service whose contract is
					// generated but not yet behind the edge stays out.
					id, _ := op.(obj)["operationId"].(string)
					if table.byOperationID(id) == nil {
						continue
					}
					if _, dup := target[verb]; dup {
						return nil, fmt.Errorf("edge.MergedOpenAPI: %s: %s %s is also in another document", doc.name, strings.ToUpper(verb), path)
					}
					target[verb] = op
					served = true
				}
				if len(target) > 0 {
					paths[path] = target
				}
			}
		}
		if !served {
			// The schemas of a contract without served routes (a message-only
			// file, a service not behind the edge) are in no served path.
			continue
		}
		if part, ok := doc.body["definitions"].(obj); ok {
			for name, def := range part {
				if prev, dup := definitions[name]; dup && !reflect.DeepEqual(prev, def) {
					return nil, fmt.Errorf("edge.MergedOpenAPI: %s: definition %s differs from another document's", doc.name, name)
				}
				definitions[name] = def
			}
		}
		if t, ok := doc.body["tags"].([]any); ok {
			for _, tag := range t {
				if name, _ := tag.(obj)["name"].(string); !tagSeen[name] {
					tagSeen[name] = true
					tags = append(tags, tag)
				}
			}
		}
	}

	// The paths' variables are named as the resource patterns name them.
	vars, err := resourceVariables(servedServices())
	if err != nil {
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}
	if err := renamePathParameters(paths, vars); err != nil {
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}

	described := map[string]bool{}
	for path, item := range paths {
		for verb, op := range item.(obj) {
			o, _ := op.(obj)
			id, _ := o["operationId"].(string)
			rt := table.byOperationID(id)
			if rt == nil {
				return nil, fmt.Errorf("edge.MergedOpenAPI: %s %s (%s) is not a served route", strings.ToUpper(verb), path, id)
			}
			if strings.ToUpper(verb) != rt.verb {
				return nil, fmt.Errorf("edge.MergedOpenAPI: %s is %s in the document, %s in the route table", id, strings.ToUpper(verb), rt.verb)
			}
			if err := describeOperation(o, rt); err != nil {
				return nil, fmt.Errorf("edge.MergedOpenAPI: %s: %w", id, err)
			}
			described[rt.fullMethod] = true
		}
	}
	for method := range table {
		if !described[method] {
			return nil, fmt.Errorf("edge.MergedOpenAPI: route %s has no operation in the generated documents", method)
		}
	}

	for name, def := range edgeDefinitions() {
		if _, dup := definitions[name]; dup {
			return nil, fmt.Errorf("edge.MergedOpenAPI: definition %s is also generated", name)
		}
		definitions[name] = def
	}
	for path, item := range publicPaths() {
		if _, dup := paths[path]; dup {
			return nil, fmt.Errorf("edge.MergedOpenAPI: %s is also a generated path", path)
		}
		paths[path] = item
	}
	// The generated documents' google.rpc.Status is not what the edge
	// answers (Error, above, replaced it in every operation), and unserved
	// services' schemas are not needed: keep only what the paths refer to.
	pruneDefinitions(merged)
	tags = append(tags, obj{"name": "Edge", "description": "The edge's own public endpoints: liveness, readiness and this document. No token needed."})
	merged["tags"] = usedTags(paths, tags)

	out, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}
	if strings.Contains(string(out), "#/definitions/rpcStatus") {
		return nil, fmt.Errorf("edge.MergedOpenAPI: a generated schema still refers to rpcStatus")
	}
	return out, nil
}

// pruneDefinitions removes the definitions no path, shared parameter or
// shared response refers to, directly or through other definitions.
func pruneDefinitions(doc obj) {
	definitions := doc["definitions"].(obj)
	reached := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case obj:
			for k, child := range v {
				if ref, ok := child.(string); ok && k == "$ref" && strings.HasPrefix(ref, "#/definitions/") {
					name := strings.TrimPrefix(ref, "#/definitions/")
					if !reached[name] {
						reached[name] = true
						walk(definitions[name])
					}
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc["paths"])
	walk(doc["parameters"])
	walk(doc["responses"])
	for name := range definitions {
		if !reached[name] {
			delete(definitions, name)
		}
	}
}

// usedTags keeps the tags some operation of paths names.
func usedTags(paths obj, tags []any) []any {
	used := map[string]bool{}
	for _, item := range paths {
		for _, op := range item.(obj) {
			names, _ := op.(obj)["tags"].([]any)
			for _, n := range names {
				if name, ok := n.(string); ok {
					used[name] = true
				}
			}
		}
	}
	out := []any{}
	for _, t := range tags {
		if name, _ := t.(obj)["name"].(string); used[name] {
			out = append(out, t)
		}
	}
	return out
}

// generatedDocument is one protoc-gen-openapiv2 output file.
type generatedDocument struct {
	name string
	body obj
}

// generatedDocuments reads the embedded generated documents, sorted by name.
func generatedDocuments() ([]generatedDocument, error) {
	var names []string
	err := fs.WalkDir(justiceproto.OpenAPI, "gen/openapi", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".swagger.json") {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("edge.generatedDocuments: %w", err)
	}
	sort.Strings(names)
	docs := make([]generatedDocument, 0, len(names))
	for _, name := range names {
		raw, err := fs.ReadFile(justiceproto.OpenAPI, name)
		if err != nil {
			return nil, fmt.Errorf("edge.generatedDocuments: %w", err)
		}
		var body obj
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, fmt.Errorf("edge.generatedDocuments: %s: %w", name, err)
		}
		docs = append(docs, generatedDocument{name: name, body: body})
	}
	return docs, nil
}

// mergedAuditDescription says what the edge makes of the audit log route,
// which every service serves for its own records.
const mergedAuditDescription = "Served by the edge: the audit logs of every service (rescue, prosecution) merged, newest first, " +
	"then by entry id; each service is asked with your token, filter and page_size and applies its own access rules. " +
	"next_page_token is the edge's own (bound to the parent and filter). " +
	"If one service's audit log fails, the whole call fails with its status, the message naming the service: the log is never silently partial."

// describeOperation adds to a generated operation what the edge does: the
// header parameters, the success status and headers, and the error responses.
func describeOperation(op obj, rt *route) error {
	if rt.fullMethod == auditv1.AuditService_ListAuditEntries_FullMethodName {
		op["description"] = mergedAuditDescription
	}
	params, _ := op["parameters"].([]any)
	hasBody := false
	for _, p := range params {
		param, _ := p.(obj)
		name, _ := param["name"].(string)
		switch param["in"] {
		case "path":
			if _, ok := param["description"]; !ok {
				param["description"] = pathParameterDescription(name)
			}
		case "query":
			if name == "update_mask" {
				desc, _ := param["description"].(string)
				param["description"] = strings.TrimSpace(desc + " Over REST, when omitted: the fields present in the body.")
			}
		case "body":
			hasBody = true
		}
	}
	if rt.requestID != nil {
		params = append(params, obj{"$ref": "#/parameters/IdempotencyKey"})
	}
	if rt.etag != nil {
		params = append(params, obj{"$ref": "#/parameters/IfMatch"})
	}
	params = append(params, obj{"$ref": "#/parameters/RequestId"})
	op["parameters"] = params

	responses, _ := op["responses"].(obj)
	success, ok := responses["200"].(obj)
	if !ok {
		return fmt.Errorf("the generated operation has no 200 response")
	}
	headers := obj{"X-Request-Id": obj{"type": "string", "description": "The request's id (yours if you sent a valid one); it is in the logs of every hop."}}
	if rt.returnsETag {
		headers["ETag"] = obj{"type": "string", "description": "The record's etag, quoted: send it back as If-Match to change the record only if nobody else did."}
	}
	if rt.created {
		delete(responses, "200")
		success["description"] = "Created: the new record; Location names it."
		headers["Location"] = obj{"type": "string", "description": "The new record's path, e.g. /v1/offices/mumbai/survivors/{survivor}."}
		responses["201"] = success
	}
	success["headers"] = headers

	errorsOf := []string{"400", "401", "403", "404", "429", "503", "504"}
	if rt.verb != http.MethodGet {
		errorsOf = append(errorsOf, "409")
	}
	if rt.etag != nil {
		errorsOf = append(errorsOf, "412")
	}
	if hasBody {
		errorsOf = append(errorsOf, "413")
	}
	for _, code := range errorsOf {
		responses[code] = obj{"$ref": "#/responses/" + errorResponseNames[code]}
	}
	responses["default"] = obj{"$ref": "#/responses/Error"}
	return nil
}

// pathParameterDescription describes a path variable of the expanded paths.
func pathParameterDescription(name string) string {
	if name == "office" {
		return "An office code, e.g. mumbai; in lists, - means every office of the caller. An office outside the caller's is 404, like one that does not exist."
	}
	return "The " + name + "'s id: the last segment of its resource name."
}

// headerParameters are the request headers the edge reads, shared by the
// operations that take them.
func headerParameters() obj {
	return obj{
		"IdempotencyKey": obj{
			"name": "Idempotency-Key", "in": "header", "required": false, "type": "string",
			"minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]{1,64}$",
			"description": "Makes the call safe to retry: becomes the request's request_id (a retry returns the first result and writes nothing; " +
				"the same key with another payload is 400 REQUEST_ID_REUSED). 1 to 64 characters of A-Z, a-z, 0-9, _ and -, e.g. a UUID. " +
				"Sending request_id too, with another value, is 400 REQUEST_ID_CONFLICT.",
		},
		"IfMatch": obj{
			"name": "If-Match", "in": "header", "required": false, "type": "string",
			"description": "The ETag of the record as last read (\"…\" or W/\"…\"): becomes the request's etag, and the call fails with " +
				"412 Precondition Failed if the record changed since. * means any version. Sending etag too, with another value, is 400 ETAG_CONFLICT.",
		},
		"RequestId": obj{
			"name": "X-Request-Id", "in": "header", "required": false, "type": "string", "maxLength": 128,
			"description": "Your id for the request (1 to 128 characters of A-Z, a-z, 0-9, ., _ and -); otherwise the edge makes one. Echoed in the response.",
		},
	}
}

// errorResponseNames names the shared error response of each status.
var errorResponseNames = map[string]string{
	"400": "BadRequest", "401": "Unauthenticated", "403": "PermissionDenied", "404": "NotFound",
	"409": "Conflict", "412": "PreconditionFailed", "413": "PayloadTooLarge", "429": "TooManyRequests",
	"503": "Unavailable", "504": "GatewayTimeout",
}

// errorResponses are the error responses every operation refers to, all in
// the Error shape.
func errorResponses() obj {
	errorSchema := obj{"$ref": "#/definitions/Error"}
	retryAfter := obj{"Retry-After": obj{"type": "integer", "description": "Seconds to wait before retrying."}}
	return obj{
		"BadRequest": obj{"schema": errorSchema,
			"description": "INVALID_ARGUMENT: the request is malformed or invalid; details name each field (BadRequest field_violations) and the reason (ErrorInfo)."},
		"Unauthenticated": obj{"schema": errorSchema,
			"description": "UNAUTHENTICATED: no valid bearer token.",
			"headers":     obj{"WWW-Authenticate": obj{"type": "string", "description": "An RFC 6750 Bearer challenge."}}},
		"PermissionDenied": obj{"schema": errorSchema,
			"description": "PERMISSION_DENIED: the caller's roles may not call this."},
		"NotFound": obj{"schema": errorSchema,
			"description": "NOT_FOUND: no such record or office, or one outside the caller's offices."},
		"Conflict": obj{"schema": errorSchema,
			"description": "ABORTED (the etag sent in the body or query is stale: reason ETAG_MISMATCH), FAILED_PRECONDITION (an illegal transition, a missing legal basis) or ALREADY_EXISTS."},
		"PreconditionFailed": obj{"schema": errorSchema,
			"description": "ABORTED, reason ETAG_MISMATCH: the record changed since the If-Match etag was read; get it again."},
		"PayloadTooLarge": obj{"schema": errorSchema,
			"description": "RESOURCE_EXHAUSTED, reason BODY_TOO_LARGE: the body is over the edge's limit."},
		"TooManyRequests": obj{"schema": errorSchema, "headers": retryAfter,
			"description": "RESOURCE_EXHAUSTED, reason RATE_LIMITED: too many requests from this caller."},
		"Unavailable": obj{"schema": errorSchema, "headers": retryAfter,
			"description": "UNAVAILABLE: the service, or its audit log, cannot answer now; retry later."},
		"GatewayTimeout": obj{"schema": errorSchema,
			"description": "DEADLINE_EXCEEDED: the route's timeout passed."},
		"Error": obj{"schema": errorSchema,
			"description": "Any other error, in the same shape, e.g. 500 INTERNAL (never with internals)."},
	}
}

// edgeDefinitions are the schemas of the edge's own responses.
func edgeDefinitions() obj {
	codes := []any{"CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
		"PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
		"INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
	return obj{
		"Error": obj{
			"type":        "object",
			"description": "Every error the edge answers.",
			"required":    []any{"code", "status", "message", "details"},
			"properties": obj{
				"code":    obj{"type": "integer", "format": "int32", "description": "The HTTP status, e.g. 404."},
				"status":  obj{"type": "string", "enum": codes, "description": "The canonical gRPC code name."},
				"message": obj{"type": "string", "description": "What went wrong and what to do, for people; never identity."},
				"details": obj{"type": "array", "items": obj{"$ref": "#/definitions/ErrorDetail"},
					"description": "google.rpc detail messages: ErrorInfo (always: reason, domain), BadRequest (field violations), RetryInfo."},
			},
			"example": errorExample(),
		},
		"ErrorDetail": obj{
			"type":        "object",
			"description": "One google.rpc detail message; @type says which, and so which of the other properties it has.",
			"required":    []any{"@type"},
			"properties": obj{
				"@type": obj{"type": "string", "description": "type.googleapis.com/google.rpc.ErrorInfo, .BadRequest or .RetryInfo."},
				"reason": obj{"type": "string",
					"description": "ErrorInfo: the machine-readable cause, e.g. ETAG_MISMATCH, REQUEST_ID_REUSED, INVALID_FILTER."},
				"domain":   obj{"type": "string", "description": "ErrorInfo: who made the error, e.g. rescue.justice.example, gateway.justice.example."},
				"metadata": obj{"type": "object", "additionalProperties": obj{"type": "string"}, "description": "ErrorInfo: more about the cause."},
				"field_violations": obj{"type": "array", "items": obj{"$ref": "#/definitions/FieldViolation"},
					"description": "BadRequest: every invalid field or header."},
				"retry_delay": obj{"type": "string", "description": "RetryInfo: how long to wait, e.g. 1.5s (also in Retry-After)."},
			},
		},
		"FieldViolation": obj{
			"type":        "object",
			"description": "One invalid field (or header, e.g. Idempotency-Key) and what is wrong with it.",
			"properties": obj{
				"field":       obj{"type": "string", "description": "The field's path, e.g. legal_basis.reference, or the header's name."},
				"description": obj{"type": "string", "description": "What is allowed."},
			},
		},
		"Health": obj{
			"type":       "object",
			"properties": obj{"status": obj{"type": "string", "enum": []any{"SERVING"}}},
		},
		"Readiness": obj{
			"type": "object",
			"properties": obj{
				"ready": obj{"type": "boolean", "description": "True when every service answers its health check SERVING."},
				"services": obj{"type": "array", "items": obj{
					"type": "object",
					"properties": obj{
						"backend": obj{"type": "string", "description": "The backend serving it: rescue or prosecution."},
						"service": obj{"type": "string", "description": "A gRPC service, e.g. justice.rescue.v1.RescueService; each backend also serves justice.audit.v1.AuditService and justice.metrics.v1.MetricsSourceService."},
						"status":  obj{"type": "string", "description": "SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN or UNAVAILABLE (no answer)."},
					},
				}},
			},
		},
	}
}

// errorExample is the error a malformed Idempotency-Key gets, as the edge
// renders it.
func errorExample() any {
	_, err := parseIdempotencyKey([]string{"not a key!"})
	body := newErrorBody(context.Background(), http.StatusBadRequest, grpcserver.ToStatus(ErrorDomain, err))
	raw, err := json.Marshal(body)
	var example any
	if err == nil {
		err = json.Unmarshal(raw, &example)
	}
	if err != nil {
		return nil
	}
	return example
}

// publicPaths describes the edge's own endpoints, which need no token.
func publicPaths() obj {
	public := func(id, summary string, responses obj) obj {
		return obj{"get": obj{"operationId": id, "summary": summary, "tags": []any{"Edge"}, "security": []any{}, "responses": responses}}
	}
	return obj{
		"/healthz": public("Edge_Healthz", "Liveness: 200 while the edge runs.", obj{
			"200": obj{"description": "The edge is alive.", "schema": obj{"$ref": "#/definitions/Health"}},
		}),
		"/readyz": public("Edge_Readyz", "Readiness: 200 only when every service behind the edge answers its health check.", obj{
			"200": obj{"description": "Every service is SERVING.", "schema": obj{"$ref": "#/definitions/Readiness"}},
			"503": obj{"description": "A service is not SERVING or does not answer.", "schema": obj{"$ref": "#/definitions/Readiness"}},
		}),
		"/openapi.json": public("Edge_OpenAPI", "This OpenAPI 2.0 document.", obj{
			"200": obj{"description": "The document.", "schema": obj{"type": "object"}},
		}),
	}
}
