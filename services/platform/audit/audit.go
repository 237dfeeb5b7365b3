// Package audit keeps a service's append-only audit log: one entry per read
// or change of a survivor's record and per denied attempt, saying who
// (subject, roles, offices), what (the gRPC method), on which record (its
// resource name), in which office, under which request id, when, and how it
// ended. Auditors read it through AuditService.ListAuditEntries.
//
// Store implements auth.Auditor. Begin writes the entry before the handler
// runs, with no outcome yet; if that write fails the interceptor fails the
// call, so there is no unaudited access. The finish function Begin returns
// sets the outcome and code once the call ended; an entry whose outcome is
// still empty records a call whose service stopped before it ended.
//
// Append-only: the package offers no way to change or delete an entry. The
// only write after the insert is the one-time outcome (the finish function
// writes once), so a later finish cannot overwrite a recorded outcome.
// (FerretDB v1 applies an update as a read then a write, so two finishes of
// one entry racing each other could both apply; the interceptor calls
// finish once, after the handler returned.) In production, grant the
// service's database user only insert, find and update on "audit_log", and
// keep entries at least a year (DPDP Rules 2025, Rule 6); nothing here
// expires them.
//
// Visibility: a listing covers the entries of the offices the caller holds.
// Entries with no office (Office "" for a denied attempt whose resource
// named no parsable office, "-" for a call over all of a caller's offices)
// or with an office no longer configured are listed only to callers whose
// scope is every office, when they list offices/- (see NewAuditService).
//
// Entries hold ids and resource names, never survivor identity: AccessEvent
// carries no request body, and the stored document has a fixed set of fields
// (see Entry).
package audit

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	rpccode "google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc/codes"

	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/logging"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/resname"
)

// CollectionName is the collection holding the entries.
const CollectionName = "audit_log"

// Outcomes of an entry.
const (
	// OutcomeAllowed: the call succeeded (code OK).
	OutcomeAllowed = "ALLOWED"
	// OutcomeDenied: the caller was not authenticated or not authorized
	// (UNAUTHENTICATED, PERMISSION_DENIED).
	OutcomeDenied = "DENIED"
	// OutcomeFailed: the call was allowed but failed with any other code.
	OutcomeFailed = "FAILED"
	// OutcomeUnfinished: Begin recorded the call and no finish followed
	// (yet): the service stopped before the call ended.
	OutcomeUnfinished = ""
)

// AllOfficesMarker is what Entry.Offices holds for a caller whose scope is
// every office.
const AllOfficesMarker = "*"

// writeTimeout bounds the writes made even when the caller's context has
// ended: the outcome of finish and the entry of Denied.
const writeTimeout = 5 * time.Second

// Entry is one audited access, as stored. The bson field names are the
// document's only fields.
type Entry struct {
	// ID is the entry's id (resname.NewID).
	ID string `bson:"_id"`
	// Time is when the access began, in UTC with millisecond precision.
	Time time.Time `bson:"time"`
	// Subject is the caller's subject; "" when no valid token was presented.
	Subject string `bson:"subject"`
	// Roles are the caller's roles.
	Roles []string `bson:"roles"`
	// Offices are the offices the caller held, or ["*"] for all offices.
	Offices []string `bson:"offices"`
	// Action is the full gRPC method, e.g. "/justice.rescue.v1.RescueService/GetSurvivor".
	Action string `bson:"action"`
	// Resource is the record acted on, or the parent for lists and creates.
	Resource string `bson:"resource"`
	// Office is the office of the resource: a code, "-" for a call over all
	// the caller's offices, "" when unknown (e.g. an unparsable name).
	Office string `bson:"office"`
	// RequestID correlates the entry with logs and traces.
	RequestID string `bson:"request_id"`
	// Outcome is OutcomeAllowed, OutcomeDenied, OutcomeFailed or
	// OutcomeUnfinished.
	Outcome string `bson:"outcome"`
	// Code is the canonical name of the call's status code, e.g.
	// "NOT_FOUND"; "" while unfinished.
	Code string `bson:"code"`
	// Service is the service that served the call, e.g. "rescue".
	Service string `bson:"service"`
}

// Store is the audit log of one service on a MongoDB collection. Configure
// it with the With methods before use; it is then safe for concurrent use.
type Store struct {
	coll    *mongo.Collection
	service string
	codec   *pagination.Codec
	now     func() time.Time
}

// The Store is the interceptor's Auditor.
var _ auth.Auditor = (*Store)(nil)

