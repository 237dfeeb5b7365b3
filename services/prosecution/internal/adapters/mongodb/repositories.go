// Package mongodb stores the prosecution service's records in MongoDB (or
// the embedded FerretDB, which speaks the same protocol) with the official
// driver. Each record is one document in its collection (cases, accused,
// hearings, witnesses, compensations) of the service's own database;
// documents are bson structs of this package, kept apart from the domain
// types.
//
// The repository logic is package docstore's: every query carries the
// caller's office scope in its filter, so a record of an office the caller
// does not hold is NOT_FOUND with the message of an absent one; changes
// use optimistic concurrency, serialised per record within the process;
// only single-document writes and the aggregation stages FerretDB v1
// supports are used. The records under a case (accused, hearings,
// witnesses, compensations) are docstore.Children: they store their
// office and case id, are read by (office, case, id), so one asked for
// under another case is NOT_FOUND, and are listed under one case or, with
// the case id domain.AllCases, under every case of an office. This package
// adds the documents, the list specs and the prosecution-specific queries:
// the hearing calendar, the witnesses whose evidence is overdue, the
// cognizance dates of an office's cases, the counts by survivor.
//
// Ids are the platform's resource ids ([a-z0-9], resname.NewID), unique
// in each collection: a record's id is its document's _id.
//
// The database never holds survivor identity: cases, witnesses and
// compensations name survivors by their rescue resource name only.
//
// # Metric counters
//
// Cases and accused feed the service's pre-aggregated metric counters (a
// metricstore.Store, which MetricsRepository is). Each such document
// carries its counters bookkeeping (a counters.State under "counters").
// Every write of one computes the record's contribution (domain.CaseMetrics,
// domain.AccusedMetrics) and, when it changed, stores a pending change with
// the record in the same single-document write; the change is applied to
// the counters once the record's lock is released, and a failed apply
// waits for MetricsRepository.Repair (see docstore, "Metric counters").
// Neither is ever deleted, so no pending delete arises.
package mongodb

