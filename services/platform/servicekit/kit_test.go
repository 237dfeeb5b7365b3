package servicekit_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/servicekit"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const testIssuer = "https://issuer.servicekit.test"

// serviceConfig is a service's Config: the Base, embedded without a
// prefix, and a setting of its own.
type serviceConfig struct {
	servicekit.Base
	RescueAddr string `env:"RESCUE_GRPC_ADDR, default=127.0.0.1:9001"`
}

// defaults are the service binary's own defaults for shared variables.
var defaults = map[string]string{"GRPC_ADDR": "127.0.0.1:9002", "MONGODB_DATABASE": "prosecution"}

// securityEnv is the smallest environment a service loads.
func securityEnv(t *testing.T) (map[string]string, *auth.Issuer) {
	t.Helper()
	return kittest.SecurityEnv(t, testIssuer)
}

func load(t *testing.T, env map[string]string) (serviceConfig, error) {
	t.Helper()
	var cfg serviceConfig
	err := config.Load(context.Background(), &cfg, config.WithDefaults(envconfig.MapLookuper(env), defaults))
	return cfg, err
}

// openKit loads env and opens the kit of a service named prosecution on a
// fresh database.
func openKit(t *testing.T, env map[string]string) (*servicekit.Kit, serviceConfig, error) {
	t.Helper()
	cfg, err := load(t, env)
	if err != nil {
		t.Fatal(err)
	}
	kit, err := servicekit.Open(context.Background(), "prosecution", cfg.Base, storetest.NewDatabase(t), nil)
	return kit, cfg, err
}

func TestBase_EmbeddedWithoutPrefixKeepsTheVariableNamesAndDefaults(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	env["LOG_LEVEL"], env["OFFICES_FILE"], env["RESCUE_GRPC_ADDR"] = "warn", "", "rescue:9001"
	cfg, err := load(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.GRPC.Addr != "127.0.0.1:9002" || cfg.Mongo.Database != "prosecution" {
		t.Errorf("the binary's defaults: GRPC_ADDR %q, MONGODB_DATABASE %q", cfg.GRPC.Addr, cfg.Mongo.Database)
	}
	if cfg.GRPC.ShutdownTimeout != 15*time.Second || cfg.Auth.Audience != auth.DefaultAudience || cfg.Log.Level != "warn" {
		t.Errorf("the platform's defaults and values: %+v", cfg.Base)
	}
	if !cfg.CreateKeys || cfg.Keys.KeysDir != env["KEYS_DIR"] || cfg.Auth.Issuer != testIssuer {
		t.Errorf("KEYS_CREATE, KEYS_DIR, AUTH_ISSUER not read: %+v", cfg.Base)
	}
	if cfg.RescueAddr != "rescue:9001" {
		t.Errorf("the service's own variable: %q", cfg.RescueAddr)
	}

	delete(env, "KEYS_CREATE")
	env["GRPC_ADDR"] = "127.0.0.1:7000"
	if cfg, err := load(t, env); err != nil || cfg.CreateKeys || cfg.GRPC.Addr != "127.0.0.1:7000" {
		t.Errorf("KEYS_CREATE defaults to false and a set GRPC_ADDR wins: %+v, %v", cfg.Base, err)
	}
}

func TestBase_ReportsABadVariableOnceByName(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	env["GRPC_ADDR"] = "nonsense"
	_, err := load(t, env)
	var ce *config.Error
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || !strings.Contains(err.Error(), "GRPC_ADDR") {
		t.Errorf("err = %v, want one problem naming GRPC_ADDR", err)
	}
	env, _ = securityEnv(t)
	delete(env, "KEYS_DIR")
	if _, err := load(t, env); err == nil || !strings.Contains(err.Error(), "KEYS_DIR") {
		t.Errorf("without KEYS_DIR: %v, want an error naming it", err)
	}
}

func TestOfficeZones_GivesEachOfficesZoneAndUTCOtherwise(t *testing.T) {
	t.Parallel()
	registry, err := office.NewRegistry(append(office.Defaults(), office.Office{
		Code: "kathmandu", DisplayName: "Kathmandu", City: "Kathmandu", Country: "NP", TimeZone: "Asia/Kathmandu", Region: "north",
	}))
	if err != nil {
		t.Fatal(err)
	}
	zones, err := servicekit.OfficeZones(registry)
	if err != nil {
		t.Fatal(err)
	}
	for code, want := range map[string]string{"mumbai": "Asia/Kolkata", "kathmandu": "Asia/Kathmandu", "chennai": "UTC"} {
		if got := zones(code).String(); got != want {
			t.Errorf("%s's zone = %s, want %s", code, got, want)
		}
	}
}

func TestOpen_BuildsThePlatformPieces(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	kit, _, err := openKit(t, env)
	if err != nil {
		t.Fatal(err)
	}
	if kit.Name != "prosecution" || kit.Offices == nil || kit.Verifier == nil || kit.Keys == nil || kit.Pages == nil ||
		kit.Audit == nil || kit.Idempotency == nil || kit.Logger == nil || kit.Zones == nil {
		t.Fatalf("kit = %+v", kit)
	}
	if got := kit.Zones("kolkata").String(); got != "Asia/Kolkata" {
		t.Errorf("kolkata's zone = %s", got)
	}
	if got := kit.Verifier.Issuer(); got != testIssuer {
		t.Errorf("verifier issuer = %q", got)
	}
	if got := kit.Keys.Offices(); strings.Join(got, ",") != "kolkata,mumbai" {
		t.Errorf("keys for offices %v, want every office's", got)
	}
	if len(kit.ServerOptions(auth.Policy{})) == 0 || kit.AuditService() == nil {
		t.Error("no server options or audit service")
	}
}

func TestOpen_RefusesMissingKeysUnlessAskedToCreateThem(t *testing.T) {
	t.Parallel()
	env, _ := securityEnv(t)
	env["KEYS_CREATE"] = "false"
	_, cfg, err := openKit(t, env)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), cfg.Keys.KeysDir) || !strings.HasPrefix(err.Error(), "servicekit.Open: ") {
		t.Errorf("err = %v, want servicekit.Open naming the missing key file", err)
	}
}
