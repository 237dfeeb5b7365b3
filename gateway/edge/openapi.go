package edge

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"
	"sync"

	justiceproto "github.com/justiceops/justice/proto"
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

// MergedOpenAPI merges the generated OpenAPI v2 documents into one.
func MergedOpenAPI() ([]byte, error) {
	merged := map[string]any{
		"swagger": "2.0",
		"info": map[string]any{
			"title":       "Justice operations API",
			"version":     "v1",
			"description": "REST edge of the justice operations backend: rescue today; prosecution, aftercare and training as they arrive.",
		},
		"schemes":     []string{"http", "https"},
		"consumes":    []string{"application/json"},
		"produces":    []string{"application/json"},
		"paths":       map[string]any{},
		"definitions": map[string]any{},
		// Every route needs a bearer JWT (RFC 6750) except /healthz, /readyz
		// and this document, which are outside the generated paths.
		"securityDefinitions": map[string]any{
			"bearer": map[string]any{
				"type": "apiKey", "in": "header", "name": "Authorization",
				"description": "A JWT from the identity provider, sent as `Authorization: Bearer <token>`. " +
					"Locally: `bin/justice-local token --role ROLE --offices OFFICES`. Missing or invalid: 401 with WWW-Authenticate.",
			},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
	var tags []any
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
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := fs.ReadFile(justiceproto.OpenAPI, name)
		if err != nil {
			return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("edge.MergedOpenAPI: %s: %w", name, err)
		}
		for _, section := range []string{"paths", "definitions"} {
			if part, ok := doc[section].(map[string]any); ok {
				for k, v := range part {
					merged[section].(map[string]any)[k] = v
				}
			}
		}
		if t, ok := doc["tags"].([]any); ok {
			tags = append(tags, t...)
		}
	}
	merged["tags"] = tags
	out, err := json.MarshalIndent(merged, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("edge.MergedOpenAPI: %w", err)
	}
	return out, nil
}
