package office_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/office"
)

var (
	mumbai  = office.Office{Code: "mumbai", DisplayName: "Mumbai", City: "Mumbai", State: "Maharashtra", Country: "IN", TimeZone: "Asia/Kolkata", Region: "west"}
	kolkata = office.Office{Code: "kolkata", DisplayName: "Kolkata", City: "Kolkata", State: "West Bengal", Country: "IN", TimeZone: "Asia/Kolkata", Region: "east"}
	chennai = office.Office{Code: "chennai", DisplayName: "Chennai", City: "Chennai", State: "Tamil Nadu", Country: "IN", TimeZone: "Asia/Kolkata", Region: "south"}
)

const threeOfficesJSON = `[
  {"code": "mumbai", "display_name": "Mumbai", "city": "Mumbai", "state": "Maharashtra",
   "country": "IN", "time_zone": "Asia/Kolkata", "region": "west"},
  {"code": "kolkata", "display_name": "Kolkata", "city": "Kolkata", "state": "West Bengal",
   "country": "IN", "time_zone": "Asia/Kolkata", "region": "east"},
  {"code": "chennai", "display_name": "Chennai", "city": "Chennai", "state": "Tamil Nadu",
   "country": "IN", "time_zone": "Asia/Kolkata", "region": "south"}
]`

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "offices.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaults_AreMumbaiAndKolkata(t *testing.T) {
	t.Parallel()

	if got, want := office.Defaults(), []office.Office{mumbai, kolkata}; !slices.Equal(got, want) {
		t.Errorf("Defaults() = %+v, want %+v", got, want)
	}
}

func TestLoadRegistry_WithoutFileUsesTheDefaults(t *testing.T) {
	t.Parallel()

	r, err := office.LoadRegistry(office.Config{})
	if err != nil {
		t.Fatalf("LoadRegistry() error = %v", err)
	}
	if got := r.Codes(); !slices.Equal(got, []string{"kolkata", "mumbai"}) {
		t.Errorf("Codes() = %v, want [kolkata mumbai]", got)
	}
	if got := r.All(); !slices.Equal(got, []office.Office{kolkata, mumbai}) {
		t.Errorf("All() = %+v, want kolkata then mumbai", got)
	}
	if got, err := r.Get("mumbai"); err != nil || got != mumbai {
		t.Errorf("Get(mumbai) = %+v, %v; want %+v", got, err, mumbai)
	}
}

func TestLoadRegistry_AddingAnOfficeIsOnlyAFile(t *testing.T) {
	t.Parallel()

	var cfg office.Config
	if err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(map[string]string{
		"OFFICES_FILE": writeFile(t, threeOfficesJSON),
	})); err != nil {
		t.Fatal(err)
	}
	r, err := office.LoadRegistry(cfg)
	if err != nil {
		t.Fatalf("LoadRegistry() error = %v", err)
	}
	if got := r.Codes(); !slices.Equal(got, []string{"chennai", "kolkata", "mumbai"}) {
		t.Errorf("Codes() = %v, want [chennai kolkata mumbai]", got)
	}
	if got, err := r.Get("chennai"); err != nil || got != chennai {
		t.Errorf("Get(chennai) = %+v, %v; want %+v", got, err, chennai)
	}
	if !r.Has("chennai") || r.Has("delhi") {
		t.Error("Has() disagrees with the file")
	}
}

