package servicekit

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
)

func TestMainCode_ExitsByWhatFailed(t *testing.T) {
	t.Parallel()
	load := func(_ context.Context, env envconfig.Lookuper) (string, error) {
		if v, _ := env.Lookup("BAD"); v != "" {
			return "", errors.New("config: BAD=\"x\": must be empty")
		}
		return "cfg", nil
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		runErr  error
		code    int
		stderr  string
		running bool
	}{
		{"a clean run", nil, nil, 0, "", true},
		{"a bad configuration", map[string]string{"BAD": "x"}, nil, 2, "config: BAD=\"x\": must be empty\n", false},
		{"a failed run", nil, errors.New("boom"), 1, "prosecution: boom\n", true},
	} {
		var stderr bytes.Buffer
		ran := false
		code := mainCode(context.Background(), "prosecution", envconfig.MapLookuper(tc.env), &stderr, load,
			func(_ context.Context, cfg string) error {
				ran = cfg == "cfg"
				return tc.runErr
			})
		if code != tc.code || stderr.String() != tc.stderr || ran != tc.running {
			t.Errorf("%s: exit %d, stderr %q, ran %v; want %d, %q, %v", tc.name, code, strings.TrimSpace(stderr.String()), ran,
				tc.code, tc.stderr, tc.running)
		}
	}
}
