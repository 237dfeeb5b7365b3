package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
)

// The google.rpc.ErrorInfo reasons of the errors Verify returns. All are
// UNAUTHENTICATED except ReasonKeysUnavailable (UNAVAILABLE: the issuer's
// keys could not be fetched, which is not the caller's fault).
const (
	ReasonTokenMissing             = "TOKEN_MISSING"
	ReasonTokenMalformed           = "TOKEN_MALFORMED"
	ReasonTokenAlgorithmNotAllowed = "TOKEN_ALGORITHM_NOT_ALLOWED"
	ReasonTokenUnknownKey          = "TOKEN_UNKNOWN_KEY"
	ReasonTokenSignatureInvalid    = "TOKEN_SIGNATURE_INVALID"
	ReasonTokenExpired             = "TOKEN_EXPIRED"
	ReasonTokenNotYetValid         = "TOKEN_NOT_YET_VALID"
	ReasonTokenWrongIssuer         = "TOKEN_WRONG_ISSUER"
	ReasonTokenWrongAudience       = "TOKEN_WRONG_AUDIENCE"
	ReasonTokenMissingClaim        = "TOKEN_MISSING_CLAIM"
	ReasonTokenUnknownRole         = "TOKEN_UNKNOWN_ROLE"
	ReasonKeysUnavailable          = "AUTH_KEYS_UNAVAILABLE"
)

// MaxTokenBytes is the longest token Verify parses; longer ones are
// malformed (a guard against oversized headers).
const MaxTokenBytes = 16 << 10

// AllOfficesClaim is the "offices" claim value that grants every office.
const AllOfficesClaim = "*"

// keysRetryAfter is the RetryInfo of ReasonKeysUnavailable: about when the
// next key fetch is allowed.
const keysRetryAfter = MinKeyRefreshInterval

// Errors of the key lookup done while parsing, classified by Verify.
var (
	errMissingKid       = errors.New("auth: token header has no kid")
	errKeyAlgorithmType = errors.New("auth: token algorithm does not fit its key")
)

// Verifier validates bearer JWTs (RFC 8725): an allowed asymmetric
// algorithm, a signature by the issuer's key named by "kid", the issuer,
// the audience, a required "exp", "nbf" and "iat" within the clock skew, a
// subject and known roles. It is safe for concurrent use.
type Verifier struct {
	issuer   string
	audience string
	algs     []string
	keys     *keySet
	parser   *jwt.Parser
	now      func() time.Time
}

// NewVerifier returns a verifier for cfg. With OIDCIssuerURL it fetches the
// issuer's discovery document and JWKS now (an unreachable issuer is an
// error) and again when a token names an unknown kid, at most once every
// MinKeyRefreshInterval; with KeysFile it reads the file now and again on an
// unknown kid, with the same limit.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth.NewVerifier: %w", err)
	}
	cfg = cfg.withDefaults()
	issuer := cfg.Issuer
	fetch := fileSource{path: cfg.KeysFile}.fetch
	if cfg.OIDCIssuerURL != "" {
		if issuer == "" {
			issuer = cfg.OIDCIssuerURL
		}
		fetch = newOIDCSource(cfg.OIDCIssuerURL, issuer).fetch
	}
	keys, err := newFetchingKeySet(ctx, fetch)
	if err != nil {
		return nil, fmt.Errorf("auth.NewVerifier: %w", err)
	}
	return newVerifier(cfg, issuer, keys), nil
}

// NewVerifierFromJWKS returns a verifier trusting exactly the keys of the
// JWKS document jwks (e.g. Issuer.JWKS()). cfg.Issuer is required;
// cfg.OIDCIssuerURL and cfg.KeysFile are ignored.
func NewVerifierFromJWKS(cfg Config, jwks []byte) (*Verifier, error) {
	problems := cfg.validateCommon()
	if cfg.Issuer == "" {
		problems = append(problems, errors.New("auth: Config.Issuer (AUTH_ISSUER) is required"))
	}
	if err := errors.Join(problems...); err != nil {
		return nil, fmt.Errorf("auth.NewVerifierFromJWKS: %w", err)
	}
	keys, err := parseJWKS(jwks)
	if err != nil {
		return nil, fmt.Errorf("auth.NewVerifierFromJWKS: %w", err)
	}
	cfg = cfg.withDefaults()
	return newVerifier(cfg, cfg.Issuer, newStaticKeySet(keys)), nil
}

