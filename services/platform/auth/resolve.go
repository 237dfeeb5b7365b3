package auth

import (
	"regexp"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// DefaultResolve finds the record a request acts on, for the audit log:
// the request's string field "name", else "parent", else "office" (an
// office-wide query's offices/{office}), else the "name" of
// its first set message field that has one (e.g. survivor.name of an
// update), else the repeated string field "names" of a batch request
// (AIP-231), whose names are kept comma-separated, filed under their
// common office ("-" when they span several). office is the {office} of "offices/{office}/..." ("-" for
// offices/-), or "" when the resource is not under an office. method is
// not used: every method's request is resolved the same way.
func DefaultResolve(method string, req any) (resource, office string) {
	m, ok := req.(proto.Message)
	if !ok || m == nil {
		return "", ""
	}
	r := m.ProtoReflect()
	resource = stringField(r, "name")
	if resource == "" {
		resource = stringField(r, "parent")
	}
	if resource == "" {
		// An office-wide query names its office (offices/{office}) in a
		// field of that name, e.g. a hearing calendar.
		resource = stringField(r, "office")
	}
	if resource == "" {
		fields := r.Descriptor().Fields()
		for i := range fields.Len() {
			fd := fields.Get(i)
			if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() || !r.Has(fd) {
				continue
			}
			if n := stringField(r.Get(fd).Message(), "name"); n != "" {
				resource = n
				break
			}
		}
	}
	if resource == "" {
		if names, ok := repeatedString(r, "names"); ok {
			return resolveBatch(names)
		}
	}
	if !wellFormedName(resource) {
		// The name did not parse: it is caller-typed text, which could be
		// anything (even a person's name typed in the wrong field). The audit
		// log keeps the fact of the access, not the text.
		return InvalidResourceName, ""
	}
	return resource, OfficeOf(resource)
}

// InvalidResourceName stands in the audit log for a request whose name or
// parent is not a well-formed resource name.
const InvalidResourceName = "(malformed resource name)"

var (
	collectionSegmentRE = regexp.MustCompile(`^[a-z][A-Za-z]{0,39}$`)
	idSegmentRE         = regexp.MustCompile(`^(-|[a-z0-9][a-z0-9-]{0,63})$`)
)

// wellFormedName reports whether name is "" or alternates collection and id
// segments as resource names do (offices/mumbai/survivors/abc123).
func wellFormedName(name string) bool {
	if name == "" {
		return true
	}
	if len(name) > 512 {
		return false
	}
	parts := strings.Split(name, "/")
	if len(parts)%2 != 0 {
		return false
	}
	for i, p := range parts {
		re := idSegmentRE
		if i%2 == 0 {
			re = collectionSegmentRE
		}
		if !re.MatchString(p) {
			return false
		}
	}
	return true
}

// OfficeOf returns the office code of a resource name "offices/{office}/..."
// (or "offices/{office}"), "" when name is not under an office.
func OfficeOf(name string) string {
	parts := strings.SplitN(name, "/", 3)
	if len(parts) < 2 || parts[0] != "offices" || parts[1] == "" {
		return ""
	}
	return parts[1]
}

// stringField returns the value of the singular string field name of m, or "".
func stringField(m protoreflect.Message, name protoreflect.Name) string {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() {
		return ""
	}
	return m.Get(fd).String()
}

// repeatedString returns the values of the repeated string field name of m;
// ok is false when m has no such field or it is empty.
func repeatedString(m protoreflect.Message, name protoreflect.Name) (values []string, ok bool) {
	fd := m.Descriptor().Fields().ByName(name)
	if fd == nil || fd.Kind() != protoreflect.StringKind || !fd.IsList() {
		return nil, false
	}
	list := m.Get(fd).List()
	for i := range list.Len() {
		values = append(values, list.Get(i).String())
	}
	return values, len(values) > 0
}

// resolveBatch resolves the names of a batch request: every name must be
// well formed (else the whole batch is InvalidResourceName: the text is
// the caller's), and the office is theirs when they share one, else "-".
func resolveBatch(names []string) (resource, office string) {
	for i, n := range names {
		if n == "" || !wellFormedName(n) {
			return InvalidResourceName, ""
		}
		o := OfficeOf(n)
		switch {
		case i == 0:
			office = o
		case o != office:
			office = "-"
		}
	}
	return strings.Join(names, ","), office
}
