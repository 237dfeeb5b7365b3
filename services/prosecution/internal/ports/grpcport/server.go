// Package grpcport implements the justice.prosecution.v1.ProsecutionService
// gRPC API over the application: it parses resource names against the
// office registry, translates protobuf to domain values and back, wraps
// creates and transitions in request_id idempotency (apireq), and returns
// the platform's typed errors, which the platform server interceptor turns
// into statuses with ErrorInfo reasons and field violations.
// MetricsServer implements the service's part of the cross-office metrics.
//
// Access is decided in three places. Policy (policy.go) says which roles
// may call each RPC; the platform's auth interceptors enforce it, and audit
// the RPCs that touch survivor links, before a handler runs. The office
// scope is enforced by the application in every repository query. Field
// visibility is enforced here: a caller who sees only victim-witnesses'
// support fields (SupportOnly) gets no testimony field and may change only
// support fields.
//
// Nothing here logs request or response bodies.
package grpcport

import (
	"context"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	prosecutionv1 "github.com/justiceops/justice/proto/gen/go/justice/prosecution/v1"
	"github.com/justiceops/justice/services/platform/apireq"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/prosecution/internal/app"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// Server implements prosecutionv1.ProsecutionServiceServer.
type Server struct {
	prosecutionv1.UnimplementedProsecutionServiceServer

	app     *app.Application
	offices *apireq.Offices
	idem    *apireq.Idempotency
}

var _ prosecutionv1.ProsecutionServiceServer = (*Server)(nil)

// New returns the gRPC API over the application. keys encrypt the
// responses the idempotency store keeps, with the keys of the office each
// request writes to (*fieldcrypt.Keyring implements them).
func New(application *app.Application, offices *office.Registry, idem *idempotency.Store, keys apireq.OfficeKeys) *Server {
	return &Server{app: application, offices: apireq.NewOffices(offices), idem: apireq.NewIdempotency(idem, keys)}
}

// caseName parses the name of a case.
func (s *Server) caseName(name, field string) (office, caseID string, err error) {
	office, ids, err := s.offices.Name(name, field, domain.CollectionCases)
	if err != nil {
		return "", "", err
	}
	return office, ids[0], nil
}

// childName parses the name of a record of the collection under a case.
func (s *Server) childName(name, field, collection string) (app.Target, error) {
	office, ids, err := s.offices.Name(name, field, domain.CollectionCases, collection)
	if err != nil {
		return app.Target{}, err
	}
	return app.Target{Office: office, CaseID: ids[0], ID: ids[1]}, nil
}

// caseParent parses the parent of a create under a case: a case of an
// office the caller holds.
func (s *Server) caseParent(ctx context.Context, parent string) (office, caseID string, err error) {
	office, ids, err := s.offices.CreateParent(ctx, parent, "parent", domain.CollectionCases)
	if err != nil {
		return "", "", err
	}
	return office, ids[0], nil
}

// listUnder parses the parent of a List of records under a case (with
// anyCase, offices/{office}/cases/- too) into the office and case, and the
// query the application runs.
func (s *Server) listUnder(ctx context.Context, parent string, anyCase bool, page pageRequest) (string, string, app.ListQuery, error) {
	office, ids, err := s.offices.OfficeListScope(ctx, parent, "parent", anyCase, domain.CollectionCases)
	if err != nil {
		return "", "", app.ListQuery{}, err
	}
	return office, ids[0], listQuery([]string{office}, parent, page), nil
}

// pageRequest is what every List request has.
type pageRequest interface {
	GetPageSize() int32
	GetPageToken() string
	GetFilter() string
	GetOrderBy() string
}

func listQuery(offices []string, parent string, req pageRequest) app.ListQuery {
	return app.ListQuery{
		Offices: offices, QueryKey: parent, Filter: req.GetFilter(), OrderBy: req.GetOrderBy(),
		PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
	}
}

// transitionRequest is what every request that changes an existing record
// under its request_id has.
type transitionRequest interface {
	proto.Message
	GetName() string
	GetEtag() string
	GetRequestId() string
}

// target parses the name, etag and request_id of a request on a case
// (collection "") or on a record of the collection under a case.
func (s *Server) target(req transitionRequest, collection string) (app.Target, error) {
	var t app.Target
	var err error
	if collection == "" {
		t.Office, t.CaseID, err = s.caseName(req.GetName(), "name")
	} else {
		t, err = s.childName(req.GetName(), "name", collection)
	}
	if err != nil {
		return app.Target{}, err
	}
	if err := apireq.CheckRequestID(req.GetRequestId()); err != nil {
		return app.Target{}, err
	}
	t.Etag, t.RequestID = req.GetEtag(), req.GetRequestId()
	return t, nil
}

// once runs fn under the request's request_id (apireq.Idempotent), telling
// it whether an earlier attempt may have applied.
func once[R any, PR interface {
	*R
	proto.Message
}](ctx context.Context, s *Server, method string, t app.Target, req proto.Message, fn func(ctx context.Context, t app.Target) (PR, error)) (PR, error) {
	return apireq.Idempotent(ctx, s.idem, method, t.Office, t.RequestID, req,
		func(ctx context.Context, a idempotency.Attempt) (PR, error) {
			t.Retry = a.Retry
			return fn(ctx, t)
		})
}

// createRequest is what every Create request has.
type createRequest interface {
	proto.Message
	GetParent() string
	GetRequestId() string
}

// newRecord is how a Create handler makes its record.
type newRecord[C any, PR any] struct {
	// field is the request field of the resource, e.g. "accused", and
	// present whether the request has it.
	field   string
	present bool
	// command converts the request into the application's command for
	// the parent's office and case, recording invalid values on v.
	command func(v *errs.Violations, office, caseID string) C
	// check is the application's check of the command's input.
	check func(C) error
	// create creates the record with the id reserved for it, told whether
	// an earlier attempt may have applied.
	create func(ctx context.Context, cmd C, id string, retry bool) (PR, error)
}

// create runs a Create: it parses the parent (a case of an office the
// caller holds when underCase, else an office the caller holds), checks
// the request_id, the resource and the command's input, all before
// anything is written, then creates the record under the request_id.
func create[C any, R any, PR interface {
	*R
	proto.Message
}](ctx context.Context, s *Server, method string, req createRequest, underCase bool, n newRecord[C, PR]) (PR, error) {
	var office, caseID string
	var err error
	if underCase {
		office, caseID, err = s.caseParent(ctx, req.GetParent())
	} else {
		office, _, err = s.offices.CreateParent(ctx, req.GetParent(), "parent")
	}
	if err != nil {
		return nil, err
	}
	if err := apireq.CheckRequestID(req.GetRequestId()); err != nil {
		return nil, err
	}
	if !n.present {
		// Only the missing resource: its fields' own "required"s would bury it.
		var v errs.Violations
		apireq.Required(&v, n.field, false)
		return nil, v.Err()
	}
	var v errs.Violations
	cmd := n.command(&v, office, caseID)
	if err := apireq.Invalid(v, n.check(cmd)); err != nil {
		return nil, err
	}
	return apireq.Idempotent(ctx, s.idem, method, office, req.GetRequestId(), req,
		func(ctx context.Context, a idempotency.Attempt) (PR, error) { return n.create(ctx, cmd, a.ID, a.Retry) })
}

// resource is the resource message of an Update request.
type resource interface {
	proto.Message
	GetName() string
	GetEtag() string
}

// updateOf parses an Update of a record of collection under a case (a case
// itself for collection ""): the resource, held by the request field
// field, with its name and etag; its update mask, naming fields of
// updatable; and the values of the masked fields (convert, whose
// violations on fields the mask does not name are no error).
func updateOf[F ~string, V any](s *Server, res resource, field, collection string, mask *fieldmaskpb.FieldMask, updatable []F,
	convert func(v *errs.Violations) V) (app.Target, []F, V, error) {
	var zero V
	if !res.ProtoReflect().IsValid() {
		return app.Target{}, nil, zero, errs.Violations{{Field: field, Description: "is required, with its name"}}.Err()
	}
	var t app.Target
	var err error
	if collection == "" {
		t.Office, t.CaseID, err = s.caseName(res.GetName(), field+".name")
	} else {
		t, err = s.childName(res.GetName(), field+".name", collection)
	}
	if err != nil {
		return app.Target{}, nil, zero, err
	}
	fields, err := apireq.UpdateMask(mask, res, updatable)
	if err != nil {
		return app.Target{}, nil, zero, err
	}
	var v errs.Violations
	values := convert(&v)
	if err := apireq.OnlyMasked(v, field, fields).Err(); err != nil {
		return app.Target{}, nil, zero, err
	}
	t.Etag = res.GetEtag()
	return t, fields, values, nil
}

// result converts a use case's answer with out.
func result[T, P any](out func(T) P) func(T, error) (P, error) {
	return func(rec T, err error) (P, error) {
		if err != nil {
			var zero P
			return zero, err
		}
		return out(rec), nil
	}
}

// get runs a Get of a record of collection under a case.
func get[T, P any](ctx context.Context, s *Server, name, collection string, read func(ctx context.Context, office, caseID, id string) (T, error),
	out func(T) P) (P, error) {
	t, err := s.childName(name, "name", collection)
	if err != nil {
		var zero P
		return zero, err
	}
	return result(out)(read(ctx, t.Office, t.CaseID, t.ID))
}

// listRequest is a List request of records under a case.
type listRequest interface {
	pageRequest
	GetParent() string
}

// list runs a List of records under a case (with anyCase, of every case
// of an office too) and returns the page's records and its next page token.
func list[T any](ctx context.Context, s *Server, req listRequest, anyCase bool,
	read func(ctx context.Context, office, caseID string, q app.ListQuery) (domain.Page[T], error)) ([]T, string, error) {
	office, caseID, q, err := s.listUnder(ctx, req.GetParent(), anyCase, req)
	if err != nil {
		return nil, "", err
	}
	page, err := read(ctx, office, caseID, q)
	return page.Items, page.NextPageToken, err
}

// each converts the records of a page with out.
func each[T, P any](items []T, out func(T) P) []P {
	res := make([]P, len(items))
	for i, rec := range items {
		res[i] = out(rec)
	}
	return res
}

// refuseMasked refuses, naming the update_mask, the paths of a mask that
// only another method changes.
func refuseMasked(mask *fieldmaskpb.FieldMask, fields []string, why string) error {
	var v errs.Violations
	for _, p := range mask.GetPaths() {
		if slices.Contains(fields, p) {
			v.Add("update_mask", "field %q %s", p, why)
		}
	}
	if len(v) == 0 {
		return nil
	}
	return errs.InvalidArgument(apireq.ReasonInvalidUpdateMask, "invalid update_mask: "+v[0].Description, v...)
}
