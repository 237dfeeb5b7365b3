package docstore_test

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/record"
)

// hearing is the fake service's child record: a hearing of a case, named
// offices/{office}/cases/{case}/hearings/{id}.
type hearing struct {
	record.Meta
	CaseID  string
	Day     record.Date
	Purpose string
}

type hearingDoc struct {
	Meta    docstore.MetaFields `bson:",inline"`
	CaseID  string              `bson:"case_id"`
	Day     string              `bson:"day"`
	Purpose string              `bson:"purpose"`
}

var hearingMapping = docstore.Mapping[hearing, hearingDoc]{
	Kind: "hearing", Collection: "hearings", Repository: "test.HearingRepository",
	ToDoc: docstore.Infallible(func(h *hearing) *hearingDoc {
		return &hearingDoc{Meta: docstore.FromMeta(h.Meta), CaseID: h.CaseID, Day: docstore.OptionalDate(h.Day), Purpose: h.Purpose}
	}),
	FromDoc: func(d *hearingDoc) (*hearing, error) {
		day, err := docstore.FromOptionalDate(d.Day)
		return &hearing{Meta: d.Meta.ToMeta(), CaseID: d.CaseID, Day: day, Purpose: d.Purpose}, err
	},
	Meta: func(h *hearing) *record.Meta { return &h.Meta },
	List: func(record.ListQuery) listing.Spec {
		return listing.Spec{
			Filter:       filtering.Schema{Fields: []filtering.Field{{Name: "purpose", Path: "purpose", Type: filtering.String}}},
			OrderBy:      map[string]string{"day": "day", "create_time": "create_time"},
			DefaultOrder: "create_time",
		}
	},
}

var hearingParent = docstore.Parent[hearing]{Collection: "cases", Field: "case_id", ID: func(h *hearing) string { return h.CaseID }}

func newHearings(t *testing.T) (*docstore.Children[hearing, hearingDoc], *mongo.Database) {
	t.Helper()
	_, db := newCases(t)
	return docstore.NewChildren(db.Collection("hearings"), newCodec(t), hearingMapping, hearingParent), db
}

func newHearing(office, caseID, id string, day int, purpose string) *hearing {
	return &hearing{Meta: record.NewMeta(id, office, "priya", t0.Add(time.Duration(day)*time.Minute)), CaseID: caseID,
		Day: record.Date{Year: 2025, Month: 4, Day: day}, Purpose: purpose}
}

