// Package idempotency makes create and other non-idempotent RPCs safe to
// retry (AIP-155): a request carrying a request_id is applied at most once,
// and a retry gets the first response back.
//
// Store.Do keeps one document per key in the collection "idempotency_keys".
// The first call inserts it as pending, with a lease and a resource id
// reserved for the request, runs the operation and stores its response. A
// retry with the same request finds the response and returns it without
// running anything or writing anything. Without multi-document transactions
// (FerretDB v1 has none) the operation itself and the key cannot be written
// atomically, so the package is built for crashes in between:
//
//   - The reserved id (Attempt.ID) is the same on every attempt: an operation
//     that inserts with that _id cannot create a second resource.
//   - A key left pending by a crashed attempt is taken over once its lease
//     expires, and the operation runs again with Attempt.Retry set: it must
//     then tolerate finding its own earlier writes (e.g. treat a duplicate
//     key on the reserved id as success and read the resource back).
//   - An operation that returns an error is taken to have applied nothing:
//     the key is deleted, so a corrected retry may reuse the request_id.
//
// Who runs the operation is decided only by unique inserts (of the key, and
// of a claim when a lease is taken over), which are atomic on MongoDB and on
// FerretDB v1 alike. Conditional updates are not used for decisions:
// FerretDB v1 applies an update as a read followed by a write, so two
// concurrent updates with the same filter can both succeed.
//
// Keys are per method, office, caller (identity.Principal.Subject) and
// request_id: one caller can never receive another's stored response. They
// expire after the retention period (24 hours by default). MongoDB deletes
// expired keys through a TTL index on expire_time; FerretDB v1 has no TTL
// indexes, so there expired keys are ignored when read and removed by Sweep,
// which the service runs periodically.
//
// Stored responses may hold survivor identity. Configure an AEAD with
// WithAEAD (e.g. a Tink AEAD) to encrypt them at rest; the key document
// itself holds only hashes, the method and the office.
package idempotency

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/resname"
)

// CollectionName is the collection holding the keys.
const CollectionName = "idempotency_keys"

// Defaults of a new Store.
const (
	// DefaultLease is how long an attempt owns a pending key before a retry
	// may take it over. It must exceed the longest time an operation runs.
	DefaultLease = time.Minute
	// DefaultRetention is how long a key is kept after it was written.
	DefaultRetention = 24 * time.Hour
)

// Reasons of the errors this package returns.
const (
	ReasonInvalidRequestID = "INVALID_REQUEST_ID"
	ReasonRequestIDReused  = "REQUEST_ID_REUSED"
	ReasonInProgress       = "REQUEST_IN_PROGRESS"
)

// completionTimeout bounds the writes after the operation ran, which are
// made even if the caller's context has ended meanwhile.
const completionTimeout = 10 * time.Second

// maxRounds bounds the insert / inspect / take over loop under contention.
const maxRounds = 5

// States of a key.
const (
	statePending = "pending"
	stateDone    = "done"
	// stateClaim marks the document recording which retry took over a
	// lease; it expires with the key.
	stateClaim = "claim"
)

// AEAD encrypts stored responses. Tink's tink.AEAD satisfies it.
type AEAD interface {
	Encrypt(plaintext, associatedData []byte) ([]byte, error)
	Decrypt(ciphertext, associatedData []byte) ([]byte, error)
}

// Store runs operations at most once per key. Configure it with the With
// methods before use; it is then safe for concurrent use.
type Store struct {
	coll      *mongo.Collection
	lease     time.Duration
	retention time.Duration
	aead      AEAD
	now       func() time.Time
}

// NewStore returns a Store on db's "idempotency_keys" collection, creating
// its index on expire_time: a TTL index where the server supports one
// (MongoDB), a plain one for Sweep otherwise (FerretDB v1).
func NewStore(ctx context.Context, db *mongo.Database) (*Store, error) {
	coll := db.Collection(CollectionName)
	ttl := mongo.IndexModel{
		Keys:    bson.D{{Key: "expire_time", Value: 1}},
		Options: options.Index().SetName("expire_time").SetExpireAfterSeconds(0),
	}
	err := mongostore.EnsureIndexes(ctx, coll, []mongo.IndexModel{ttl})
	var se mongo.ServerError
	if errors.As(err, &se) && se.HasErrorCode(codeNotImplemented) {
		plain := mongo.IndexModel{Keys: ttl.Keys, Options: options.Index().SetName("expire_time")}
		err = mongostore.EnsureIndexes(ctx, coll, []mongo.IndexModel{plain})
	}
	if err != nil {
		return nil, fmt.Errorf("idempotency.NewStore: %w", err)
	}
	return &Store{coll: coll, lease: DefaultLease, retention: DefaultRetention, now: time.Now}, nil
}

