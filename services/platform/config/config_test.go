package config_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/config"
)

// serverConfig stands in for a shared sub-config such as grpcserver.Config.
type serverConfig struct {
	Addr    string        `env:"ADDR"`
	Timeout time.Duration `env:"TIMEOUT, default=15s"`
}

func (c serverConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return config.Invalid("ADDR", c.Addr, "must be host:port, e.g. 127.0.0.1:9001")
	}
	return nil
}

// levelConfig has a pointer receiver Validate, to prove both receivers are found.
type levelConfig struct {
	Level string `env:"LEVEL, default=info"`
}

func (c *levelConfig) Validate() error {
	switch c.Level {
	case "debug", "info":
		return nil
	}
	return config.Invalid("LEVEL", c.Level, "must be one of debug, info")
}

// pairConfig reports two problems at once with errors.Join.
type pairConfig struct {
	Min int `env:"MIN, default=1"`
	Max int `env:"MAX, default=2"`
}

func (c pairConfig) Validate() error {
	var errs []error
	if c.Min < 0 {
		errs = append(errs, config.Invalid("MIN", "", "must not be negative"))
	}
	if c.Max < c.Min {
		errs = append(errs, config.Invalid("MAX", "", "must be at least MIN"))
	}
	return errors.Join(errs...)
}

type appConfig struct {
	Server serverConfig
	Log    *levelConfig
	Pair   pairConfig
	Name   string `env:"NAME, default=rescue"`

	validated *[]string
}

func (c *appConfig) Validate() error {
	if c.validated != nil {
		*c.validated = append(*c.validated, "app")
	}
	if c.Name == "" {
		return config.Invalid("NAME", c.Name, "must not be empty")
	}
	return nil
}

func TestLoad_FillsFieldsFromLookuperAndDefaults(t *testing.T) {
	t.Parallel()

	var cfg appConfig
	err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(map[string]string{
		"ADDR":  "127.0.0.1:9001",
		"LEVEL": "debug",
	}))
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if cfg.Server.Addr != "127.0.0.1:9001" || cfg.Server.Timeout != 15*time.Second {
		t.Errorf("Server = %+v, want Addr 127.0.0.1:9001 and default Timeout 15s", cfg.Server)
	}
	if cfg.Log == nil || cfg.Log.Level != "debug" {
		t.Errorf("Log = %+v, want Level debug", cfg.Log)
	}
	if cfg.Name != "rescue" {
		t.Errorf("Name = %q, want default %q", cfg.Name, "rescue")
	}
}

func TestLoad_ValidationErrorsNameTheVariableAndWhatIsAllowed(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		env  map[string]string
		want []string // the error's lines, in order
	}{
		{
			name: "nested value struct",
			env:  map[string]string{"ADDR": "abc"},
			want: []string{`config: ADDR="abc": must be host:port, e.g. 127.0.0.1:9001`},
		},
		{
			name: "nested pointer struct with pointer receiver",
			env:  map[string]string{"ADDR": "127.0.0.1:1", "LEVEL": "loud"},
			want: []string{`config: LEVEL="loud": must be one of debug, info`},
		},
		{
			name: "top-level struct",
			env:  map[string]string{"ADDR": "127.0.0.1:1", "NAME": ""},
			want: []string{`config: NAME="": must not be empty`},
		},
		{
			name: "every problem reported, nested structs first, joined errors one per line",
			env:  map[string]string{"ADDR": "", "LEVEL": "loud", "MIN": "-1", "MAX": "-2", "NAME": ""},
			want: []string{
				`config: ADDR="": must be host:port, e.g. 127.0.0.1:9001`,
				`config: LEVEL="loud": must be one of debug, info`,
				`config: MIN="": must not be negative`,
				`config: MAX="": must be at least MIN`,
				`config: NAME="": must not be empty`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			var cfg appConfig
			err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(tc.env))
			if err == nil {
				t.Fatal("Load() error = nil, want a validation error")
			}
			if got, want := err.Error(), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("Load() error =\n%s\nwant\n%s", got, want)
			}
			var varErr *config.VarError
			if !errors.As(err, &varErr) {
				t.Errorf("errors.As(%v, *VarError) = false, want true", err)
			}
		})
	}
}

func TestLoad_CallsNestedValidateOnceAndParentAfterChildren(t *testing.T) {
	t.Parallel()

	var order []string
	cfg := appConfig{validated: &order}
	if err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(map[string]string{"ADDR": "127.0.0.1:1"})); err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if len(order) != 1 || order[0] != "app" {
		t.Errorf("top-level Validate calls = %v, want exactly one", order)
	}
}

