package servicekit

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sethvargo/go-envconfig"
)

// Main is the whole main function of a service binary: it loads the
// configuration from the process environment with load (a service's
// LoadConfig), runs the service with run (its Run) until SIGINT or SIGTERM,
// and exits: with status 2 and the configuration's problems on standard
// error when the configuration cannot be used, with status 1 and
// "<name>: <error>" when the service fails, 0 after a clean shutdown.
func Main[C any](name string, load func(context.Context, envconfig.Lookuper) (C, error), run func(context.Context, C) error) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := mainCode(ctx, name, nil, os.Stderr, load, run)
	stop()
	os.Exit(code)
}

// mainCode is Main's work, with the environment and standard error given.
func mainCode[C any](ctx context.Context, name string, env envconfig.Lookuper, stderr io.Writer,
	load func(context.Context, envconfig.Lookuper) (C, error), run func(context.Context, C) error) int {
	cfg, err := load(ctx, env)
	if err != nil {
		// Like config.MustLoad, with the binary's own defaults applied.
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 1
	}
	return 0
}
