package filtering_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
)

var (
	logicalOps    = map[string]bool{"$and": true, "$or": true, "$nor": true}
	comparisonOps = map[string]bool{"$eq": true, "$ne": true, "$lt": true, "$lte": true, "$gt": true, "$gte": true}
	knownPaths    = map[string]bool{
		"office": true, "status": true, "type": true, "minor": true, "create_time": true,
		"age_at_rescue": true, "rescue.district_code": true, "cwc_production_time": true,
	}
)

// FuzzParse checks that Parse never panics, that every rejection is an
// INVALID_FILTER violation on "filter", and that every accepted filter
// becomes a document built only from the schema's paths, the logical
// operators and the comparison operators over scalar values: no input can
// smuggle another MongoDB operator or a document into the query.
// Seeds are in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "status = CONFIRMED", `office = "mumbai" AND NOT (minor = true OR age_at_rescue < 18)`,
		`create_time > "2024-01-31T18:30:00Z"`, `$where = "1"`, `status = {"$gt": ""}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, filter string) {
		got, err := schema.Parse(filter)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != filtering.ReasonInvalidFilter {
				t.Fatalf("Parse(%q) error = %v, want INVALID_FILTER", filter, err)
			}
			if len(e.Violations) != 1 || e.Violations[0].Field != "filter" || e.Violations[0].Description == "" {
				t.Fatalf("Parse(%q) violations = %+v, want one on filter", filter, e.Violations)
			}
			if len(e.Message) > 1024 {
				t.Fatalf("Parse(%q) message is %d bytes; errors must stay short", filter, len(e.Message))
			}
			return
		}
		if got == nil {
			t.Fatalf("Parse(%q) = nil document without error", filter)
		}
		checkDocument(t, filter, got)
		first, err := bson.Marshal(got)
		if err != nil {
			t.Fatalf("Parse(%q) result does not marshal: %v", filter, err)
		}
		again, err := schema.Parse(filter)
		if err != nil {
			t.Fatalf("second Parse(%q) = %v", filter, err)
		}
		if second, _ := bson.Marshal(again); !bytes.Equal(first, second) {
			t.Fatalf("Parse(%q) is not deterministic", filter)
		}
	})
}

// checkDocument walks a filter document.
func checkDocument(t *testing.T, filter string, d bson.D) {
	t.Helper()
	for _, e := range d {
		switch {
		case logicalOps[e.Key]:
			arr, ok := e.Value.(bson.A)
			if !ok || len(arr) == 0 {
				t.Fatalf("Parse(%q): %s takes %T, want a non-empty array", filter, e.Key, e.Value)
			}
			for _, item := range arr {
				sub, ok := item.(bson.D)
				if !ok {
					t.Fatalf("Parse(%q): %s holds %T, want documents", filter, e.Key, item)
				}
				checkDocument(t, filter, sub)
			}
		case strings.HasPrefix(e.Key, "$"):
			t.Fatalf("Parse(%q) produced the operator %s at document level", filter, e.Key)
		case !knownPaths[e.Key]:
			t.Fatalf("Parse(%q) produced the path %q, which is not in the schema", filter, e.Key)
		default:
			checkCondition(t, filter, e.Value)
		}
	}
}

// checkCondition accepts {$op: scalar} or a scalar (from Translate).
func checkCondition(t *testing.T, filter string, v any) {
	t.Helper()
	ops, ok := v.(bson.D)
	if !ok {
		checkScalar(t, filter, v)
		return
	}
	if len(ops) != 1 || !comparisonOps[ops[0].Key] {
		t.Fatalf("Parse(%q) produced the condition %v", filter, ops)
	}
	checkScalar(t, filter, ops[0].Value)
}

func checkScalar(t *testing.T, filter string, v any) {
	t.Helper()
	switch v.(type) {
	case string, bool, int64, time.Time, nil:
	default:
		t.Fatalf("Parse(%q) produced a value of type %T", filter, v)
	}
}
