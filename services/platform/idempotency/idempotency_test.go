package idempotency_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Test messages, built at run time so the platform module needs no generated code.
var requestDesc, thingDesc, otherDesc = func() (protoreflect.MessageDescriptor, protoreflect.MessageDescriptor, protoreflect.MessageDescriptor) {
	str := descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum()
	i32 := descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum()
	opt := descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()
	field := func(name string, n int32, typ *descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
		return &descriptorpb.FieldDescriptorProto{Name: proto.String(name), Number: proto.Int32(n), Type: typ, Label: opt, JsonName: proto.String(name)}
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:    proto.String("idempotency_test.proto"),
		Package: proto.String("justice.test.v1"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{
			{Name: proto.String("CreateThingRequest"), Field: []*descriptorpb.FieldDescriptorProto{
				field("request_id", 1, str), field("display_name", 2, str), field("count", 3, i32),
			}},
			{Name: proto.String("Thing"), Field: []*descriptorpb.FieldDescriptorProto{
				field("name", 1, str), field("display_name", 2, str),
			}},
			{Name: proto.String("Other"), Field: []*descriptorpb.FieldDescriptorProto{field("x", 1, str)}},
		},
	}, nil)
	if err != nil {
		panic(err)
	}
	m := fd.Messages()
	return m.ByName("CreateThingRequest"), m.ByName("Thing"), m.ByName("Other")
}()

func set(m *dynamicpb.Message, field string, v any) {
	m.Set(m.Descriptor().Fields().ByName(protoreflect.Name(field)), protoreflect.ValueOf(v))
}

func get(m proto.Message, field string) string {
	r := m.ProtoReflect()
	return r.Get(r.Descriptor().Fields().ByName(protoreflect.Name(field))).String()
}

func request(requestID, displayName string, count int32) proto.Message {
	m := dynamicpb.NewMessage(requestDesc)
	set(m, "request_id", requestID)
	set(m, "display_name", displayName)
	set(m, "count", count)
	return m
}

func thing(name, displayName string) proto.Message {
	m := dynamicpb.NewMessage(thingDesc)
	set(m, "name", name)
	set(m, "display_name", displayName)
	return m
}

func emptyThing() proto.Message { return dynamicpb.NewMessage(thingDesc) }

// clock is a settable clock shared by a store and a test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newStore(t *testing.T) (*idempotency.Store, *clock, *mongo.Collection) {
	t.Helper()
	db := storetest.NewDatabase(t)
	s, err := idempotency.NewStore(t.Context(), db)
	if err != nil {
		t.Fatalf("NewStore() = %v", err)
	}
	clk := &clock{t: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)}
	idempotency.SetClock(s, clk.now)
	return s, clk, db.Collection(idempotency.CollectionName)
}

// recorder is an operation that counts its runs and records its attempts.
type recorder struct {
	mu       sync.Mutex
	attempts []idempotency.Attempt
	runs     atomic.Int32
}

func (r *recorder) fn(displayName string) func(context.Context, idempotency.Attempt) (proto.Message, error) {
	return func(_ context.Context, a idempotency.Attempt) (proto.Message, error) {
		r.runs.Add(1)
		r.mu.Lock()
		r.attempts = append(r.attempts, a)
		r.mu.Unlock()
		return thing("offices/mumbai/things/"+a.ID, displayName), nil
	}
}

var key = idempotency.Key{Method: "/justice.test.v1.ThingService/CreateThing", Office: "mumbai", RequestID: "7d1c0b4e-2f4a-4c51-9a53-0f0c3f0d2b11"}