import (
	"context"
	"fmt"
	"log/slog"
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
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// Collections of the service's database (besides the metric counters',
// metricstore.CountersCollection and RebuildsCollection).
const (
	CasesCollection         = "cases"
	AccusedCollection       = "accused"
	HearingsCollection      = "hearings"
	WitnessesCollection     = "witnesses"
	CompensationsCollection = "compensations"
)

// caseIDField is the field of a document under a case that stores the case's id.
const caseIDField = "case_id"

// Repositories are the service's repositories over one database: the five
// record repositories and the metric counters that cases and accused feed.
type Repositories struct {
	Cases         *CaseRepository
	Accused       *AccusedRepository
	Hearings      *HearingRepository
	Witnesses     *WitnessRepository
	Compensations *CompensationRepository
	Metrics       *MetricsRepository
}

// Options are the repositories' optional settings.
type Options struct {
	// Zones gives each office's time zone, in which "today" is taken for
	// the witnesses' evidence deadlines (the evidence_overdue filter). Nil
	// means UTC for every office. The metrics count calendar dates of
	// court records, whose month needs no zone.
	Zones TimeZones
	// Logger receives the warnings of counter updates that failed after a
	// write (they are retried by Repair). Nil means slog.Default().
	Logger *slog.Logger
}

// New returns the repositories on db, after creating their indexes (which
// does nothing when they exist) and the metric counters' collections.
// codec signs and checks page tokens. It applies no pending counter
// change: call Metrics.Repair before serving.
func New(ctx context.Context, db *mongo.Database, codec *pagination.Codec, opts Options) (*Repositories, error) {
	metrics, err := metricstore.NewStore(ctx, db, metricstore.Options{Zones: opts.Zones, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	cases := &CaseRepository{c: docstore.New(db.Collection(CasesCollection), codec, caseMapping)}
	r := &Repositories{
		Cases: cases,
		Accused: &AccusedRepository{kept[domain.Accused, accusedDoc]{
			docstore.NewChildren(db.Collection(AccusedCollection), codec, accusedMapping, accusedParent)}},
		Hearings: &HearingRepository{docstore.NewChildren(db.Collection(HearingsCollection), codec, hearingMapping, hearingParent)},
		Witnesses: &WitnessRepository{Children: docstore.NewChildren(db.Collection(WitnessesCollection), codec, witnessMapping, witnessParent),
			cases: cases, zone: metrics.Zone},
		Compensations: &CompensationRepository{kept[domain.Compensation, compensationDoc]{
			docstore.NewChildren(db.Collection(CompensationsCollection), codec, compensationMapping, compensationParent)}},
		Metrics: metrics,
	}
	if err := r.Cases.c.Track(docstore.Tracking[caseDoc]{Counters: metrics, Cells: caseCells,
		State: func(d *caseDoc) *counters.State { return &d.Counters }}); err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	if err := r.Accused.c.Collection().Track(docstore.Tracking[accusedDoc]{Counters: metrics, Cells: accusedCells,
		State: func(d *accusedDoc) *counters.State { return &d.Counters }}); err != nil {
		return nil, fmt.Errorf("mongodb.New: %w", err)
	}
	// Every collection is listed by office with the orders its List
	// allows; the records under a case also by case.
	listed := func(orders ...string) []mongo.IndexModel {
		models := []mongo.IndexModel{
			docstore.Index("office_create_time", "office", "create_time", "_id"),
			docstore.Index("office_update_time", "office", "update_time", "_id"),
		}
		for _, o := range orders {
			models = append(models, docstore.Index("office_"+o, "office", o, "_id"))
		}
		return models
	}
	underACase := func(models ...mongo.IndexModel) []mongo.IndexModel {
		return append(models, docstore.Index("office_case", "office", caseIDField, "create_time", "_id"))
	}
	indexes := map[*mongo.Collection][]mongo.IndexModel{
		r.Cases.c.Mongo(): append(listed("title"),
			docstore.Index("office_stage", "office", "stage"),
			docstore.Index("office_fir_number", "office", "fir_number"),
			docstore.Index("office_cnr_number", "office", "cnr_number"),
			docstore.Index("office_cognizance_date", "office", "cognizance_date"),
		),
		r.Accused.c.Collection().Mongo(): underACase(append(listed("display_name"),
			docstore.Index("office_custody", "office", "custody"))...),
		// The calendar: an office's hearings by date, then by name.
		r.Hearings.Collection().Mongo(): underACase(append(listed(),
			docstore.Index("office_date_case", "office", "date", caseIDField, "_id"))...),
		// CountBySurvivor, and the pending child witnesses the
		// evidence_overdue filter starts from.
		r.Witnesses.Collection().Mongo(): underACase(append(listed(),
			docstore.Index("office_case_survivor", "office", caseIDField, "survivor"),
			docstore.Index("office_minor_testimony", "office", "minor", "testimony_status", caseIDField))...),
		r.Compensations.c.Collection().Mongo(): underACase(append(listed(),
			docstore.Index("office_case_survivor", "office", caseIDField, "survivor"),
			docstore.Index("office_status", "office", "status"))...),
	}
	for coll, models := range indexes {
		if err := mongostore.EnsureIndexes(ctx, coll, models); err != nil {
			return nil, fmt.Errorf("mongodb.New: %w", err)
		}
	}
	return r, nil
}

// How each record is stored (documents.go) and what its list allows.
var (
	caseMapping = docstore.Mapping[domain.Case, caseDoc]{
		Kind: "case", Collection: domain.CollectionCases, ToDoc: docstore.Infallible(toCaseDoc), FromDoc: fromCaseDoc,
		Meta: func(c *domain.Case) *domain.Meta { return &c.Meta }, List: caseSpec, Repository: "mongodb.CaseRepository",
	}
	accusedMapping = docstore.Mapping[domain.Accused, accusedDoc]{
		Kind: "accused", Collection: domain.CollectionAccused, ToDoc: docstore.Infallible(toAccusedDoc), FromDoc: fromAccusedDoc,
		Meta: func(a *domain.Accused) *domain.Meta { return &a.Meta }, List: accusedSpec, Repository: "mongodb.AccusedRepository",
	}
	hearingMapping = docstore.Mapping[domain.Hearing, hearingDoc]{
		Kind: "hearing", Collection: domain.CollectionHearings, ToDoc: docstore.Infallible(toHearingDoc), FromDoc: fromHearingDoc,
		Meta: func(h *domain.Hearing) *domain.Meta { return &h.Meta }, List: hearingSpec, Repository: "mongodb.HearingRepository",
	}
	// No List: WitnessRepository.List builds its spec per query.
	witnessMapping = docstore.Mapping[domain.Witness, witnessDoc]{
		Kind: "witness", Collection: domain.CollectionWitnesses, ToDoc: docstore.Infallible(toWitnessDoc), FromDoc: fromWitnessDoc,
		Meta: func(w *domain.Witness) *domain.Meta { return &w.Meta }, Repository: "mongodb.WitnessRepository",
	}
	compensationMapping = docstore.Mapping[domain.Compensation, compensationDoc]{
		Kind: "compensation", Collection: domain.CollectionCompensations, ToDoc: docstore.Infallible(toCompensationDoc),
		FromDoc: fromCompensationDoc, Meta: func(c *domain.Compensation) *domain.Meta { return &c.Meta },
		List: compensationSpec, Repository: "mongodb.CompensationRepository",
	}
)

// The records under a case: the case's id is the record's parent, stored as case_id.
var (
	accusedParent      = underCase(func(a *domain.Accused) string { return a.CaseID })
	hearingParent      = underCase(func(h *domain.Hearing) string { return h.CaseID })
	witnessParent      = underCase(func(w *domain.Witness) string { return w.CaseID })
	compensationParent = underCase(func(c *domain.Compensation) string { return c.CaseID })
)

func underCase[T any](caseID func(*T) string) docstore.Parent[T] {
	return docstore.Parent[T]{Collection: domain.CollectionCases, Field: caseIDField, ID: caseID}
}

// enumField is a filter field over a stored enumeration, each value
// accepted bare or with the API's prefix (e.g. CUSTODY_).
func enumField[E ~string](name string, values []E, prefix string) filtering.Field {
	return filtering.Field{Name: name, Path: name, Type: filtering.Enum, Enum: docstore.EnumValues(values), EnumPrefix: prefix}
}

// unsetValue is how a filter names an optional enumeration's absence (a
// pending case's outcome, an accused's verdict before it is recorded): the
// API's UNSPECIFIED value, stored as "".
const unsetValue = "UNSPECIFIED"

// optionalEnumField is enumField for an enumeration that may be unset
// (stored ""), which a filter names as UNSPECIFIED (e.g.
// `outcome = CASE_OUTCOME_UNSPECIFIED` for the pending cases).
func optionalEnumField[E ~string](name string, values []E, prefix string) filtering.Field {
	f := enumField(name, values, prefix)
	f.Enum = append(f.Enum, unsetValue)
	f.Translate = func(op string, value any) (bson.D, error) {
		v, _ := value.(string)
		if v == unsetValue {
			v = ""
		}
		switch op {
		case "=":
			return bson.D{{Key: name, Value: v}}, nil
		case "!=":
			return bson.D{{Key: name, Value: bson.D{{Key: "$ne", Value: v}}}}, nil
		}
		return nil, docstore.InvalidFilter(fmt.Sprintf("%s supports only = and !=; got %s", name, op))
	}
	return f
}

// stringField is a filter field over a stored string of the same name.
func stringField(name string) filtering.Field {
	return filtering.Field{Name: name, Path: name, Type: filtering.String}
}

// byTime are the orders every list allows.
var byTime = map[string]string{"create_time": "create_time", "update_time": "update_time"}

// orders is byTime and the fields given, each ordering by the stored field of its name.
func orders(fields ...string) map[string]string {
	m := make(map[string]string, len(byTime)+len(fields))
	for k, v := range byTime {
		m[k] = v
	}
	for _, f := range fields {
		m[f] = f
	}
	return m
}

// newestFirst is every list's default order.
const newestFirst = "create_time desc"

// Cases.

// CaseRepository implements domain.CaseRepository. Cases are never
// deleted through the API, so it has no Delete.
type CaseRepository struct {
	c *docstore.Collection[domain.Case, caseDoc]
}

var _ domain.CaseRepository = (*CaseRepository)(nil)

// caseSpec is what ListCases allows (ListCasesRequest).
func caseSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			stringField("office"),
			enumField("stage", domain.CaseStages, "CASE_STAGE_"),
			// The outcomes are the closing stages' names.
			optionalEnumField("outcome", domain.ClosingStages, "CASE_OUTCOME_"),
			stringField("fir_number"),
			stringField("cnr_number"),
			stringField("police_station"),
			stringField("court"),
		}},
		OrderBy:      orders("title"),
		DefaultOrder: newestFirst,
	}
}

