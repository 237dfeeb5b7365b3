package auth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/justiceops/justice/services/platform/identity"
)

// The files LoadOrCreateIssuer keeps in its directory.
const (
	IssuerKeyFile  = "issuer-key.pem"
	IssuerJWKSFile = "issuer-jwks.json"
)

// Issuer is the local stack's own token issuer: an ES256 key kept in the
// data directory, so tokens stay valid across restarts. Production uses an
// OpenID Connect issuer instead. An Issuer is safe for concurrent use.
type Issuer struct {
	key      *ecdsa.PrivateKey
	kid      string
	issuer   string
	audience string
	jwksPath string
	jwks     []byte
	now      func() time.Time
}

// LoadOrCreateIssuer loads the issuer key from dir/issuer-key.pem, creating
// it (mode 0600, dir 0700) if absent, and (re)writes dir/issuer-jwks.json
// with the public key for verifiers (AUTH_KEYS_FILE). The key's kid is its
// RFC 7638 thumbprint. A key file readable by group or others is refused.
func LoadOrCreateIssuer(dir, issuer, audience string) (*Issuer, error) {
	if issuer == "" {
		return nil, errors.New("auth.LoadOrCreateIssuer: issuer is required, e.g. http://127.0.0.1:8080")
	}
	if audience == "" {
		audience = DefaultAudience
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth.LoadOrCreateIssuer: %w", err)
	}
	// MkdirAll keeps an existing directory's mode; the key's directory must be private.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth.LoadOrCreateIssuer: %w", err)
	}
	keyPath := filepath.Join(dir, IssuerKeyFile)
	key, err := loadKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKey(keyPath)
	}
	if err != nil {
		return nil, fmt.Errorf("auth.LoadOrCreateIssuer: %w", err)
	}
	pub, err := ecJWK(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("auth.LoadOrCreateIssuer: %w", err)
	}
	set, err := json.MarshalIndent(jwks{Keys: []jwk{pub}}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("auth.LoadOrCreateIssuer: %w", err)
	}
	set = append(set, '\n')
	jwksPath := filepath.Join(dir, IssuerJWKSFile)
	if err := writeFileAtomic(jwksPath, set, 0o644); err != nil {
		return nil, fmt.Errorf("auth.LoadOrCreateIssuer: %w", err)
	}
	return &Issuer{
		key:      key,
		kid:      pub.Kid,
		issuer:   issuer,
		audience: audience,
		jwksPath: jwksPath,
		jwks:     set,
		now:      time.Now,
	}, nil
}

// loadKey reads an ES256 private key (PKCS #8 or SEC 1 PEM).
func loadKey(path string) (*ecdsa.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %#o; it must be readable by its owner only (chmod 600 %s)",
			path, info.Mode().Perm(), path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s is not a PEM file", path)
	}
	var parsed any
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		parsed, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%s holds a %q PEM block; want PRIVATE KEY", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	key, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s is not an ECDSA P-256 (ES256) key", path)
	}
	return key, nil
}

// createKey generates a key and stores it at path without ever replacing
// an existing file: if another process created the key first, its key wins
// and is loaded.
func createKey(path string) (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	tmp, err := writeTemp(filepath.Dir(path), data, 0o600)
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.Remove(tmp) }()
	// Link fails if path exists, unlike Rename: concurrent starts agree on one key.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(path)
		}
		return nil, err
	}
	return key, nil
}

// writeFileAtomic replaces path with data (mode perm) through a rename, so
// readers never see a partial file.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := writeTemp(filepath.Dir(path), data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// writeTemp writes data to a new temporary file in dir with mode perm and
// returns its name.
func writeTemp(dir string, data []byte, perm fs.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		_ = f.Close()
		_ = os.Remove(name)
		return "", err
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(name)
		return "", err
	}
	return name, nil
}

// Mint returns a token for p valid for ttl from now: iss, aud, sub, iat,
// nbf, exp, a random jti, "roles" and "offices" (["*"] when p.AllOffices).
// p needs a subject and at least one known role.
func (i *Issuer) Mint(p identity.Principal, ttl time.Duration) (string, error) {
	if p.Subject == "" {
		return "", errors.New("auth.Issuer.Mint: the principal has no subject")
	}
	if len(p.Roles) == 0 {
		return "", errors.New("auth.Issuer.Mint: the principal has no role; known roles: " + knownRolesList())
	}
	for _, r := range p.Roles {
		if !KnownRole(r) {
			return "", fmt.Errorf("auth.Issuer.Mint: role %q is not known; known roles: %s", r, knownRolesList())
		}
	}
	if ttl <= 0 {
		return "", fmt.Errorf("auth.Issuer.Mint: ttl must be positive; got %s", ttl)
	}
	offices := slices.Clone(p.Offices)
	if p.AllOffices {
		offices = []string{AllOfficesClaim}
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("auth.Issuer.Mint: %w", err)
	}
	now := i.now().Truncate(time.Second)
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.issuer,
			Subject:   p.Subject,
			Audience:  jwt.ClaimStrings{i.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(jti),
		},
		Roles:     slices.Clone(p.Roles),
		Offices:   offices,
		PartnerID: p.PartnerID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodES256, c)
	t.Header["kid"] = i.kid
	signed, err := t.SignedString(i.key)
	if err != nil {
		return "", fmt.Errorf("auth.Issuer.Mint: %w", err)
	}
	return signed, nil
}

// JWKS returns the issuer's public key set (the content of issuer-jwks.json).
func (i *Issuer) JWKS() []byte { return slices.Clone(i.jwks) }

// KeyID returns the kid of the issuer's key.
func (i *Issuer) KeyID() string { return i.kid }

// Config returns a verifier configuration matching this issuer: its issuer
// and audience, KeysFile pointing at issuer-jwks.json, the default clock
// skew, and ES256 (the only algorithm this issuer signs with) as the
// accepted algorithm. Use it with NewVerifier, or with NewVerifierFromJWKS
// and JWKS().
func (i *Issuer) Config() Config {
	return Config{
		Issuer:     i.issuer,
		Audience:   i.audience,
		KeysFile:   i.jwksPath,
		ClockSkew:  DefaultClockSkew,
		Algorithms: []string{"ES256"},
	}
}