// snapshot returns every stored key document.
func snapshot(t *testing.T, coll *mongo.Collection) []bson.Raw {
	t.Helper()
	cur, err := coll.Find(t.Context(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.Raw
	for cur.Next(t.Context()) {
		docs = append(docs, slices.Clone(cur.Current))
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(docs, func(a, b bson.Raw) int { return bytes.Compare(a, b) })
	return docs
}

func wantKind(t *testing.T, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Reason != reason {
		t.Fatalf("error = %v, want %v %s", err, kind, reason)
	}
	return e
}

func TestWithoutRequestIDTheOperationRunsEveryTimeAndNothingIsStored(t *testing.T) {
	t.Parallel()
	s, _, coll := newStore(t)
	var r recorder
	k := key
	k.RequestID = ""
	for range 2 {
		resp := emptyThing()
		if err := s.Do(t.Context(), k, request("", "Rani", 1), resp, r.fn("Rani")); err != nil {
			t.Fatal(err)
		}
		if get(resp, "display_name") != "Rani" {
			t.Errorf("response = %v, want the operation's", resp)
		}
	}
	if r.runs.Load() != 2 {
		t.Errorf("runs = %d, want 2", r.runs.Load())
	}
	if a := r.attempts; len(a[0].ID) != 20 || a[0].ID == a[1].ID || a[0].Retry || a[1].Retry {
		t.Errorf("attempts = %+v, want two fresh 20-character ids without Retry", a)
	}
	if docs := snapshot(t, coll); len(docs) != 0 {
		t.Errorf("stored %d keys without a request_id", len(docs))
	}
}

func TestARetryReturnsTheFirstResponseAndWritesNothing(t *testing.T) {
	t.Parallel()
	s, clk, coll := newStore(t)
	var r recorder
	first := emptyThing()
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), first, r.fn("Rani")); err != nil {
		t.Fatal(err)
	}
	if a := r.attempts[0]; len(a.ID) != 20 || a.Retry {
		t.Fatalf("first attempt = %+v, want a reserved 20-character id and no Retry", a)
	}
	before := snapshot(t, coll)
	if len(before) != 1 {
		t.Fatalf("stored keys = %d, want 1", len(before))
	}

	clk.advance(time.Hour)
	for range 3 {
		again := thing("stale", "stale") // a retry's response message may hold anything
		if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), again, r.fn("Changed")); err != nil {
			t.Fatalf("retry = %v", err)
		}
		if !proto.Equal(again, first) {
			t.Errorf("retry response = %v, want the first %v", again, first)
		}
	}
	if r.runs.Load() != 1 {
		t.Errorf("operation ran %d times, want once", r.runs.Load())
	}
	if after := snapshot(t, coll); !slices.EqualFunc(before, after, func(a, b bson.Raw) bool { return bytes.Equal(a, b) }) {
		t.Errorf("retries changed the stored keys:\nbefore %v\nafter  %v", before, after)
	}
}

func TestTheRequestIDFieldIsNotPartOfTheFingerprint(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	var r recorder
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), r.fn("Rani")); err != nil {
		t.Fatal(err)
	}
	// Same key, same request apart from its request_id field.
	if err := s.Do(t.Context(), key, request("something-else", "Rani", 1), emptyThing(), r.fn("Rani")); err != nil {
		t.Fatalf("Do() = %v, want the stored response", err)
	}
	if r.runs.Load() != 1 {
		t.Errorf("operation ran %d times, want once", r.runs.Load())
	}
}

func TestTheSameRequestIDWithADifferentRequestIsRejected(t *testing.T) {
	t.Parallel()
	s, _, coll := newStore(t)
	var r recorder
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), r.fn("Rani")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, coll)
	for _, changed := range []proto.Message{
		request(key.RequestID, "Meera", 1),
		request(key.RequestID, "Rani", 2),
	} {
		err := s.Do(t.Context(), key, changed, emptyThing(), r.fn("x"))
		e := wantKind(t, err, errs.KindInvalidArgument, "REQUEST_ID_REUSED")
		if len(e.Violations) != 1 || e.Violations[0].Field != "request_id" ||
			e.Violations[0].Description != "was already used for a different request; use a new request_id" {
			t.Errorf("violations = %+v", e.Violations)
		}
	}
	if r.runs.Load() != 1 {
		t.Errorf("operation ran %d times, want once", r.runs.Load())
	}
	if after := snapshot(t, coll); !slices.EqualFunc(before, after, func(a, b bson.Raw) bool { return bytes.Equal(a, b) }) {
		t.Error("a rejected request changed the stored keys")
	}
}

func TestKeysAreSeparatePerMethodOfficeAndCaller(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	var r recorder
	req := request(key.RequestID, "Rani", 1)
	priya := identity.WithPrincipal(t.Context(), identity.Principal{Subject: "priya"})
	arjun := identity.WithPrincipal(t.Context(), identity.Principal{Subject: "arjun"})
	otherMethod, otherOffice := key, key
	otherMethod.Method = "/justice.test.v1.ThingService/ImportThing"
	otherOffice.Office = "kolkata"

	calls := []struct {
		ctx context.Context
		key idempotency.Key
	}{
		{priya, key}, {priya, otherMethod}, {priya, otherOffice}, {arjun, key},
		{priya, key}, {arjun, key}, // retries of the first and the fourth
	}
	var names []string
	for _, c := range calls {
		resp := emptyThing()
		if err := s.Do(c.ctx, c.key, req, resp, r.fn("Rani")); err != nil {
			t.Fatal(err)
		}
		names = append(names, get(resp, "name"))
	}
	if r.runs.Load() != 4 {
		t.Errorf("operation ran %d times, want 4 (one per method, office and caller)", r.runs.Load())
	}
	if len(slices.Compact(slices.Sorted(slices.Values(names[:4])))) != 4 {
		t.Errorf("distinct keys shared a reserved id: %v", names[:4])
	}
	if names[4] != names[0] || names[5] != names[3] {
		t.Errorf("retries got %v, want the responses of their own caller %v", names[4:], []string{names[0], names[3]})
	}
}

