package apireq

import (
	"strconv"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/type/date"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

// Enums are stored as their proto names without the type prefix
// (LOCATION_TYPE_BROTHEL is stored as BROTHEL), which keeps stored values
// readable and independent of the enum numbers.

// EnumIn converts a protobuf enum value p to its stored form: names is the
// generated <Enum>_name map and prefix the enum's value prefix, e.g.
// EnumIn[domain.LocationType](l.GetType(), rescuev1.LocationType_name,
// "LOCATION_TYPE_"). The unspecified value (0) becomes the empty string; a
// number the contract does not define becomes its decimal form, which the
// domain rejects as "must be one of ...; got 99".
func EnumIn[E ~string, P ~int32](p P, names map[int32]string, prefix string) E {
	if p == 0 {
		return ""
	}
	name, ok := names[int32(p)]
	if !ok {
		return E(strconv.Itoa(int(p)))
	}
	return E(strings.TrimPrefix(name, prefix))
}

// EnumOut converts a stored enum value back: values is the generated
// <Enum>_value map. The empty string, and a value the contract does not
// have, become the unspecified value (0).
func EnumOut[P ~int32, E ~string](e E, values map[string]int32, prefix string) P {
	if e == "" {
		return 0
	}
	return P(values[prefix+string(e)])
}

// TimeIn converts an optional timestamp: nil is the zero time (unset); an
// invalid one is a violation on field and the zero time.
func TimeIn(v *errs.Violations, field string, ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	if err := ts.CheckValid(); err != nil {
		v.Add(field, "must be a valid timestamp between 0001-01-01 and 9999-12-31")
		return time.Time{}
	}
	return ts.AsTime()
}

// TimeOut converts a time; the zero time (unset) is nil.
func TimeOut(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// DateIn converts an optional google.type.Date: nil, or all of year, month
// and day zero, is the zero record.Date (unset). A date that does not exist
// (a missing year, month or day, a month outside 1 to 12, 31 April, 29
// February of a common year) is a violation on field. It is returned as
// given, so that the caller still sees the field was set; the violation
// wins over the domain's on the same field (Invalid). The message never
// repeats the date: it may be a person's date of birth.
func DateIn(v *errs.Violations, field string, d *date.Date) record.Date {
	if d == nil {
		return record.Date{}
	}
	out := record.Date{Year: int(d.GetYear()), Month: int(d.GetMonth()), Day: int(d.GetDay())}
	if !out.IsZero() && !out.Valid() {
		v.Add(field, "must be a calendar date that exists, with year (1 to 9999), month (1 to 12) and day all set, "+
			"e.g. {year: 2024, month: 7, day: 1}; leave it unset when unknown")
	}
	return out
}

// DateOut converts a record.Date; the zero Date (unset) is nil.
func DateOut(d record.Date) *date.Date {
	if d.IsZero() {
		return nil
	}
	return &date.Date{Year: int32(d.Year), Month: int32(d.Month), Day: int32(d.Day)}
}
