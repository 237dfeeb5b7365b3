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
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/rescue/internal/domain"
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
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	counterStore, err := counters.NewStore(ctx, db, CountersCollection)
	if err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	m := &metrics{store: counterStore, zones: opts.Zones, logger: logger, rebuilds: db.Collection(RebuildsCollection)}
	sc := survivorCodec{cipher: cipher}
	r := &Repositories{
		Locations: &LocationRepository{store[domain.Location, locationDoc]{coll: db.Collection(LocationsCollection), codec: codec,
			spec: locationSpec, m: locationMapping, locks: &mongostore.WriteLocks{}}},
		Operations: &OperationRepository{store[domain.Operation, operationDoc]{coll: db.Collection(OperationsCollection), codec: codec,
			spec: operationSpec, m: operationMapping, locks: &mongostore.WriteLocks{}}},
		Survivors: &SurvivorRepository{store[domain.Survivor, survivorDoc]{coll: db.Collection(SurvivorsCollection), codec: codec, spec: survivorSpec,
			m: mapping[domain.Survivor, survivorDoc]{
				kind: "survivor", collection: domain.CollectionSurvivors, toDoc: sc.toDoc, fromDoc: sc.fromDoc,
				meta: func(s *domain.Survivor) *domain.Meta { return &s.Meta },
			}, locks: &mongostore.WriteLocks{}}},
		Metrics: &MetricsRepository{m: m},
	}
	operations, err := counterStore.Track(counters.Source{Collection: r.Operations.coll, Field: countersField,
		Contribute: m.operationCells, Locks: r.Operations.locks, LockKey: recordLockKey})
	if err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	r.Operations.tracked = &tracking[operationDoc]{tracker: operations, metrics: m,
		state: func(d *operationDoc) *counters.State { return &d.Counters }}
	survivors, err := counterStore.Track(counters.Source{Collection: r.Survivors.coll, Field: countersField,
		Contribute: m.survivorCells, Locks: r.Survivors.locks, LockKey: recordLockKey})
	if err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	r.Survivors.tracked = &tracking[survivorDoc]{tracker: survivors, metrics: m,
		state: func(d *survivorDoc) *counters.State { return &d.Counters }}
	indexes := map[*mongo.Collection][]mongo.IndexModel{
		r.Locations.coll: {
			index("office_create_time", "office", "create_time", "_id"),
			index("office_update_time", "office", "update_time", "_id"),
			index("office_display_name", "office", "display_name", "_id"),
			index("office_status", "office", "status"),
		},
		r.Operations.coll: {
			index("office_create_time", "office", "create_time", "_id"),
			index("office_update_time", "office", "update_time", "_id"),
			index("office_planned_time", "office", "planned_time", "_id"),
			index("office_status", "office", "status"),
			index("office_location", "office", "location"),
		},
		r.Survivors.coll: {
			index("office_create_time", "office", "create_time", "_id"),
			index("office_update_time", "office", "update_time", "_id"),
			index("office_rescue_time", "office", "rescue_time", "_id"),
			index("office_pseudonym", "office", "pseudonym", "_id"),
			index("office_operation", "office", "operation"),
			index("office_cwc_state_deadline", "office", "cwc_state", "cwc_production_deadline"),
			index("identity_index_office", "identity_index", "office"),
		},
		m.rebuilds: {
			index("time", "time"),
		},
	}
	for coll, models := range indexes {
		if err := mongostore.EnsureIndexes(ctx, coll, models); err != nil {
			return nil, fmt.Errorf("mongodb.New: %w", err)
		}
	}
	return r, nil
}

func enumValues[E ~string](values []E) []string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return s
}

// LocationRepository implements domain.LocationRepository.
type LocationRepository struct {
	store[domain.Location, locationDoc]
}

var locationMapping = mapping[domain.Location, locationDoc]{
	kind: "location", collection: domain.CollectionLocations,
	toDoc: infallible(toLocationDoc), fromDoc: infallible(fromLocationDoc),
	meta: func(l *domain.Location) *domain.Meta { return &l.Meta },
}

func locationSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "status", Path: "status", Type: filtering.Enum, Enum: enumValues(domain.LocationStatuses), EnumPrefix: "LOCATION_STATUS_"},
			{Name: "type", Path: "type", Type: filtering.Enum, Enum: enumValues(domain.LocationTypes), EnumPrefix: "LOCATION_TYPE_"},
			{Name: "district", Path: "district", Type: filtering.String},
		}},
		OrderBy:      map[string]string{"create_time": "create_time", "update_time": "update_time", "display_name": "display_name"},
		DefaultOrder: "create_time desc",
	}
}

