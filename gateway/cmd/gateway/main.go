// Command gateway is the REST edge in front of the justice services.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/justiceops/justice/gateway/edge"
	"github.com/justiceops/justice/services/platform/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cfg edge.Config
	config.MustLoad(ctx, &cfg)
	if err := edge.Run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}