func TestAnErrorDeletesTheKeySoAFixedRetryMayReuseTheRequestID(t *testing.T) {
	t.Parallel()
	s, _, coll := newStore(t)
	failure := errs.FailedPrecondition("OPERATION_NOT_CONDUCTED", "the operation has not been conducted")
	err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(),
		func(context.Context, idempotency.Attempt) (proto.Message, error) { return nil, failure })
	if !errors.Is(err, failure) {
		t.Fatalf("Do() = %v, want the operation's error", err)
	}
	if docs := snapshot(t, coll); len(docs) != 0 {
		t.Fatalf("stored keys after an error = %d, want 0", len(docs))
	}

	// The corrected request (another payload) reuses the request_id and runs.
	var r recorder
	resp := emptyThing()
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 2), resp, r.fn("Rani")); err != nil {
		t.Fatalf("fixed retry = %v", err)
	}
	if r.runs.Load() != 1 || r.attempts[0].Retry {
		t.Errorf("fixed retry attempts = %+v, want one run without Retry", r.attempts)
	}
}

func TestARequestInProgressIsAbortedWithRetryAfter(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Do(context.Background(), key, request(key.RequestID, "Rani", 1), emptyThing(),
			func(_ context.Context, a idempotency.Attempt) (proto.Message, error) {
				close(started)
				<-release
				return thing(a.ID, "Rani"), nil
			})
	}()
	<-started
	var r recorder
	err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), r.fn("Rani"))
	e := wantKind(t, err, errs.KindAborted, "REQUEST_IN_PROGRESS")
	if e.RetryAfter < time.Second || e.RetryAfter > idempotency.DefaultLease {
		t.Errorf("RetryAfter = %v, want the remaining lease", e.RetryAfter)
	}
	if r.runs.Load() != 0 {
		t.Error("the operation ran while another attempt held the lease")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first attempt = %v", err)
	}
}

func TestAnExpiredLeaseIsTakenOverWithRetryAndTheSameReservedID(t *testing.T) {
	t.Parallel()
	s, clk, _ := newStore(t)
	var crashedID string
	// The first attempt dies mid-way (a panic stands for a crash): the key stays pending.
	func() {
		defer func() { _ = recover() }()
		_ = s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(),
			func(_ context.Context, a idempotency.Attempt) (proto.Message, error) {
				crashedID = a.ID
				panic("crash after a partial write")
			})
	}()

	var r recorder
	err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), r.fn("Rani"))
	wantKind(t, err, errs.KindAborted, "REQUEST_IN_PROGRESS") // the lease is still live

	clk.advance(idempotency.DefaultLease + time.Second)
	resp := emptyThing()
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), resp, r.fn("Rani")); err != nil {
		t.Fatalf("retry after the lease = %v", err)
	}
	if len(r.attempts) != 1 || !r.attempts[0].Retry || r.attempts[0].ID != crashedID {
		t.Fatalf("takeover attempts = %+v, want one with Retry and the crashed attempt's id %s", r.attempts, crashedID)
	}
	again := emptyThing()
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), again, r.fn("Rani")); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(again, resp) || r.runs.Load() != 1 {
		t.Errorf("after the takeover: response %v runs %d, want the takeover's response and 1 run", again, r.runs.Load())
	}
}

func TestAnAttemptThatLostItsLeaseStillReturnsItsOwnSuccess(t *testing.T) {
	t.Parallel()
	s, clk, _ := newStore(t)
	started, release := make(chan struct{}), make(chan struct{})
	slow := emptyThing()
	done := make(chan error, 1)
	go func() {
		done <- s.Do(context.Background(), key, request(key.RequestID, "Rani", 1), slow,
			func(_ context.Context, a idempotency.Attempt) (proto.Message, error) {
				close(started)
				<-release
				return thing(a.ID, "slow"), nil
			})
	}()
	<-started
	clk.advance(idempotency.DefaultLease + time.Second)
	var r recorder
	taker := emptyThing()
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), taker, r.fn("taker")); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; err != nil || get(slow, "display_name") != "slow" {
		t.Fatalf("slow attempt = %v, %v; want its own success", err, slow)
	}
	// The key keeps the response of the attempt that owned it.
	replay := emptyThing()
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), replay, r.fn("x")); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(replay, taker) {
		t.Errorf("replay = %v, want the owner's response %v", replay, taker)
	}
}