type deepConfig struct {
	Outer struct {
		Inner *struct {
			Server serverConfig
		}
	}
}

func TestLoad_FindsValidateThroughAnonymousAndPointerStructs(t *testing.T) {
	t.Parallel()

	var cfg deepConfig
	err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(map[string]string{"ADDR": "nope"}))
	if err == nil || err.Error() != `config: ADDR="nope": must be host:port, e.g. 127.0.0.1:9001` {
		t.Errorf("Load() error = %v, want the nested ADDR problem", err)
	}
}

type typedConfig struct {
	Enabled  bool          `env:"ENABLED"`
	Count    int           `env:"COUNT"`
	Small    int8          `env:"SMALL"`
	Size     uint          `env:"SIZE"`
	Ratio    float64       `env:"RATIO"`
	Deadline time.Duration `env:"DEADLINE"`
	Secret   string        `env:"SECRET, required"`
}

func TestLoad_UnparsableValuesNameTheVariableAndTheExpectedForm(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "bool", env: map[string]string{"ENABLED": "yes please"}, want: `config: ENABLED="yes please": must be true or false`},
		{name: "int", env: map[string]string{"COUNT": "ten"}, want: `config: COUNT="ten": must be an integer`},
		{name: "int out of range", env: map[string]string{"SMALL": "1000"}, want: `config: SMALL="1000": is out of range`},
		{name: "uint negative", env: map[string]string{"SIZE": "-1"}, want: `config: SIZE="-1": must be a non-negative integer`},
		{name: "float", env: map[string]string{"RATIO": "half"}, want: `config: RATIO="half": must be a number`},
		{name: "duration without unit", env: map[string]string{"DEADLINE": "10"}, want: `config: DEADLINE="10": must be a duration with a unit, e.g. 500ms, 15s or 2m`},
		{name: "duration garbage", env: map[string]string{"DEADLINE": "soon"}, want: `config: DEADLINE="soon": must be a duration with a unit, e.g. 500ms, 15s or 2m`},
		{name: "required but unset", env: map[string]string{}, want: `config: SECRET="": is required but not set`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			env := map[string]string{"SECRET": "s"}
			for k, v := range tc.env {
				env[k] = v
			}
			if tc.name == "required but unset" {
				delete(env, "SECRET")
			}
			var cfg typedConfig
			err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(env))
			if err == nil {
				t.Fatal("Load() error = nil, want a parse error")
			}
			if err.Error() != tc.want {
				t.Errorf("Load() error = %q, want %q", err.Error(), tc.want)
			}
		})
	}
}

type badDefaultConfig struct {
	Deadline time.Duration `env:"DEADLINE, default=ten seconds"`
}

func TestLoad_BadDefaultTagNamesTheVariable(t *testing.T) {
	t.Parallel()

	err := config.Load(context.Background(), &badDefaultConfig{}, envconfig.MapLookuper(nil))
	want := "config: DEADLINE is unset and the program's default for it is invalid " +
		"(must be a duration with a unit, e.g. 500ms, 15s or 2m); set DEADLINE explicitly"
	if err == nil || err.Error() != want {
		t.Errorf("Load() error = %v, want it to name DEADLINE and blame the default", err)
	}
}

type prefixedConfig struct {
	Server serverConfig `env:", prefix=RESCUE_"`
}