// codeNotImplemented is the server error code FerretDB v1 returns for a TTL index.
const codeNotImplemented = 238

// WithAEAD returns a copy of s that encrypts stored responses with a, bound
// to the key's document id. Keys stored before keep working.
func (s *Store) WithAEAD(a AEAD) *Store {
	c := *s
	c.aead = a
	return &c
}

// WithLease returns a copy of s with another lease duration (see DefaultLease).
func (s *Store) WithLease(d time.Duration) *Store {
	c := *s
	c.lease = d
	return &c
}

// WithRetention returns a copy of s that keeps keys for d (see DefaultRetention).
func (s *Store) WithRetention(d time.Duration) *Store {
	c := *s
	c.retention = d
	return &c
}

// Key identifies a request for idempotency.
type Key struct {
	// Method is the full RPC name, e.g. "/justice.rescue.v1.RescueService/CreateSurvivor".
	Method string
	// Office is the office the request writes to.
	Office string
	// RequestID is the request's request_id; empty disables idempotency.
	RequestID string
}

// Attempt tells the operation what it needs to be safe to re-run.
type Attempt struct {
	// ID is a resource id reserved for this key: the same on every attempt,
	// so a create re-run after a crash inserts the same _id.
	ID string
	// Retry reports that an earlier attempt may have partly applied.
	Retry bool
}

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidateRequestID accepts an empty id (no idempotency) or 1 to 64
// characters of A-Z, a-z, 0-9, _ and - (a UUID fits). Otherwise it returns
// INVALID_ARGUMENT reason INVALID_REQUEST_ID with a violation on field. The
// id itself is not repeated in the error.
func ValidateRequestID(id, field string) error {
	if id == "" || requestIDRe.MatchString(id) {
		return nil
	}
	desc := fmt.Sprintf("must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -, e.g. a UUID; got %d characters", len(id))
	if len(id) <= 64 {
		desc = "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -, e.g. a UUID; it contains other characters"
	}
	return errs.InvalidArgument(ReasonInvalidRequestID, "invalid "+field+": "+desc,
		errs.FieldViolation{Field: field, Description: desc})
}

// record is a key's document.
type record struct {
	ID             string    `bson:"_id"`
	Method         string    `bson:"method"`
	Office         string    `bson:"office"`
	Fingerprint    []byte    `bson:"fingerprint"`
	State          string    `bson:"state"`
	ResourceID     string    `bson:"resource_id"`
	Owner          string    `bson:"owner,omitempty"`
	LeaseUntil     time.Time `bson:"lease_until,omitempty"`
	CreateTime     time.Time `bson:"create_time"`
	CompleteTime   time.Time `bson:"complete_time,omitempty"`
	ExpireTime     time.Time `bson:"expire_time"`
	ResponseType   string    `bson:"response_type,omitempty"`
	Response       []byte    `bson:"response,omitempty"`
	ResponseSealed bool      `bson:"response_sealed,omitempty"`
}

// Do runs fn at most once for key and puts its result into response.
//
// With an empty key.RequestID, fn runs with a fresh Attempt.ID and nothing
// is stored. Otherwise:
//   - first call: fn runs; on success its response is stored, on error the
//     key is deleted and the error returned;
//   - same request again: the stored response is copied into response; fn
//     does not run and nothing is written;
//   - same request_id with a different request (compared by a SHA-256 of its
//     deterministic encoding without its request_id field):
//     INVALID_ARGUMENT reason REQUEST_ID_REUSED;
//   - while another attempt holds the lease: ABORTED reason
//     REQUEST_IN_PROGRESS, with RetryAfter set;
//   - after a crashed attempt's lease expired: fn runs again with Retry set
//     and the same Attempt.ID.
//
// fn's message must have response's type. A panic in fn leaves the key
// pending until its lease expires, as a crash would.
func (s *Store) Do(ctx context.Context, key Key, request, response proto.Message,
	fn func(ctx context.Context, a Attempt) (proto.Message, error),
) error {
	if key.Method == "" || request == nil || response == nil || fn == nil {
		return errs.Internal(errors.New("idempotency.Do: key.Method, request, response and fn are required"))
	}
	if err := ValidateRequestID(key.RequestID, "request_id"); err != nil {
		return err
	}
	if key.RequestID == "" {
		result, err := fn(ctx, Attempt{ID: resname.NewID()})
		if err != nil {
			return err
		}
		return copyInto(response, result)
	}

	fingerprint, err := fingerprintOf(request)
	if err != nil {
		return err
	}
	id := docID(key, identity.FromContext(ctx).Subject)
	for range maxRounds {
		next, attempt, owner, err := s.acquire(ctx, id, key, fingerprint, response)
		if err != nil {
			return err
		}
		switch next {
		case replayed:
			return nil
		case runFn:
			return s.run(ctx, id, owner, attempt, response, fn)
		}
	}
	return errs.Aborted(ReasonInProgress,
		"a request with this request_id is being processed concurrently; retry later")
}

