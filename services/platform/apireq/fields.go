package apireq

import (
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/justiceops/justice/services/platform/errs"
)

// ReasonInvalidUpdateMask is the ErrorInfo reason of an update mask UpdateMask refuses.
const ReasonInvalidUpdateMask = "INVALID_UPDATE_MASK"

// Required records a violation on field when a request's resource message
// is absent (present is false).
func Required(v *errs.Violations, field string, present bool) {
	if !present {
		v.Add(field, "is required")
	}
}

// Invalid merges the violations found while translating a request with the
// error of the application's check: one INVALID_ARGUMENT listing every bad
// field (the translation's violation wins when both name the same field),
// else err (nil when the application found nothing either).
func Invalid(v errs.Violations, err error) error {
	if len(v) == 0 {
		return err
	}
	if e, ok := errs.As(err); ok && e.Kind == errs.KindInvalidArgument {
		for _, fv := range e.Violations {
			if !slices.ContainsFunc(v, func(x errs.FieldViolation) bool { return x.Field == fv.Field }) {
				v = append(v, fv)
			}
		}
	}
	return v.Err()
}

// OnlyMasked keeps the violations on the fields an update mask names (and
// their subfields); prefix is the resource's field in the request, e.g.
// "survivor". An update ignores every other field of the resource it is
// given, so a bad value there is no error.
func OnlyMasked[F ~string](v errs.Violations, prefix string, fields []F) errs.Violations {
	var kept errs.Violations
	for _, fv := range v {
		path := strings.TrimPrefix(fv.Field, prefix+".")
		if slices.ContainsFunc(fields, func(f F) bool { return path == string(f) || strings.HasPrefix(path, string(f)+".") }) {
			kept = append(kept, fv)
		}
	}
	return kept
}

// UpdateMask turns an update mask (AIP-134) into the fields it names, in
// order and without repeats. It refuses, with INVALID_ARGUMENT reason
// INVALID_UPDATE_MASK and one violation on update_mask per problem: an
// empty mask, "*", a path the resource does not have, and a field that
// cannot be updated, saying why from the contract's field_behavior
// (identifier, output only, immutable; the etag; the office, which is part
// of the name). Every violation lists the updatable fields.
func UpdateMask[F ~string](mask *fieldmaskpb.FieldMask, resource proto.Message, updatable []F) ([]F, error) {
	allowed := make([]string, len(updatable))
	for i, f := range updatable {
		allowed[i] = string(f)
	}
	list := strings.Join(allowed, ", ")
	desc := resource.ProtoReflect().Descriptor()
	var v errs.Violations
	if len(mask.GetPaths()) == 0 {
		v.Add("update_mask", "is required: list the fields to change; updatable fields: %s", list)
	}
	var fields []F
	for _, path := range mask.GetPaths() {
		switch {
		case path == "*":
			v.Add("update_mask", `"*" is not accepted; name the fields to change; updatable fields: %s`, list)
		case slices.Contains(allowed, path):
			if !slices.Contains(fields, F(path)) {
				fields = append(fields, F(path))
			}
		case path == "office" || strings.HasPrefix(path, "office."):
			v.Add("update_mask", "field %q cannot be updated: the office is part of the record's name and a record never "+
				"moves to another office; updatable fields: %s", truncate(path, 60), list)
		case knownPath(desc, path):
			v.Add("update_mask", "field %q %s; updatable fields: %s", path, whyNotUpdatable(desc, path), list)
		default:
			v.Add("update_mask", "%s has no field %q; updatable fields: %s", desc.Name(), truncate(path, 60), list)
		}
	}
	if len(v) > 0 {
		parts := make([]string, len(v))
		for i, fv := range v {
			parts[i] = fv.Description
		}
		return nil, errs.InvalidArgument(ReasonInvalidUpdateMask, "invalid update_mask: "+strings.Join(parts, "; "), v...)
	}
	return fields, nil
}

// whyNotUpdatable explains, from the contract's field_behavior annotations,
// why a field of the resource cannot be named in an update mask.
func whyNotUpdatable(desc protoreflect.MessageDescriptor, path string) string {
	top := desc.Fields().ByName(protoreflect.Name(strings.SplitN(path, ".", 2)[0]))
	if top.Name() == "etag" {
		return "cannot be updated: send it in the resource to check the version, not in the mask"
	}
	behaviors, _ := proto.GetExtension(top.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	switch {
	case slices.Contains(behaviors, annotations.FieldBehavior_IDENTIFIER):
		return "is the identifier and cannot be updated; it names the record to update"
	case slices.Contains(behaviors, annotations.FieldBehavior_OUTPUT_ONLY):
		return "is output only; the service sets it"
	case slices.Contains(behaviors, annotations.FieldBehavior_IMMUTABLE):
		return "is immutable once created"
	default:
		return "cannot be updated once created"
	}
}

// knownPath reports whether a dotted path names a field of the message.
func knownPath(desc protoreflect.MessageDescriptor, path string) bool {
	for i, seg := range strings.Split(path, ".") {
		if desc == nil {
			return false
		}
		fd := desc.Fields().ByName(protoreflect.Name(seg))
		if fd == nil {
			return false
		}
		if i < strings.Count(path, ".") {
			desc = fd.Message()
		}
	}
	return true
}

// truncate cuts s to n bytes for a message, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
