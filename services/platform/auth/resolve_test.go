package auth_test

import (
	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// testMessages describes, without generated code,
//
//	message Inner   { string name = 1; }
//	message Request { string name = 1; string parent = 2; Inner survivor = 3; int32 count = 4; repeated Inner items = 5; }
var testMessages = sync.OnceValue(func() protoreflect.FileDescriptor {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	msg := descriptorpb.FieldDescriptorProto_TYPE_MESSAGE.Enum()
	i32 := descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	rep := descriptorpb.FieldDescriptorProto_LABEL_REPEATED.Enum()
	field := func(name string, n int32, typ *descriptorpb.FieldDescriptorProto_Type, label *descriptorpb.FieldDescriptorProto_Label, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ, Label: label, JsonName: proto.String(name)}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("justice/authtest/v1/request.proto"),
		Package: proto.String("justice.authtest.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("Inner"), Field: []*descriptorpb.FieldDescriptorProto{field("name", 1, str, opt, "")}},
			{Name: proto.String("Request"), Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, str, opt, ""),
				field("parent", 2, str, opt, ""),
				field("survivor", 3, msg, opt, ".justice.authtest.v1.Inner"),
				field("count", 4, i32, opt, ""),
				field("items", 5, msg, rep, ".justice.authtest.v1.Inner"),
			}},
		},
	}, nil)
	if err != nil {
		panic(err)
	}
	return fd
})

// newRequest builds a Request with the given name, parent and survivor.name.
func newRequest(name, parent, survivorName string) *dynamicpb.Message {
	md := testMessages().Messages().ByName("Request")
	m := dynamicpb.NewMessage(md)
	if name != "" {
		m.Set(md.Fields().ByName("name"), protoreflect.ValueOfString(name))
	}
	if parent != "" {
		m.Set(md.Fields().ByName("parent"), protoreflect.ValueOfString(parent))
	}
	if survivorName != "" {
		inner := dynamicpb.NewMessage(testMessages().Messages().ByName("Inner"))
		inner.Set(inner.Descriptor().Fields().ByName("name"), protoreflect.ValueOfString(survivorName))
		m.Set(md.Fields().ByName("survivor"), protoreflect.ValueOfMessage(inner))
	}
	return m
}

func TestDefaultResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		req          any
		wantResource string
		wantOffice   string
	}{
		{"name wins", newRequest("offices/mumbai/survivors/abc", "offices/kolkata", "offices/chennai/survivors/x"), "offices/mumbai/survivors/abc", "mumbai"},
		{"parent when no name", newRequest("", "offices/kolkata", ""), "offices/kolkata", "kolkata"},
		{"all offices parent", newRequest("", "offices/-", ""), "offices/-", "-"},
		{"nested name when neither", newRequest("", "", "offices/chennai/survivors/x"), "offices/chennai/survivors/x", "chennai"},
		{"nothing named", newRequest("", "", ""), "", ""},
		{"name outside an office", newRequest("operators/7", "", ""), "operators/7", ""},
		{"message without such fields", wrapperspb.String("offices/mumbai/survivors/abc"), "", ""},
		{"not a proto message", "offices/mumbai", "", ""},
		{"nil request (streams)", nil, "", ""},
		{"batch of one office", &rescuev1.LookupReferencesRequest{Names: []string{"offices/mumbai/survivors/a", "offices/mumbai/operations/b"}},
			"offices/mumbai/survivors/a,offices/mumbai/operations/b", "mumbai"},
		{"batch across offices", &rescuev1.LookupReferencesRequest{Names: []string{"offices/mumbai/survivors/a", "offices/kolkata/survivors/b"}},
			"offices/mumbai/survivors/a,offices/kolkata/survivors/b", "-"},
		{"batch with a malformed name", &rescuev1.LookupReferencesRequest{Names: []string{"offices/mumbai/survivors/a", "Zyxwy Qqvarn"}},
			auth.InvalidResourceName, ""},
		{"empty batch", &rescuev1.LookupReferencesRequest{}, "", ""},
		{"office-wide query", &prosecutionv1.QueryHearingCalendarRequest{Office: "offices/mumbai"}, "offices/mumbai", "mumbai"},
		{"office-wide query, malformed", &prosecutionv1.QueryHearingCalendarRequest{Office: "Zyxwy Qqvarn"}, auth.InvalidResourceName, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resource, office := auth.DefaultResolve("/justice.authtest.v1.Test/Call", tc.req)
			if resource != tc.wantResource || office != tc.wantOffice {
				t.Fatalf("DefaultResolve() = %q, %q; want %q, %q", resource, office, tc.wantResource, tc.wantOffice)
			}
		})
	}
}

func TestOfficeOf(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"offices/mumbai":                 "mumbai",
		"offices/mumbai/survivors/abc":   "mumbai",
		"offices/-":                      "-",
		"offices/":                       "",
		"offices":                        "",
		"survivors/abc":                  "",
		"":                               "",
		"offices/mumbai/locations/l/x/y": "mumbai",
	}
	for name, want := range tests {
		if got := auth.OfficeOf(name); got != want {
			t.Errorf("OfficeOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestDefaultResolveNeverKeepsMalformedNameText(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"offices/mumbai/survivors/Zyxwy Qqvarn",
		"Zyxwy Qqvarn",
		"offices/mumbai/survivors",
		"offices//survivors/x",
		"offices/mumbai/survivors/" + strings.Repeat("a", 600),
	} {
		res, office := auth.DefaultResolve("/x", &auditv1.ListAuditEntriesRequest{Parent: name})
		if res != auth.InvalidResourceName || office != "" {
			t.Errorf("auth.DefaultResolve(%q) = %q, %q; want %q, \"\"", name, res, office, auth.InvalidResourceName)
		}
	}
	res, office := auth.DefaultResolve("/x", &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai/survivors/abc123"})
	if res != "offices/mumbai/survivors/abc123" || office != "mumbai" {
		t.Errorf("a well-formed name resolved to %q, %q", res, office)
	}
}
