package filtering_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
)

var locationStatuses = []string{"SUSPECTED", "UNDER_INVESTIGATION", "CONFIRMED", "RAIDED", "CLOSED", "DISMISSED"}

// schema resembles a rescue list: every type, a dotted path and a computed field.
var schema = filtering.Schema{Fields: []filtering.Field{
	{Name: "office", Path: "office", Type: filtering.String},
	{Name: "status", Path: "status", Type: filtering.Enum, Enum: locationStatuses, EnumPrefix: "LOCATION_STATUS_"},
	{Name: "type", Path: "type", Type: filtering.Enum, Enum: []string{"BROTHEL", "HOTEL_LODGE", "DANCE_BAR"}},
	{Name: "minor", Path: "minor", Type: filtering.Bool},
	{Name: "create_time", Path: "create_time", Type: filtering.Timestamp},
	{Name: "age_at_rescue", Path: "age_at_rescue", Type: filtering.Int},
	{Name: "rescue.district", Path: "rescue.district_code", Type: filtering.String},
	{Name: "cwc_overdue", Type: filtering.Bool, Translate: func(op string, v any) (bson.D, error) {
		overdue := v.(bool)
		if op == "!=" {
			overdue = !overdue
		}
		if overdue {
			return bson.D{{Key: "minor", Value: true}, {Key: "cwc_production_time", Value: nil}}, nil
		}
		return bson.D{{Key: "$or", Value: bson.A{
			bson.D{{Key: "minor", Value: false}},
			bson.D{{Key: "cwc_production_time", Value: bson.D{{Key: "$ne", Value: nil}}}},
		}}}, nil
	}},
}}

const allFields = "age_at_rescue, create_time, cwc_overdue, minor, office, rescue.district, status, type"

func extJSON(t *testing.T, d bson.D) string {
	t.Helper()
	b, err := bson.MarshalExtJSON(d, false, false)
	if err != nil {
		t.Fatalf("MarshalExtJSON(%v) = %v", d, err)
	}
	return string(b)
}

