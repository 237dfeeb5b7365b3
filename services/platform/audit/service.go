package audit

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/resname"
)

// Collection is the collection segment of audit entry names:
// offices/{office}/auditEntries/{audit_entry}.
const Collection = "auditEntries"

// auditService serves auditv1.AuditService from a Store.
type auditService struct {
	auditv1.UnimplementedAuditServiceServer
	store    *Store
	registry *office.Registry
	service  string
}

// NewAuditService returns the AuditService of a service (e.g. "rescue") on
// its audit Store. Who may call it is the policy table's business (the
// auditor role); the service itself limits every listing to the caller's
// offices.
//
// ListAuditEntries lists only the entries of service (all services' when
// service is ""), of the office in the parent, resolved with
// auth.OfficeScope: offices/{office} lists that office's entries if the
// caller holds it and NOT_FOUND otherwise (as for an office that does not
// exist); offices/- lists the entries of every configured office the caller
// holds. A caller whose scope is every office (AllOffices) listing offices/-
// sees every entry: also those without an office, i.e. Office "" (denied
// attempts whose resource named no parsable office) or "-" (calls over all
// of a caller's offices), and those of offices no longer configured. Such
// entries are named offices/-/auditEntries/{id}; no one else sees them.
func NewAuditService(store *Store, registry *office.Registry, service string) auditv1.AuditServiceServer {
	return &auditService{store: store, registry: registry, service: service}
}

// ListAuditEntries lists the caller's offices' entries, newest first.
func (s *auditService) ListAuditEntries(ctx context.Context, req *auditv1.ListAuditEntriesRequest) (*auditv1.ListAuditEntriesResponse, error) {
	requested, err := resname.ParseParent(req.GetParent(), "parent")
	if err != nil {
		return nil, fmt.Errorf("audit.ListAuditEntries: %w", err)
	}
	caller := identity.FromContext(ctx)
	offices, err := auth.OfficeScope(caller, requested, s.registry.Codes())
	if err != nil {
		return nil, fmt.Errorf("audit.ListAuditEntries: %w", err)
	}
	page, err := s.store.List(ctx, Query{
		Offices:    offices,
		AllOffices: requested == resname.AllOffices && caller.AllOffices,
		Service:    s.service,
		QueryKey:   "offices/" + requested,
		Filter:     req.GetFilter(),
		PageToken:  req.GetPageToken(),
		PageSize:   req.GetPageSize(),
	})
	if err != nil {
		return nil, fmt.Errorf("audit.ListAuditEntries: %w", err)
	}
	resp := &auditv1.ListAuditEntriesResponse{
		AuditEntries:  make([]*auditv1.AuditEntry, len(page.Items)),
		NextPageToken: page.NextPageToken,
	}
	for i, e := range page.Items {
		resp.AuditEntries[i] = ToProto(e)
	}
	return resp, nil
}

// ToProto converts an entry to its API form. The office is part of the
// name; entries without a valid office code are named offices/-/auditEntries/{id}.
func ToProto(e Entry) *auditv1.AuditEntry {
	return &auditv1.AuditEntry{
		Name:      Name(e),
		Time:      timestamppb.New(e.Time),
		Subject:   e.Subject,
		Roles:     e.Roles,
		Offices:   e.Offices,
		Action:    e.Action,
		Resource:  e.Resource,
		RequestId: e.RequestID,
		Outcome:   outcomeProto(e.Outcome),
		Code:      e.Code,
		Service:   e.Service,
	}
}

// Name returns the resource name of e: offices/{office}/auditEntries/{id},
// with office "-" when e.Office is not a valid office code ("" or "-").
func Name(e Entry) string {
	o := e.Office
	if _, err := resname.ParseParent("offices/"+o, "parent"); err != nil {
		o = resname.AllOffices
	}
	return resname.Format(o, Collection, e.ID)
}

// outcomeProto maps a stored outcome to the API enum.
func outcomeProto(outcome string) auditv1.Outcome {
	switch outcome {
	case OutcomeAllowed:
		return auditv1.Outcome_OUTCOME_ALLOWED
	case OutcomeDenied:
		return auditv1.Outcome_OUTCOME_DENIED
	case OutcomeFailed:
		return auditv1.Outcome_OUTCOME_FAILED
	default:
		return auditv1.Outcome_OUTCOME_UNSPECIFIED
	}
}
