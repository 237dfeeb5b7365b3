// Command justice-local runs the whole justice backend on this machine, in
// one process, on the embedded store: `justice-local serve`.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/justiceops/justice/deploy/local/stack"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/telemetry"
)

const usage = `usage: justice-local <command>

commands:
  serve   start the embedded store, the services and the REST edge; Ctrl-C stops

configuration is read from the environment; see README.md.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "justice-local:", err)
		os.Exit(1)
	}
}

func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func serve(ctx context.Context, stdout, stderr io.Writer) error {
	var cfg stack.Config
	config.MustLoad(ctx, &cfg)
	logger := logging.New(stderr, cfg.Log.SlogLevel())
	shutdown, err := telemetry.Setup(ctx, "justice-local")
	if err != nil {
		return err
	}
	defer func() { _ = shutdown(context.WithoutCancel(ctx)) }()

	s, err := stack.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "justice-local is running (data in %s)\n", cfg.DataDir)
	fmt.Fprintf(stdout, "  REST edge      http://%s   (OpenAPI: http://%s/openapi.json)\n", s.Addrs.HTTP, s.Addrs.HTTP)
	fmt.Fprintf(stdout, "  rescue gRPC    %s\n", s.Addrs.Rescue)
	fmt.Fprintf(stdout, "  store          %s\n", s.Addrs.Store)
	fmt.Fprintln(stdout, "press Ctrl-C to stop")
	<-ctx.Done()
	fmt.Fprintln(stdout, "stopping...")
	if err := s.Stop(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "stopped")
	return nil
}
