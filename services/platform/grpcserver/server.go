// Package grpcserver is the gRPC server every service runs: one small type
// that opens its listener first, serves until its context ends and then
// shuts down gracefully, with the platform's interceptors, health and
// reflection installed.
//
// Every call passes, in this order, through:
//
//   - the OpenTelemetry stats handler (otelgrpc): a server span per call,
//     continuing the caller's W3C trace context (health checks untraced);
//   - request id: the caller's "x-request-id" when it is 1..128 characters of
//     [A-Za-z0-9._-], else a generated one; put into the context (package
//     requestid) and echoed in the "x-request-id" response header;
//   - logging: the logger goes into the context (logging.FromContext) and one
//     JSON line is written per call: method, code, duration_ms, request_id,
//     trace_id/span_id, the ErrorInfo reason of errors, and for INTERNAL
//     (also UNKNOWN, DATA_LOSS) the internal cause; never a request or
//     response body;
//   - panic recovery: INTERNAL "internal error" to the caller, the stack to
//     the log;
//   - default deadline: applied when the caller set none;
//   - error mapping: errors returned by handlers (and by interceptors added
//     with grpc.ChainUnaryInterceptor in New's opts, which run after these)
//     become statuses by ToStatus.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/justiceops/justice/services/platform/logging"
)

// Server is a gRPC server with the platform's interceptors, health service
// and (optionally) reflection.
type Server struct {
	cfg    Config
	logger *slog.Logger
	grpc   *grpc.Server
	health *health.Server
}

// New returns a server configured by cfg (zero durations and sizes take the
// documented defaults). logger should come from logging.New so log lines
// carry the trace and request ids; nil uses logging's default logger. domain
// is the google.rpc.ErrorInfo domain of the service's errors, e.g.
// "rescue.justice.example". opts are appended to the platform's options;
// interceptors in them (grpc.ChainUnaryInterceptor, grpc.ChainStreamInterceptor,
// e.g. authentication) run after the platform's, so their errors are mapped
// and logged like the handlers'. Do not pass grpc.UnaryInterceptor: it would
// run before the request id and logging interceptors.
func New(cfg Config, logger *slog.Logger, domain string, opts ...grpc.ServerOption) *Server {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = logging.FromContext(context.Background())
	}
	base := []grpc.ServerOption{
		grpc.StatsHandler(otelgrpc.NewServerHandler(
			otelgrpc.WithFilter(filters.Not(filters.HealthCheck())))),
		grpc.ChainUnaryInterceptor(
			requestIDUnary(),
			loggingUnary(logger, domain),
			recoveryUnary(domain),
			deadlineUnary(cfg.DefaultDeadline),
			errorsUnary(domain),
		),
		grpc.ChainStreamInterceptor(
			requestIDStream(),
			loggingStream(logger, domain),
			recoveryStream(domain),
			deadlineStream(cfg.DefaultDeadline),
			errorsStream(domain),
		),
		grpc.MaxRecvMsgSize(cfg.MaxRecvMsgBytes),
	}
	s := &Server{
		cfg:    cfg,
		logger: logger,
		grpc:   grpc.NewServer(append(base, opts...)...),
		health: health.NewServer(),
	}
	healthpb.RegisterHealthServer(s.grpc, s.health)
	if cfg.Reflection {
		reflection.Register(s.grpc)
	}
	return s
}

// GRPC returns the underlying server, to register services on before Serve.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Health returns the health service, whose overall status ("") is SERVING
// from the start; set named services' statuses with SetServingStatus.
func (s *Server) Health() *health.Server { return s.health }

// Listen opens cfg.Addr. It is separate from Serve so that a caller can
// print (or, in tests, dial) the real address when the port was 0.
func (s *Server) Listen() (net.Listener, error) {
	var lc net.ListenConfig
	lis, err := lc.Listen(context.Background(), "tcp", s.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("grpcserver.Listen: %w", err)
	}
	return lis, nil
}

// Serve serves on lis until ctx is done, then shuts down: health turns
// NOT_SERVING (so load balancers stop sending), new calls are refused and
// in-flight calls get up to cfg.ShutdownTimeout to finish before they are
// cancelled. It returns nil after a shutdown caused by ctx, or the error that
// stopped the server otherwise. lis is closed on return.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	served := make(chan error, 1)
	go func() { served <- s.grpc.Serve(lis) }()
	s.logger.InfoContext(ctx, "gRPC server serving", "addr", lis.Addr().String())

	select {
	case err := <-served:
		// Serve returned on its own (the listener failed): stop everything.
		s.health.Shutdown()
		s.grpc.Stop()
		if err == nil || errors.Is(err, grpc.ErrServerStopped) {
			return nil
		}
		return fmt.Errorf("grpcserver.Serve: %w", err)
	case <-ctx.Done():
	}

	// ctx is done; log with a context that still carries its values.
	logCtx := context.WithoutCancel(ctx)
	s.logger.InfoContext(logCtx, "gRPC server shutting down", "timeout", s.cfg.ShutdownTimeout.String())
	s.health.Shutdown()

	stopped := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(stopped)
	}()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-stopped:
	case <-timer.C:
		s.logger.WarnContext(logCtx, "gRPC graceful shutdown timed out; cancelling in-flight calls")
		s.grpc.Stop()
		<-stopped
	}
	if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("grpcserver.Serve: %w", err)
	}
	s.logger.InfoContext(logCtx, "gRPC server stopped")
	return nil
}
