package requestid_test

import (
	"context"
	"strings"
	"testing"

	"github.com/justiceops/justice/services/platform/requestid"
)

func TestFromContext_ReturnsTheIDStoredByWithRequestID(t *testing.T) {
	t.Parallel()

	ctx := requestid.WithRequestID(context.Background(), "abc-123")
	if got := requestid.FromContext(ctx); got != "abc-123" {
		t.Errorf("FromContext() = %q, want %q", got, "abc-123")
	}
}

func TestFromContext_IsEmptyWithoutID(t *testing.T) {
	t.Parallel()

	if got := requestid.FromContext(context.Background()); got != "" {
		t.Errorf("FromContext(empty ctx) = %q, want empty", got)
	}
}

func TestNew_GeneratesValidDistinctIDs(t *testing.T) {
	t.Parallel()

	seen := make(map[string]bool)
	for range 1000 {
		id := requestid.New()
		if !requestid.IsValid(id) {
			t.Fatalf("New() = %q, which IsValid rejects", id)
		}
		if len(id) != 26 {
			t.Fatalf("New() = %q has length %d, want 26", id, len(id))
		}
		if seen[id] {
			t.Fatalf("New() returned %q twice", id)
		}
		seen[id] = true
	}
}

func TestIsValid_AcceptsOnlyShortSafeIDs(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		id   string
		want bool
	}{
		{name: "letters digits dot underscore hyphen", id: "Req_1.2-x", want: true},
		{name: "uuid", id: "0f8fad5b-d9cb-469f-a165-70867728950e", want: true},
		{name: "single character", id: "a", want: true},
		{name: "exactly max length", id: strings.Repeat("a", requestid.MaxLength), want: true},
		{name: "empty", id: "", want: false},
		{name: "one over max length", id: strings.Repeat("a", requestid.MaxLength+1), want: false},
		{name: "space", id: "abc def", want: false},
		{name: "newline (log injection)", id: "abc\n{\"level\":\"ERROR\"}", want: false},
		{name: "slash", id: "a/b", want: false},
		{name: "non-ascii", id: "ñandú", want: false},
		{name: "quote", id: `a"b`, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := requestid.IsValid(tc.id); got != tc.want {
				t.Errorf("IsValid(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
}
