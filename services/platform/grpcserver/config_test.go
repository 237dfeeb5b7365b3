package grpcserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/grpcserver"
)

func TestConfig_LoadsDefaultsFromTheEnvironment(t *testing.T) {
	t.Parallel()

	var cfg grpcserver.Config
	if err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(map[string]string{"GRPC_ADDR": "127.0.0.1:9001"})); err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	want := grpcserver.Config{
		Addr:            "127.0.0.1:9001",
		Reflection:      true,
		ShutdownTimeout: 15 * time.Second,
		DefaultDeadline: 10 * time.Second,
		MaxRecvMsgBytes: 1 << 20,
	}
	if cfg != want {
		t.Errorf("Load() = %+v, want %+v", cfg, want)
	}
}

func TestConfig_BinaryDefaultAddrIsOverriddenByGRPCADDR(t *testing.T) {
	t.Parallel()

	defaults := map[string]string{"GRPC_ADDR": "127.0.0.1:9001"}
	for env, want := range map[string]string{"": "127.0.0.1:9001", "0.0.0.0:8443": "0.0.0.0:8443"} {
		vars := map[string]string{}
		if env != "" {
			vars["GRPC_ADDR"] = env
		}
		var cfg grpcserver.Config
		if err := config.Load(context.Background(), &cfg, config.WithDefaults(envconfig.MapLookuper(vars), defaults)); err != nil {
			t.Fatalf("Load() error = %v", err)
		}
		if cfg.Addr != want {
			t.Errorf("with GRPC_ADDR=%q: Addr = %q, want %q", env, cfg.Addr, want)
		}
	}
}

func TestConfig_ValidateNamesEachBadVariable(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		env  map[string]string
		want []string // substrings of the error; nil means valid
	}{
		{name: "valid", env: map[string]string{"GRPC_ADDR": "127.0.0.1:0"}},
		{name: "valid ipv6", env: map[string]string{"GRPC_ADDR": "[::1]:9001"}},
		{name: "valid all interfaces", env: map[string]string{"GRPC_ADDR": ":9001"}},
		{name: "unset address", env: map[string]string{}, want: []string{`config: GRPC_ADDR="": must be host:port, e.g. 127.0.0.1:9001`}},
		{name: "address without port", env: map[string]string{"GRPC_ADDR": "abc"}, want: []string{`config: GRPC_ADDR="abc": must be host:port, e.g. 127.0.0.1:9001`}},
		{name: "address with empty port", env: map[string]string{"GRPC_ADDR": "127.0.0.1:"}, want: []string{`GRPC_ADDR="127.0.0.1:"`}},
		{name: "port out of range", env: map[string]string{"GRPC_ADDR": "127.0.0.1:70000"}, want: []string{`GRPC_ADDR="127.0.0.1:70000"`}},
		{name: "named port", env: map[string]string{"GRPC_ADDR": "127.0.0.1:http"}, want: []string{`GRPC_ADDR="127.0.0.1:http"`}},
		{
			name: "zero durations and size",
			env:  map[string]string{"GRPC_ADDR": "127.0.0.1:1", "GRPC_SHUTDOWN_TIMEOUT": "0s", "GRPC_DEFAULT_DEADLINE": "0s", "GRPC_MAX_RECV_MSG_BYTES": "0"},
			want: []string{
				`config: GRPC_SHUTDOWN_TIMEOUT="0s": must be a positive duration`,
				`config: GRPC_DEFAULT_DEADLINE="0s": must be a positive duration`,
				`config: GRPC_MAX_RECV_MSG_BYTES="0": must be between 1 and 67108864`,
			},
		},
		{name: "huge message size", env: map[string]string{"GRPC_ADDR": "127.0.0.1:1", "GRPC_MAX_RECV_MSG_BYTES": "100000000"}, want: []string{`GRPC_MAX_RECV_MSG_BYTES="100000000"`}},
		{name: "unparsable reflection", env: map[string]string{"GRPC_ADDR": "127.0.0.1:1", "GRPC_REFLECTION": "maybe"}, want: []string{`config: GRPC_REFLECTION="maybe": must be true or false`}},
		{name: "unparsable deadline", env: map[string]string{"GRPC_ADDR": "127.0.0.1:1", "GRPC_DEFAULT_DEADLINE": "10"}, want: []string{`config: GRPC_DEFAULT_DEADLINE="10": must be a duration`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			var cfg grpcserver.Config
			err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(tc.env))
			if tc.want == nil {
				if err != nil {
					t.Errorf("Load() error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load() error = nil, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}
