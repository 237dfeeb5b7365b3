package grpcport

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"google.golang.org/protobuf/proto"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
)

// name parses a resource name of the collection and checks that its office
// exists (NOT_FOUND reason OFFICE_NOT_FOUND otherwise).
func (s *Server) name(name, collection, field string) (office, id string, err error) {
	office, ids, err := s.offices.Name(name, field, collection)
	if err != nil {
		return "", "", err
	}
	return office, ids[0], nil
}

// protoMessage is a request message, fingerprinted by the idempotency store.
type protoMessage = proto.Message

// Keys are the service's office keys, as the port uses them: to encrypt the
// responses the idempotency store keeps, and to key the fingerprint of a
// request that carries survivor identity. *fieldcrypt.Keyring implements it.
type Keys interface {
	// OfficeKeys encrypt and decrypt with an office's keys.
	apireq.OfficeKeys
	// BlindIndex returns a keyed hash of the normalised parts.
	BlindIndex(parts ...string) (string, error)
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
