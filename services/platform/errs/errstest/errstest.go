// Package errstest checks, in tests, that an error is the typed error
// (package errs) a contract promises.
package errstest

import (
	"testing"

	"github.com/justiceops/justice/services/platform/errs"
)

// Want fails t at once unless err is (or wraps) an *errs.Error of the kind
// and reason given, and returns it for further checks (message, violations).
func Want(t testing.TB, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Reason != reason {
		t.Fatalf("err = %v, want %s %s", err, kind, reason)
	}
	return e
}