// indexes serve the listing: newest first, overall and per office, subject
// and resource.
var indexes = []mongo.IndexModel{
	{Keys: bson.D{{Key: "time", Value: -1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("time")},
	{Keys: bson.D{{Key: "office", Value: 1}, {Key: "time", Value: -1}, {Key: "_id", Value: 1}}, Options: options.Index().SetName("office_time")},
	{Keys: bson.D{{Key: "subject", Value: 1}, {Key: "time", Value: -1}}, Options: options.Index().SetName("subject_time")},
	{Keys: bson.D{{Key: "resource", Value: 1}, {Key: "time", Value: -1}}, Options: options.Index().SetName("resource_time")},
}

// NewStore returns the audit log of service (e.g. "rescue") on db's
// "audit_log" collection, creating its indexes. Page tokens use a random
// key per process until WithPageCodec sets the service's codec.
func NewStore(ctx context.Context, db *mongo.Database, service string) (*Store, error) {
	coll := db.Collection(CollectionName)
	if err := mongostore.EnsureIndexes(ctx, coll, indexes); err != nil {
		return nil, fmt.Errorf("audit.NewStore: %w", err)
	}
	codec, err := pagination.NewCodecFromConfig(pagination.Config{})
	if err != nil {
		return nil, fmt.Errorf("audit.NewStore: %w", err)
	}
	return &Store{coll: coll, service: service, codec: codec, now: time.Now}, nil
}

// WithPageCodec returns a copy of s that signs page tokens with c (the
// service's PAGE_TOKEN_KEY), so tokens work across restarts and replicas.
func (s *Store) WithPageCodec(c *pagination.Codec) *Store {
	cp := *s
	cp.codec = c
	return &cp
}

// WithClock returns a copy of s that takes entry times from now.
func (s *Store) WithClock(now func() time.Time) *Store {
	cp := *s
	cp.now = now
	return &cp
}

// Begin records the start of an audited call and returns finish, which
// records its final code. It fails, and the caller must then fail the call,
// when the entry cannot be written.
//
// finish sets the outcome and code once: later calls change nothing. It
// writes even if its context was cancelled (the caller hanging up does not
// erase the outcome), within a short timeout of its own. A failure is
// logged with the context's logger, not returned: the access itself is
// already recorded.
func (s *Store) Begin(ctx context.Context, ev auth.AccessEvent) (func(ctx context.Context, code codes.Code), error) {
	e := s.entry(ev)
	if _, err := s.coll.InsertOne(ctx, e); err != nil {
		return nil, fmt.Errorf("audit.Store.Begin: %w", err)
	}
	var once sync.Once
	finish := func(ctx context.Context, code codes.Code) {
		once.Do(func() { s.finish(ctx, e.ID, code) })
	}
	return finish, nil
}

// finish records the outcome of entry id. Begin's closure calls it once,
// which makes the outcome write-once; the filter is the _id alone, so the
// store finds the entry by its index rather than scanning (FerretDB on
// SQLite scans for a compound filter, which made audited calls slower as
// the log grew).
func (s *Store) finish(ctx context.Context, id string, code codes.Code) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	_, err := s.coll.UpdateOne(wctx,
		bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "outcome", Value: OutcomeOf(code)},
			{Key: "code", Value: CodeName(code)},
		}}})
	if err != nil {
		logging.FromContext(ctx).LogAttrs(wctx, slog.LevelError, "audit: recording the outcome failed",
			slog.String("audit_entry", id), slog.String("code", CodeName(code)),
			slog.String("error", fmt.Errorf("audit.Store.finish: %w", err).Error()))
	}
}

// Denied records a call refused before any handler ran, with its code
// (UNAUTHENTICATED or PERMISSION_DENIED). The entry is written even if the
// caller's context was cancelled, within a short timeout.
func (s *Store) Denied(ctx context.Context, ev auth.AccessEvent, code codes.Code) error {
	e := s.entry(ev)
	e.Outcome = OutcomeOf(code)
	e.Code = CodeName(code)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), writeTimeout)
	defer cancel()
	if _, err := s.coll.InsertOne(wctx, e); err != nil {
		return fmt.Errorf("audit.Store.Denied: %w", err)
	}
	return nil
}

// entry builds the unfinished entry of ev.
func (s *Store) entry(ev auth.AccessEvent) Entry {
	p := ev.Principal
	offices := slices.Clone(p.Offices)
	if p.AllOffices {
		offices = []string{AllOfficesMarker}
	}
	if offices == nil {
		offices = []string{}
	}
	roles := slices.Clone(p.Roles)
	if roles == nil {
		roles = []string{}
	}
	return Entry{
		ID:        resname.NewID(),
		Time:      s.now().UTC().Truncate(time.Millisecond),
		Subject:   p.Subject,
		Roles:     roles,
		Offices:   offices,
		Action:    ev.Method,
		Resource:  ev.Resource,
		Office:    ev.Office,
		RequestID: ev.RequestID,
		Outcome:   OutcomeUnfinished,
		Service:   s.service,
	}
}

