package apireq_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// officeKeys "encrypts" by reversing the bytes behind the office's name,
// and refuses to decrypt what another office's key made: enough to see
// which office's key sealed a stored response.
type officeKeys struct {
	mu     sync.Mutex
	sealed []string // the office of every Encrypt
}

func (k *officeKeys) Encrypt(office string, plaintext, _ []byte) ([]byte, error) {
	k.mu.Lock()
	k.sealed = append(k.sealed, office)
	k.mu.Unlock()
	out := []byte(office + ":")
	for i := len(plaintext) - 1; i >= 0; i-- {
		out = append(out, plaintext[i])
	}
	return out, nil
}

func (k *officeKeys) Decrypt(office string, ciphertext, _ []byte) ([]byte, error) {
	body, ok := bytes.CutPrefix(ciphertext, []byte(office+":"))
	if !ok {
		return nil, fmt.Errorf("not sealed with the key of office %s", office)
	}
	out := make([]byte, 0, len(body))
	for i := len(body) - 1; i >= 0; i-- {
		out = append(out, body[i])
	}
	return out, nil
}

const createCase = "/justice.prosecution.v1.ProsecutionService/CreateCase"

func newIdempotency(t *testing.T) (*apireq.Idempotency, *officeKeys, *idempotency.Store) {
	t.Helper()
	store, err := idempotency.NewStore(context.Background(), storetest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	keys := &officeKeys{}
	return apireq.NewIdempotency(store, keys), keys, store
}

func TestIdempotent_ARetryGetsTheFirstResponseWithoutRunningAgain(t *testing.T) {
	t.Parallel()
	idem, keys, _ := newIdempotency(t)
	ctx := caller("mumbai")
	runs := 0
	create := func(ctx context.Context, a idempotency.Attempt) (*wrapperspb.StringValue, error) {
		runs++
		return wrapperspb.String("offices/mumbai/cases/" + a.ID), nil
	}
	req := wrapperspb.String("State v. Accused 1")
	first, err := apireq.Idempotent(ctx, idem, createCase, "mumbai", "r-1", req, create)
	if err != nil {
		t.Fatal(err)
	}
	again, err := apireq.Idempotent(ctx, idem, createCase, "mumbai", "r-1", wrapperspb.String("State v. Accused 1"), create)
	if err != nil || again.GetValue() != first.GetValue() || runs != 1 {
		t.Errorf("retry: %v, %v after %d runs; want %v from the one run", again, err, runs, first)
	}
	if !strings.HasPrefix(first.GetValue(), "offices/mumbai/cases/") || len(first.GetValue()) <= len("offices/mumbai/cases/") {
		t.Errorf("the reserved id did not reach fn: %v", first)
	}
	if len(keys.sealed) != 1 || keys.sealed[0] != "mumbai" {
		t.Errorf("responses sealed for offices %v, want once for mumbai", keys.sealed)
	}

	_, err = apireq.Idempotent(ctx, idem, createCase, "mumbai", "r-1", wrapperspb.String("State v. Someone else"), create)
	if e, ok := errs.As(err); !ok || e.Reason != idempotency.ReasonRequestIDReused || runs != 1 {
		t.Errorf("same request_id, other request: %v after %d runs; want %s without running", err, runs, idempotency.ReasonRequestIDReused)
	}

	if _, err := apireq.Idempotent(ctx, idem, createCase, "mumbai", "", req, create); err != nil || runs != 2 {
		t.Errorf("no request_id: %v after %d runs; want a new run", err, runs)
	}
}

func TestIdempotent_StoresTheResponseSealedWithTheOfficesKey(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t)
	store, err := idempotency.NewStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	idem := apireq.NewIdempotency(store, &officeKeys{})
	const secret = "offices/kolkata/cases/visible-only-when-decrypted"
	_, err = apireq.Idempotent(caller("kolkata"), idem, createCase, "kolkata", "r-2", wrapperspb.String("x"),
		func(context.Context, idempotency.Attempt) (*wrapperspb.StringValue, error) {
			return wrapperspb.String(secret), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := db.Collection(idempotency.CollectionName).FindOne(context.Background(), bson.D{{Key: "state", Value: "done"}}).Raw()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) || !bytes.Contains(raw, []byte("kolkata:")) {
		t.Errorf("stored key document holds the response in clear or not sealed for kolkata: %q", raw)
	}
	// Another process with the same keys opens it for the retry.
	other := apireq.NewIdempotency(store, &officeKeys{})
	got, err := apireq.Idempotent(caller("kolkata"), other, createCase, "kolkata", "r-2", wrapperspb.String("x"),
		func(context.Context, idempotency.Attempt) (*wrapperspb.StringValue, error) {
			t.Error("a retry ran the operation again")
			return nil, errors.New("ran again")
		})
	if err != nil || got.GetValue() != secret {
		t.Errorf("retry: %v, %v", got, err)
	}
}

func TestIdempotent_AFailedRunKeepsItsErrorAndFreesTheRequestID(t *testing.T) {
	t.Parallel()
	idem, _, _ := newIdempotency(t)
	ctx := caller("mumbai")
	refused := errs.FailedPrecondition("ILLEGAL_TRANSITION", "case is closed")
	_, err := apireq.Idempotent(ctx, idem, createCase, "mumbai", "r-3", wrapperspb.String("x"),
		func(context.Context, idempotency.Attempt) (*wrapperspb.StringValue, error) { return nil, refused })
	if e, ok := errs.As(err); !ok || e.Reason != "ILLEGAL_TRANSITION" {
		t.Errorf("err = %v, want the operation's typed error", err)
	}
	got, err := apireq.Idempotent(ctx, idem, createCase, "mumbai", "r-3", wrapperspb.String("x"),
		func(context.Context, idempotency.Attempt) (*wrapperspb.StringValue, error) {
			return wrapperspb.String("ok"), nil
		})
	if err != nil || got.GetValue() != "ok" {
		t.Errorf("retry after a failure: %v, %v; want it to run", got, err)
	}
}

func TestCheckRequestID_AcceptsEmptyAndUUIDsOnly(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"", "0b5c1f8e-2d6a-4c1e-9a4b-6f0f8e1d2c3b", "r_1", strings.Repeat("a", 64)} {
		if err := apireq.CheckRequestID(id); err != nil {
			t.Errorf("%q: %v", id, err)
		}
	}
	for _, id := range []string{"r 1", "r/1", strings.Repeat("a", 65), "é"} {
		e, ok := errs.As(apireq.CheckRequestID(id))
		if !ok || e.Reason != idempotency.ReasonInvalidRequestID || len(e.Violations) != 1 || e.Violations[0].Field != "request_id" {
			t.Errorf("%q: %v, want %s on request_id", id, e, idempotency.ReasonInvalidRequestID)
		}
	}
}
