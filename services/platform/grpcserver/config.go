package grpcserver

import (
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/justiceops/justice/services/platform/config"
)

// Defaults of the Config fields that have one, also used by New for a
// Config whose field is zero (e.g. a literal in a test).
const (
	DefaultShutdownTimeout = 15 * time.Second
	DefaultDefaultDeadline = 10 * time.Second
	DefaultMaxRecvMsgBytes = 1 << 20
)

// MaxMaxRecvMsgBytes is the largest GRPC_MAX_RECV_MSG_BYTES accepted.
const MaxMaxRecvMsgBytes = 64 << 20

// Config configures a Server. Load it with package config.
//
// GRPC_ADDR has no default here: each binary gives its own, e.g.
//
//	config.Load(ctx, &cfg, config.WithDefaults(nil, map[string]string{"GRPC_ADDR": "127.0.0.1:9001"}))
type Config struct {
	// Addr is the host:port to listen on; port 0 picks a free port.
	Addr string `env:"GRPC_ADDR"`
	// Reflection registers the gRPC reflection service (for grpcurl and the like).
	// Turn it off where the API surface should not be discoverable.
	Reflection bool `env:"GRPC_REFLECTION, default=true"`
	// ShutdownTimeout bounds how long in-flight calls may take to finish
	// once shutdown begins; calls still running then are cancelled.
	ShutdownTimeout time.Duration `env:"GRPC_SHUTDOWN_TIMEOUT, default=15s"`
	// DefaultDeadline is applied to calls whose caller set no deadline.
	DefaultDeadline time.Duration `env:"GRPC_DEFAULT_DEADLINE, default=10s"`
	// MaxRecvMsgBytes is the largest request message accepted.
	MaxRecvMsgBytes int `env:"GRPC_MAX_RECV_MSG_BYTES, default=1048576"`
}

// Validate reports every field that is not usable, naming its variable.
func (c Config) Validate() error {
	var problems []error
	if err := validateAddr(c.Addr); err != nil {
		problems = append(problems, err)
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, config.Invalid("GRPC_SHUTDOWN_TIMEOUT", c.ShutdownTimeout.String(),
			"must be a positive duration, e.g. 15s"))
	}
	if c.DefaultDeadline <= 0 {
		problems = append(problems, config.Invalid("GRPC_DEFAULT_DEADLINE", c.DefaultDeadline.String(),
			"must be a positive duration, e.g. 10s"))
	}
	if c.MaxRecvMsgBytes <= 0 || c.MaxRecvMsgBytes > MaxMaxRecvMsgBytes {
		problems = append(problems, config.Invalid("GRPC_MAX_RECV_MSG_BYTES", strconv.Itoa(c.MaxRecvMsgBytes),
			"must be between 1 and "+strconv.Itoa(MaxMaxRecvMsgBytes)+" (64 MiB)"))
	}
	return errors.Join(problems...)
}

func validateAddr(addr string) error {
	const allowed = "must be host:port, e.g. 127.0.0.1:9001 (port 0 picks a free port)"
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return config.Invalid("GRPC_ADDR", addr, allowed)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return config.Invalid("GRPC_ADDR", addr, allowed)
	}
	return nil
}

// withDefaults fills zero fields with the documented defaults.
func (c Config) withDefaults() Config {
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.DefaultDeadline <= 0 {
		c.DefaultDeadline = DefaultDefaultDeadline
	}
	if c.MaxRecvMsgBytes <= 0 {
		c.MaxRecvMsgBytes = DefaultMaxRecvMsgBytes
	}
	return c
}
