package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Limits of the documents fetched from an issuer.
const (
	maxDocumentBytes = 1 << 20
	fetchTimeout     = 10 * time.Second
)

// discoveryDocument holds the members of an OpenID Provider's
// configuration (OpenID Connect Discovery 1.0 §3) this package uses.
type discoveryDocument struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// oidcSource fetches an OpenID Connect issuer's keys: the discovery
// document, then the JWKS it names (again on every refresh, so a moved
// jwks_uri is followed).
type oidcSource struct {
	issuerURL      string
	expectedIssuer string
	client         *http.Client
}

// newOIDCSource returns the source for cfg.OIDCIssuerURL, whose discovery
// document must name expectedIssuer as its issuer.
func newOIDCSource(issuerURL, expectedIssuer string) *oidcSource {
	return &oidcSource{
		issuerURL:      issuerURL,
		expectedIssuer: expectedIssuer,
		client:         &http.Client{Timeout: fetchTimeout},
	}
}

// fetch returns the issuer's current signing keys.
func (s *oidcSource) fetch(ctx context.Context) (map[string]publicKey, error) {
	discoveryURL := strings.TrimSuffix(s.issuerURL, "/") + "/.well-known/openid-configuration"
	body, err := s.get(ctx, discoveryURL)
	if err != nil {
		return nil, err
	}
	var doc discoveryDocument
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("auth.oidcSource.fetch: %s is not an OpenID configuration document: %w", discoveryURL, err)
	}
	if doc.Issuer != s.expectedIssuer {
		return nil, fmt.Errorf("auth.oidcSource.fetch: %s names issuer %q; want %q (set AUTH_ISSUER if tokens carry another issuer)",
			discoveryURL, doc.Issuer, s.expectedIssuer)
	}
	if err := s.checkJWKSURI(doc.JWKSURI); err != nil {
		return nil, err
	}
	body, err = s.get(ctx, doc.JWKSURI)
	if err != nil {
		return nil, err
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("auth.oidcSource.fetch: %s: %w", doc.JWKSURI, err)
	}
	return keys, nil
}

// checkJWKSURI accepts an absolute https URL, or http when the issuer URL
// itself is http (loopback only, see Config.Validate).
func (s *oidcSource) checkJWKSURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("auth.oidcSource.fetch: jwks_uri %q is not an absolute URL", raw)
	}
	if u.Scheme == "https" || (u.Scheme == "http" && strings.HasPrefix(s.issuerURL, "http://") && isLoopback(u.Hostname())) {
		return nil
	}
	return fmt.Errorf("auth.oidcSource.fetch: jwks_uri %q must use https", raw)
}

// get fetches a JSON document of at most maxDocumentBytes.
func (s *oidcSource) get(ctx context.Context, target string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("auth.oidcSource.get: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth.oidcSource.get: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth.oidcSource.get: GET %s: HTTP status %d", target, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("auth.oidcSource.get: GET %s: %w", target, err)
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("auth.oidcSource.get: GET %s: document larger than %d bytes", target, maxDocumentBytes)
	}
	return body, nil
}

// fileSource reads a JWKS file (AUTH_KEYS_FILE), again on refresh, so a
// rotated key file is picked up.
type fileSource struct{ path string }

// fetch returns the keys in the file.
func (s fileSource) fetch(context.Context) (map[string]publicKey, error) {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return nil, fmt.Errorf("auth.fileSource.fetch: AUTH_KEYS_FILE: %w", err)
	}
	keys, err := parseJWKS(data)
	if err != nil {
		return nil, fmt.Errorf("auth.fileSource.fetch: %s: %w", s.path, err)
	}
	return keys, nil
}