func newVerifier(cfg Config, issuer string, keys *keySet) *Verifier {
	v := &Verifier{
		issuer:   issuer,
		audience: cfg.Audience,
		algs:     slices.Clone(cfg.Algorithms),
		keys:     keys,
		now:      time.Now,
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods(v.algs),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(cfg.ClockSkew),
		jwt.WithStrictDecoding(),
		jwt.WithTimeFunc(func() time.Time { return v.now() }),
	)
	return v
}

// Issuer returns the "iss" claim this verifier requires.
func (v *Verifier) Issuer() string { return v.issuer }

// Audience returns the "aud" value this verifier requires.
func (v *Verifier) Audience() string { return v.audience }

// claims are the token claims this package reads.
type claims struct {
	jwt.RegisteredClaims
	Roles     stringList `json:"roles,omitempty"`
	Offices   stringList `json:"offices,omitempty"`
	PartnerID string     `json:"partner_id,omitempty"`
}

// stringList is a claim holding a list of strings; a single string is
// read as a list of one, as some issuers emit it.
type stringList []string

// UnmarshalJSON implements json.Unmarshaler.
func (l *stringList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*l = stringList{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(data, &many); err != nil {
		return fmt.Errorf("auth: claim must be a string or an array of strings: %w", err)
	}
	*l = many
	return nil
}

// Verify validates token (the bare JWT, without "Bearer ") and returns the
// caller it names. Errors are *errs.Error, UNAUTHENTICATED with one of the
// Reason* constants and a message saying what was wrong, never quoting the
// token; UNAVAILABLE ReasonKeysUnavailable when the issuer's keys could not
// be fetched.
func (v *Verifier) Verify(ctx context.Context, token string) (identity.Principal, error) {
	if token == "" {
		return identity.Principal{}, errs.Unauthenticated(ReasonTokenMissing,
			`a bearer token is required: send the header "Authorization: Bearer <token>"`)
	}
	if len(token) > MaxTokenBytes {
		return identity.Principal{}, errs.Unauthenticated(ReasonTokenMalformed,
			"the token is longer than %d bytes", MaxTokenBytes)
	}
	c := &claims{}
	tok, err := v.parser.ParseWithClaims(token, c, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	})
	if err != nil {
		return identity.Principal{}, v.classify(tok, c, err)
	}
	return principalFromClaims(c)
}

// key finds the key named by the token's kid and checks it fits the
// token's algorithm (so an RSA key is never used for an EC token or the like).
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errMissingKid
	}
	k, err := v.keys.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	if !k.fits(t.Method.Alg()) {
		return nil, errKeyAlgorithmType
	}
	return k.key, nil
}

