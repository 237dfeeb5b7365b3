package apireq

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/justiceops/justice/services/platform/idempotency"
)

// CheckRequestID checks a request's request_id field (AIP-155): empty (no
// idempotency) or 1 to 64 characters of A-Z, a-z, 0-9, _ and -; otherwise
// INVALID_ARGUMENT reason INVALID_REQUEST_ID with a violation on request_id.
// Handlers check it with the other fields, before running anything.
func CheckRequestID(id string) error {
	return idempotency.ValidateRequestID(id, "request_id")
}

// OfficeKeys are the offices' encryption keys, as the idempotency store
// needs them. *fieldcrypt.Keyring implements it.
type OfficeKeys interface {
	// Encrypt encrypts plaintext with office's current key, bound to associatedData.
	Encrypt(office string, plaintext, associatedData []byte) ([]byte, error)
	// Decrypt decrypts what Encrypt made for office and associatedData.
	Decrypt(office string, ciphertext, associatedData []byte) ([]byte, error)
}

// OfficeAEAD returns the idempotency.AEAD of one office's keys: a response
// stored for a request to office is encrypted with that office's key.
func OfficeAEAD(keys OfficeKeys, office string) idempotency.AEAD {
	return officeAEAD{keys: keys, office: office}
}

type officeAEAD struct {
	keys   OfficeKeys
	office string
}

func (a officeAEAD) Encrypt(plaintext, associatedData []byte) ([]byte, error) {
	return a.keys.Encrypt(a.office, plaintext, associatedData)
}

func (a officeAEAD) Decrypt(ciphertext, associatedData []byte) ([]byte, error) {
	return a.keys.Decrypt(a.office, ciphertext, associatedData)
}

// Idempotency runs a service's creates and transitions under their
// request_id: an idempotency.Store whose stored responses are encrypted
// with the keys of the office each request writes to.
type Idempotency struct {
	store *idempotency.Store
	keys  OfficeKeys
}

// NewIdempotency returns the runner over store, encrypting with keys.
func NewIdempotency(store *idempotency.Store, keys OfficeKeys) *Idempotency {
	return &Idempotency{store: store, keys: keys}
}

// Idempotent runs fn under the request's request_id (package idempotency),
// keyed by the RPC's full method name, the office written to and the
// caller: the first call runs fn; a retry of the same request returns the
// first result without running it; the same request_id with another
// request is INVALID_ARGUMENT reason REQUEST_ID_REUSED. An empty requestID
// runs fn every time. fn receives the attempt: the id reserved for a new
// record (the same on every attempt) and whether an earlier attempt may have
// partly applied. req is what is fingerprinted to tell a retry from another
// request: pass a copy with protected values replaced by keyed hashes when
// the request carries identity (the fingerprint is unkeyed).
func Idempotent[R any, PR interface {
	*R
	proto.Message
}](ctx context.Context, i *Idempotency, method, office, requestID string, req proto.Message,
	fn func(ctx context.Context, a idempotency.Attempt) (PR, error)) (PR, error) {
	resp := PR(new(R))
	key := idempotency.Key{Method: method, Office: office, RequestID: requestID}
	store := i.store.WithAEAD(OfficeAEAD(i.keys, office))
	err := store.Do(ctx, key, req, resp, func(ctx context.Context, a idempotency.Attempt) (proto.Message, error) {
		out, err := fn(ctx, a)
		if err != nil {
			return nil, err
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("apireq.Idempotent: %w", err)
	}
	return resp, nil
}
