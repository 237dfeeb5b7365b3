package errstest_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/errs/errstest"
)

// recorder stands in for a test that Want fails.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failure = fmt.Sprintf(format, args...) }

func TestWant(t *testing.T) {
	t.Parallel()
	notFound := errs.NotFound("CASE_NOT_FOUND", `case "offices/mumbai/cases/c1" does not exist`)
	if e := errstest.Want(t, fmt.Errorf("repo.Get: %w", notFound), errs.KindNotFound, "CASE_NOT_FOUND"); e.Message != notFound.Message {
		t.Errorf("Want returned %v, want the wrapped error", e)
	}
	for _, err := range []error{
		nil,
		errors.New("plain"),
		notFound,
	} {
		r := &recorder{TB: t}
		errstest.Want(r, err, errs.KindNotFound, "OTHER_REASON")
		if r.failure == "" {
			t.Errorf("Want accepted %v for NOT_FOUND OTHER_REASON", err)
		}
	}
	r := &recorder{TB: t}
	errstest.Want(r, notFound, errs.KindAborted, "CASE_NOT_FOUND")
	if r.failure == "" {
		t.Error("Want accepted the wrong kind")
	}
}
