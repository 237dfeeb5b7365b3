// Package auditmerge serves justice.audit.v1.AuditService at the gateway as
// one audit log over every service's. Each service keeps its own audit log
// and serves it under the same REST route, GET
// /v1/{parent=offices/*}/auditEntries; the edge answers that route itself
// with a Server, which asks every Source (each service's AuditService) for
// the same parent, filter and page_size with the caller's own token (package
// forward: each service applies its own policy, auditors only, and the
// caller's office scope, and audits the call), and merges the answers.
//
// # Order
//
// Each service lists its entries newest first, then by entry id
// (audit.Store sorts by time descending, then _id ascending). The merge
// keeps that order across services: by time, newest first, then by entry id
// (the last segment of the name), then by the order the sources were
// registered in.
//
// # Paging
//
// A page holds at most page_size entries (0 means 50, at most 500, as the
// services'), fewer only on the last page. Its next_page_token is composite,
// the base64url of a small JSON document bound to the parent and filter: for
// each source, the source's page token of the page being read, how many
// entries of that page were already returned, and the time and id of the
// last entry it returned (or that it is exhausted). A token that is not one
// the Server issued for the same parent, filter and sources is
// INVALID_ARGUMENT INVALID_PAGE_TOKEN, as the services answer. The
// services' own page tokens inside remain tamper-evident; the rest only
// decides which of the entries the caller may list come next, so altering
// it gains nothing.
//
// The last returned entry guards the count: entries recorded at the head of
// a source's first page since the previous page shift that page, so the
// entries a count would skip are checked against the last one returned and
// none is listed twice. As with any newest-first keyset listing, entries
// recorded after the listing began are not in its later pages.
//
// # Failures
//
// Audit must not be silently partial: if a source fails, the whole call
// fails with that source's status code and details, its message saying
// which service's audit log failed, and every ErrorInfo carries the metadata
// source=<name> (an ErrorInfo with reason AUDIT_SOURCE_FAILED is added when
// the status has none, e.g. a transport failure, whose message, naming
// addresses, is replaced by a plain one).
package auditmerge

import (
	"context"

	"github.com/justiceops/justice/gateway/internal/forward"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/auth"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of the merged audit log's
// own errors: the gateway's.
const ErrorDomain = forward.ErrorDomain

// ReasonSourceFailed is the ErrorInfo reason added to a failed source's
// status when it carries no ErrorInfo of its own (a transport failure, a
// timeout); its metadata "source" names the source.
const ReasonSourceFailed = "AUDIT_SOURCE_FAILED"

// maxFetchesPerSource bounds the calls to one source in one
// ListAuditEntries: a source that keeps answering pages with nothing new
// fails the call instead of looping.
const maxFetchesPerSource = 64

// Source is one service's audit log.
type Source struct {
	// Name identifies the source in errors and page tokens, e.g. "rescue"; unique.
	Name string
	// Client calls the service's AuditService. Its connection must not add
	// per-RPC credentials: the caller's token is forwarded.
	Client auditv1.AuditServiceClient
}

// Server implements auditv1.AuditServiceServer over every source. It is
// safe for concurrent use.
type Server struct {
	auditv1.UnimplementedAuditServiceServer
	sources []Source
}

var _ auditv1.AuditServiceServer = (*Server)(nil)

// New returns the merged audit log of sources, in that order (the order of
// ties and of page tokens). It panics on programming errors: no source, or
// a source with an empty or duplicate name or a nil Client.
func New(sources ...Source) *Server {
	if len(sources) == 0 {
		panic("auditmerge.New: no source")
	}
	forward.CheckSources("auditmerge.New", sources,
		func(s Source) string { return s.Name }, func(s Source) any { return s.Client })
	return &Server{sources: append([]Source(nil), sources...)}
}

// ListAuditEntries lists the entries of every source, newest first: see
// the package documentation.
func (s *Server) ListAuditEntries(ctx context.Context, req *auditv1.ListAuditEntriesRequest) (*auditv1.ListAuditEntriesResponse, error) {
	resp, err := s.list(ctx, req)
	if err != nil {
		return nil, forward.Status(ctx, auditv1.AuditService_ListAuditEntries_FullMethodName, err)
	}
	return resp, nil
}

// Policy returns the access rule of the merged AuditService for
// auth.ServerOptions when it is served over gRPC: auditors only, as every
// service's own. The calls are not audited here: each service audits the
// call it gets. A fresh map on every call.
func Policy() auth.Policy {
	return auth.Policy{
		auditv1.AuditService_ListAuditEntries_FullMethodName: {Roles: []string{auth.RoleAuditor}},
	}
}
