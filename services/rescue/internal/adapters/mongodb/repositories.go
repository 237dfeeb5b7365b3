// Package mongodb stores the rescue service's records in MongoDB (or the
// embedded FerretDB, which speaks the same protocol) with the official
// driver. Each record is one document in its collection (locations,
// operations, survivors) of the service's own database; documents are bson
// structs of this package, kept apart from the domain types.
//
// The repository logic is package docstore's: every query carries the
// caller's office scope in its filter, so a record of an office the caller
// does not hold is NOT_FOUND with the message of an absent one; changes
// use optimistic concurrency, serialised per record within the process
// because FerretDB's filtered update is not a compare-and-swap; only
// single-document writes and the aggregation stages FerretDB v1 supports
// ($match, $group) are used. This package adds the documents, the list
// specs and the rescue-specific queries.
//
// A survivor's protected identity (legal name, date of birth, family
// contact, address, photo) is encrypted field by field before it reaches
// the database (a Cipher, in production a fieldcrypt.Keyring with the
// office's keys), each ciphertext bound to the record's name and the field,
// and stored as binary. Duplicates are found through a keyed hash of the
// normalised legal name and date of birth (identity_index), never plaintext.
//
// # Metric counters
//
// Operations and survivors feed the service's pre-aggregated metric
// counters (a metricstore.Store, which MetricsRepository is). Each such
// document carries its counters bookkeeping (a counters.State under
// "counters"). Every write of one computes the record's contribution
// (domain.OperationMetrics, domain.SurvivorMetrics, in the office's time
// zone) and, when it changed, stores a pending change with the record in
// the same single-document write; the change is applied to the counters
// once the record's lock is released, and a failed apply waits for
// MetricsRepository.Repair (see docstore, "Metric counters"). An operation
// is deleted by writing a pending delete; until it is applied every read
// of the repositories treats the record as absent.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/metricsource/metricstore"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// Collections of the service's database.
const (
	LocationsCollection  = "locations"
	OperationsCollection = "operations"
	SurvivorsCollection  = "survivors"
)

// Repositories are the service's repositories over one database: the three
// record repositories and the metric counters that the operations and
// survivors feed.
type Repositories struct {
	Locations  *LocationRepository
	Operations *OperationRepository
	Survivors  *SurvivorRepository
	Metrics    *MetricsRepository
}

// Options are the repositories' optional settings.
type Options struct {
	// Zones gives each office's time zone, in which the metrics' months are
	// counted (see domain.SurvivorMetrics). Nil means UTC for every office.
	Zones TimeZones
	// Logger receives the warnings of counter updates that failed after a
	// write (they are retried by Repair). Nil means slog.Default().
	Logger *slog.Logger
}