func TestParseTranslatesAcceptedFilters(t *testing.T) {
	t.Parallel()
	const (
		confirmed = `{"status":{"$eq":"CONFIRMED"}}`
		raided    = `{"status":{"$eq":"RAIDED"}}`
		mumbai    = `{"office":{"$eq":"mumbai"}}`
		minor     = `{"minor":{"$eq":true}}`
	)
	tests := []struct {
		name, filter, want string
	}{
		{"empty filter matches everything", "", `{}`},
		{"blank filter matches everything", " \t\n ", `{}`},
		{"enum by stored value", "status = CONFIRMED", confirmed},
		{"enum by proto enum name", "status = LOCATION_STATUS_CONFIRMED", confirmed},
		{"enum in quotes", `status = "RAIDED"`, raided},
		{"enum not equal", "status != CLOSED", `{"status":{"$ne":"CLOSED"}}`},
		{"enum without prefix configured", "type = HOTEL_LODGE", `{"type":{"$eq":"HOTEL_LODGE"}}`},
		{"string in double quotes", `office = "mumbai"`, mumbai},
		{"string in single quotes", `office = 'mumbai'`, mumbai},
		{"string as a bare word", `office = mumbai`, mumbai},
		{"string escapes", `office = "a\"b\\c\'d\ne\tf\rg"`, `{"office":{"$eq":"a\"b\\c'd\ne\tf\rg"}}`},
		{"string in unicode", `office = "मुंबई"`, `{"office":{"$eq":"मुंबई"}}`},
		{"string ordering", `office >= "k"`, `{"office":{"$gte":"k"}}`},
		{"operator text in a string stays a literal", `office = "{\"$gt\": \"\"}"`, `{"office":{"$eq":"{\"$gt\": \"\"}"}}`},
		{"dollar word as a string value stays a literal", `office = $where`, `{"office":{"$eq":"$where"}}`},
		{"bool true", "minor = true", minor},
		{"bool false not equal", "minor != false", `{"minor":{"$ne":false}}`},
		{"int equal", "age_at_rescue = 17", `{"age_at_rescue":{"$eq":17}}`},
		{"int less", "age_at_rescue < 18", `{"age_at_rescue":{"$lt":18}}`},
		{"int less or equal", "age_at_rescue <= 18", `{"age_at_rescue":{"$lte":18}}`},
		{"int greater", "age_at_rescue > 18", `{"age_at_rescue":{"$gt":18}}`},
		{"int greater or equal", "age_at_rescue >= 18", `{"age_at_rescue":{"$gte":18}}`},
		{"negative int", "age_at_rescue > -1", `{"age_at_rescue":{"$gt":-1}}`},
		{"negative int spaced", "age_at_rescue > - 1", `{"age_at_rescue":{"$gt":-1}}`},
		{"largest int", "age_at_rescue < 9223372036854775807", `{"age_at_rescue":{"$lt":9223372036854775807}}`},
		{"smallest int", "age_at_rescue > -9223372036854775808", `{"age_at_rescue":{"$gt":-9223372036854775808}}`},
		{"timestamp in UTC", `create_time > "2024-01-31T18:30:00Z"`, `{"create_time":{"$gt":{"$date":"2024-01-31T18:30:00Z"}}}`},
		{"timestamp with offset becomes UTC", `create_time <= "2024-01-31T18:30:00+05:30"`, `{"create_time":{"$lte":{"$date":"2024-01-31T13:00:00Z"}}}`},
		{"timestamp with fraction", `create_time < '2024-01-31T18:30:00.250Z'`, `{"create_time":{"$lt":{"$date":"2024-01-31T18:30:00.25Z"}}}`},
		{"dotted field maps to its path", `rescue.district = "MH-23"`, `{"rescue.district_code":{"$eq":"MH-23"}}`},
		{"no spaces needed", "status=CONFIRMED AND age_at_rescue<18", `{"$and":[` + confirmed + `,{"age_at_rescue":{"$lt":18}}]}`},
		{"AND", "status = CONFIRMED AND minor = true", `{"$and":[` + confirmed + `,` + minor + `]}`},
		{"juxtaposition means AND", "status = CONFIRMED minor = true", `{"$and":[` + confirmed + `,` + minor + `]}`},
		{"OR", "status = CONFIRMED OR status = RAIDED", `{"$or":[` + confirmed + `,` + raided + `]}`},
		{
			"OR binds tighter than AND", "office = mumbai AND status = CONFIRMED OR status = RAIDED",
			`{"$and":[` + mumbai + `,{"$or":[` + confirmed + `,` + raided + `]}]}`,
		},
		{
			"parentheses group", "(office = mumbai AND status = CONFIRMED) OR status = RAIDED",
			`{"$or":[{"$and":[` + mumbai + `,` + confirmed + `]},` + raided + `]}`,
		},
		{"NOT", "NOT status = CONFIRMED", `{"$nor":[` + confirmed + `]}`},
		{"minus negates", "-status = CONFIRMED", `{"$nor":[` + confirmed + `]}`},
		{"NOT of a group", "NOT (status = CONFIRMED OR status = RAIDED)", `{"$nor":[{"$or":[` + confirmed + `,` + raided + `]}]}`},
		{"double negation kept", "NOT NOT minor = true", `{"$nor":[{"$nor":[` + minor + `]}]}`},
		{
			"ANDs flatten", "(office = mumbai AND minor = true) AND status = CONFIRMED",
			`{"$and":[` + mumbai + `,` + minor + `,` + confirmed + `]}`,
		},
		{
			"ORs flatten", "status = CONFIRMED OR (status = RAIDED OR minor = true)",
			`{"$or":[` + confirmed + `,` + raided + `,` + minor + `]}`,
		},
		{"redundant parentheses", "((status = CONFIRMED))", confirmed},
		{"computed field via Translate", "cwc_overdue = true", `{"minor":true,"cwc_production_time":null}`},
		{
			"computed field combined", "cwc_overdue != true AND office = mumbai",
			`{"$and":[{"$or":[{"minor":false},{"cwc_production_time":{"$ne":null}}]},` + mumbai + `]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := schema.Parse(tt.filter)
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.filter, err)
			}
			if got == nil {
				t.Fatalf("Parse(%q) = nil document, want a non-nil one", tt.filter)
			}
			if g := extJSON(t, got); g != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.filter, g, tt.want)
			}
		})
	}
}

func TestParseRejectsFiltersNamingTheFieldAndWhatIsAllowed(t *testing.T) {
	t.Parallel()
	statusValues := "one of: " + strings.Join(locationStatuses, ", ")
	tests := []struct {
		name, filter string
		want         []string // substrings of the violation's description
	}{
		// Fields outside the allowlist.
		{"unknown field", `legal_name = "x"`, []string{`unknown field "legal_name"; filterable fields: ` + allFields}},
		{"$where as a field", `$where = "sleep(1000)"`, []string{`unknown field "$where"; filterable fields: ` + allFields}},
		{"operator in a field path", `status.$gt = 1`, []string{`unknown field "status.$gt"`, allFields}},
		{"path instead of the API name", `rescue.district_code = "x"`, []string{`unknown field "rescue.district_code"`}},
		{"JSON query", `{"$where": "sleep(1000)"}`, []string{`position 1: unexpected character '{'`, allFields}},
		// Operators smuggled as values.
		{"operator object as an enum value", `status = {"$gt": ""}`, []string{`field "status": the value at position 10 must be a literal`, "not an object or operator", statusValues}},
		{"operator object as an int value", `age_at_rescue > {"$gt":1}`, []string{`field "age_at_rescue"`, "not an object or operator", "a whole number"}},
		{"array as a value", `office = ["a"]`, []string{`field "office"`, "not an object or operator"}},
		// Values of the wrong type.
		{"number for a bool", "minor = 1", []string{`field "minor" takes true or false; found a number at position 9`}},
		{"quoted bool", `minor = "true"`, []string{`field "minor" takes true or false; found a quoted string`}},
		{"capitalised bool", `minor = TRUE`, []string{`field "minor" takes true or false`}},
		{"string for an int", `age_at_rescue = "18"`, []string{`field "age_at_rescue" takes a whole number, e.g. age_at_rescue >= 18; found a quoted string`}},
		{"fraction for an int", `age_at_rescue = 18.5`, []string{`field "age_at_rescue" takes a whole number`, "not a whole number"}},
		{"exponent for an int", `age_at_rescue = 1e3`, []string{`field "age_at_rescue" takes a whole number`}},
		{"int out of range", `age_at_rescue = 9223372036854775808`, []string{`field "age_at_rescue"`, "between -9223372036854775808 and 9223372036854775807"}},
		{"negative int out of range", `age_at_rescue = -9223372036854775809`, []string{`field "age_at_rescue"`, "between"}},
		{"word for an int", `age_at_rescue = many`, []string{`field "age_at_rescue" takes a whole number`, "found a word"}},
		{"minus before a word", `age_at_rescue = -many`, []string{`field "age_at_rescue" takes a whole number`, `found "-"`}},
		{"unquoted timestamp", `create_time > 2024`, []string{`field "create_time" takes an RFC 3339 timestamp in quotes`}},
		{"timestamp that is not RFC 3339", `create_time > "31/01/2024"`, []string{`field "create_time"`, "not an RFC 3339 timestamp"}},
		{"date without time", `create_time > "2024-01-31"`, []string{`field "create_time"`, "not an RFC 3339 timestamp"}},
		{"number for a string", `office = 5`, []string{`field "office" takes a string in quotes, e.g. office = "text"; found a number`}},
		{"number for an enum", `status = 5`, []string{`field "status" takes ` + statusValues}},
		// Enum values not in the list.
		{"enum value not in the list", "status = ACTIVE", []string{`field "status" takes ` + statusValues, "(the prefix LOCATION_STATUS_ may be written too)", "is not one of them"}},
		{"UNSPECIFIED is not a value", "status = LOCATION_STATUS_UNSPECIFIED", []string{`field "status" takes`, "is not one of them"}},
		{"enum values are case sensitive", "status = confirmed", []string{`field "status" takes`, "is not one of them"}},
		{"prefix of another enum", "type = LOCATION_STATUS_CONFIRMED", []string{`field "type" takes one of: BROTHEL, HOTEL_LODGE, DANCE_BAR;`}},
		// Operators a type does not support.
		{"ordering an enum", "status > CONFIRMED", []string{`field "status" supports only = and !=; found ">" at position 8`}},
		{"ordering a bool", "minor <= true", []string{`field "minor" supports only = and !=`}},
		{"has operator", "office:mumbai", []string{`field "office": the operator ":" (has) is not supported; use one of = != < <= > >=`}},
		{"double equals", "status == CONFIRMED", []string{`field "status" takes ` + statusValues, `found "="`}},
		{"list value", "status = (CONFIRMED OR RAIDED)", []string{`field "status" takes a single value`, "status = SUSPECTED OR status = SUSPECTED"}},
		// Syntax errors.
		{"missing value", "status =", []string{`field "status": expected a value after "status ="; the field takes ` + statusValues}},
		{"missing operator", "status CONFIRMED", []string{`field "status" at position 1 needs a comparison, e.g. status = SUSPECTED`}},
		{"field alone", "minor", []string{`field "minor" at position 1 needs a comparison, e.g. minor = true`}},
		{"missing field", "= CONFIRMED", []string{"syntax error at position 1: expected a condition such as field = value, found \"=\"", allFields}},
		{"unclosed parenthesis", "(status = CONFIRMED", []string{`syntax error at position 20: expected ")" to close the "(" at position 1, found end of filter`}},
		{"unopened parenthesis", "status = CONFIRMED)", []string{`syntax error at position 19: ")" without a matching "("`}},
		{"empty parentheses", "()", []string{"syntax error at position 2: empty parentheses"}},
		{"dangling AND", "status = CONFIRMED AND", []string{"syntax error at position 23: expected a condition such as field = value, found end of filter"}},
		{"leading AND", "AND status = CONFIRMED", []string{"syntax error at position 1: expected a condition before AND"}},
		{"OR alone", "OR", []string{"expected a condition before OR"}},
		{"NOT alone", "NOT", []string{"found end of filter"}},
		{"lower-case keyword", "status = CONFIRMED and minor = true", []string{"syntax error at position 20: write AND in capitals"}},
		{"lower-case not", "not minor = true", []string{"write NOT in capitals"}},
		{"lower-case word value not echoed", "age_at_rescue = priya", []string{"found a word"}},
		{"unterminated string", `office = "mumbai`, []string{`field "office": the value at position 10 is malformed: unterminated string`}},
		{"unknown escape", `office = "a\qb"`, []string{`field "office"`, "unknown escape"}},
		{"bang without equals", "status ! CONFIRMED", []string{`syntax error at position 8: "!" must be followed by "="`}},
		{"number running into letters", "age_at_rescue = 12abc", []string{`field "age_at_rescue"`, "must not run into letters"}},
		{"number without fraction digits", "age_at_rescue = 12.", []string{`field "age_at_rescue"`, "digits after its decimal point"}},
		{"trailing value", "status = CONFIRMED 5", []string{"syntax error at position 20: unexpected a number"}},
		{"semicolon", "status = CONFIRMED; minor = true", []string{"unexpected character ';'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			desc := rejectedDescription(t, tt.filter)
			for _, want := range tt.want {
				if !strings.Contains(desc, want) {
					t.Errorf("Parse(%q) violation\n  %s\nwant it to contain\n  %s", tt.filter, desc, want)
				}
			}
		})
	}
}

// rejectedDescription asserts that filter is rejected as INVALID_FILTER with
// one violation on "filter" and returns the violation's description.
func rejectedDescription(t *testing.T, filter string) string {
	t.Helper()
	got, err := schema.Parse(filter)
	if err == nil {
		t.Fatalf("Parse(%q) = %s, want INVALID_FILTER", filter, extJSON(t, got))
	}
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("Parse(%q) error = %v, want *errs.Error", filter, err)
	}
	if e.Kind != errs.KindInvalidArgument || e.Reason != filtering.ReasonInvalidFilter {
		t.Fatalf("Parse(%q) = %v %s, want INVALID_ARGUMENT INVALID_FILTER", filter, e.Kind, e.Reason)
	}
	if len(e.Violations) != 1 || e.Violations[0].Field != "filter" {
		t.Fatalf("Parse(%q) violations = %+v, want one on filter", filter, e.Violations)
	}
	if !strings.Contains(e.Message, e.Violations[0].Description) {
		t.Errorf("Parse(%q) message %q does not carry the description", filter, e.Message)
	}
	return e.Violations[0].Description
}

