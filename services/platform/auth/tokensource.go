package auth

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"

	"github.com/justiceops/justice/services/platform/identity"
)

// Lifetimes of the tokens a service mints for itself.
const (
	// ServiceTokenTTL is how long a service token is valid.
	ServiceTokenTTL = 15 * time.Minute
	// ServiceTokenRenewBefore is how long before expiry a cached service
	// token is replaced, well beyond any clock skew between services.
	ServiceTokenRenewBefore = 5 * time.Minute
)

// ServiceSubjectPrefix starts the subject of every service identity.
const ServiceSubjectPrefix = "svc:"

// TokenSource supplies a bearer token for outgoing calls.
type TokenSource interface {
	// Token returns a currently valid token.
	Token(ctx context.Context) (string, error)
}

// ServiceTokenSource returns the token source of a service calling another:
// subject "svc:<service>", role "service", the given offices (or every office
// when all is true). Tokens last ServiceTokenTTL and are cached, renewed
// ServiceTokenRenewBefore their expiry.
func (i *Issuer) ServiceTokenSource(service string, offices []string, all bool) TokenSource {
	return &serviceTokenSource{
		issuer: i,
		principal: identity.Principal{
			Subject:    ServiceSubjectPrefix + service,
			Roles:      []string{RoleService},
			Offices:    slices.Clone(offices),
			AllOffices: all,
		},
	}
}

type serviceTokenSource struct {
	issuer    *Issuer
	principal identity.Principal

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// Token implements TokenSource.
func (s *serviceTokenSource) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.issuer.now()
	if s.token != "" && now.Before(s.renewAt) {
		return s.token, nil
	}
	token, err := s.issuer.Mint(s.principal, ServiceTokenTTL)
	if err != nil {
		return "", fmt.Errorf("auth.ServiceTokenSource.Token: %w", err)
	}
	s.token = token
	s.renewAt = now.Add(ServiceTokenTTL - ServiceTokenRenewBefore)
	return token, nil
}

// PerRPCCredentials attaches "authorization: Bearer <token>" from ts to
// every outgoing call. It does not require transport security: local
// service-to-service traffic is plaintext on loopback (production adds TLS).
func PerRPCCredentials(ts TokenSource) credentials.PerRPCCredentials {
	return bearerCredentials{ts: ts}
}

type bearerCredentials struct{ ts TokenSource }

// GetRequestMetadata implements credentials.PerRPCCredentials.
func (c bearerCredentials) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	token, err := c.ts.Token(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth.PerRPCCredentials: %w", err)
	}
	return map[string]string{authorizationKey: bearerPrefix + token}, nil
}

// RequireTransportSecurity implements credentials.PerRPCCredentials.
func (bearerCredentials) RequireTransportSecurity() bool { return false }
