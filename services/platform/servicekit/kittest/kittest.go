// Package kittest helps test services built on servicekit: the smallest
// environment a service's configuration loads (its own token issuer and
// a fresh directory for the offices' keys), a log destination that is safe
// to read while a service writes to it, and a runner that stops a service's
// Run when the test ends and checks that it returned cleanly.
package kittest

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
)

// SecurityEnv returns the smallest environment a service's configuration
// loads: AUTH_ISSUER and AUTH_KEYS_FILE of a new token issuer named issuer
// (returned, to mint tokens), KEYS_DIR in a fresh directory and
// KEYS_CREATE=true. Both directories are removed when the test ends.
func SecurityEnv(t testing.TB, issuer string) (map[string]string, *auth.Issuer) {
	t.Helper()
	dir := t.TempDir()
	iss, err := auth.LoadOrCreateIssuer(dir, issuer, auth.DefaultAudience)
	if err != nil {
		t.Fatalf("kittest.SecurityEnv: %v", err)
	}
	return map[string]string{
		"AUTH_ISSUER":    issuer,
		"AUTH_KEYS_FILE": filepath.Join(dir, auth.IssuerJWKSFile),
		"KEYS_DIR":       filepath.Join(t.TempDir(), "keys"),
		"KEYS_CREATE":    "true",
	}, iss
}

// Logs collects log lines; it is safe to read while a service writes.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write implements io.Writer.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// StopTimeout is how long Run's stop waits for run to return.
const StopTimeout = 20 * time.Second

// Run calls run (typically a service's Run) in the background with a
// context that stop cancels. stop then waits up to StopTimeout for run to
// return and fails the test if it returns an error or does not return.
// stop runs when the test ends too; calling it again does nothing.
func Run(t testing.TB, run func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(StopTimeout):
				t.Error("run did not return after its context was cancelled")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}