func TestParseNeverEchoesValuesIntoErrors(t *testing.T) {
	t.Parallel()
	for _, filter := range []string{
		`status = "Priya Sharma"`,
		`status = PriyaSharma`,
		`minor = "Priya Sharma"`,
		`age_at_rescue = "Priya Sharma"`,
		`create_time > "Priya Sharma"`,
		`office = 5 AND PriyaSharma`,
		`PriyaSharma = 1`,
		`status = CONFIRMED "Priya Sharma"`,
	} {
		desc := rejectedDescription(t, filter)
		if strings.Contains(desc, "Priya") {
			t.Errorf("Parse(%q) violation echoes the value: %s", filter, desc)
		}
	}
}

func TestParseEnforcesLimits(t *testing.T) {
	t.Parallel()
	conds := make([]string, filtering.MaxConditions+1)
	for i := range conds {
		conds[i] = fmt.Sprintf("age_at_rescue != %d", i)
	}
	tests := []struct {
		name, filter, want string
	}{
		{"too long", "office = \"" + strings.Repeat("x", filtering.MaxLength) + "\"", "filter is 2059 bytes long; at most 2048 are allowed"},
		{"too deep in parentheses", strings.Repeat("(", filtering.MaxDepth+1) + "minor = true" + strings.Repeat(")", filtering.MaxDepth+1), "deeper than 16 levels"},
		{"too deep in negations", strings.Repeat("NOT ", filtering.MaxDepth+1) + "minor = true", "deeper than 16 levels"},
		{"too many conditions", strings.Join(conds, " OR "), "more than 64 conditions"},
		{"invalid UTF-8", "office = \"\xff\"", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if desc := rejectedDescription(t, tt.filter); !strings.Contains(desc, tt.want) {
				t.Errorf("violation = %q, want it to contain %q", desc, tt.want)
			}
		})
	}
	// At the limits themselves, filters are accepted.
	atLimit := []string{
		strings.Repeat("(", filtering.MaxDepth) + "minor = true" + strings.Repeat(")", filtering.MaxDepth),
		strings.Join(conds[:filtering.MaxConditions], " OR "),
	}
	for _, f := range atLimit {
		if _, err := schema.Parse(f); err != nil {
			t.Errorf("Parse(filter at the limit) = %v", err)
		}
	}
}

