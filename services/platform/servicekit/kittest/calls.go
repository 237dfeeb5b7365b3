package kittest

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/metadata"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
)

// TokenTTL is how long the tokens Mint makes are valid.
const TokenTTL = 10 * time.Minute

// Mint returns a bearer token for p from issuer, valid for TokenTTL.
func Mint(t testing.TB, issuer *auth.Issuer, p identity.Principal) string {
	t.Helper()
	tok, err := issuer.Mint(p, TokenTTL)
	if err != nil {
		t.Fatalf("kittest.Mint: %v", err)
	}
	return tok
}

// As returns the context of one call (Context) made as p: its outgoing
// metadata carries a bearer token for p from issuer. Use it with a client
// whose connection carries no credentials of its own.
func As(t testing.TB, issuer *auth.Issuer, p identity.Principal) context.Context {
	t.Helper()
	return metadata.AppendToOutgoingContext(Context(t), "authorization", "Bearer "+Mint(t, issuer, p))
}

// RoleCaller is a caller holding one role and the given offices, named
// after them (e.g. "lawyer-mumbai").
func RoleCaller(role string, offices ...string) identity.Principal {
	return identity.Principal{Subject: role + "-" + strings.Join(offices, "-"), Roles: []string{role}, Offices: offices}
}

// FreeAddr returns a loopback address whose port was free a moment ago,
// for a server that must be told its address before it listens.
func FreeAddr(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	if err := lis.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