// Create implements domain.CaseRepository.
func (r *CaseRepository) Create(ctx context.Context, c *domain.Case) error { return r.c.Create(ctx, c) }

// Get implements domain.CaseRepository.
func (r *CaseRepository) Get(ctx context.Context, scope domain.Scope, office, id string) (*domain.Case, error) {
	return r.c.Get(ctx, scope, office, id)
}

// GetMany implements domain.CaseRepository with one query.
func (r *CaseRepository) GetMany(ctx context.Context, scope domain.Scope, office string, ids []string) (map[string]*domain.Case, error) {
	return r.c.GetMany(ctx, scope, office, ids)
}

// Update implements domain.CaseRepository.
func (r *CaseRepository) Update(ctx context.Context, scope domain.Scope, office, id string, fn domain.UpdateFunc[domain.Case]) (*domain.Case, error) {
	return r.c.Update(ctx, scope, office, id, fn)
}

// List implements domain.CaseRepository.
func (r *CaseRepository) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Case], error) {
	return r.c.List(ctx, q)
}

// ListWithCognizance implements domain.CaseRepository, reading only the
// id and cognizance date of the office's cases that have one.
func (r *CaseRepository) ListWithCognizance(ctx context.Context, scope domain.Scope, office string) (map[string]domain.Date, error) {
	const op = "mongodb.CaseRepository.ListWithCognizance"
	dates, err := r.cognizanceDates(ctx, scope.Narrow([]string{office}), bson.D{{Key: "cognizance_date", Value: bson.D{{Key: "$gt", Value: ""}}}})
	return dates, docstore.Wrap(op, err)
}

