package service_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	rescuev1 "github.com/justiceops/justice/proto/gen/go/justice/rescue/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/grpcclient"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/service"
)

// securityEnv is the smallest environment LoadConfig accepts: where the
// token issuer's keys and the offices' encryption keys are.
func securityEnv(t *testing.T) (map[string]string, *auth.Issuer) {
	t.Helper()
	return kittest.SecurityEnv(t, testIssuer)
}

func TestRunRequiresMongoURI(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
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
	env, _ := securityEnv(t)
	env["GRPC_ADDR"] = "nonsense"
	_, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err == nil || !strings.Contains(err.Error(), "GRPC_ADDR") {
		t.Errorf("err = %v, want one naming GRPC_ADDR", err)
	}
}

func TestLoadConfigRequiresTokenAndEncryptionKeys(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"AUTH_KEYS_FILE", "KEYS_DIR"} {
		env, _ := securityEnv(t)
		delete(env, name)
		_, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
		if err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(name, "_FILE")) {
			t.Errorf("without %s: err = %v, want one naming it", name, err)
		}
	}
}

func TestNewRefusesMissingKeysUnlessAskedToCreateThem(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	env["KEYS_CREATE"] = "false"
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	_, err = service.New(context.Background(), cfg, storetest.NewDatabase(t), nil)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), cfg.Keys.KeysDir) {
		t.Errorf("err = %v, want a missing key file named", err)
	}
}

// TestRunServesUntilCancelled runs the whole binary against the test store.
func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	db := storetest.NewDatabase(t) // a unique database name, dropped at the end
	addr := freeAddr(t)
	env, issuer := securityEnv(t)
	env["GRPC_ADDR"], env["MONGODB_URI"], env["MONGODB_DATABASE"], env["LOG_LEVEL"] = addr, storetest.URI(t), db.Name(), "warn"
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	kittest.Run(t, func(ctx context.Context) error { return service.Run(ctx, cfg) })

	token, err := issuer.Mint(defaultCaller, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpcclient.Dial(addr, grpc.WithPerRPCCredentials(auth.PerRPCCredentials(fixedToken(token))))
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
	// The binary authenticates: a call without a token is refused.
	anon, err := grpcclient.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	_, err = rescuev1.NewRescueServiceClient(anon).ListLocations(ctxT(t), &rescuev1.ListLocationsRequest{Parent: "offices/-"})
	statusOf(t, err, codes.Unauthenticated, auth.ReasonTokenMissing)
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string { return kittest.FreeAddr(t) }
