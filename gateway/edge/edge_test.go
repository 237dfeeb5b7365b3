package edge

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
)

func TestHTTPStatusMapsCanonicalCodes(t *testing.T) {
	t.Parallel()
	for code, want := range map[codes.Code]int{
		codes.InvalidArgument:    400,
		codes.NotFound:           404,
		codes.AlreadyExists:      409,
		codes.Aborted:            409,
		codes.FailedPrecondition: 409,
		codes.PermissionDenied:   403,
		codes.Unauthenticated:    401,
		codes.ResourceExhausted:  429,
		codes.Unavailable:        503,
		codes.Internal:           500,
	} {
		if got := HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, want)
		}
	}
}

func TestIncomingHeadersOnlyPassTheAllowlist(t *testing.T) {
	t.Parallel()
	for header, want := range map[string]bool{
		"X-Request-Id": true,
		// grpc-gateway's runtime forwards Authorization itself, once.
		"Authorization":               false,
		"Grpc-Metadata-X-Request-Id":  false,
		"Grpc-Metadata-Authorization": false,
		"Grpc-Metadata-Subject":       false,
		"X-Forwarded-For":             false,
		"Cookie":                      false,
	} {
		if _, got := incomingHeader(header); got != want {
			t.Errorf("incomingHeader(%q) passes = %v, want %v", header, got, want)
		}
	}
}

func TestRouteOfHidesOfficeAndRecordIDs(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/v1/offices/mumbai/survivors/abc123":                  "/v1/offices/{office}/survivors/{id}",
		"/v1/offices/mumbai/survivors":                         "/v1/offices/{office}/survivors",
		"/v1/offices/kolkata/locations/xyz:investigate":        "/v1/offices/{office}/locations/{id}:investigate",
		"/v1/offices/-/operations":                             "/v1/offices/{office}/operations",
		"/v1/offices/mumbai/cases/c1/accused/a1:recordVerdict": "/v1/offices/{office}/cases/{id}/accused/{id}:recordVerdict",
		"/v1/offices/mumbai/cases/c1/witnesses":                "/v1/offices/{office}/cases/{id}/witnesses",
		"/v1/offices/mumbai/cases/c1:advanceStage":             "/v1/offices/{office}/cases/{id}:advanceStage",
		"/v1/offices/mumbai/hearingCalendar":                   "/v1/offices/{office}/hearingCalendar",
		"/v1/offices/mumbai":                                   "/v1/offices/{office}",
		"/v1/metrics":                                          "/v1/metrics",
		"/openapi.json":                                        "/openapi.json",
	} {
		r := httptest.NewRequest("GET", path, nil)
		if got := routeOf(r); got != want {
			t.Errorf("routeOf(%s) = %s, want %s", path, got, want)
		}
	}
}

func TestDecodeErrorNamesTheFieldButNeverTheValue(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ msg, field string }{
		{`proto: (line 1:15): unknown field "legal_nam"`, "legal_nam"},
		{`proto: (line 1:40): invalid value for enum field gender: "Zyxwy Qqvarn"`, "gender"},
		{`proto: (line 1:9): invalid value for string field legal_name: 12 Zyxwy`, "legal_name"},
		{`unexpected EOF Zyxwy`, ""},
	} {
		st := decodeError(tc.msg)
		if st.Code() != codes.InvalidArgument {
			t.Errorf("%q: code %s, want INVALID_ARGUMENT", tc.msg, st.Code())
		}
		if strings.Contains(st.Message(), "Zyxwy") {
			t.Errorf("%q: message %q echoes the value", tc.msg, st.Message())
		}
		if tc.field != "" && !strings.Contains(st.Message(), tc.field) {
			t.Errorf("%q: message %q does not name field %s", tc.msg, st.Message(), tc.field)
		}
	}
}

func TestBodyOverTheLimitIs413(t *testing.T) {
	t.Parallel()
	reached := false
	h := limitBody(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }), 1024)
	for _, chunked := range []bool{false, true} {
		r := httptest.NewRequest("POST", "/v1/offices/mumbai/survivors", strings.NewReader(strings.Repeat("a", 2048)))
		if chunked {
			r.ContentLength = -1
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked=%v: status %d, want 413", chunked, w.Code)
		}
		var body errorBody
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Status != "RESOURCE_EXHAUSTED" {
			t.Errorf("chunked=%v: body %s", chunked, w.Body.String())
		}
	}
	if reached {
		t.Error("an oversized body reached the handler")
	}
}

func TestRequestIDIsKeptWhenValidAndReplacedOtherwise(t *testing.T) {
	t.Parallel()
	var seen string
	h := withRequestID(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { seen = r.Header.Get("X-Request-Id") }))
	for in, keep := range map[string]bool{"abc-123": true, "": false, "bad id\n": false, strings.Repeat("x", 200): false} {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.Header.Set("X-Request-Id", in)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		got := w.Header().Get("X-Request-Id")
		if got == "" || got != seen {
			t.Errorf("in %q: response id %q, forwarded %q", in, got, seen)
		}
		if keep != (got == in) {
			t.Errorf("in %q: kept = %v, want %v", in, got == in, keep)
		}
	}
}
