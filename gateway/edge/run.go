package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/telemetry"
)

// Serve serves the edge on lis until ctx is done, then drains in-flight
// requests for at most the configured shutdown timeout.
func (e *Edge) Serve(ctx context.Context, lis net.Listener) error {
	// The server's own timeouts leave room for the longest route deadline.
	longest := longestTimeout(e.cfg.RequestTimeout, e.timeouts)
	srv := &http.Server{
		Handler:           e.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       longest + 5*time.Second,
		WriteTimeout:      longest + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(e.logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return logging.WithLogger(context.WithoutCancel(ctx), e.logger) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("edge.Serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), e.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("edge.Serve: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("edge.Serve: %w", err)
	}
	return nil
}

// Run is the gateway binary: telemetry, the edge, and its HTTP server until
// ctx is done.
func Run(ctx context.Context, cfg Config) error {
	logger := logging.New(os.Stderr, cfg.Log.SlogLevel())
	shutdown, err := telemetry.Setup(ctx, "gateway")
	if err != nil {
		return fmt.Errorf("edge.Run: %w", err)
	}
	defer func() { _ = shutdown(context.WithoutCancel(ctx)) }()

	e, err := New(ctx, cfg, logger)
	if err != nil {
		return fmt.Errorf("edge.Run: %w", err)
	}
	defer e.Close()
	lis, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("edge.Run: listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	gsrv := grpcserver.New(grpcserver.Config{Addr: cfg.GRPCAddr}, logger, ErrorDomain, e.GRPCServerOptions()...)
	e.AttachGRPC(gsrv)
	glis, err := gsrv.Listen()
	if err != nil {
		_ = lis.Close()
		return fmt.Errorf("edge.Run: listen on GATEWAY_GRPC_ADDR %s: %w", cfg.GRPCAddr, err)
	}
	logger.InfoContext(ctx, "gateway listening", slog.String("http", "http://"+lis.Addr().String()),
		slog.String("grpc", glis.Addr().String()), slog.String("rescue", cfg.RescueAddr), slog.String("prosecution", cfg.ProsecutionAddr))

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	grpcErr := make(chan error, 1)
	go func() {
		err := gsrv.Serve(ctx, glis)
		cancel() // one server stopping stops the other
		grpcErr <- err
	}()
	httpErr := e.Serve(ctx, lis)
	cancel()
	return errors.Join(httpErr, <-grpcErr)
}
