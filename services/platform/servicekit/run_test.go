package servicekit_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/grpcserver"
	"github.com/justiceops/justice/services/platform/servicekit"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
)

const healthName = "justice.test.v1.TestService"

// testService is the smallest Service: it reports itself SERVING and
// counts its upkeep runs.
type testService struct {
	maintains atomic.Int32
	interval  atomic.Int64
}

func (s *testService) ServerOptions() []grpc.ServerOption { return nil }

func (s *testService) Attach(srv *grpcserver.Server) { servicekit.SetServing(srv, healthName) }

func (s *testService) Maintain(ctx context.Context, interval time.Duration) {
	s.maintains.Add(1)
	s.interval.Store(int64(interval))
	<-ctx.Done()
}

func runConfig(t *testing.T, database string) servicekit.Base {
	t.Helper()
	env, _ := securityEnv(t)
	env["GRPC_ADDR"], env["MONGODB_URI"], env["MONGODB_DATABASE"], env["LOG_LEVEL"] = "127.0.0.1:0", storetest.URI(t), database, "warn"
	cfg, err := load(t, env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Base
}

func TestRun_RequiresMongoURI(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	cfg, err := load(t, env)
	if err != nil {
		t.Fatal(err)
	}
	err = servicekit.Run(context.Background(), cfg.Base, servicekit.Binary{Name: "prosecution",
		New: func(context.Context, *mongo.Database, *slog.Logger) (servicekit.Service, error) {
			t.Error("the service was built without a store")
			return nil, errors.New("unreachable")
		}})
	if err == nil || !strings.Contains(err.Error(), "MONGODB_URI is required; set it to a mongodb:// connection string") {
		t.Errorf("err = %v, want one saying to set MONGODB_URI", err)
	}
}

func TestRun_ServesOnItsAddressUntilCancelled(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t) // a unique name, dropped at the end
	cfg := runConfig(t, db.Name())
	svc := &testService{}
	out, lines := io.Pipe()
	stop := kittest.Run(t, func(ctx context.Context) error {
		defer lines.Close()
		return servicekit.Run(ctx, cfg, servicekit.Binary{
			Name: "prosecution", ErrorDomain: "prosecution.justice.example", Database: "unused", Out: lines,
			New: func(ctx context.Context, db *mongo.Database, logger *slog.Logger) (servicekit.Service, error) {
				if logger == nil {
					t.Error("New got no logger")
				}
				if _, err := db.Collection("built").InsertOne(ctx, bson.D{{Key: "_id", Value: "here"}}); err != nil {
					return nil, err
				}
				return svc, nil
			},
		})
	})

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading Run's output: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "prosecution: serving gRPC on ")
	if !ok || strings.HasSuffix(addr, ":0") {
		t.Fatalf("Run printed %q, want the name and the address it listens on", line)
	}
	conn, err := grpcclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	callCtx, cancelCall := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelCall()
	resp, err := healthpb.NewHealthClient(conn).Check(callCtx, &healthpb.HealthCheckRequest{Service: healthName})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health of the attached service: %v, %v", resp, err)
	}
	if n, _ := db.Collection("built").CountDocuments(context.Background(), bson.D{}); n != 1 {
		t.Errorf("the service was not built on the configured database (%d documents there)", n)
	}
	within(t, "the upkeep to start", func() bool { return svc.maintains.Load() == 1 })
	if got := time.Duration(svc.interval.Load()); got != servicekit.SweepInterval {
		t.Errorf("Maintain interval %v, want the default %v", got, servicekit.SweepInterval)
	}
	stop()
}

func TestRun_ReturnsTheErrorOfBuildingTheService(t *testing.T) {
	t.Parallel()
	cfg := runConfig(t, "")
	var database string
	broken := errors.New("indexes could not be created")
	err := servicekit.Run(context.Background(), cfg, servicekit.Binary{Name: "prosecution", Database: "prosecution_default",
		New: func(_ context.Context, db *mongo.Database, _ *slog.Logger) (servicekit.Service, error) {
			database = db.Name()
			return nil, broken
		}})
	if !errors.Is(err, broken) || !strings.HasPrefix(err.Error(), "servicekit.Run: ") {
		t.Errorf("err = %v, want the builder's error, wrapped", err)
	}
	if database != "prosecution_default" {
		t.Errorf("built on database %q, want the binary's default when none is configured", database)
	}
}