func TestConcurrentDuplicatesRunTheOperationOnce(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	var r recorder
	slowFn := func(ctx context.Context, a idempotency.Attempt) (proto.Message, error) {
		time.Sleep(50 * time.Millisecond)
		return r.fn("Rani")(ctx, a)
	}
	const callers = 8
	var wg sync.WaitGroup
	results := make([]proto.Message, callers)
	failures := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			results[i] = emptyThing()
			failures[i] = s.Do(context.Background(), key, request(key.RequestID, "Rani", 1), results[i], slowFn)
		})
	}
	wg.Wait()
	if r.runs.Load() != 1 {
		t.Fatalf("operation ran %d times, want once", r.runs.Load())
	}
	name := "offices/mumbai/things/" + r.attempts[0].ID
	for i, err := range failures {
		switch {
		case err == nil:
			if get(results[i], "name") != name {
				t.Errorf("caller %d got %v, want %s", i, results[i], name)
			}
		case errs.Is(err, errs.KindAborted):
		default:
			t.Errorf("caller %d: %v, want success or REQUEST_IN_PROGRESS", i, err)
		}
	}
}

func TestConcurrentTakeoversOfAnExpiredLeaseRunTheOperationOnce(t *testing.T) {
	t.Parallel()
	s, clk, _ := newStore(t)
	func() {
		defer func() { _ = recover() }()
		_ = s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(),
			func(context.Context, idempotency.Attempt) (proto.Message, error) { panic("crash") })
	}()
	clk.advance(idempotency.DefaultLease + time.Second)

	var r recorder
	slowFn := func(ctx context.Context, a idempotency.Attempt) (proto.Message, error) {
		time.Sleep(50 * time.Millisecond)
		return r.fn("Rani")(ctx, a)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			err := s.Do(context.Background(), key, request(key.RequestID, "Rani", 1), emptyThing(), slowFn)
			if err != nil && !errs.Is(err, errs.KindAborted) {
				t.Errorf("Do() = %v, want success or REQUEST_IN_PROGRESS", err)
			}
		})
	}
	wg.Wait()
	if r.runs.Load() != 1 || !r.attempts[0].Retry {
		t.Errorf("takeover attempts = %+v, want exactly one, with Retry", r.attempts)
	}
}

func TestExpiredKeysAreForgottenAndSwept(t *testing.T) {
	t.Parallel()
	s, clk, coll := newStore(t)
	var r recorder
	if err := s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), r.fn("Rani")); err != nil {
		t.Fatal(err)
	}
	other := key
	other.RequestID = "another-request"
	if err := s.Do(t.Context(), other, request(other.RequestID, "Meera", 1), emptyThing(), r.fn("Meera")); err != nil {
		t.Fatal(err)
	}
	clk.advance(idempotency.DefaultRetention + time.Minute)

	// Past retention the request_id is free again, even for another request.
	if err := s.Do(t.Context(), key, request(key.RequestID, "Lata", 1), emptyThing(), r.fn("Lata")); err != nil {
		t.Fatalf("Do() after retention = %v", err)
	}
	if r.runs.Load() != 3 {
		t.Errorf("runs = %d, want 3", r.runs.Load())
	}
	n, err := s.Sweep(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("Sweep() removed %d keys, want 1 (the expired one)", n)
	}
	if docs := snapshot(t, coll); len(docs) != 1 {
		t.Errorf("keys left = %d, want 1 (the fresh one)", len(docs))
	}
}

