package grpcport

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/identity"
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

// createParent parses the parent of a Create: exactly one existing office
// that the caller holds. An office the caller does not hold is NOT_FOUND
// OFFICE_NOT_FOUND with the message of one that does not exist.
func (s *Server) createParent(ctx context.Context, parent string) (string, error) {
	office, err := resname.ParseParent(parent, "parent")
	if err != nil {
		return "", err
	}
	if office == resname.AllOffices {
		return "", errs.InvalidArgument("INVALID_RESOURCE_NAME",
			"parent offices/- is for List only; create in one office, e.g. offices/mumbai",
			errs.FieldViolation{Field: "parent", Description: "must be offices/{office} for a create; offices/- is for List only"})
	}
	if _, err := auth.OfficeScope(identity.FromContext(ctx), office, s.offices.Codes()); err != nil {
		return "", err
	}
	return office, nil
}

// listScope parses the parent of a List into the offices it covers: one
// office the caller holds, or offices/- for every office the caller holds
// (auth.OfficeScope). The repositories restrict the query to the caller's
// offices again, in the database filter.
func (s *Server) listScope(ctx context.Context, parent string) ([]string, error) {
	office, err := resname.ParseParent(parent, "parent")
	if err != nil {
		return nil, err
	}
	return auth.OfficeScope(identity.FromContext(ctx), office, s.offices.Codes())
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
// Stored responses are encrypted with the office's keys.
func idempotent[R any, PR interface {
	*R
	proto.Message
}](ctx context.Context, s *Server, method, office, requestID string, req proto.Message,
	fn func(ctx context.Context, a idempotency.Attempt) (PR, error)) (PR, error) {
	resp := PR(new(R))
	key := idempotency.Key{Method: method, Office: office, RequestID: requestID}
	store := s.idem.WithAEAD(officeAEAD{keys: s.keys, office: office})
	err := store.Do(ctx, key, req, resp, func(ctx context.Context, a idempotency.Attempt) (proto.Message, error) {
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

// Keys are the service's office keys, as the port uses them: to encrypt the
// responses the idempotency store keeps, and to key the fingerprint of a
// request that carries survivor identity. *fieldcrypt.Keyring implements it.
type Keys interface {
	// Encrypt encrypts plaintext with office's current key, bound to associatedData.
	Encrypt(office string, plaintext, associatedData []byte) ([]byte, error)
	// Decrypt decrypts what Encrypt made for office and associatedData.
	Decrypt(office string, ciphertext, associatedData []byte) ([]byte, error)
	// BlindIndex returns a keyed hash of the normalised parts.
	BlindIndex(parts ...string) (string, error)
}

// officeAEAD is the idempotency.AEAD of one office's keys.
type officeAEAD struct {
	keys   Keys
	office string
}

func (a officeAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	return a.keys.Encrypt(a.office, plaintext, associatedData)
}

func (a officeAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	return a.keys.Decrypt(a.office, ciphertext, associatedData)
}

// createSurvivorFingerprint returns what the idempotency store fingerprints
// for a CreateSurvivorRequest: the request with its protected identity
// replaced by one keyed hash of it.
//
// Why: the store keeps an unkeyed SHA-256 of the request for a day, to tell
// a retry from another request with the same request_id. The other fields of
// a survivor are stored in clear, so with a copy of the database that hash
// would let someone test guesses of a legal name and date of birth offline.
// Keyed, it cannot be tested without the service's keys, and two requests
// still fingerprint alike exactly when their identity fields are equal.
func createSurvivorFingerprint(keys Keys, req *rescuev1.CreateSurvivorRequest) (*rescuev1.CreateSurvivorRequest, error) {
	sv := req.GetSurvivor()
	if sv == nil {
		return req, nil
	}
	id := &rescuev1.Survivor{
		LegalName: sv.GetLegalName(), DateOfBirth: sv.GetDateOfBirth(), FamilyContact: sv.GetFamilyContact(),
		Address: sv.GetAddress(), Photo: sv.GetPhoto(),
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(id)
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("grpcport: fingerprint: %w", err))
	}
	if len(b) == 0 {
		return req, nil
	}
	// The identity is hashed first so the keyed hash is computed over a
	// fixed-size hex string, which BlindIndex's normalisation leaves as it is.
	sum := sha256.Sum256(b)
	keyed, err := keys.BlindIndex("idempotency fingerprint", hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("grpcport: fingerprint: %w", err))
	}
	out := proto.CloneOf(req)
	s := out.GetSurvivor()
	s.LegalName, s.DateOfBirth, s.FamilyContact, s.Address, s.Photo = keyed, nil, "", "", nil
	return out, nil
}
