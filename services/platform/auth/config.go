package auth

import (
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/justiceops/justice/services/platform/config"
)

// Defaults of the Config fields that have one, also used for a Config whose
// field is zero (e.g. a literal in a test).
const (
	DefaultAudience  = "justice"
	DefaultClockSkew = 30 * time.Second
)

// MaxClockSkew is the largest AUTH_CLOCK_SKEW accepted: a larger leeway would
// keep expired tokens alive for too long.
const MaxClockSkew = 5 * time.Minute

// DefaultAlgorithms are the signing algorithms accepted when AUTH_ALGORITHMS is unset.
var DefaultAlgorithms = []string{"ES256", "RS256"}

// allowedAlgorithms are the only algorithms a Config may list: asymmetric
// ones (RFC 8725 §3.1, §3.2). "none" and the HMAC family are never allowed,
// so a public key can never be used as an HMAC secret.
var allowedAlgorithms = []string{"ES256", "ES384", "EdDSA", "PS256", "RS256", "RS384"}

// Config configures a Verifier. Load it with package config.
//
// Exactly one key source is set: AUTH_OIDC_ISSUER_URL (production: the
// issuer's discovery document names its JWKS, fetched and cached) or
// AUTH_KEYS_FILE (a JWKS file, e.g. the local stack's issuer-jwks.json).
type Config struct {
	// Issuer is the expected "iss" claim. Required with KeysFile; with
	// OIDCIssuerURL it defaults to that URL.
	Issuer string `env:"AUTH_ISSUER"`
	// Audience is the expected "aud" claim: tokens must name it.
	Audience string `env:"AUTH_AUDIENCE, default=justice"`
	// OIDCIssuerURL is the OpenID Connect issuer whose
	// /.well-known/openid-configuration names the JWKS.
	OIDCIssuerURL string `env:"AUTH_OIDC_ISSUER_URL"`
	// KeysFile is a JWKS JSON file with the issuer's public keys.
	KeysFile string `env:"AUTH_KEYS_FILE"`
	// ClockSkew is the leeway allowed on exp, nbf and iat (0..5m).
	ClockSkew time.Duration `env:"AUTH_CLOCK_SKEW, default=30s"`
	// Algorithms are the accepted signing algorithms, from ES256, ES384,
	// RS256, RS384, PS256, EdDSA.
	Algorithms []string `env:"AUTH_ALGORITHMS, default=ES256,RS256"`
}

// Validate reports every field that is not usable, naming its variable.
func (c Config) Validate() error {
	var problems []error
	switch {
	case c.OIDCIssuerURL == "" && c.KeysFile == "":
		problems = append(problems, config.Invalid("AUTH_OIDC_ISSUER_URL", "",
			"set exactly one of AUTH_OIDC_ISSUER_URL (an OpenID Connect issuer) or AUTH_KEYS_FILE (a JWKS file); both are empty"))
	case c.OIDCIssuerURL != "" && c.KeysFile != "":
		problems = append(problems, config.Invalid("AUTH_KEYS_FILE", c.KeysFile,
			"set exactly one of AUTH_OIDC_ISSUER_URL or AUTH_KEYS_FILE; both are set"))
	case c.OIDCIssuerURL != "":
		if err := validateIssuerURL(c.OIDCIssuerURL); err != nil {
			problems = append(problems, err)
		}
	case c.Issuer == "":
		problems = append(problems, config.Invalid("AUTH_ISSUER", "",
			"is required with AUTH_KEYS_FILE: the expected \"iss\" claim, e.g. https://auth.justice.example"))
	}
	problems = append(problems, c.validateCommon()...)
	return errors.Join(problems...)
}

// validateCommon checks the fields every verifier needs, whatever its key source.
func (c Config) validateCommon() []error {
	var problems []error
	if strings.TrimSpace(c.Audience) == "" && c.Audience != "" {
		problems = append(problems, config.Invalid("AUTH_AUDIENCE", c.Audience, "must not be blank, e.g. justice"))
	}
	if c.ClockSkew < 0 || c.ClockSkew > MaxClockSkew {
		problems = append(problems, config.Invalid("AUTH_CLOCK_SKEW", c.ClockSkew.String(),
			"must be between 0s and 5m, e.g. 30s"))
	}
	for _, alg := range c.Algorithms {
		if !slices.Contains(allowedAlgorithms, alg) {
			problems = append(problems, config.Invalid("AUTH_ALGORITHMS", strings.Join(c.Algorithms, ","),
				"may list only "+joinComma(allowedAlgorithms)+" (asymmetric algorithms; never none or HS*)"))
			break
		}
	}
	return problems
}

// validateIssuerURL accepts an absolute https URL, or http on a loopback
// host (the local stack and tests).
func validateIssuerURL(raw string) error {
	const allowed = "must be an absolute https URL without query or fragment, e.g. https://login.example.org/realms/justice " +
		"(http only on localhost)"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return config.Invalid("AUTH_OIDC_ISSUER_URL", raw, allowed)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return config.Invalid("AUTH_OIDC_ISSUER_URL", raw, allowed)
}

// isLoopback reports whether host is localhost or a loopback IP.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// withDefaults fills zero fields with the documented defaults.
func (c Config) withDefaults() Config {
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = slices.Clone(DefaultAlgorithms)
	}
	return c
}

// joinComma joins items with ", ".
func joinComma(items []string) string { return strings.Join(items, ", ") }