// step is what Do does after acquire.
type step int

const (
	runFn    step = iota // this call owns the key: run fn
	replayed             // the stored response was copied into response
	again                // the key changed meanwhile: acquire again
)

// acquire inserts the key as pending, or inspects the existing key and
// replays it, takes it over or reports why it cannot. With runFn it returns
// the attempt and the owner token of this call.
func (s *Store) acquire(ctx context.Context, id string, key Key, fingerprint []byte,
	response proto.Message,
) (step, Attempt, string, error) {
	now := s.now().UTC()
	owner := newOwner()
	rec := record{
		ID:          id,
		Method:      key.Method,
		Office:      key.Office,
		Fingerprint: fingerprint,
		State:       statePending,
		ResourceID:  resname.NewID(),
		Owner:       owner,
		LeaseUntil:  now.Add(s.lease),
		CreateTime:  now,
		ExpireTime:  now.Add(s.retention),
	}
	_, err := s.coll.InsertOne(ctx, rec)
	if err == nil {
		return runFn, Attempt{ID: rec.ResourceID}, owner, nil
	}
	if !mongostore.IsDuplicateKey(err) {
		return 0, Attempt{}, "", fmt.Errorf("idempotency.Do: insert key: %w", err)
	}

	var existing record
	if err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&existing); err != nil {
		if errors.Is(err, mongo.ErrNoDocuments) {
			return again, Attempt{}, "", nil // deleted meanwhile
		}
		return 0, Attempt{}, "", fmt.Errorf("idempotency.Do: read key: %w", err)
	}
	if !existing.ExpireTime.After(now) {
		// Expired but not yet swept: forget it, unless it changed meanwhile.
		_, err := s.coll.DeleteOne(ctx, bson.D{
			{Key: "_id", Value: id},
			{Key: "expire_time", Value: existing.ExpireTime},
		})
		if err != nil {
			return 0, Attempt{}, "", fmt.Errorf("idempotency.Do: delete expired key: %w", err)
		}
		return again, Attempt{}, "", nil
	}
	if !bytes.Equal(existing.Fingerprint, fingerprint) {
		const desc = "was already used for a different request; use a new request_id"
		return 0, Attempt{}, "", errs.InvalidArgument(ReasonRequestIDReused, "request_id "+desc,
			errs.FieldViolation{Field: "request_id", Description: desc})
	}
	if existing.State == stateDone {
		if err := s.open(existing, response); err != nil {
			return 0, Attempt{}, "", err
		}
		return replayed, Attempt{}, "", nil
	}
	if existing.LeaseUntil.After(now) {
		e := errs.Aborted(ReasonInProgress,
			"a request with this request_id is still in progress; retry after it completes")
		e.RetryAfter = max(existing.LeaseUntil.Sub(now).Round(time.Second), time.Second)
		return 0, Attempt{}, "", e
	}
	// The lease expired: the attempt that held it crashed or hung. Take over,
	// unless another retry did first. Only one retry may win. A conditional
	// update cannot decide that on FerretDB v1, which applies updates as a
	// read then a write, so two concurrent updates filtered on the old owner
	// can both match; a unique insert is atomic on every store, so the
	// winner is the retry that inserts the claim on this lease.
	claim := bson.D{
		{Key: "_id", Value: id + ":takeover:" + existing.Owner},
		{Key: "state", Value: stateClaim},
		{Key: "expire_time", Value: now.Add(s.retention)},
	}
	if _, err := s.coll.InsertOne(ctx, claim); err != nil {
		if mongostore.IsDuplicateKey(err) {
			return again, Attempt{}, "", nil
		}
		return 0, Attempt{}, "", fmt.Errorf("idempotency.Do: claim key: %w", err)
	}
	res, err := s.coll.UpdateOne(ctx, bson.D{
		{Key: "_id", Value: id},
		{Key: "state", Value: statePending},
		{Key: "owner", Value: existing.Owner},
	}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "owner", Value: owner},
		{Key: "lease_until", Value: now.Add(s.lease)},
	}}})
	if err != nil {
		return 0, Attempt{}, "", fmt.Errorf("idempotency.Do: take over key: %w", err)
	}
	if res.MatchedCount == 0 {
		return again, Attempt{}, "", nil
	}
	return runFn, Attempt{ID: existing.ResourceID, Retry: true}, owner, nil
}