func TestStoredKeysHoldNoRequestIDCallerOrPlaintextResponseWithAnAEAD(t *testing.T) {
	t.Parallel()
	plain, _, coll := newStore(t)
	block, err := aes.NewCipher(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	sealed := plain.WithAEAD(aesGCM{gcm})
	ctx := identity.WithPrincipal(t.Context(), identity.Principal{Subject: "priya.investigator"})
	var r recorder
	first := emptyThing()
	if err := sealed.Do(ctx, key, request(key.RequestID, "Asha Devi", 1), first, r.fn("Asha Devi")); err != nil {
		t.Fatal(err)
	}
	docs := snapshot(t, coll)
	if len(docs) != 1 {
		t.Fatalf("keys = %d, want 1", len(docs))
	}
	for _, secret := range []string{"Asha Devi", key.RequestID, "priya.investigator"} {
		if bytes.Contains(docs[0], []byte(secret)) {
			t.Errorf("stored key contains %q in clear", secret)
		}
	}
	replay := emptyThing()
	if err := sealed.Do(ctx, key, request(key.RequestID, "Asha Devi", 1), replay, r.fn("x")); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(replay, first) {
		t.Errorf("replay = %v, want %v", replay, first)
	}
	// A store without the AEAD cannot read the sealed response.
	err = plain.Do(ctx, key, request(key.RequestID, "Asha Devi", 1), emptyThing(), r.fn("x"))
	wantKind(t, err, errs.KindInternal, "INTERNAL")
}

// aesGCM adapts cipher.AEAD to idempotency.AEAD with a random nonce per message.
type aesGCM struct{ cipher.AEAD }

func (a aesGCM) Encrypt(plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, a.NonceSize())
	_, _ = rand.Read(nonce)
	return a.Seal(nonce, nonce, plaintext, ad), nil
}

func (a aesGCM) Decrypt(ciphertext, ad []byte) ([]byte, error) {
	if len(ciphertext) < a.NonceSize() {
		return nil, errors.New("short ciphertext")
	}
	return a.Open(nil, ciphertext[:a.NonceSize()], ciphertext[a.NonceSize():], ad)
}

func TestValidateRequestID(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "a", "7d1c0b4e-2f4a-4c51-9a53-0f0c3f0d2b11", "A_b-9", strings.Repeat("x", 64)} {
		if err := idempotency.ValidateRequestID(ok, "request_id"); err != nil {
			t.Errorf("ValidateRequestID(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{strings.Repeat("x", 65), "has space", "slash/", "Asha Devi", "{\"$gt\":\"\"}", "ü"} {
		err := idempotency.ValidateRequestID(bad, "survivor.request_id")
		e := wantKind(t, err, errs.KindInvalidArgument, "INVALID_REQUEST_ID")
		if len(e.Violations) != 1 || e.Violations[0].Field != "survivor.request_id" ||
			!strings.Contains(e.Violations[0].Description, "must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -") {
			t.Errorf("ValidateRequestID(%q) violations = %+v", bad, e.Violations)
		}
		if len(bad) > 3 && strings.Contains(e.Error(), bad) {
			t.Errorf("ValidateRequestID(%q) echoes the id: %v", bad, e)
		}
	}
}

func TestDoRejectsABadRequestIDWithoutRunning(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	var r recorder
	k := key
	k.RequestID = "not valid!"
	err := s.Do(t.Context(), k, request(k.RequestID, "Rani", 1), emptyThing(), r.fn("Rani"))
	wantKind(t, err, errs.KindInvalidArgument, "INVALID_REQUEST_ID")
	if r.runs.Load() != 0 {
		t.Error("the operation ran")
	}
}

func TestProgrammingErrorsAreInternal(t *testing.T) {
	t.Parallel()
	s, _, coll := newStore(t)
	wrongType := func(context.Context, idempotency.Attempt) (proto.Message, error) {
		return dynamicpb.NewMessage(otherDesc), nil
	}
	nilResponse := func(context.Context, idempotency.Attempt) (proto.Message, error) { return nil, nil }
	var r recorder
	for name, call := range map[string]func() error{
		"wrong response type": func() error {
			return s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), wrongType)
		},
		"nil response": func() error {
			return s.Do(t.Context(), key, request(key.RequestID, "Rani", 1), emptyThing(), nilResponse)
		},
		"no method": func() error {
			return s.Do(t.Context(), idempotency.Key{RequestID: "r"}, request("r", "Rani", 1), emptyThing(), r.fn("Rani"))
		},
		"nil request": func() error { return s.Do(t.Context(), key, nil, emptyThing(), r.fn("Rani")) },
	} {
		if err := call(); !errs.Is(err, errs.KindInternal) {
			t.Errorf("%s: Do() = %v, want an internal error", name, err)
		}
	}
	if docs := snapshot(t, coll); len(docs) != 0 {
		t.Errorf("failed calls left %d keys", len(docs))
	}
}

func TestNewStoreIndexesExpireTimeAndIsIdempotent(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	for range 2 {
		if _, err := idempotency.NewStore(t.Context(), db); err != nil {
			t.Fatalf("NewStore() = %v", err)
		}
	}
	specs, err := db.Collection(idempotency.CollectionName).Indexes().ListSpecifications(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == "expire_time" }) {
		t.Errorf("indexes = %+v, want expire_time", specs)
	}
}