func TestLoad_NamesTheFullVariableUnderPrefixes(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name     string
		spec     any
		lookuper envconfig.Lookuper
		want     string
	}{
		{
			name:     "struct tag prefix, validation error",
			spec:     &prefixedConfig{},
			lookuper: envconfig.MapLookuper(map[string]string{"RESCUE_ADDR": "abc"}),
			want:     `config: RESCUE_ADDR="abc": must be host:port, e.g. 127.0.0.1:9001`,
		},
		{
			name:     "struct tag prefix, parse error",
			spec:     &prefixedConfig{},
			lookuper: envconfig.MapLookuper(map[string]string{"RESCUE_ADDR": "127.0.0.1:1", "RESCUE_TIMEOUT": "x"}),
			want:     `config: RESCUE_TIMEOUT="x": must be a duration with a unit, e.g. 500ms, 15s or 2m`,
		},
		{
			name:     "prefix lookuper and struct tag prefix",
			spec:     &prefixedConfig{},
			lookuper: envconfig.PrefixLookuper("APP_", envconfig.MapLookuper(map[string]string{"APP_RESCUE_ADDR": "abc"})),
			want:     `config: APP_RESCUE_ADDR="abc": must be host:port, e.g. 127.0.0.1:9001`,
		},
		{
			name:     "prefix lookuper, required variable",
			spec:     &typedConfig{},
			lookuper: envconfig.PrefixLookuper("APP_", envconfig.MapLookuper(nil)),
			want:     `config: APP_SECRET="": is required but not set`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			err := config.Load(context.Background(), tc.spec, tc.lookuper)
			if err == nil || err.Error() != tc.want {
				t.Errorf("Load() error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoad_RejectsSpecsThatAreNotStructPointers(t *testing.T) {
	t.Parallel()

	err := config.Load(context.Background(), serverConfig{}, envconfig.MapLookuper(nil))
	if err == nil || !strings.HasPrefix(err.Error(), "config.Load: ") || !errors.Is(err, envconfig.ErrNotPtr) {
		t.Errorf("Load(non-pointer) error = %v, want config.Load: wrapping envconfig.ErrNotPtr", err)
	}
}

func TestWithDefaults_EnvironmentWinsOverDefaults(t *testing.T) {
	t.Parallel()

	defaults := map[string]string{"ADDR": "127.0.0.1:9001"}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "unset uses the default", env: map[string]string{}, want: "127.0.0.1:9001"},
		{name: "set overrides the default", env: map[string]string{"ADDR": "0.0.0.0:8080"}, want: "0.0.0.0:8080"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			var cfg serverConfig
			if err := config.Load(context.Background(), &cfg, config.WithDefaults(envconfig.MapLookuper(tc.env), defaults)); err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if cfg.Addr != tc.want {
				t.Errorf("Addr = %q, want %q", cfg.Addr, tc.want)
			}
		})
	}
}

func TestWithDefaults_SetButEmptyIsNotReplacedByTheDefault(t *testing.T) {
	t.Parallel()

	var cfg serverConfig
	err := config.Load(context.Background(), &cfg,
		config.WithDefaults(envconfig.MapLookuper(map[string]string{"ADDR": ""}), map[string]string{"ADDR": "127.0.0.1:9001"}))
	if err == nil || err.Error() != `config: ADDR="": must be host:port, e.g. 127.0.0.1:9001` {
		t.Errorf("Load() error = %v, want the empty ADDR rejected", err)
	}
}

func TestWithDefaults_ErrorsNameThePrefixedVariable(t *testing.T) {
	t.Parallel()

	var cfg typedConfig
	l := config.WithDefaults(envconfig.PrefixLookuper("APP_", envconfig.MapLookuper(nil)), nil)
	err := config.Load(context.Background(), &cfg, l)
	if err == nil || err.Error() != `config: APP_SECRET="": is required but not set` {
		t.Errorf("Load() error = %v, want APP_SECRET named", err)
	}
}

// TestMustLoad_ExitsWithStatus2AndPrintsTheProblem runs MustLoad in a child
// process, since it exits.
func TestMustLoad_ExitsWithStatus2AndPrintsTheProblem(t *testing.T) {
	t.Parallel()

	if os.Getenv("CONFIG_TEST_MUSTLOAD") == "1" {
		var cfg serverConfig
		config.MustLoad(context.Background(), &cfg)
		os.Exit(0)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestMustLoad_ExitsWithStatus2AndPrintsTheProblem$")
	cmd.Env = append(os.Environ(), "CONFIG_TEST_MUSTLOAD=1", "ADDR=not-an-address")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
		t.Fatalf("child process error = %v, want exit status 2", err)
	}
	want := `config: ADDR="not-an-address": must be host:port, e.g. 127.0.0.1:9001`
	if got := strings.TrimSpace(stderr.String()); got != want {
		t.Errorf("stderr = %q, want %q", got, want)
	}
}

func TestMustLoad_ReturnsWhenTheConfigIsValid(t *testing.T) {
	t.Parallel()

	if os.Getenv("CONFIG_TEST_MUSTLOAD_OK") == "1" {
		var cfg serverConfig
		config.MustLoad(context.Background(), &cfg)
		if cfg.Addr != "127.0.0.1:9001" {
			os.Exit(3)
		}
		os.Exit(0)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestMustLoad_ReturnsWhenTheConfigIsValid$")
	cmd.Env = append(os.Environ(), "CONFIG_TEST_MUSTLOAD_OK=1", "ADDR=127.0.0.1:9001")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child process error = %v, output:\n%s", err, out)
	}
}
