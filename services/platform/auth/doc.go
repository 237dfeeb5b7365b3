// Package auth authenticates callers by bearer JWT (RFC 8725), authorizes
// each RPC against one policy table of roles, scopes access to the caller's
// offices, and hands every audited call to an Auditor. The same verifier
// runs at the REST edge and in every service, so a service reached directly
// is still protected.
package auth
