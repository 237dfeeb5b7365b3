// Package office holds the offices the system serves. Offices are data, not
// code: Mumbai and Kolkata are built in, and adding one (say Chennai) takes
// only a JSON file named by OFFICES_FILE:
//
//	[
//	  {"code": "mumbai", "display_name": "Mumbai", "city": "Mumbai", "state": "Maharashtra",
//	   "country": "IN", "time_zone": "Asia/Kolkata", "region": "west"},
//	  {"code": "kolkata", "display_name": "Kolkata", "city": "Kolkata", "state": "West Bengal",
//	   "country": "IN", "time_zone": "Asia/Kolkata", "region": "east"},
//	  {"code": "chennai", "display_name": "Chennai", "city": "Chennai", "state": "Tamil Nadu",
//	   "country": "IN", "time_zone": "Asia/Kolkata", "region": "south"}
//	]
//
// The file replaces the defaults, so it lists every office.
package office

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	// Embedded time zone data: offices' zones must load even on a minimal
	// container image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/justiceops/justice/services/platform/errs"
)

// ReasonOfficeNotFound is the ErrorInfo reason of an unknown office.
const ReasonOfficeNotFound = "OFFICE_NOT_FOUND"

// Office is one office of the organisation.
type Office struct {
	// Code is the short, stable identifier used in resource names
	// (offices/{code}/...): 2 to 40 of [a-z0-9-], starting with a letter.
	Code string `json:"code"`
	// DisplayName is the name shown to people, e.g. "Mumbai".
	DisplayName string `json:"display_name"`
	// City the office is in.
	City string `json:"city"`
	// State (or province) the office is in.
	State string `json:"state"`
	// Country is the ISO 3166-1 alpha-2 code, e.g. "IN".
	Country string `json:"country"`
	// TimeZone is the IANA time zone, e.g. "Asia/Kolkata"; local deadlines
	// (e.g. producing a minor before a Child Welfare Committee) use it.
	TimeZone string `json:"time_zone"`
	// Region groups offices for regional directors, e.g. "west".
	Region string `json:"region"`
}

// Config says where the offices come from.
type Config struct {
	// File is a JSON array of offices; empty means the defaults (Mumbai, Kolkata).
	File string `env:"OFFICES_FILE"`
}

// Defaults returns the built-in offices: Mumbai and Kolkata.
func Defaults() []Office {
	return []Office{
		{Code: "mumbai", DisplayName: "Mumbai", City: "Mumbai", State: "Maharashtra", Country: "IN", TimeZone: "Asia/Kolkata", Region: "west"},
		{Code: "kolkata", DisplayName: "Kolkata", City: "Kolkata", State: "West Bengal", Country: "IN", TimeZone: "Asia/Kolkata", Region: "east"},
	}
}

var (
	codePattern    = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)
	countryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
)

// Registry is an immutable set of offices, safe for concurrent use.
type Registry struct {
	byCode map[string]Office
	codes  []string // sorted
}