func ids[T any](items []*T, id func(*T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func hearingIDs(hs []*hearing) []string { return ids(hs, func(h *hearing) string { return h.ID }) }

func TestChildrenAreReadUnderTheirParentOnly(t *testing.T) {
	t.Parallel()
	hearings, _ := newHearings(t)
	ctx := context.Background()
	h := newHearing("mumbai", "c1", "h1", 3, "EVIDENCE")
	if err := hearings.Create(ctx, h); err != nil {
		t.Fatal(err)
	}
	got, err := hearings.Get(ctx, all, "mumbai", "c1", "h1")
	if err != nil || !reflect.DeepEqual(got, h) {
		t.Fatalf("Get = %+v, %v; want %+v", got, err, h)
	}
	e := wantKind(t, hearings.Create(ctx, newHearing("mumbai", "c1", "h1", 4, "BAIL")), errs.KindAlreadyExists, "HEARING_ALREADY_EXISTS")
	if !strings.Contains(e.Message, `"offices/mumbai/cases/c1/hearings/h1"`) {
		t.Errorf("ALREADY_EXISTS message %q does not give the full name", e.Message)
	}
	if got := hearings.Name("mumbai", "c1", "h1"); got != "offices/mumbai/cases/c1/hearings/h1" {
		t.Errorf("Name = %q", got)
	}

	// Another parent, another office, a scope without the office, or the
	// top-level reads that know no parent: absent, with the same message.
	for _, tc := range []struct {
		scope                 record.Scope
		office, parent, wantN string
	}{
		{all, "mumbai", "c2", "offices/mumbai/cases/c2/hearings/h1"},
		{all, "kolkata", "c1", "offices/kolkata/cases/c1/hearings/h1"},
		{record.NewScope("kolkata"), "mumbai", "c1", "offices/mumbai/cases/c1/hearings/h1"},
	} {
		_, err := hearings.Get(ctx, tc.scope, tc.office, tc.parent, "h1")
		e := wantKind(t, err, errs.KindNotFound, "HEARING_NOT_FOUND")
		if e.Message != `hearing "`+tc.wantN+`" does not exist` {
			t.Errorf("message %q", e.Message)
		}
		_, err = hearings.Update(ctx, tc.scope, tc.office, tc.parent, "h1", func(h *hearing) (*hearing, error) {
			t.Error("update function ran on a record under another parent")
			return h, nil
		})
		wantKind(t, err, errs.KindNotFound, "HEARING_NOT_FOUND")
		wantKind(t, hearings.Delete(ctx, tc.scope, tc.office, tc.parent, "h1", 1), errs.KindNotFound, "HEARING_NOT_FOUND")
	}
	_, err = hearings.Collection().Get(ctx, all, "mumbai", "h1")
	wantKind(t, err, errs.KindNotFound, "HEARING_NOT_FOUND")

	// Update keeps the parent; moving the record is refused and stores nothing.
	got, err = hearings.Update(ctx, all, "mumbai", "c1", "h1", func(h *hearing) (*hearing, error) {
		h.Purpose = "ARGUMENTS"
		return h, nil
	})
	if err != nil || got.Version != 2 || got.Purpose != "ARGUMENTS" {
		t.Fatalf("Update = %+v, %v", got, err)
	}
	_, err = hearings.Update(ctx, all, "mumbai", "c1", "h1", func(h *hearing) (*hearing, error) {
		h.CaseID = "c2"
		return h, nil
	})
	if err == nil || !strings.Contains(err.Error(), "another parent") {
		t.Errorf("moving to another parent: %v", err)
	}
	wantKind(t, hearings.Delete(ctx, all, "mumbai", "c1", "h1", 1), errs.KindAborted, "ETAG_MISMATCH")
	if err := hearings.Delete(ctx, all, "mumbai", "c1", "h1", 2); err != nil {
		t.Fatal(err)
	}
	_, err = hearings.Get(ctx, all, "mumbai", "c1", "h1")
	wantKind(t, err, errs.KindNotFound, "HEARING_NOT_FOUND")
}

func TestChildrenListUnderOneParentOrEvery(t *testing.T) {
	t.Parallel()
	hearings, _ := newHearings(t)
	ctx := context.Background()
	for _, h := range []*hearing{
		newHearing("mumbai", "c1", "h1", 5, "EVIDENCE"),
		newHearing("mumbai", "c2", "h2", 1, "BAIL"),
		newHearing("mumbai", "c1", "h3", 9, "BAIL"),
		newHearing("kolkata", "c9", "h4", 2, "BAIL"),
	} {
		if err := hearings.Create(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		scope          record.Scope
		office, parent string
		filter, order  string
		want           []string
	}{
		{all, "mumbai", "c1", "", "", []string{"h1", "h3"}},
		{all, "mumbai", docstore.AllParents, "", "day", []string{"h2", "h1", "h3"}},
		{all, "mumbai", docstore.AllParents, `purpose = "BAIL"`, "", []string{"h2", "h3"}},
		{all, "-", docstore.AllParents, "", "day", []string{"h2", "h4", "h1", "h3"}},
		{mumbai, "-", docstore.AllParents, "", "day", []string{"h2", "h1", "h3"}},
		{mumbai, "kolkata", docstore.AllParents, "", "", nil},
		{all, "kolkata", "c1", "", "", nil},
	} {
		page, err := hearings.List(ctx, tc.office, tc.parent, record.ListQuery{Scope: tc.scope, Filter: tc.filter, OrderBy: tc.order})
		if err != nil {
			t.Fatal(err)
		}
		if got := hearingIDs(page.Items); !slices.Equal(got, tc.want) {
			t.Errorf("%s/%s %q by %q in %v = %v, want %v", tc.office, tc.parent, tc.filter, tc.order, tc.scope.Offices(), got, tc.want)
		}
	}

	// Pages under one parent never reach another; a token is bound to its parent.
	q := record.ListQuery{Scope: all, PageSize: 1, QueryKey: "offices/mumbai/cases/c1"}
	page, err := hearings.List(ctx, "mumbai", "c1", q)
	if err != nil || len(page.Items) != 1 || page.NextPageToken == "" {
		t.Fatalf("first page = %v, %v", page, err)
	}
	q.PageToken = page.NextPageToken
	if _, err := hearings.List(ctx, "mumbai", "c2", q); err == nil {
		t.Error("a page token of c1's list continued c2's")
	}
	next, err := hearings.List(ctx, "mumbai", "c1", q)
	if err != nil || len(next.Items) != 1 || next.Items[0].ID != "h3" || next.NextPageToken != "" {
		t.Errorf("second page = %v, %v", next, err)
	}
}

func TestListWhereAddsConditionsAndItsOwnSpec(t *testing.T) {
	t.Parallel()
	hearings, _ := newHearings(t)
	ctx := context.Background()
	for i, day := range []int{9, 3, 3, 20, 1} {
		h := newHearing("mumbai", "c1", "h"+string(rune('a'+i)), day, "BAIL")
		if err := hearings.Create(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	where := bson.D{{Key: "day", Value: bson.D{{Key: "$gte", Value: "2025-04-02"}, {Key: "$lte", Value: "2025-04-10"}}}}
	spec := listing.Spec{OrderBy: map[string]string{"day": "day"}, DefaultOrder: "day"}
	var got []string
	q := record.ListQuery{Scope: mumbai, PageSize: 2, QueryKey: "calendar"}
	for {
		page, err := hearings.Collection().ListWhere(ctx, q, where, spec)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, hearingIDs(page.Items)...)
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if want := []string{"hb", "hc", "ha"}; !slices.Equal(got, want) {
		t.Errorf("ListWhere = %v, want %v", got, want)
	}
	// The spec given is the one that applies: the Mapping's filter field is unknown.
	_, err := hearings.Collection().ListWhere(ctx, record.ListQuery{Scope: mumbai, Filter: `purpose = "BAIL"`}, where, spec)
	wantKind(t, err, errs.KindInvalidArgument, filtering.ReasonInvalidFilter)
}

func TestGetManyReadsTheOfficesRecordsAmongIDs(t *testing.T) {
	t.Parallel()
	cases, fc, _ := newTrackedCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0), newCase("mumbai", "c2", t0), newCase("kolkata", "c3", t0), newCase("mumbai", "c4", t0))
	fc.skip.Store(1)
	if err := cases.Delete(ctx, all, "mumbai", "c4", 1); err != nil {
		t.Fatal(err)
	}
	got, err := cases.GetMany(ctx, all, "mumbai", []string{"c1", "c2", "c3", "c4", "c5"})
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"c1", "c2"}) || got["c1"].Title != "State v. c1" {
		t.Errorf("GetMany = %v", got)
	}
	for _, tc := range []struct {
		scope  record.Scope
		office string
		ids    []string
	}{
		{record.NewScope("kolkata"), "mumbai", []string{"c1"}},
		{all, "mumbai", nil},
	} {
		if got, err := cases.GetMany(ctx, tc.scope, tc.office, tc.ids); err != nil || len(got) != 0 {
			t.Errorf("GetMany(%v, %s, %v) = %v, %v; want none", tc.scope.Offices(), tc.office, tc.ids, got, err)
		}
	}
}
