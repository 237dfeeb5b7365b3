package servicekit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"

	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/telemetry"
)

// Service is a service Run serves: what a service's composition root builds.
type Service interface {
	// ServerOptions are the options the server must be built with
	// (authentication, authorization, audit).
	ServerOptions() []grpc.ServerOption
	// Attach registers the service's gRPC services on the server and
	// reports them SERVING.
	Attach(srv *grpcserver.Server)
	// Maintain does the service's periodic upkeep until ctx is done.
	Maintain(ctx context.Context, interval time.Duration)
}

// Binary describes a standalone service binary to Run.
type Binary struct {
	// Name is the service's name: its telemetry service name and the first
	// word of the line Run prints, e.g. "rescue".
	Name string
	// ErrorDomain is the google.rpc.ErrorInfo domain of the service's errors.
	ErrorDomain string
	// Database is the database used when the configuration names none.
	Database string
	// MaintainInterval is the interval given to Service.Maintain; zero
	// means SweepInterval.
	MaintainInterval time.Duration
	// New builds the service on db; logger is Run's.
	New func(ctx context.Context, db *mongo.Database, logger *slog.Logger) (Service, error)
	// Out receives the line "<name>: serving gRPC on <addr>" once the
	// server listens; nil means standard output.
	Out io.Writer
}

// shutdownTimeout bounds the telemetry flush and the store disconnect after
// the server stopped.
const shutdownTimeout = 5 * time.Second

// Run is a whole standalone service binary: it logs to standard error at
// cfg.Log's level, sets up telemetry, connects to MongoDB (cfg.Mongo.URI is
// required), builds the service with b.New on its database, serves it on
// cfg.GRPC.Addr with the service's ServerOptions, runs its Maintain in the
// background and prints "<name>: serving gRPC on <addr>" once it listens.
// When ctx is done it shuts down gracefully: the server, the upkeep, the
// store connection and telemetry, in that order.
func Run(ctx context.Context, cfg Base, b Binary) (err error) {
	logger := logging.New(os.Stderr, cfg.Log.SlogLevel())
	ctx = logging.WithLogger(ctx, logger)
	if cfg.Mongo.URI == "" {
		return errors.New("servicekit.Run: MONGODB_URI is required; set it to a mongodb:// connection string, " +
			"e.g. mongodb://127.0.0.1:27017")
	}
	if cfg.Mongo.Database == "" {
		cfg.Mongo.Database = b.Database
	}
	interval := b.MaintainInterval
	if interval <= 0 {
		interval = SweepInterval
	}
	out := b.Out
	if out == nil {
		out = os.Stdout
	}

	shutdownTelemetry, err := telemetry.Setup(ctx, b.Name)
	if err != nil {
		return fmt.Errorf("servicekit.Run: %w", err)
	}
	defer closeWithin(ctx, &err, shutdownTelemetry)

	client, err := mongostore.Connect(ctx, cfg.Mongo)
	if err != nil {
		return fmt.Errorf("servicekit.Run: %w", err)
	}
	defer closeWithin(ctx, &err, client.Disconnect)

	svc, err := b.New(ctx, client.Database(cfg.Mongo.Database), logger)
	if err != nil {
		return fmt.Errorf("servicekit.Run: %w", err)
	}
	srv := grpcserver.New(cfg.GRPC, logger, b.ErrorDomain, svc.ServerOptions()...)
	svc.Attach(srv)
	maintainCtx, stopMaintaining := context.WithCancel(ctx)
	maintained := make(chan struct{})
	go func() {
		defer close(maintained)
		svc.Maintain(maintainCtx, interval)
	}()
	defer func() {
		stopMaintaining()
		<-maintained
	}()
	lis, err := srv.Listen()
	if err != nil {
		return fmt.Errorf("servicekit.Run: %w", err)
	}
	fmt.Fprintf(out, "%s: serving gRPC on %s\n", b.Name, lis.Addr())
	logger.InfoContext(ctx, "serving", "addr", lis.Addr().String())
	if err := srv.Serve(ctx, lis); err != nil {
		return fmt.Errorf("servicekit.Run: %w", err)
	}
	return nil
}

// closeWithin calls closeFn with a context that outlives ctx by
// shutdownTimeout, and joins its error to *err.
func closeWithin(ctx context.Context, err *error, closeFn func(context.Context) error) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	*err = errors.Join(*err, closeFn(cctx))
}
