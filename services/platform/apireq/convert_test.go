package apireq_test

import (
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// stage and stageProto stand for a service's stored enum and the
// generated protobuf enum, with its generated maps.
type (
	stage      string
	stageProto int32
)

var (
	stageName  = map[int32]string{0: "CASE_STAGE_UNSPECIFIED", 1: "CASE_STAGE_FIR_REGISTERED", 2: "CASE_STAGE_JUDGMENT"}
	stageValue = map[string]int32{"CASE_STAGE_UNSPECIFIED": 0, "CASE_STAGE_FIR_REGISTERED": 1, "CASE_STAGE_JUDGMENT": 2}
)

func TestEnums_RoundTripAndStoreNamesWithoutThePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     stageProto
		stored stage
		out    stageProto
	}{
		{0, "", 0},
		{1, "FIR_REGISTERED", 1},
		{2, "JUDGMENT", 2},
		// A number the contract does not define reaches the domain as
		// digits, which it rejects as not one of the allowed values.
		{99, "99", 0},
	}
	for _, tc := range tests {
		stored := apireq.EnumIn[stage](tc.in, stageName, "CASE_STAGE_")
		if stored != tc.stored {
			t.Errorf("EnumIn(%d) = %q, want %q", tc.in, stored, tc.stored)
		}
		if out := apireq.EnumOut[stageProto](stored, stageValue, "CASE_STAGE_"); out != tc.out {
			t.Errorf("EnumOut(%q) = %d, want %d", stored, out, tc.out)
		}
	}
}

func TestTimes_ConvertAndNameAnInvalidTimestamp(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 14, 8, 0, 0, 0, time.UTC)
	var v errs.Violations
	if got := apireq.TimeIn(&v, "hearing.time", timestamppb.New(at)); !got.Equal(at) {
		t.Errorf("TimeIn = %v, want %v", got, at)
	}
	if got := apireq.TimeIn(&v, "hearing.time", nil); !got.IsZero() {
		t.Errorf("TimeIn(nil) = %v, want the zero time", got)
	}
	if len(v) != 0 {
		t.Fatalf("violations %v for valid times", v)
	}
	if got := apireq.TimeIn(&v, "hearing.time", &timestamppb.Timestamp{Seconds: 1, Nanos: -5}); !got.IsZero() ||
		len(v) != 1 || v[0].Field != "hearing.time" {
		t.Errorf("invalid timestamp: %v, violations %v", got, v)
	}
	if apireq.TimeOut(time.Time{}) != nil || !apireq.TimeOut(at).AsTime().Equal(at) {
		t.Error("TimeOut must map the zero time to nil and keep any other")
	}
}

func TestDates_ConvertAndNameAnInvalidDateWithoutRepeatingIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		in      *date.Date
		want    record.Date
		invalid bool
	}{
		{"absent", nil, record.Date{}, false},
		{"all zero means unset", &date.Date{}, record.Date{}, false},
		{"a date", &date.Date{Year: 2024, Month: 7, Day: 1}, record.Date{Year: 2024, Month: 7, Day: 1}, false},
		{"leap day", &date.Date{Year: 2024, Month: 2, Day: 29}, record.Date{Year: 2024, Month: 2, Day: 29}, false},
		{"leap day of a common year", &date.Date{Year: 2023, Month: 2, Day: 29}, record.Date{Year: 2023, Month: 2, Day: 29}, true},
		{"31 April", &date.Date{Year: 2024, Month: 4, Day: 31}, record.Date{Year: 2024, Month: 4, Day: 31}, true},
		{"year only", &date.Date{Year: 2009}, record.Date{Year: 2009}, true},
		{"year and month", &date.Date{Year: 2009, Month: 5}, record.Date{Year: 2009, Month: 5}, true},
		{"no year", &date.Date{Month: 5, Day: 1}, record.Date{Month: 5, Day: 1}, true},
		{"month 13", &date.Date{Year: 2009, Month: 13, Day: 1}, record.Date{Year: 2009, Month: 13, Day: 1}, true},
		{"negative day", &date.Date{Year: 2009, Month: 1, Day: -1}, record.Date{Year: 2009, Month: 1, Day: -1}, true},
	}
	for _, tc := range tests {
		var v errs.Violations
		got := apireq.DateIn(&v, "accused.date_of_birth", tc.in)
		if got != tc.want {
			t.Errorf("%s: DateIn = %+v, want %+v (as given)", tc.rule, got, tc.want)
		}
		if !tc.invalid {
			if len(v) != 0 {
				t.Errorf("%s: violations %v", tc.rule, v)
			}
			continue
		}
		if len(v) != 1 || v[0].Field != "accused.date_of_birth" {
			t.Errorf("%s: violations %v, want one on accused.date_of_birth", tc.rule, v)
			continue
		}
		if want := "must be a calendar date that exists, with year (1 to 9999), month (1 to 12) and day all set, " +
			"e.g. {year: 2024, month: 7, day: 1}; leave it unset when unknown"; v[0].Description != want {
			t.Errorf("%s: description %q", tc.rule, v[0].Description)
		}
	}
	if apireq.DateOut(record.Date{}) != nil {
		t.Error("DateOut of the zero Date must be nil")
	}
	if d := apireq.DateOut(record.Date{Year: 2024, Month: 7, Day: 1}); d.GetYear() != 2024 || d.GetMonth() != 7 || d.GetDay() != 1 {
		t.Errorf("DateOut = %v", d)
	}
}