// New returns the repositories on db, after creating their indexes (which
// does nothing when they exist) and the metric counters' collection. codec
// signs and checks page tokens; cipher encrypts the survivors' protected
// identity (see Cipher). It applies no pending counter change: call
// Metrics.Repair before serving.
func New(ctx context.Context, db *mongo.Database, codec *pagination.Codec, cipher Cipher, opts Options) (*Repositories, error) {
	if cipher == nil {
		return nil, errors.New("mongodb.New: a Cipher is required: survivor identity is never stored in clear")
	}
	metrics, err := metricstore.NewStore(ctx, db, metricstore.Options{Zones: opts.Zones, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	sc := survivorCodec{cipher: cipher}
	r := &Repositories{
		Locations:  &LocationRepository{docstore.New(db.Collection(LocationsCollection), codec, locationMapping)},
		Operations: &OperationRepository{docstore.New(db.Collection(OperationsCollection), codec, operationMapping)},
		Survivors: &SurvivorRepository{docstore.New(db.Collection(SurvivorsCollection), codec, docstore.Mapping[domain.Survivor, survivorDoc]{
			Kind: "survivor", Collection: domain.CollectionSurvivors, ToDoc: sc.toDoc, FromDoc: sc.fromDoc,
			Meta: func(s *domain.Survivor) *domain.Meta { return &s.Meta }, List: survivorSpec,
			Repository: "mongodb.SurvivorRepository",
		})},
		Metrics: metrics,
	}
	contrib := contributions{zone: metrics.Zone}
	if err := r.Operations.Track(docstore.Tracking[operationDoc]{Counters: metrics, Cells: contrib.operation,
		State: func(d *operationDoc) *counters.State { return &d.Counters }}); err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	if err := r.Survivors.c.Track(docstore.Tracking[survivorDoc]{Counters: metrics, Cells: contrib.survivor,
		State: func(d *survivorDoc) *counters.State { return &d.Counters }}); err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	indexes := map[*mongo.Collection][]mongo.IndexModel{
		r.Locations.Mongo(): {
			docstore.Index("office_create_time", "office", "create_time", "_id"),
			docstore.Index("office_update_time", "office", "update_time", "_id"),
			docstore.Index("office_display_name", "office", "display_name", "_id"),
			docstore.Index("office_status", "office", "status"),
		},
		r.Operations.Mongo(): {
			docstore.Index("office_create_time", "office", "create_time", "_id"),
			docstore.Index("office_update_time", "office", "update_time", "_id"),
			docstore.Index("office_planned_time", "office", "planned_time", "_id"),
			docstore.Index("office_status", "office", "status"),
			docstore.Index("office_location", "office", "location"),
		},
		r.Survivors.c.Mongo(): {
			docstore.Index("office_create_time", "office", "create_time", "_id"),
			docstore.Index("office_update_time", "office", "update_time", "_id"),
			docstore.Index("office_rescue_time", "office", "rescue_time", "_id"),
			docstore.Index("office_pseudonym", "office", "pseudonym", "_id"),
			docstore.Index("office_operation", "office", "operation"),
			docstore.Index("office_cwc_state_deadline", "office", "cwc_state", "cwc_production_deadline"),
			docstore.Index("identity_index_office", "identity_index", "office"),
		},
	}
	for coll, models := range indexes {
		if err := mongostore.EnsureIndexes(ctx, coll, models); err != nil {
			return nil, fmt.Errorf("mongodb.New: %w", err)
		}
	}
	return r, nil
}

// LocationRepository implements domain.LocationRepository: Create, Get,
// Update, Delete and List are the docstore.Collection's.
type LocationRepository struct {
	*docstore.Collection[domain.Location, locationDoc]
}

var _ domain.LocationRepository = (*LocationRepository)(nil)

var locationMapping = docstore.Mapping[domain.Location, locationDoc]{
	Kind: "location", Collection: domain.CollectionLocations,
	ToDoc: docstore.Infallible(toLocationDoc), FromDoc: docstore.Infallible(fromLocationDoc),
	Meta: func(l *domain.Location) *domain.Meta { return &l.Meta }, List: locationSpec,
	Repository: "mongodb.LocationRepository",
}

func locationSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "status", Path: "status", Type: filtering.Enum, Enum: docstore.EnumValues(domain.LocationStatuses), EnumPrefix: "LOCATION_STATUS_"},
			{Name: "type", Path: "type", Type: filtering.Enum, Enum: docstore.EnumValues(domain.LocationTypes), EnumPrefix: "LOCATION_TYPE_"},
			{Name: "district", Path: "district", Type: filtering.String},
		}},
		OrderBy:      map[string]string{"create_time": "create_time", "update_time": "update_time", "display_name": "display_name"},
		DefaultOrder: "create_time desc",
	}
}

// OperationRepository implements domain.OperationRepository: Create, Get,
// Update, Delete (a pending delete, see the package comment) and List are
// the docstore.Collection's.
type OperationRepository struct {
	*docstore.Collection[domain.Operation, operationDoc]
}

var _ domain.OperationRepository = (*OperationRepository)(nil)

var operationMapping = docstore.Mapping[domain.Operation, operationDoc]{
	Kind: "operation", Collection: domain.CollectionOperations,
	ToDoc: docstore.Infallible(toOperationDoc), FromDoc: docstore.Infallible(fromOperationDoc),
	Meta: func(o *domain.Operation) *domain.Meta { return &o.Meta }, List: operationSpec,
	Repository: "mongodb.OperationRepository",
}

func operationSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "status", Path: "status", Type: filtering.Enum, Enum: docstore.EnumValues(domain.OperationStatuses), EnumPrefix: "OPERATION_STATUS_"},
			{Name: "location", Path: "location", Type: filtering.String},
			{Name: "planned_time", Path: "planned_time", Type: filtering.Timestamp},
			{Name: "conduct_time", Path: "conduct_time", Type: filtering.Timestamp},
		}},
		OrderBy:      map[string]string{"create_time": "create_time", "update_time": "update_time", "planned_time": "planned_time"},
		DefaultOrder: "create_time desc",
	}
}

// CountByLocation implements domain.OperationRepository.
func (r *OperationRepository) CountByLocation(ctx context.Context, scope domain.Scope, office, location string) (int, error) {
	n, err := r.Count(ctx, scope.Narrow([]string{office}), bson.D{{Key: "location", Value: location}})
	return n, docstore.Wrap("mongodb.OperationRepository.CountByLocation", err)
}

// SurvivorRepository implements domain.SurvivorRepository. Survivor records
// are never deleted through the API, so it has no Delete.
type SurvivorRepository struct {
	c *docstore.Collection[domain.Survivor, survivorDoc]
}

var _ domain.SurvivorRepository = (*SurvivorRepository)(nil)