// cognizanceDates returns the cognizance dates, by case id, of the cases
// of scope that match filter and have one.
func (r *CaseRepository) cognizanceDates(ctx context.Context, scope domain.Scope, filter bson.D) (map[string]domain.Date, error) {
	var rows []struct {
		ID             string `bson:"_id"`
		Office         string `bson:"office"`
		CognizanceDate string `bson:"cognizance_date"`
	}
	err := r.c.Find(ctx, scope, filter, &rows,
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "office", Value: 1}, {Key: "cognizance_date", Value: 1}}))
	if err != nil {
		return nil, err
	}
	dates := make(map[string]domain.Date, len(rows))
	for _, row := range rows {
		d, err := docstore.FromOptionalDate(row.CognizanceDate)
		if err != nil {
			return nil, fmt.Errorf("case %s: cognizance_date: %w", domain.CaseName(row.Office, row.ID), err)
		}
		if !d.IsZero() {
			dates[row.ID] = d
		}
	}
	return dates, nil
}

// Accused.

// AccusedRepository implements domain.AccusedRepository. Accused are never
// deleted through the API, so it has no Delete.
type AccusedRepository struct {
	kept[domain.Accused, accusedDoc]
}

var _ domain.AccusedRepository = (*AccusedRepository)(nil)

// accusedSpec is what ListAccused allows (ListAccusedRequest).
func accusedSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			enumField("role", domain.AccusedRoles, "ACCUSED_ROLE_"),
			enumField("custody", domain.CustodyStates, "CUSTODY_"),
			optionalEnumField("verdict", domain.Verdicts, "VERDICT_"),
		}},
		OrderBy:      orders("display_name"),
		DefaultOrder: newestFirst,
	}
}

// kept is a repository of records under a case that are never deleted
// through the API (accused, compensations): the docstore.Children's
// Create, Get, Update and List, without its Delete.
type kept[T, D any] struct {
	c *docstore.Children[T, D]
}

// Create inserts a new record under its case; a taken id is ALREADY_EXISTS.
func (r kept[T, D]) Create(ctx context.Context, rec *T) error { return r.c.Create(ctx, rec) }

// Get returns the record of the case, or NOT_FOUND.
func (r kept[T, D]) Get(ctx context.Context, scope domain.Scope, office, caseID, id string) (*T, error) {
	return r.c.Get(ctx, scope, office, caseID, id)
}

// Update loads the record of the case, applies fn and stores the result if
// nobody changed it meanwhile.
func (r kept[T, D]) Update(ctx context.Context, scope domain.Scope, office, caseID, id string, fn domain.UpdateFunc[T]) (*T, error) {
	return r.c.Update(ctx, scope, office, caseID, id, fn)
}

