package auth

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// maxTokenFileBytes bounds what FileTokenSource reads: a JWT is a few
// kilobytes; anything much larger is not a token.
const maxTokenFileBytes = 64 << 10

// FileTokenSource returns the TokenSource of a service whose identity
// provider writes its bearer token to the file at path (a mounted secret, a
// sidecar's output, the local stack's token file). The token is read on
// first use and read again whenever the file changes (its modification
// time or size), so a renewed token is picked up without a restart;
// surrounding white space is trimmed. A missing, unreadable, empty or
// oversized file is an error naming the path, never the file's content.
//
// The source does not check the token: the service called verifies it.
func FileTokenSource(path string) TokenSource {
	return &fileTokenSource{path: path}
}

type fileTokenSource struct {
	path string

	mu      sync.Mutex
	token   string
	modTime time.Time
	size    int64
}

// Token implements TokenSource.
func (s *fileTokenSource) Token(context.Context) (string, error) {
	info, err := os.Stat(s.path)
	if err != nil {
		return "", fmt.Errorf("auth.FileTokenSource: token file: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && info.ModTime().Equal(s.modTime) && info.Size() == s.size {
		return s.token, nil
	}
	if info.Size() > maxTokenFileBytes {
		return "", fmt.Errorf("auth.FileTokenSource: token file %s holds %d bytes, more than a token (at most %d)", s.path, info.Size(), maxTokenFileBytes)
	}
	b, err := os.ReadFile(s.path)
	if err != nil {
		return "", fmt.Errorf("auth.FileTokenSource: token file: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if token == "" {
		return "", fmt.Errorf("auth.FileTokenSource: token file %s is empty; it must hold the service's bearer token", s.path)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("auth.FileTokenSource: token file %s must hold one token, without white space inside", s.path)
	}
	s.token, s.modTime, s.size = token, info.ModTime(), info.Size()
	return token, nil
}
