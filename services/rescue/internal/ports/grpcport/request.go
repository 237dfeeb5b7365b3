package grpcport

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/resname"
)

// name parses a resource name of the collection and checks that its office
// exists (NOT_FOUND reason OFFICE_NOT_FOUND otherwise).
func (s *Server) name(name, collection, field string) (office, id string, err error) {
	office, id, err = resname.Parse(name, collection, field)
	if err != nil {
		return "", "", err
	}
	if _, err := s.offices.Get(office); err != nil {
		return "", "", err
	}
	return office, id, nil
}

// createParent parses the parent of a Create: exactly one existing office.
func (s *Server) createParent(parent string) (string, error) {
	office, err := resname.ParseParent(parent, "parent")
	if err != nil {
		return "", err
	}
	if office == resname.AllOffices {
		return "", errs.InvalidArgument("INVALID_RESOURCE_NAME",
			"parent offices/- is for List only; create in one office, e.g. offices/mumbai",
			errs.FieldViolation{Field: "parent", Description: "must be offices/{office} for a create; offices/- is for List only"})
	}
	if _, err := s.offices.Get(office); err != nil {
		return "", err
	}
	return office, nil
}

// listScope parses the parent of a List: one existing office, or offices/-
// for every configured office.
func (s *Server) listScope(parent string) ([]string, error) {
	office, err := resname.ParseParent(parent, "parent")
	if err != nil {
		return nil, err
	}
	if office == resname.AllOffices {
		return s.offices.Codes(), nil
	}
	if _, err := s.offices.Get(office); err != nil {
		return nil, err
	}
	return []string{office}, nil
}

// reference parses a name a new record holds (operation.location,
// survivor.operation), recording a violation if it is malformed. The office
// check against the parent is the application's.
func reference(v *errs.Violations, name, collection, field string) {
	if name == "" {
		return // the domain reports a missing reference as required
	}
	if _, _, err := resname.Parse(name, collection, field); err != nil {
		if e, ok := errs.As(err); ok && len(e.Violations) > 0 {
			*v = append(*v, e.Violations...)
			return
		}
		v.Add(field, "must be offices/{office}/%s/{id}", collection)
	}
}

// invalid merges the violations found while translating a request with the
// error of the application's check: one INVALID_ARGUMENT listing every bad
// field (the translation's wins when both name the same field), else err.
func invalid(v errs.Violations, err error) error {
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

// onlyMasked keeps the violations on fields the update mask names; an
// update ignores every other field of the resource it is given.
func onlyMasked[F ~string](v errs.Violations, prefix string, fields []F) errs.Violations {
	var kept errs.Violations
	for _, fv := range v {
		path := strings.TrimPrefix(fv.Field, prefix+".")
		if slices.ContainsFunc(fields, func(f F) bool { return path == string(f) || strings.HasPrefix(path, string(f)+".") }) {
			kept = append(kept, fv)
		}
	}
	return kept
}

// updateMask turns an update mask into the fields it names, refusing an
// empty mask, "*", unknown paths and fields that cannot be updated (output
// only, immutable, identifiers), each named in a violation on update_mask.
func updateMask[F ~string](mask *fieldmaskpb.FieldMask, resource proto.Message, updatable []F) ([]F, error) {
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
		return nil, errs.InvalidArgument("INVALID_UPDATE_MASK", "invalid update_mask: "+strings.Join(parts, "; "), v...)
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

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// required records a violation when a request's resource message is absent.
func required(v *errs.Violations, field string, present bool) {
	if !present {
		v.Add(field, "is required")
	}
}

// idempotent runs fn under the request's request_id (package idempotency):
// the first call runs it, a retry returns the first result, the same
// request_id with another payload is refused. fn receives the attempt: the id
// reserved for a new record and whether an earlier attempt may have applied.
func idempotent[R any, PR interface {
	*R
	proto.Message
}](ctx context.Context, s *Server, method, office, requestID string, req proto.Message,
	fn func(ctx context.Context, a idempotency.Attempt) (PR, error)) (PR, error) {
	resp := PR(new(R))
	key := idempotency.Key{Method: method, Office: office, RequestID: requestID}
	err := s.idem.Do(ctx, key, req, resp, func(ctx context.Context, a idempotency.Attempt) (proto.Message, error) {
		out, err := fn(ctx, a)
		if err != nil {
			return nil, err
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("grpcport: %w", err)
	}
	return resp, nil
}

func checkRequestID(id string) error {
	return idempotency.ValidateRequestID(id, "request_id")
}

// protoMessage is a request message, fingerprinted by the idempotency store.
type protoMessage = proto.Message