// List returns one page of the records of the case (of every case of the
// office for domain.AllCases) within q.Scope.
func (r kept[T, D]) List(ctx context.Context, office, caseID string, q domain.ListQuery) (domain.Page[*T], error) {
	return r.c.List(ctx, office, caseID, q)
}

// Hearings.

// HearingRepository implements domain.HearingRepository: Create, Get,
// Update, Delete and List are the docstore.Children's.
type HearingRepository struct {
	*docstore.Children[domain.Hearing, hearingDoc]
}

var _ domain.HearingRepository = (*HearingRepository)(nil)

// hearingSpec is what ListHearings allows (ListHearingsRequest).
func hearingSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter:       filtering.Schema{Fields: []filtering.Field{enumField("purpose", domain.HearingPurposes, "HEARING_PURPOSE_")}},
		OrderBy:      orders("date"),
		DefaultOrder: newestFirst,
	}
}

// calendarSpec is the calendar's fixed order: by date, then by name. With
// ids of [a-z0-9], which sort after the "/" that ends a name's case
// segment, the names of one office's hearings sort as (case id, id) do, and
// the listing's final _id is the hearing's id.
var calendarSpec = listing.Spec{
	OrderBy:      map[string]string{"date": "date", "case_id": caseIDField},
	DefaultOrder: "date, case_id",
}

// Calendar implements domain.HearingRepository: the office's hearings whose
// date lies in [q.Start, q.End], keyset-paged in the calendar's order.
func (r *HearingRepository) Calendar(ctx context.Context, q domain.CalendarQuery) (domain.Page[*domain.Hearing], error) {
	where := bson.D{{Key: "date", Value: bson.D{{Key: "$gte", Value: q.Start.ISO()}, {Key: "$lte", Value: q.End.ISO()}}}}
	return r.Collection().ListWhere(ctx, domain.ListQuery{
		Scope: q.Scope.Narrow([]string{q.Office}), PageSize: q.PageSize, PageToken: q.PageToken,
		QueryKey: "offices/" + q.Office + "/hearingCalendar",
	}, where, calendarSpec)
}

// Witnesses.

// WitnessRepository implements domain.WitnessRepository: Create, Get,
// Update and Delete are the docstore.Children's; List adds the
// evidence_overdue filter (see overdue.go).
type WitnessRepository struct {
	*docstore.Children[domain.Witness, witnessDoc]
	cases *CaseRepository
	zone  func(office string) *time.Location
}

var _ domain.WitnessRepository = (*WitnessRepository)(nil)

// CountBySurvivor implements domain.WitnessRepository.
func (r *WitnessRepository) CountBySurvivor(ctx context.Context, scope domain.Scope, office, caseID, survivor string) (int, error) {
	n, err := countBySurvivor(ctx, r.Collection(), scope, office, caseID, survivor)
	return n, docstore.Wrap("mongodb.WitnessRepository.CountBySurvivor", err)
}

// countBySurvivor counts the records of the case (if in scope) that name the survivor.
func countBySurvivor[T, D any](ctx context.Context, c *docstore.Collection[T, D], scope domain.Scope, office, caseID, survivor string) (int, error) {
	return c.Count(ctx, scope.Narrow([]string{office}), bson.D{{Key: caseIDField, Value: caseID}, {Key: "survivor", Value: survivor}})
}

// Compensations.

// CompensationRepository implements domain.CompensationRepository.
// Compensations are never deleted through the API, so it has no Delete.
type CompensationRepository struct {
	kept[domain.Compensation, compensationDoc]
}

var _ domain.CompensationRepository = (*CompensationRepository)(nil)

// compensationSpec is what ListCompensations allows (ListCompensationsRequest).
func compensationSpec(domain.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			enumField("status", domain.CompensationStatuses, "COMPENSATION_STATUS_"),
			enumField("scheme", []domain.CompensationScheme{domain.SchemeCrPC357A, domain.SchemeBNSS396}, "COMPENSATION_SCHEME_"),
			stringField("survivor"),
		}},
		OrderBy:      orders(),
		DefaultOrder: newestFirst,
	}
}

// CountBySurvivor implements domain.CompensationRepository.
func (r *CompensationRepository) CountBySurvivor(ctx context.Context, scope domain.Scope, office, caseID, survivor string) (int, error) {
	n, err := countBySurvivor(ctx, r.c.Collection(), scope, office, caseID, survivor)
	return n, docstore.Wrap("mongodb.CompensationRepository.CountBySurvivor", err)
}
