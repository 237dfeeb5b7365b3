package service_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/bson"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/service"
)

func TestRunRequiresMongoURI(t *testing.T) {
	t.Parallel()
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(map[string]string{}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GRPC.Addr != "127.0.0.1:9001" {
		t.Errorf("default GRPC_ADDR = %q, want 127.0.0.1:9001", cfg.GRPC.Addr)
	}
	err = service.Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "MONGODB_URI") {
		t.Errorf("Run without MONGODB_URI: err = %v, want one naming MONGODB_URI", err)
	}
}

func TestLoadConfigNamesTheBadVariable(t *testing.T) {
	t.Parallel()
	_, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(map[string]string{"GRPC_ADDR": "nonsense"}))
	if err == nil || !strings.Contains(err.Error(), "GRPC_ADDR") {
		t.Errorf("err = %v, want one naming GRPC_ADDR", err)
	}
}

// TestRunServesUntilCancelled runs the whole binary against the test store.
func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t) // a unique database name, dropped at the end
	addr := freeAddr(t)
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(map[string]string{
		"GRPC_ADDR":        addr,
		"MONGODB_URI":      storetest.URI(t),
		"MONGODB_DATABASE": db.Name(),
		"LOG_LEVEL":        "warn",
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Run(ctx, cfg) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return after its context was cancelled")
		}
	})

	conn, err := grpcclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(15 * time.Second)
	for {
		callCtx, stop := context.WithTimeout(context.Background(), time.Second)
		resp, err := health.Check(callCtx, &healthpb.HealthCheckRequest{Service: service.HealthService})
		stop()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("service never reported SERVING: %v, %v", resp, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	l, err := rescuev1.NewRescueServiceClient(conn).CreateLocation(ctxT(t), &rescuev1.CreateLocationRequest{
		Parent: "offices/kolkata", Location: &rescuev1.Location{DisplayName: "Sonagachi lane", Type: rescuev1.LocationType_LOCATION_TYPE_BROTHEL},
	})
	if err != nil || !strings.HasPrefix(l.GetName(), "offices/kolkata/locations/") {
		t.Fatalf("CreateLocation through Run: %v, %v", l, err)
	}
	if n, _ := db.Collection("locations").CountDocuments(context.Background(), bson.D{}); n != 1 {
		t.Errorf("%d locations in the configured database, want 1", n)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
