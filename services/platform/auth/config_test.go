package auth_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/config"
)

func TestConfigLoadsDefaultsFromEnvironment(t *testing.T) {
	t.Parallel()
	var cfg auth.Config
	err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(map[string]string{
		"AUTH_OIDC_ISSUER_URL": "https://login.example.org/realms/justice",
	}))
	if err != nil {
		t.Fatalf("config.Load() error = %v", err)
	}
	if cfg.Audience != "justice" || cfg.ClockSkew != 30*time.Second || !slices.Equal(cfg.Algorithms, []string{"ES256", "RS256"}) {
		t.Fatalf("defaults = audience %q, skew %s, algorithms %v; want justice, 30s, [ES256 RS256]",
			cfg.Audience, cfg.ClockSkew, cfg.Algorithms)
	}
}

func TestConfigValidateNamesTheVariableAndWhatIsAllowed(t *testing.T) {
	t.Parallel()
	base := auth.Config{Issuer: "https://issuer.test", Audience: "justice", KeysFile: "/data/issuer-jwks.json",
		ClockSkew: 30 * time.Second, Algorithms: []string{"ES256"}}
	tests := []struct {
		name string
		edit func(c *auth.Config)
		want []string // "" entries: valid
	}{
		{name: "keys file with issuer is valid", edit: func(*auth.Config) {}},
		{name: "OIDC https issuer is valid", edit: func(c *auth.Config) {
			c.KeysFile, c.Issuer, c.OIDCIssuerURL = "", "", "https://login.example.org/realms/justice"
		}},
		{name: "OIDC http loopback issuer is valid", edit: func(c *auth.Config) {
			c.KeysFile, c.OIDCIssuerURL = "", "http://127.0.0.1:8081"
		}},
		{name: "every allowed algorithm is valid", edit: func(c *auth.Config) {
			c.Algorithms = []string{"ES256", "ES384", "RS256", "RS384", "PS256", "EdDSA"}
		}},
		{name: "zero and five minutes of skew are valid", edit: func(c *auth.Config) { c.ClockSkew = 5 * time.Minute }},
		{name: "no key source", edit: func(c *auth.Config) { c.KeysFile = "" },
			want: []string{"AUTH_OIDC_ISSUER_URL", "exactly one"}},
		{name: "both key sources", edit: func(c *auth.Config) { c.OIDCIssuerURL = "https://login.example.org" },
			want: []string{"AUTH_KEYS_FILE", "exactly one"}},
		{name: "keys file without issuer", edit: func(c *auth.Config) { c.Issuer = "" },
			want: []string{"AUTH_ISSUER", "required"}},
		{name: "OIDC plain http off loopback", edit: func(c *auth.Config) {
			c.KeysFile, c.OIDCIssuerURL = "", "http://login.example.org"
		}, want: []string{"AUTH_OIDC_ISSUER_URL", "https"}},
		{name: "OIDC relative URL", edit: func(c *auth.Config) { c.KeysFile, c.OIDCIssuerURL = "", "login" },
			want: []string{"AUTH_OIDC_ISSUER_URL"}},
		{name: "OIDC URL with query", edit: func(c *auth.Config) { c.KeysFile, c.OIDCIssuerURL = "", "https://l.example.org/?a=b" },
			want: []string{"AUTH_OIDC_ISSUER_URL"}},
		{name: "negative skew", edit: func(c *auth.Config) { c.ClockSkew = -time.Second },
			want: []string{"AUTH_CLOCK_SKEW", "between 0s and 5m"}},
		{name: "skew over five minutes", edit: func(c *auth.Config) { c.ClockSkew = 5*time.Minute + time.Second },
			want: []string{"AUTH_CLOCK_SKEW"}},
		{name: "HS256", edit: func(c *auth.Config) { c.Algorithms = []string{"ES256", "HS256"} },
			want: []string{"AUTH_ALGORITHMS", "never none or HS*"}},
		{name: "none", edit: func(c *auth.Config) { c.Algorithms = []string{"none"} },
			want: []string{"AUTH_ALGORITHMS"}},
		{name: "ES512 is not offered", edit: func(c *auth.Config) { c.Algorithms = []string{"ES512"} },
			want: []string{"AUTH_ALGORITHMS", "ES256, ES384, EdDSA, PS256, RS256, RS384"}},
		{name: "blank audience", edit: func(c *auth.Config) { c.Audience = "  " },
			want: []string{"AUTH_AUDIENCE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := base
			cfg.Algorithms = slices.Clone(base.Algorithms)
			tc.edit(&cfg)
			err := cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error containing %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestRolesListsEveryHumanRoleButNotService(t *testing.T) {
	t.Parallel()
	want := []string{auth.RoleAdmin, auth.RoleAuditor, auth.RoleInvestigator, auth.RoleLawyer, auth.RoleOfficeDirector,
		auth.RolePartnerHome, auth.RoleRegionalDirector, auth.RoleSocialWorker, auth.RoleTrainer}
	got := auth.Roles()
	if !slices.Equal(got, want) {
		t.Fatalf("Roles() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if auth.Roles()[0] != auth.RoleAdmin {
		t.Fatal("Roles() returned a slice that aliases the package's list")
	}
	for _, r := range append(want, auth.RoleService) {
		if !auth.KnownRole(r) {
			t.Errorf("KnownRole(%q) = false, want true", r)
		}
	}
	for _, r := range []string{"", "root", "Admin", "superuser"} {
		if auth.KnownRole(r) {
			t.Errorf("KnownRole(%q) = true, want false", r)
		}
	}
}