func survivorSpec(q domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "operation", Path: "operation", Type: filtering.String},
			{Name: "minor", Path: "minor", Type: filtering.Bool},
			{Name: "gender", Path: "gender", Type: filtering.Enum, Enum: docstore.EnumValues(domain.Genders), EnumPrefix: "GENDER_"},
			{Name: "citizenship", Path: "citizenship", Type: filtering.String},
			{Name: "rescue_time", Path: "rescue_time", Type: filtering.Timestamp},
			{Name: "cwc_production_status", Path: "cwc_state", Type: filtering.Enum, Enum: docstore.EnumValues(domain.CWCStatuses),
				EnumPrefix: "CWC_PRODUCTION_STATUS_", Translate: cwcStatusFilter(q.Now)},
		}},
		OrderBy: map[string]string{
			"create_time": "create_time", "update_time": "update_time", "rescue_time": "rescue_time", "pseudonym": "pseudonym",
		},
		DefaultOrder: "create_time desc",
	}
}

// cwcStatusFilter translates a filter on the derived cwc_production_status
// into conditions on stored fields, judged at time now: PENDING and OVERDUE
// are both stored as AWAITING and told apart by the deadline.
func cwcStatusFilter(now time.Time) func(op string, value any) (bson.D, error) {
	return func(op string, value any) (bson.D, error) {
		s, _ := value.(string)
		status := domain.CWCStatus(strings.TrimPrefix(s, "CWC_PRODUCTION_STATUS_"))
		var cond bson.D
		switch status {
		case domain.CWCNotRequired, domain.CWCProduced, domain.CWCProducedLate:
			cond = bson.D{{Key: "cwc_state", Value: string(status)}}
		case domain.CWCPending:
			cond = bson.D{{Key: "cwc_state", Value: cwcAwaiting}, {Key: "cwc_production_deadline", Value: bson.D{{Key: "$gte", Value: now}}}}
		case domain.CWCOverdue:
			cond = bson.D{{Key: "cwc_state", Value: cwcAwaiting}, {Key: "cwc_production_deadline", Value: bson.D{{Key: "$lt", Value: now}}}}
		default:
			return nil, docstore.InvalidFilter(fmt.Sprintf("cwc_production_status must be one of %s; got %q",
				strings.Join(docstore.EnumValues(domain.CWCStatuses), ", "), s))
		}
		switch op {
		case "=":
			return cond, nil
		case "!=":
			return bson.D{{Key: "$nor", Value: bson.A{cond}}}, nil
		default:
			return nil, docstore.InvalidFilter(fmt.Sprintf("cwc_production_status supports only = and !=; got %s", op))
		}
	}
}

// Create implements domain.SurvivorRepository.
func (r *SurvivorRepository) Create(ctx context.Context, s *domain.Survivor) error {
	return r.c.Create(ctx, s)
}

// Get implements domain.SurvivorRepository.
func (r *SurvivorRepository) Get(ctx context.Context, scope domain.Scope, office, id string) (*domain.Survivor, error) {
	return r.c.Get(ctx, scope, office, id)
}

// Update implements domain.SurvivorRepository.
func (r *SurvivorRepository) Update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[domain.Survivor]) (*domain.Survivor, error) {
	return r.c.Update(ctx, scope, office, id, fn)
}

// List implements domain.SurvivorRepository.
func (r *SurvivorRepository) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Survivor], error) {
	return r.c.List(ctx, q)
}

// CountByOperation implements domain.SurvivorRepository with one aggregation:
// $match on the scope and operations, $group by operation.
func (r *SurvivorRepository) CountByOperation(ctx context.Context, scope domain.Scope, operations []string) (map[string]int, error) {
	counts, err := r.c.CountBy(ctx, scope, "operation", operations)
	return counts, docstore.Wrap("mongodb.SurvivorRepository.CountByOperation", err)
}

// FindDuplicates implements domain.SurvivorRepository. It reads the named
// survivor's stored blind index (within the scope), then the survivors of the
// scope with the same index, projecting only their name and pseudonym: no
// protected field is read or decrypted.
func (r *SurvivorRepository) FindDuplicates(ctx context.Context, scope domain.Scope, office, id string, limit int) ([]domain.SurvivorRef, error) {
	const op = "mongodb.SurvivorRepository.FindDuplicates"
	var self struct {
		IdentityIndex string `bson:"identity_index"`
	}
	if err := r.c.FindOne(ctx, scope, office, id, bson.D{{Key: "identity_index", Value: 1}}, &self); err != nil {
		return nil, docstore.Wrap(op, err)
	}
	if self.IdentityIndex == "" || limit <= 0 {
		return nil, nil
	}
	var rows []struct {
		ID        string `bson:"_id"`
		Office    string `bson:"office"`
		Pseudonym string `bson:"pseudonym"`
	}
	err := r.c.Find(ctx, scope, bson.D{
		{Key: "identity_index", Value: self.IdentityIndex},
		{Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}},
	}, &rows, options.Find().
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "office", Value: 1}, {Key: "pseudonym", Value: 1}}).
		SetSort(bson.D{{Key: "office", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)))
	if err != nil {
		return nil, docstore.Wrap(op, err)
	}
	refs := make([]domain.SurvivorRef, len(rows))
	for i, row := range rows {
		refs[i] = domain.SurvivorRef{Office: row.Office, ID: row.ID, Pseudonym: row.Pseudonym}
	}
	return refs, nil
}