// classify turns a parse error into the caller-facing error. Order matters:
// a token is judged by its form, then its algorithm and key, then its
// signature, and only a genuine token by its claims.
func (v *Verifier) classify(tok *jwt.Token, c *claims, err error) error {
	unauth := errs.Unauthenticated
	if tok == nil || errors.Is(err, jwt.ErrTokenMalformed) {
		return unauth(ReasonTokenMalformed,
			"the token is not a well-formed JWT (header.claims.signature, each base64url-encoded JSON)")
	}
	alg, _ := tok.Header["alg"].(string)
	if alg == "" {
		return unauth(ReasonTokenMalformed, `the token header names no signing algorithm ("alg")`)
	}
	if !slices.Contains(v.algs, alg) {
		return unauth(ReasonTokenAlgorithmNotAllowed,
			"the token is signed with algorithm %s, which is not accepted; accepted algorithms: %s",
			quoteClaim(alg), joinComma(v.algs))
	}
	var unavailable *keysUnavailableError
	switch {
	case errors.As(err, &unavailable):
		return errs.Unavailable(ReasonKeysUnavailable, keysRetryAfter,
			"the token issuer's signing keys could not be fetched; retry later").WithCause(err)
	case errors.Is(err, errMissingKid):
		return unauth(ReasonTokenUnknownKey, `the token header names no signing key ("kid")`)
	case errors.Is(err, errUnknownKey):
		return unauth(ReasonTokenUnknownKey, `the token's signing key ("kid") is not one of the issuer's keys`)
	case errors.Is(err, errKeyAlgorithmType):
		return unauth(ReasonTokenSignatureInvalid,
			"the token's algorithm %s cannot be used with the key it names", alg)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return unauth(ReasonTokenSignatureInvalid, "the token's signature is not valid for the issuer's key")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return unauth(ReasonTokenWrongIssuer, "the token was not issued by the trusted issuer %q", v.issuer)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return unauth(ReasonTokenWrongAudience,
			"the token is not meant for this API: its audience (aud) does not include %q", v.audience)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return unauth(ReasonTokenMissingClaim, "the token has no %q claim; it is required", missingRegisteredClaim(c))
	case errors.Is(err, jwt.ErrTokenExpired):
		return unauth(ReasonTokenExpired, "the token expired at %s; get a new token", formatTime(c.ExpiresAt))
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return unauth(ReasonTokenNotYetValid,
			"the token is not valid before %s (nbf); check the clocks of the issuer and this server", formatTime(c.NotBefore))
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return unauth(ReasonTokenNotYetValid,
			"the token was issued in the future, at %s (iat); check the clocks of the issuer and this server", formatTime(c.IssuedAt))
	default:
		return unauth(ReasonTokenMalformed, "the token could not be validated as a JWT")
	}
}

// missingRegisteredClaim names the required registered claim c lacks.
func missingRegisteredClaim(c *claims) string {
	switch {
	case c.ExpiresAt == nil:
		return "exp"
	case c.Issuer == "":
		return "iss"
	default:
		return "aud"
	}
}

// principalFromClaims checks the claims this package adds to the
// registered ones and builds the caller.
func principalFromClaims(c *claims) (identity.Principal, error) {
	if c.Subject == "" {
		return identity.Principal{}, errs.Unauthenticated(ReasonTokenMissingClaim, `the token has no "sub" claim; it is required`)
	}
	if len(c.Roles) == 0 {
		return identity.Principal{}, errs.Unauthenticated(ReasonTokenMissingClaim,
			`the token has no "roles" claim (or it is empty); it is required`)
	}
	roles := make([]string, 0, len(c.Roles))
	for _, r := range c.Roles {
		if !KnownRole(r) {
			return identity.Principal{}, errs.Unauthenticated(ReasonTokenUnknownRole,
				"the token carries role %s, which is not a known role; known roles: %s", quoteClaim(r), knownRolesList())
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	p := identity.Principal{Subject: c.Subject, Roles: roles, PartnerID: c.PartnerID}
	for _, o := range c.Offices {
		switch {
		case o == AllOfficesClaim:
			p.AllOffices = true
		case o != "" && !slices.Contains(p.Offices, o):
			p.Offices = append(p.Offices, o)
		}
	}
	if p.AllOffices {
		p.Offices = nil
	}
	return p, nil
}

// quoteClaim quotes a value taken from a token for a message, cut to 40
// bytes: it helps the caller without echoing arbitrary token content.
func quoteClaim(s string) string {
	const limit = 40
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "..."
	}
	return strconv.Quote(s)
}

// formatTime renders a claim time in RFC 3339, UTC.
func formatTime(t *jwt.NumericDate) string {
	if t == nil {
		return "an unknown time"
	}
	return t.UTC().Format(time.RFC3339)
}