// Create implements domain.LocationRepository.
func (r *LocationRepository) Create(ctx context.Context, l *domain.Location) error {
	return wrap("mongodb.LocationRepository.Create", r.create(ctx, l))
}

// Get implements domain.LocationRepository.
func (r *LocationRepository) Get(ctx context.Context, scope domain.Scope, office, id string) (*domain.Location, error) {
	l, err := r.get(ctx, scope, office, id)
	return l, wrap("mongodb.LocationRepository.Get", err)
}

// Update implements domain.LocationRepository.
func (r *LocationRepository) Update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[domain.Location]) (*domain.Location, error) {
	l, err := r.update(ctx, scope, office, id, fn)
	return l, wrap("mongodb.LocationRepository.Update", err)
}

// Delete implements domain.LocationRepository.
func (r *LocationRepository) Delete(ctx context.Context, scope domain.Scope, office, id string, version int64) error {
	return wrap("mongodb.LocationRepository.Delete", r.delete(ctx, scope, office, id, version))
}

// List implements domain.LocationRepository.
func (r *LocationRepository) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Location], error) {
	p, err := r.list(ctx, q)
	return p, wrap("mongodb.LocationRepository.List", err)
}

// OperationRepository implements domain.OperationRepository.
type OperationRepository struct {
	store[domain.Operation, operationDoc]
}

var operationMapping = mapping[domain.Operation, operationDoc]{
	kind: "operation", collection: domain.CollectionOperations,
	toDoc: infallible(toOperationDoc), fromDoc: infallible(fromOperationDoc),
	meta: func(o *domain.Operation) *domain.Meta { return &o.Meta },
}

func operationSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "status", Path: "status", Type: filtering.Enum, Enum: enumValues(domain.OperationStatuses), EnumPrefix: "OPERATION_STATUS_"},
			{Name: "location", Path: "location", Type: filtering.String},
			{Name: "planned_time", Path: "planned_time", Type: filtering.Timestamp},
			{Name: "conduct_time", Path: "conduct_time", Type: filtering.Timestamp},
		}},
		OrderBy:      map[string]string{"create_time": "create_time", "update_time": "update_time", "planned_time": "planned_time"},
		DefaultOrder: "create_time desc",
	}
}

// Create implements domain.OperationRepository.
func (r *OperationRepository) Create(ctx context.Context, o *domain.Operation) error {
	return wrap("mongodb.OperationRepository.Create", r.create(ctx, o))
}

// Get implements domain.OperationRepository.
func (r *OperationRepository) Get(ctx context.Context, scope domain.Scope, office, id string) (*domain.Operation, error) {
	o, err := r.get(ctx, scope, office, id)
	return o, wrap("mongodb.OperationRepository.Get", err)
}

// Update implements domain.OperationRepository.
func (r *OperationRepository) Update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[domain.Operation]) (*domain.Operation, error) {
	o, err := r.update(ctx, scope, office, id, fn)
	return o, wrap("mongodb.OperationRepository.Update", err)
}

// Delete implements domain.OperationRepository.
func (r *OperationRepository) Delete(ctx context.Context, scope domain.Scope, office, id string, version int64) error {
	return wrap("mongodb.OperationRepository.Delete", r.delete(ctx, scope, office, id, version))
}

// List implements domain.OperationRepository.
func (r *OperationRepository) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Operation], error) {
	p, err := r.list(ctx, q)
	return p, wrap("mongodb.OperationRepository.List", err)
}

// CountByLocation implements domain.OperationRepository.
func (r *OperationRepository) CountByLocation(ctx context.Context, scope domain.Scope, office, location string) (int, error) {
	filter := r.live(bson.D{
		{Key: "office", Value: bson.D{{Key: "$eq", Value: office}, {Key: "$in", Value: scope.Offices()}}},
		{Key: "location", Value: location},
	})
	n, err := r.coll.CountDocuments(ctx, filter)
	if err != nil {
		return 0, fmt.Errorf("mongodb.OperationRepository.CountByLocation: %w", err)
	}
	return int(n), nil
}

// SurvivorRepository implements domain.SurvivorRepository.
type SurvivorRepository struct {
	store[domain.Survivor, survivorDoc]
}

func survivorSpec(q domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "operation", Path: "operation", Type: filtering.String},
			{Name: "minor", Path: "minor", Type: filtering.Bool},
			{Name: "gender", Path: "gender", Type: filtering.Enum, Enum: enumValues(domain.Genders), EnumPrefix: "GENDER_"},
			{Name: "citizenship", Path: "citizenship", Type: filtering.String},
			{Name: "rescue_time", Path: "rescue_time", Type: filtering.Timestamp},
			{Name: "cwc_production_status", Path: "cwc_state", Type: filtering.Enum, Enum: enumValues(domain.CWCStatuses),
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
			return nil, invalidFilter(fmt.Sprintf("cwc_production_status must be one of %s; got %q",
				strings.Join(enumValues(domain.CWCStatuses), ", "), s))
		}
		switch op {
		case "=":
			return cond, nil
		case "!=":
			return bson.D{{Key: "$nor", Value: bson.A{cond}}}, nil
		default:
			return nil, invalidFilter(fmt.Sprintf("cwc_production_status supports only = and !=; got %s", op))
		}
	}
}