// NewRegistry validates offices and returns a registry of them. It reports
// every problem found: a code that is not 2 to 40 of [a-z0-9-] starting with
// a letter, a duplicate code, a missing display name, region or time zone,
// a country that is not two capital letters, or a time zone that does not
// load. At least one office is required.
func NewRegistry(offices []Office) (*Registry, error) {
	if len(offices) == 0 {
		return nil, errors.New("office.NewRegistry: no offices; at least one is required")
	}
	var problems []string
	r := &Registry{byCode: make(map[string]Office, len(offices))}
	for i, o := range offices {
		where := fmt.Sprintf("offices[%d] (code %q)", i, o.Code)
		if !codePattern.MatchString(o.Code) {
			problems = append(problems, where+": code must be 2 to 40 lowercase letters, digits or hyphens, starting with a letter")
		} else if _, dup := r.byCode[o.Code]; dup {
			problems = append(problems, where+": code is used by an earlier office; codes must be unique")
		}
		if strings.TrimSpace(o.DisplayName) == "" {
			problems = append(problems, where+": display_name is required")
		}
		if strings.TrimSpace(o.Region) == "" {
			problems = append(problems, where+": region is required")
		}
		if !countryPattern.MatchString(o.Country) {
			problems = append(problems, where+fmt.Sprintf(": country %q must be an ISO 3166-1 alpha-2 code such as IN", o.Country))
		}
		switch {
		case o.TimeZone == "":
			problems = append(problems, where+": time_zone is required, e.g. Asia/Kolkata")
		case o.TimeZone == "Local":
			problems = append(problems, where+`: time_zone must be an IANA zone such as Asia/Kolkata, not "Local"`)
		default:
			if _, err := time.LoadLocation(o.TimeZone); err != nil {
				problems = append(problems, where+fmt.Sprintf(": time_zone %q is not a known IANA time zone (e.g. Asia/Kolkata)", o.TimeZone))
			}
		}
		if _, dup := r.byCode[o.Code]; !dup {
			r.byCode[o.Code] = o
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("office.NewRegistry: %s", strings.Join(problems, "; "))
	}
	for code := range r.byCode {
		r.codes = append(r.codes, code)
	}
	slices.Sort(r.codes)
	return r, nil
}

// maxFileBytes bounds OFFICES_FILE; a real one is a few kilobytes.
const maxFileBytes = 1 << 20

// LoadRegistry returns the registry cfg describes: the defaults when
// cfg.File is empty, else the offices in that JSON file (which replace the
// defaults). Errors name OFFICES_FILE and say what is wrong.
func LoadRegistry(cfg Config) (*Registry, error) {
	if cfg.File == "" {
		return NewRegistry(Defaults())
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("office.LoadRegistry: OFFICES_FILE=%q: %s", cfg.File, fmt.Sprintf(format, args...))
	}
	f, err := os.Open(cfg.File)
	if err != nil {
		return nil, fail("cannot open: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fail("cannot read: %v", err)
	}
	if len(data) > maxFileBytes {
		return nil, fail("is larger than %d bytes; it should hold a short JSON array of offices", maxFileBytes)
	}
	offices, err := decode(data)
	if err != nil {
		return nil, fail("%v", err)
	}
	r, err := NewRegistry(offices)
	if err != nil {
		return nil, fail("%s", strings.TrimPrefix(err.Error(), "office.NewRegistry: "))
	}
	return r, nil
}

const wantShape = `want a JSON array of offices, each {"code", "display_name", "city", "state", "country", "time_zone", "region"}`

// decode parses the file strictly: unknown fields and trailing data are
// errors, so a misspelt "timezone" does not silently become an empty zone.
func decode(data []byte) ([]Office, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var offices []Office
	if err := dec.Decode(&offices); err != nil {
		return nil, describeJSONError(data, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON array; %s", wantShape)
	}
	if offices == nil {
		return nil, fmt.Errorf("holds null; %s", wantShape)
	}
	return offices, nil
}

func describeJSONError(data []byte, err error) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("is empty; %s", wantShape)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("ends in the middle of the JSON; %s", wantShape)
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("invalid JSON at %s: %v", position(data, syntaxErr.Offset), syntaxErr)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Errorf("holds a JSON %s at %s; %s", typeErr.Value, position(data, typeErr.Offset), wantShape)
		}
		return fmt.Errorf("field %q at %s is a JSON %s, want a string", typeErr.Field, position(data, typeErr.Offset), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("%s; %s", strings.TrimPrefix(err.Error(), "json: "), wantShape)
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// position turns the offset encoding/json reports (the bytes read up to and
// including the offending one) into "line L, column C" of that byte.
func position(data []byte, offset int64) string {
	i := int(min(max(offset-1, 0), int64(len(data))))
	before := data[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	col := i - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// Get returns the office with code, or NOT_FOUND (reason OFFICE_NOT_FOUND)
// naming the known offices.
func (r *Registry) Get(code string) (Office, error) {
	if o, ok := r.byCode[code]; ok {
		return o, nil
	}
	return Office{}, errs.NotFound(ReasonOfficeNotFound, "office %s does not exist; known offices: %s",
		quoteCode(code), strings.Join(r.codes, ", "))
}

// Has reports whether code is a known office.
func (r *Registry) Has(code string) bool {
	_, ok := r.byCode[code]
	return ok
}

// Codes returns the office codes, sorted.
func (r *Registry) Codes() []string { return slices.Clone(r.codes) }

// All returns the offices sorted by code.
func (r *Registry) All() []Office {
	out := make([]Office, len(r.codes))
	for i, c := range r.codes {
		out[i] = r.byCode[c]
	}
	return out
}

// quoteCode quotes a caller-given code for a message, cut short so that
// oversized input cannot bloat the error.
func quoteCode(code string) string {
	const max = 40
	if len(code) > max {
		return fmt.Sprintf("%q...", code[:max])
	}
	return fmt.Sprintf("%q", code)
}
