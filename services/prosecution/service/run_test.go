package service_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/prosecution/service"
)

func TestConfigDefaultsAndBadSettings(t *testing.T) {
	t.Parallel()
	env, _ := kittest.SecurityEnv(t, testIssuer)
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GRPC.Addr != "127.0.0.1:9002" || cfg.Mongo.Database != "prosecution" || cfg.RescueAddr != "127.0.0.1:9001" ||
		cfg.RescueTimeout != 3*time.Second || cfg.ServiceTokenFile != "" {
		t.Errorf("defaults: %+v", cfg)
	}
	env["RESCUE_ADDR"], env["RESCUE_TIMEOUT"] = "rescue", "0s"
	_, err = service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err == nil || !strings.Contains(err.Error(), `RESCUE_ADDR="rescue"`) || !strings.Contains(err.Error(), `RESCUE_TIMEOUT="0s"`) {
		t.Errorf("err = %v, want both bad variables named", err)
	}
}

func TestRun_RequiresTheServiceTokenFile(t *testing.T) {
	t.Parallel()
	env, _ := kittest.SecurityEnv(t, testIssuer)
	env["MONGODB_URI"] = storetest.URI(t)
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	if err := service.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "SERVICE_TOKEN_FILE is required") {
		t.Errorf("without a token file: %v", err)
	}
	cfg.ServiceTokenFile = filepath.Join(t.TempDir(), "absent")
	if err := service.Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "SERVICE_TOKEN_FILE") ||
		!strings.Contains(err.Error(), cfg.ServiceTokenFile) {
		t.Errorf("with a missing token file: %v", err)
	}
}

// TestRun_AsksRescueWithTheTokenOfItsFile runs the binary's Run against the
// harness's rescue: links are checked with the service token read from
// SERVICE_TOKEN_FILE.
func TestRun_AsksRescueWithTheTokenOfItsFile(t *testing.T) {
	t.Parallel()
	e := start(t)
	sv := e.rescue.survivor(t, "mumbai", false)
	tokenFile := filepath.Join(t.TempDir(), "service-token")
	if err := os.WriteFile(tokenFile, []byte(e.token(t, serviceIdentity)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := kittest.FreeAddr(t)
	env := map[string]string{
		"GRPC_ADDR": addr, "LOG_LEVEL": "warn", "AUTH_ISSUER": testIssuer, "AUTH_KEYS_FILE": filepath.Join(e.issuerDir, auth.IssuerJWKSFile),
		"KEYS_DIR": t.TempDir(), "KEYS_CREATE": "true", "MONGODB_URI": storetest.URI(t), "MONGODB_DATABASE": storetest.NewDatabase(t).Name(),
		"RESCUE_ADDR": e.rescue.addr, "SERVICE_TOKEN_FILE": tokenFile,
	}
	cfg, err := service.LoadConfig(context.Background(), envconfig.MapLookuper(env))
	if err != nil {
		t.Fatal(err)
	}
	stop := kittest.Run(t, func(ctx context.Context) error { return service.Run(ctx, cfg) })
	client := prosecutionv1.NewProsecutionServiceClient(e.dial(t, addr, e.token(t, defaultCaller)))
	var c *prosecutionv1.Case
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err = client.CreateCase(ctxT(t), &prosecutionv1.CreateCaseRequest{Parent: "offices/mumbai", Case: newCase(sv.GetName()), RequestId: "run-1"})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond) // Run may not listen yet
	}
	if err != nil || !slices.Equal(c.GetSurvivors(), []string{sv.GetName()}) {
		t.Fatalf("CreateCase through Run = %v, %v", c, err)
	}
	stop()
}