func invalidFilter(description string) error {
	return errs.InvalidArgument("INVALID_FILTER", "invalid filter: "+description,
		errs.FieldViolation{Field: "filter", Description: description})
}

// Create implements domain.SurvivorRepository.
func (r *SurvivorRepository) Create(ctx context.Context, s *domain.Survivor) error {
	return wrap("mongodb.SurvivorRepository.Create", r.create(ctx, s))
}

// Get implements domain.SurvivorRepository.
func (r *SurvivorRepository) Get(ctx context.Context, scope domain.Scope, office, id string) (*domain.Survivor, error) {
	s, err := r.get(ctx, scope, office, id)
	return s, wrap("mongodb.SurvivorRepository.Get", err)
}

// Update implements domain.SurvivorRepository.
func (r *SurvivorRepository) Update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[domain.Survivor]) (*domain.Survivor, error) {
	s, err := r.update(ctx, scope, office, id, fn)
	return s, wrap("mongodb.SurvivorRepository.Update", err)
}

// List implements domain.SurvivorRepository.
func (r *SurvivorRepository) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Survivor], error) {
	p, err := r.list(ctx, q)
	return p, wrap("mongodb.SurvivorRepository.List", err)
}

// CountByOperation implements domain.SurvivorRepository with one aggregation:
// $match on the scope and operations, $group by operation.
func (r *SurvivorRepository) CountByOperation(ctx context.Context, scope domain.Scope, operations []string) (map[string]int, error) {
	counts := make(map[string]int, len(operations))
	if scope.Empty() || len(operations) == 0 {
		return counts, nil
	}
	match := r.scope(scope)
	match = append(match, bson.E{Key: "operation", Value: bson.D{{Key: "$in", Value: operations}}})
	pipeline := mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$operation"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	}
	cur, err := r.coll.Aggregate(ctx, pipeline)
	if err != nil {
		return nil, fmt.Errorf("mongodb.SurvivorRepository.CountByOperation: %w", err)
	}
	var rows []struct {
		Operation string `bson:"_id"`
		N         int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("mongodb.SurvivorRepository.CountByOperation: %w", err)
	}
	for _, row := range rows {
		counts[row.Operation] = row.N
	}
	return counts, nil
}

// FindDuplicates implements domain.SurvivorRepository. It reads the named
// survivor's stored blind index (within the scope), then the survivors of the
// scope with the same index, projecting only their name and pseudonym: no
// protected field is read or decrypted.
func (r *SurvivorRepository) FindDuplicates(ctx context.Context, scope domain.Scope, office, id string, limit int) ([]domain.SurvivorRef, error) {
	var self struct {
		IdentityIndex string `bson:"identity_index"`
	}
	err := r.coll.FindOne(ctx, r.key(scope, office, id),
		options.FindOne().SetProjection(bson.D{{Key: "identity_index", Value: 1}})).Decode(&self)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, wrap("mongodb.SurvivorRepository.FindDuplicates", domain.NotFound("survivor", r.name(office, id)))
	}
	if err != nil {
		return nil, fmt.Errorf("mongodb.SurvivorRepository.FindDuplicates: %w", err)
	}
	if self.IdentityIndex == "" || limit <= 0 {
		return nil, nil
	}
	filter := append(bson.D{{Key: "identity_index", Value: self.IdentityIndex}}, r.scope(scope)...)
	filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$ne", Value: id}}})
	cur, err := r.coll.Find(ctx, filter, options.Find().
		SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "office", Value: 1}, {Key: "pseudonym", Value: 1}}).
		SetSort(bson.D{{Key: "office", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("mongodb.SurvivorRepository.FindDuplicates: %w", err)
	}
	var rows []struct {
		ID        string `bson:"_id"`
		Office    string `bson:"office"`
		Pseudonym string `bson:"pseudonym"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("mongodb.SurvivorRepository.FindDuplicates: %w", err)
	}
	refs := make([]domain.SurvivorRef, len(rows))
	for i, row := range rows {
		refs[i] = domain.SurvivorRef{Office: row.Office, ID: row.ID, Pseudonym: row.Pseudonym}
	}
	return refs, nil
}

// wrap names the failing method on unexpected errors, keeping typed errors
// findable by errs.As.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}
