package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/auth"
)

// writeToken writes content to path and sets its modification time to at,
// so a rewrite within the file system's time resolution still shows.
func writeToken(t *testing.T, path, content string, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func TestFileTokenSourceReadsTheFileAndFollowsItsChanges(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "service-token")
	at := time.Now().Add(-time.Hour)
	writeToken(t, path, "  first.token.sig\n", at)
	ts := auth.FileTokenSource(path)
	ctx := context.Background()

	if got, err := ts.Token(ctx); err != nil || got != "first.token.sig" {
		t.Fatalf("Token = %q, %v; want the file's token, trimmed", got, err)
	}
	// Unchanged file: the cached token, even if the bytes were swapped
	// under the same time and size (it is not read again).
	if got, err := ts.Token(ctx); err != nil || got != "first.token.sig" {
		t.Fatalf("second Token = %q, %v", got, err)
	}
	writeToken(t, path, "renewed.token.sig\n", at.Add(time.Minute))
	if got, err := ts.Token(ctx); err != nil || got != "renewed.token.sig" {
		t.Fatalf("after renewal Token = %q, %v; want the renewed token", got, err)
	}
	// Same modification time, other size: read again.
	writeToken(t, path, "renewed.token.sig.longer", at.Add(time.Minute))
	if got, err := ts.Token(ctx); err != nil || got != "renewed.token.sig.longer" {
		t.Fatalf("after a rewrite Token = %q, %v", got, err)
	}
}

func TestFileTokenSourceRefusesWhatIsNotAToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	secret := "secret.token.value"
	for _, tc := range []struct {
		name, content, want string
	}{
		{"empty", " \n", "is empty"},
		{"two tokens", secret + "\n" + secret, "one token"},
		{"oversized", strings.Repeat("a", 70<<10), "more than a token"},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
		writeToken(t, path, tc.content, time.Now())
		_, err := auth.FileTokenSource(path).Token(context.Background())
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: err = %v, want one naming %s and saying %q", tc.name, err, path, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error repeats the file's content: %v", tc.name, err)
		}
	}
	missing := filepath.Join(dir, "absent")
	if _, err := auth.FileTokenSource(missing).Token(context.Background()); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: err = %v, want one naming it", err)
	}
	// A token that goes missing after a first read is an error, not the stale token.
	path := filepath.Join(dir, "removed")
	writeToken(t, path, secret, time.Now())
	ts := auth.FileTokenSource(path)
	if _, err := ts.Token(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Token(context.Background()); err == nil {
		t.Error("a removed token file still gave a token")
	}
}

func TestFileTokenSourceAuthenticatesOutgoingCalls(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "token")
	writeToken(t, path, "abc.def.ghi\n", time.Now())
	md, err := auth.PerRPCCredentials(auth.FileTokenSource(path)).GetRequestMetadata(context.Background())
	if err != nil || md["authorization"] != "Bearer abc.def.ghi" {
		t.Fatalf("metadata = %v, %v; want the file's token as a bearer token", md, err)
	}
}
