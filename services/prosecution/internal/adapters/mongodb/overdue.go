package mongodb

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/resname"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

// witnessSpec is what ListWitnesses allows (ListWitnessesRequest);
// overdue translates a condition on evidence_overdue.
func witnessSpec(overdue func(op string, value any) (bson.D, error)) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "evidence_overdue", Type: filtering.Bool, Translate: overdue},
			{Name: "minor", Path: "minor", Type: filtering.Bool},
			enumField("testimony_status", domain.TestimonyStatuses, "TESTIMONY_STATUS_"),
			stringField("survivor"),
		}},
		OrderBy:      orders(),
		DefaultOrder: newestFirst,
	}
}

// List implements domain.WitnessRepository.
//
// evidence_overdue is derived from the witness and its case: a child
// witness whose evidence is still PENDING more than domain.ChildEvidenceDays
// after the case's cognizance date, judged by domain.Witness.Overdue on the
// office's today (q.Now in the office's time zone, Options.Zones). A filter
// on it is answered in two reads before the list's own: the pending child
// witnesses of the list's offices and case (their case ids), then the
// cognizance dates of those cases; it becomes a condition on case_id over
// the cases found overdue. As the condition is part of what a page token is
// bound to, a case falling overdue between two pages (at midnight, or by a
// stage change) makes the next page's token INVALID_ARGUMENT: the caller
// lists again from the start.
func (r *WitnessRepository) List(ctx context.Context, office, caseID string, q domain.ListQuery) (domain.Page[*domain.Witness], error) {
	scope := q.Scope
	if office != resname.AllOffices {
		scope = scope.Narrow([]string{office})
	}
	return r.ListWithSpec(ctx, office, caseID, q, witnessSpec(r.overdueFilter(ctx, scope, caseID, q.Now)))
}

// overdueFilter returns the translation of evidence_overdue for a list of
// the witnesses of scope under caseID (every case for domain.AllCases) at
// time now. The cases found overdue are read once, when a filter first
// names the field.
func (r *WitnessRepository) overdueFilter(ctx context.Context, scope domain.Scope, caseID string,
	now time.Time) func(op string, value any) (bson.D, error) {
	var cond bson.D
	return func(op string, value any) (bson.D, error) {
		want, _ := value.(bool)
		switch op {
		case "=":
		case "!=":
			want = !want
		default:
			return nil, docstore.InvalidFilter("evidence_overdue supports only = and !=; got " + op)
		}
		if cond == nil {
			overdue, err := r.overdueCases(ctx, scope, caseID, now)
			if err != nil {
				// Not the caller's mistake: never an INVALID_FILTER.
				return nil, errs.Internal(fmt.Errorf("mongodb.WitnessRepository.List: evidence_overdue: %w", err))
			}
			cond = append(pendingChildren(), bson.E{Key: caseIDField, Value: bson.D{{Key: "$in", Value: overdue}}})
		}
		if want {
			return cond, nil
		}
		return bson.D{{Key: "$nor", Value: bson.A{cond}}}, nil
	}
}

// pendingChildren is the condition of the witnesses whose evidence may fall
// overdue: minors whose testimony is PENDING.
func pendingChildren() bson.D {
	return bson.D{{Key: "minor", Value: true}, {Key: "testimony_status", Value: string(domain.TestimonyPending)}}
}

// overdueCases returns, sorted, the ids of the cases of scope under caseID
// in which a pending child witness's evidence is overdue at time now.
func (r *WitnessRepository) overdueCases(ctx context.Context, scope domain.Scope, caseID string, now time.Time) ([]string, error) {
	filter := pendingChildren()
	if caseID != domain.AllCases {
		filter = append(filter, bson.E{Key: caseIDField, Value: caseID})
	}
	var rows []struct {
		Office string `bson:"office"`
		CaseID string `bson:"case_id"`
	}
	err := r.Collection().Find(ctx, scope, filter, &rows,
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 0}, {Key: "office", Value: 1}, {Key: caseIDField, Value: 1}}))
	if err != nil {
		return nil, err
	}
	candidates := map[string]map[string]bool{}
	for _, row := range rows {
		if candidates[row.Office] == nil {
			candidates[row.Office] = map[string]bool{}
		}
		candidates[row.Office][row.CaseID] = true
	}
	// What domain.Witness.Overdue says of a pending child witness.
	child := domain.Witness{Minor: true, WitnessFields: domain.WitnessFields{TestimonyStatus: domain.TestimonyPending}}
	overdue := []string{}
	for _, office := range slices.Sorted(maps.Keys(candidates)) {
		ids := slices.Sorted(maps.Keys(candidates[office]))
		cognizance, err := r.cases.cognizanceDates(ctx, scope.Narrow([]string{office}),
			bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
		if err != nil {
			return nil, err
		}
		today := domain.Today(now, r.zone(office))
		for id, date := range cognizance {
			if child.Overdue(date, today) {
				overdue = append(overdue, id)
			}
		}
	}
	slices.Sort(overdue)
	return overdue, nil
}