// run runs fn as the owner of the key and records its outcome.
func (s *Store) run(ctx context.Context, id, owner string, a Attempt, response proto.Message,
	fn func(ctx context.Context, a Attempt) (proto.Message, error),
) error {
	result, fnErr := fn(ctx, a)
	if fnErr == nil {
		fnErr = copyInto(response, result)
	}

	// The outcome is recorded even if the caller went away meanwhile.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), completionTimeout)
	defer cancel()
	mine := bson.D{{Key: "_id", Value: id}, {Key: "owner", Value: owner}}
	if fnErr != nil {
		// Nothing was applied: free the request_id. If this delete fails the
		// key stays pending and a retry takes it over after the lease.
		_, _ = s.coll.DeleteOne(wctx, mine)
		return fnErr
	}

	stored, sealed, err := s.seal(id, response)
	if err != nil {
		return err
	}
	// The operation succeeded, so its response is returned even if recording
	// it fails or the key was taken over meanwhile: a retry then runs fn
	// again with Retry set, which every fn must tolerate.
	now := s.now().UTC()
	_, _ = s.coll.UpdateOne(wctx, mine, bson.D{
		{Key: "$set", Value: bson.D{
			{Key: "state", Value: stateDone},
			{Key: "response_type", Value: string(response.ProtoReflect().Descriptor().FullName())},
			{Key: "response", Value: stored},
			{Key: "response_sealed", Value: sealed},
			{Key: "complete_time", Value: now},
			{Key: "expire_time", Value: now.Add(s.retention)},
		}},
		{Key: "$unset", Value: bson.D{{Key: "owner", Value: ""}, {Key: "lease_until", Value: ""}}},
	})
	return nil
}

// seal marshals the response and encrypts it when an AEAD is configured.
func (s *Store) seal(id string, m proto.Message) ([]byte, bool, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, false, errs.Internal(fmt.Errorf("idempotency.Do: marshal response: %w", err))
	}
	if s.aead == nil {
		return b, false, nil
	}
	c, err := s.aead.Encrypt(b, []byte(id))
	if err != nil {
		return nil, false, errs.Internal(fmt.Errorf("idempotency.Do: encrypt response: %w", err))
	}
	return c, true, nil
}

// open copies a stored response into response.
func (s *Store) open(rec record, response proto.Message) error {
	if want := string(response.ProtoReflect().Descriptor().FullName()); rec.ResponseType != want {
		return errs.Internal(fmt.Errorf("idempotency.Do: stored response is a %s, not a %s", rec.ResponseType, want))
	}
	b := rec.Response
	if rec.ResponseSealed {
		if s.aead == nil {
			return errs.Internal(errors.New("idempotency.Do: stored response is encrypted and no AEAD is configured"))
		}
		var err error
		if b, err = s.aead.Decrypt(b, []byte(rec.ID)); err != nil {
			return errs.Internal(fmt.Errorf("idempotency.Do: decrypt response: %w", err))
		}
	}
	if err := proto.Unmarshal(b, response); err != nil {
		return errs.Internal(fmt.Errorf("idempotency.Do: unmarshal response: %w", err))
	}
	return nil
}

// Sweep deletes the keys whose retention has passed and returns how many.
// On MongoDB the TTL index does this too; on FerretDB v1 only Sweep does.
func (s *Store) Sweep(ctx context.Context) (int64, error) {
	res, err := s.coll.DeleteMany(ctx, bson.D{{Key: "expire_time", Value: bson.D{{Key: "$lte", Value: s.now().UTC()}}}})
	if err != nil {
		return 0, fmt.Errorf("idempotency.Sweep: %w", err)
	}
	return res.DeletedCount, nil
}

// copyInto replaces dst's contents with src's, which must be the same type.
func copyInto(dst, src proto.Message) error {
	if src == nil {
		return errs.Internal(errors.New("idempotency.Do: the operation returned a nil response without an error"))
	}
	if d, s := dst.ProtoReflect().Descriptor().FullName(), src.ProtoReflect().Descriptor().FullName(); d != s {
		return errs.Internal(fmt.Errorf("idempotency.Do: the operation returned a %s, want a %s", s, d))
	}
	proto.Reset(dst)
	proto.Merge(dst, src)
	return nil
}

// fingerprintOf hashes the request's deterministic encoding with its
// request_id field cleared, so a retry carrying the same request matches.
func fingerprintOf(request proto.Message) ([]byte, error) {
	m := proto.Clone(request)
	r := m.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName(protoreflect.Name("request_id")); fd != nil {
		r.Clear(fd)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, errs.Internal(fmt.Errorf("idempotency.Do: marshal request: %w", err))
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// docID is the key's document id: a hash, so neither the request_id nor the
// caller is stored in clear.
func docID(key Key, subject string) string {
	h := sha256.New()
	for _, part := range []string{key.Method, key.Office, subject, key.RequestID} {
		h.Write(binary.LittleEndian.AppendUint64(nil, uint64(len(part))))
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// newOwner returns a random token identifying one attempt.
func newOwner() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b[:])
}
