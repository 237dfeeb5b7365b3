// Package identity carries the authenticated caller through a request's
// context. Authentication (which fills it) lives in the server interceptors;
// domain and application code only read it, to record who did what.
package identity

import "context"

// Principal is who is calling.
type Principal struct {
	// Subject identifies the caller (a person or a service), e.g. "priya" or "svc:prosecution".
	Subject string
	// Roles held by the caller, e.g. "investigator".
	Roles []string
	// Offices the caller may act in; AllOffices means every configured office.
	Offices []string
	// AllOffices is true when the caller's scope is every office.
	AllOffices bool
	// PartnerID identifies the partner organisation (e.g. the aftercare home)
	// a partner_home caller acts for; "" for office staff and services.
	PartnerID string
}

// Anonymous is the principal of a request that carried no credentials.
var Anonymous = Principal{Subject: "anonymous"}

type ctxKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller, or Anonymous if none was set.
func FromContext(ctx context.Context) Principal {
	if p, ok := ctx.Value(ctxKey{}).(Principal); ok {
		return p
	}
	return Anonymous
}