func TestTranslateReceivesTheComparatorAndTypedValue(t *testing.T) {
	t.Parallel()
	type call struct {
		op    string
		value any
	}
	var calls []call
	record := func(op string, v any) (bson.D, error) {
		calls = append(calls, call{op, v})
		return bson.D{{Key: "x", Value: 1}}, nil
	}
	s := filtering.Schema{Fields: []filtering.Field{
		{Name: "s", Type: filtering.String, Translate: record},
		{Name: "e", Type: filtering.Enum, Enum: []string{"ON"}, EnumPrefix: "SWITCH_", Translate: record},
		{Name: "b", Type: filtering.Bool, Translate: record},
		{Name: "ts", Type: filtering.Timestamp, Translate: record},
		{Name: "i", Type: filtering.Int, Translate: record},
	}}
	if _, err := s.Parse(`s >= "a" e = SWITCH_ON b != false ts < "2024-01-31T18:30:00+05:30" i = -3`); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{">=", "a"},
		{"=", "ON"},
		{"!=", false},
		{"<", time.Date(2024, 1, 31, 13, 0, 0, 0, time.UTC)},
		{"=", int64(-3)},
	}
	if len(calls) != len(want) {
		t.Fatalf("Translate calls = %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("Translate call %d = (%q, %#v), want (%q, %#v)", i, calls[i].op, calls[i].value, want[i].op, want[i].value)
		}
	}
}