// OutcomeOf maps a call's final code to its outcome: OK is ALLOWED,
// UNAUTHENTICATED and PERMISSION_DENIED are DENIED, anything else FAILED.
func OutcomeOf(code codes.Code) string {
	switch code {
	case codes.OK:
		return OutcomeAllowed
	case codes.Unauthenticated, codes.PermissionDenied:
		return OutcomeDenied
	default:
		return OutcomeFailed
	}
}

// CodeName returns the canonical name of code, e.g. "NOT_FOUND", or
// "CODE_17" for a code outside the canonical set.
func CodeName(code codes.Code) string {
	if name, ok := rpccode.Code_name[int32(code)]; ok {
		return name
	}
	return fmt.Sprintf("CODE_%d", uint32(code))
}

// Query is one page of a listing.
type Query struct {
	// Offices are the offices whose entries are listed (Entry.Office). Empty
	// lists nothing.
	Offices []string
	// AllOffices lists every entry whatever its office, including those with
	// Office "" or "-" and offices no longer configured; Offices is then
	// ignored. Only for callers whose scope is every office.
	AllOffices bool
	// Service, when set, lists only the entries of that service (for a
	// database several services share).
	Service string
	// QueryKey is the canonical parent, e.g. "offices/-", that page tokens
	// are bound to.
	QueryKey string
	// Filter is an AIP-160 filter over subject, resource, office, action,
	// outcome and time.
	Filter string
	// PageToken continues an earlier listing of the same query.
	PageToken string
	// PageSize is at most 500; 0 means 50.
	PageSize int32
}

// outcomeValues are the outcome values a filter may name; UNSPECIFIED
// (OUTCOME_UNSPECIFIED) means unfinished.
var outcomeValues = []string{OutcomeAllowed, OutcomeDenied, OutcomeFailed, "UNSPECIFIED"}

// listSpec is what ListAuditEntries allows: the filter fields, and one
// fixed order, newest first.
var listSpec = listing.Spec{
	Filter: filtering.Schema{Fields: []filtering.Field{
		{Name: "subject", Path: "subject", Type: filtering.String},
		{Name: "resource", Path: "resource", Type: filtering.String},
		{Name: "office", Path: "office", Type: filtering.String},
		{Name: "action", Path: "action", Type: filtering.String},
		{Name: "outcome", Type: filtering.Enum, Enum: outcomeValues, EnumPrefix: "OUTCOME_", Translate: translateOutcome},
		{Name: "time", Path: "time", Type: filtering.Timestamp},
	}},
	OrderBy:      map[string]string{"time": "time"},
	DefaultOrder: "time desc",
}

// translateOutcome maps the filter's outcome values to the stored ones.
func translateOutcome(op string, value any) (bson.D, error) {
	v, ok := value.(string)
	if !ok {
		return nil, errs.Internal(fmt.Errorf("audit: outcome filter value of type %T", value))
	}
	if v == "UNSPECIFIED" {
		v = OutcomeUnfinished
	}
	switch op {
	case "=":
		return bson.D{{Key: "outcome", Value: bson.D{{Key: "$eq", Value: v}}}}, nil
	case "!=":
		return bson.D{{Key: "outcome", Value: bson.D{{Key: "$ne", Value: v}}}}, nil
	default:
		return nil, fmt.Errorf("only = and != compare outcomes")
	}
}

// List returns one page of the entries of q's offices that match its
// filter, newest first (then by id). Bad filters, page sizes and tokens are
// INVALID_ARGUMENT.
func (s *Store) List(ctx context.Context, q Query) (listing.Page[Entry], error) {
	scope := bson.D{}
	if !q.AllOffices {
		offices := slices.Clone(q.Offices)
		if offices == nil {
			offices = []string{}
		}
		scope = append(scope, bson.E{Key: "office", Value: bson.D{{Key: "$in", Value: offices}}})
	}
	if q.Service != "" {
		scope = append(scope, bson.E{Key: "service", Value: bson.D{{Key: "$eq", Value: q.Service}}})
	}
	page, err := listing.Find[Entry](ctx, s.coll, s.codec, listSpec, listing.Request{
		Scope:     scope,
		Filter:    q.Filter,
		PageToken: q.PageToken,
		PageSize:  q.PageSize,
		QueryKey:  q.QueryKey,
	})
	if err != nil {
		return listing.Page[Entry]{}, fmt.Errorf("audit.Store.List: %w", err)
	}
	return page, nil
}
