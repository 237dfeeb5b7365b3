package apireq_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
)

// caseDesc is a resource message built at run time, with the contract's
// field_behavior annotations, so the tests need no generated code:
//
//	message Case {
//	  string name = 1 [(google.api.field_behavior) = IDENTIFIER];
//	  string title = 2;
//	  Court court = 3;                         // message Court { string name = 1; string room = 2; }
//	  string fir_number = 4 [(google.api.field_behavior) = IMMUTABLE];
//	  string stage = 5 [(google.api.field_behavior) = OUTPUT_ONLY];
//	  string etag = 6;
//	  string legacy = 7;
//	}
var caseDesc = func() protoreflect.MessageDescriptor {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	field := func(name string, n int32, typ *descriptorpb.FieldDescriptorProto_Type, b ...annotations.FieldBehavior) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ, Label: opt, JsonName: proto.String(name)}
		if len(b) > 0 {
			f.Options = &descriptorpb.FieldOptions{}
			proto.SetExtension(f.Options, annotations.E_FieldBehavior, b)
		}
		return f
	}
	court := field("court", 3, msg)
	court.TypeName = proto.String(".justice.test.v1.Court")
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("apireq_test.proto"),
		Package: proto.String("justice.test.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Case"), Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, str, annotations.FieldBehavior_IDENTIFIER),
				field("title", 2, str),
				court,
				field("fir_number", 4, str, annotations.FieldBehavior_IMMUTABLE),
				field("stage", 5, str, annotations.FieldBehavior_OUTPUT_ONLY),
				field("etag", 6, str),
				field("legacy", 7, str),
			}},
			{Name: proto.String("Court"), Field: []*descriptorpb.FieldDescriptorProto{field("name", 1, str), field("room", 2, str)}},
		},
	}, protoregistry.GlobalFiles)
	if err != nil {
		panic(err)
	}
	return fd.Messages().ByName("Case")
}()

type caseField string

var updatable = []caseField{"title", "court", "court.room"}

func TestUpdateMask_ReturnsTheNamedFieldsOnce(t *testing.T) {
	t.Parallel()
	got, err := apireq.UpdateMask(&fieldmaskpb.FieldMask{Paths: []string{"court.room", "title", "court.room"}},
		dynamicpb.NewMessage(caseDesc), updatable)
	if err != nil || !slices.Equal(got, []caseField{"court.room", "title"}) {
		t.Errorf("got %v, %v", got, err)
	}
}

func TestUpdateMask_NamesEachRefusedPathAndWhy(t *testing.T) {
	t.Parallel()
	const list = "; updatable fields: title, court, court.room"
	tests := []struct {
		paths []string
		want  []string // the violations' descriptions, all on update_mask
	}{
		{nil, []string{"is required: list the fields to change" + list}},
		{[]string{"*"}, []string{`"*" is not accepted; name the fields to change` + list}},
		{[]string{"name"}, []string{`field "name" is the identifier and cannot be updated; it names the record to update` + list}},
		{[]string{"stage"}, []string{`field "stage" is output only; the service sets it` + list}},
		{[]string{"fir_number"}, []string{`field "fir_number" is immutable once created` + list}},
		{[]string{"etag"}, []string{`field "etag" cannot be updated: send it in the resource to check the version, not in the mask` + list}},
		{[]string{"legacy"}, []string{`field "legacy" cannot be updated once created` + list}},
		{[]string{"court.name"}, []string{`field "court.name" cannot be updated once created` + list}},
		{[]string{"office"}, []string{`field "office" cannot be updated: the office is part of the record's name and a record never ` +
			"moves to another office" + list}},
		{[]string{"court.floor", "case.title"}, []string{`Case has no field "court.floor"` + list, `Case has no field "case.title"` + list}},
		{[]string{"title", "x" + strings.Repeat("y", 80)}, []string{`Case has no field "x` + strings.Repeat("y", 59) + `..."` + list}},
	}
	for _, tc := range tests {
		got, err := apireq.UpdateMask(&fieldmaskpb.FieldMask{Paths: tc.paths}, dynamicpb.NewMessage(caseDesc), updatable)
		e, ok := errs.As(err)
		if got != nil || !ok || e.Kind != errs.KindInvalidArgument || e.Reason != apireq.ReasonInvalidUpdateMask {
			t.Errorf("%v: %v, %v; want INVALID_ARGUMENT %s", tc.paths, got, err, apireq.ReasonInvalidUpdateMask)
			continue
		}
		var descriptions []string
		for _, v := range e.Violations {
			if v.Field != "update_mask" {
				t.Errorf("%v: a violation on %s, want update_mask", tc.paths, v.Field)
			}
			descriptions = append(descriptions, v.Description)
		}
		if !slices.Equal(descriptions, tc.want) {
			t.Errorf("%v:\n got %q\nwant %q", tc.paths, descriptions, tc.want)
		}
		if e.Message != "invalid update_mask: "+strings.Join(tc.want, "; ") {
			t.Errorf("%v: message %q", tc.paths, e.Message)
		}
	}
}

func TestOnlyMasked_KeepsViolationsOnMaskedFieldsAndTheirSubfields(t *testing.T) {
	t.Parallel()
	v := errs.Violations{
		{Field: "case.title", Description: "bad"},
		{Field: "case.court.room", Description: "bad"},
		{Field: "case.courtyard", Description: "bad"},
		{Field: "case.legacy", Description: "bad"},
	}
	kept := apireq.OnlyMasked(v, "case", []caseField{"court", "title"})
	if len(kept) != 2 || kept[0].Field != "case.title" || kept[1].Field != "case.court.room" {
		t.Errorf("kept %v", kept)
	}
	if apireq.OnlyMasked(v, "case", []caseField{"stage"}) != nil {
		t.Error("violations kept on fields the mask does not name")
	}
}

func TestInvalid_MergesTranslationAndApplicationViolations(t *testing.T) {
	t.Parallel()
	translation := errs.Violations{{Field: "case.fir_date", Description: "must be a calendar date"}}
	app := errs.Violations{
		{Field: "case.fir_date", Description: "is required"},
		{Field: "case.title", Description: "is required"},
	}.Err()
	e, ok := errs.As(apireq.Invalid(translation, app))
	if !ok || len(e.Violations) != 2 || e.Violations[0].Description != "must be a calendar date" || e.Violations[1].Field != "case.title" {
		t.Errorf("merged = %v, want the translation's fir_date then the application's title", e)
	}
	other := errs.FailedPrecondition("ILLEGAL_TRANSITION", "no")
	if e, _ := errs.As(apireq.Invalid(translation, other)); e == nil || e.Reason != "INVALID_FIELDS" || len(e.Violations) != 1 {
		t.Errorf("a translation violation must win over a non-argument error: %v", e)
	}
	if err := apireq.Invalid(nil, other); !errors.Is(err, other) {
		t.Errorf("no translation violation: %v, want the application's error", err)
	}
	if err := apireq.Invalid(nil, nil); err != nil {
		t.Errorf("nothing wrong: %v", err)
	}
}

func TestRequired_AddsAViolationForAnAbsentMessage(t *testing.T) {
	t.Parallel()
	var v errs.Violations
	apireq.Required(&v, "case", true)
	apireq.Required(&v, "accused", false)
	if len(v) != 1 || v[0].Field != "accused" || v[0].Description != "is required" {
		t.Errorf("violations = %v", v)
	}
}