func TestLoadRegistry_BadFileNamesOFFICESFILEAndTheProblem(t *testing.T) {
	t.Parallel()

	valid := `{"code": "mumbai", "display_name": "Mumbai", "city": "Mumbai", "state": "Maharashtra", "country": "IN", "time_zone": "Asia/Kolkata", "region": "west"}`
	tests := []struct {
		rule    string
		content string // written to a file; "<missing>" means no file
		want    string
	}{
		{rule: "missing file", content: "<missing>", want: "cannot open: "},
		{rule: "empty file", content: "", want: "is empty; want a JSON array of offices"},
		{rule: "truncated JSON", content: "[" + valid, want: "ends in the middle of the JSON"},
		{rule: "syntax error with position", content: "[\n  {\"code\": \"mumbai\",}\n]", want: "invalid JSON at line 2, column 21"},
		{rule: "object instead of array", content: valid, want: "holds a JSON object at line 1, column 1; want a JSON array of offices"},
		{rule: "misspelt field", content: `[{"code": "mumbai", "timezone": "Asia/Kolkata"}]`, want: `unknown field "timezone"; want a JSON array of offices`},
		{rule: "field of the wrong type", content: `[{"code": 5}]`, want: `field "code" at line 1, column 11 is a JSON number, want a string`},
		{rule: "trailing data", content: "[" + valid + "] []", want: "unexpected data after the JSON array"},
		{rule: "null", content: "null", want: "holds null; want a JSON array of offices"},
		{rule: "empty array", content: "[]", want: "no offices; at least one is required"},
		{rule: "invalid office", content: `[{"code": "Chennai!", "display_name": "Chennai", "country": "IN", "time_zone": "Asia/Kolkata", "region": "south"}]`,
			want: `offices[0] (code "Chennai!"): code must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter`},
		{rule: "unknown time zone", content: `[{"code": "chennai", "display_name": "Chennai", "country": "IN", "time_zone": "Asia/Chennai", "region": "south"}]`,
			want: `offices[0] (code "chennai"): time_zone "Asia/Chennai" is not a known IANA time zone`},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()

			path := filepath.Join(t.TempDir(), "missing.json")
			if tc.content != "<missing>" {
				path = writeFile(t, tc.content)
			}
			_, err := office.LoadRegistry(office.Config{File: path})
			if err == nil {
				t.Fatal("LoadRegistry() error = nil, want an error")
			}
			prefix := `office.LoadRegistry: OFFICES_FILE="` + path + `": `
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("LoadRegistry() error = %q, want it to start %q", err, prefix)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadRegistry() error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadRegistry_RejectsOversizedFiles(t *testing.T) {
	t.Parallel()

	path := writeFile(t, "["+strings.Repeat(" ", 1<<20)+"]")
	_, err := office.LoadRegistry(office.Config{File: path})
	if err == nil || !strings.Contains(err.Error(), "is larger than 1048576 bytes") {
		t.Errorf("LoadRegistry(2 MiB) error = %v, want a size error", err)
	}
}

func TestNewRegistry_ValidatesEveryOffice(t *testing.T) {
	t.Parallel()

	with := func(change func(*office.Office)) []office.Office {
		o := chennai
		change(&o)
		return []office.Office{mumbai, o}
	}
	tests := []struct {
		rule    string
		offices []office.Office
		want    []string // substrings; nil means valid
	}{
		{rule: "defaults are valid", offices: office.Defaults()},
		{rule: "hyphen and digits in code", offices: with(func(o *office.Office) { o.Code = "navi-mumbai2" })},
		{rule: "no offices", offices: nil, want: []string{"no offices; at least one is required"}},
		{rule: "uppercase code", offices: with(func(o *office.Office) { o.Code = "Chennai" }), want: []string{`offices[1] (code "Chennai"): code must be 2 to 40`}},
		{rule: "one-letter code", offices: with(func(o *office.Office) { o.Code = "c" }), want: []string{`code "c"): code must be`}},
		{rule: "code starting with a digit", offices: with(func(o *office.Office) { o.Code = "1chennai" }), want: []string{`code "1chennai"): code must be`}},
		{rule: "41-character code", offices: with(func(o *office.Office) { o.Code = "c" + strings.Repeat("x", 40) }), want: []string{"code must be 2 to 40"}},
		{rule: "wildcard code", offices: with(func(o *office.Office) { o.Code = "-" }), want: []string{`code "-"): code must be`}},
		{rule: "duplicate code", offices: with(func(o *office.Office) { o.Code = "mumbai" }), want: []string{`offices[1] (code "mumbai"): code is used by an earlier office`}},
		{rule: "missing display name", offices: with(func(o *office.Office) { o.DisplayName = " " }), want: []string{"display_name is required"}},
		{rule: "missing region", offices: with(func(o *office.Office) { o.Region = "" }), want: []string{"region is required"}},
		{rule: "lowercase country", offices: with(func(o *office.Office) { o.Country = "in" }), want: []string{`country "in" must be an ISO 3166-1 alpha-2 code`}},
		{rule: "country name", offices: with(func(o *office.Office) { o.Country = "India" }), want: []string{`country "India"`}},
		{rule: "missing time zone", offices: with(func(o *office.Office) { o.TimeZone = "" }), want: []string{"time_zone is required"}},
		{rule: "Local time zone", offices: with(func(o *office.Office) { o.TimeZone = "Local" }), want: []string{`not "Local"`}},
		{rule: "unknown time zone", offices: with(func(o *office.Office) { o.TimeZone = "Mars/Olympus" }), want: []string{`time_zone "Mars/Olympus" is not a known IANA time zone`}},
		{
			rule:    "every problem reported",
			offices: with(func(o *office.Office) { o.Code, o.Region, o.TimeZone = "BAD", "", "Nowhere/None" }),
			want:    []string{"code must be", "region is required", `time_zone "Nowhere/None"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()

			r, err := office.NewRegistry(tc.offices)
			if tc.want == nil {
				if err != nil || r == nil {
					t.Fatalf("NewRegistry() = %v, %v; want a registry", r, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewRegistry() error = nil, want %q", tc.want)
			}
			if !strings.HasPrefix(err.Error(), "office.NewRegistry: ") {
				t.Errorf("NewRegistry() error = %q, want the office.NewRegistry prefix", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("NewRegistry() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestRegistry_GetUnknownOfficeIsNotFoundListingKnownOffices(t *testing.T) {
	t.Parallel()

	r, err := office.NewRegistry(office.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		code, wantMsg string
	}{
		{code: "chennai", wantMsg: `office "chennai" does not exist; known offices: kolkata, mumbai`},
		{code: "", wantMsg: `office "" does not exist; known offices: kolkata, mumbai`},
		{code: "Mumbai", wantMsg: `office "Mumbai" does not exist; known offices: kolkata, mumbai`},
		{code: strings.Repeat("x", 100), wantMsg: `office "` + strings.Repeat("x", 40) + `"... does not exist; known offices: kolkata, mumbai`},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()

			_, err := r.Get(tc.code)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindNotFound || e.Reason != office.ReasonOfficeNotFound {
				t.Fatalf("Get(%q) error = %v, want NOT_FOUND OFFICE_NOT_FOUND", tc.code, err)
			}
			if e.Message != tc.wantMsg {
				t.Errorf("Get(%q) message = %q, want %q", tc.code, e.Message, tc.wantMsg)
			}
		})
	}
}

func TestRegistry_ResultsAreCopies(t *testing.T) {
	t.Parallel()

	r, err := office.NewRegistry(office.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	r.Codes()[0] = "changed"
	r.All()[0].Code = "changed"
	if got := r.Codes(); got[0] != "kolkata" {
		t.Errorf("Codes() = %v after a caller changed a result, want it unchanged", got)
	}
	if got := r.All(); got[0].Code != "kolkata" {
		t.Errorf("All()[0].Code = %q after a caller changed a result, want kolkata", got[0].Code)
	}
}

func TestNewRegistry_KeepsTheCallersSliceUnchanged(t *testing.T) {
	t.Parallel()

	in := office.Defaults()
	r, err := office.NewRegistry(in)
	if err != nil {
		t.Fatal(err)
	}
	in[0].DisplayName = "changed"
	if got, _ := r.Get("mumbai"); got.DisplayName != "Mumbai" {
		t.Errorf("registry changed with the caller's slice: %+v", got)
	}
}