func TestTranslateErrors(t *testing.T) {
	t.Parallel()
	custom := errs.InvalidArgument("OVERDUE_NEEDS_TRUE", "cwc_overdue only supports = true")
	s := filtering.Schema{Fields: []filtering.Field{
		{Name: "plain", Type: filtering.Bool, Translate: func(string, any) (bson.D, error) {
			return nil, errors.New("only = true is supported")
		}},
		{Name: "typed", Type: filtering.Bool, Translate: func(string, any) (bson.D, error) { return nil, custom }},
	}}

	_, err := s.Parse("plain = false")
	e, ok := errs.As(err)
	if !ok || e.Reason != filtering.ReasonInvalidFilter || e.Violations[0].Description != `field "plain": only = true is supported` {
		t.Errorf("plain Translate error became %v, want INVALID_FILTER naming the field", err)
	}
	_, err = s.Parse("typed = false")
	if e, ok := errs.As(err); !ok || e != custom {
		t.Errorf("typed Translate error became %v, want it returned as is", err)
	}
}

func TestParseWithAnInvalidSchemaIsAnInternalError(t *testing.T) {
	t.Parallel()
	tests := map[string]filtering.Schema{
		"name not snake_case":   {Fields: []filtering.Field{{Name: "Status", Path: "status"}}},
		"name is a keyword":     {Fields: []filtering.Field{{Name: "not", Path: "not"}}},
		"duplicate name":        {Fields: []filtering.Field{{Name: "a", Path: "a"}, {Name: "a", Path: "b"}}},
		"missing path":          {Fields: []filtering.Field{{Name: "a"}}},
		"operator path":         {Fields: []filtering.Field{{Name: "a", Path: "$where"}}},
		"empty path segment":    {Fields: []filtering.Field{{Name: "a", Path: "a..b"}}},
		"enum without values":   {Fields: []filtering.Field{{Name: "a", Path: "a", Type: filtering.Enum}}},
		"enum with empty value": {Fields: []filtering.Field{{Name: "a", Path: "a", Type: filtering.Enum, Enum: []string{""}}}},
		"unknown type":          {Fields: []filtering.Field{{Name: "a", Path: "a", Type: filtering.Type(99)}}},
	}
	for name, s := range tests {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil", name)
		}
		_, err := s.Parse("a = 1")
		if !errs.Is(err, errs.KindInternal) {
			t.Errorf("%s: Parse() = %v, want an internal error", name, err)
		}
	}
	if err := schema.Validate(); err != nil {
		t.Errorf("test schema Validate() = %v", err)
	}
}

func TestParseOnAnEmptySchemaSaysNothingIsFilterable(t *testing.T) {
	t.Parallel()
	_, err := filtering.Schema{}.Parse("status = CONFIRMED")
	e, ok := errs.As(err)
	if !ok || !strings.Contains(e.Violations[0].Description, "this list cannot be filtered") {
		t.Errorf("Parse() = %v, want it to say nothing is filterable", err)
	}
	if got, err := (filtering.Schema{}).Parse(""); err != nil || len(got) != 0 {
		t.Errorf("Parse(\"\") on an empty schema = %v, %v; want {}, nil", got, err)
	}
}

func TestTypeString(t *testing.T) {
	t.Parallel()
	for typ, want := range map[filtering.Type]string{
		filtering.String: "string", filtering.Enum: "enum", filtering.Bool: "bool",
		filtering.Timestamp: "timestamp", filtering.Int: "int", filtering.Type(9): "Type(9)",
	} {
		if got := typ.String(); got != want {
			t.Errorf("Type(%d).String() = %q, want %q", int(typ), got, want)
		}
	}
}
