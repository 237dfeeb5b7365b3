// Command rescue serves the justice.rescue.v1.RescueService, its
// justice.audit.v1.AuditService and its part of the cross-office metrics
// (justice.metrics.v1.MetricsSourceService) over gRPC, every call
// authenticated by bearer token. It is configured by environment variables (see
// service.Config); MONGODB_URI, the token keys (AUTH_OIDC_ISSUER_URL, or
// AUTH_ISSUER with AUTH_KEYS_FILE) and KEYS_DIR are required.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/justiceops/justice/services/rescue/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	cfg, err := service.LoadConfig(ctx, nil)
	if err != nil {
		// Like config.MustLoad, with the binary's own defaults applied.
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if err := service.Run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "rescue:", err)
		stop()
		os.Exit(1)
	}
}
