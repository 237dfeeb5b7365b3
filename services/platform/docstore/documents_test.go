package docstore_test

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/mongostore"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMetaFieldsRoundTripInUTC(t *testing.T) {
	t.Parallel()
	ist := time.FixedZone("IST", 5*3600+1800)
	m := record.Meta{ID: "c1", Office: "mumbai", CreateTime: t0.In(ist), UpdateTime: t0.Add(time.Hour).In(ist),
		CreatedBy: "priya", UpdatedBy: "arjun", Version: 3}
	got := docstore.FromMeta(m).ToMeta()
	if got.CreateTime.Location() != time.UTC || got.UpdateTime.Location() != time.UTC {
		t.Errorf("times not in UTC: %v, %v", got.CreateTime, got.UpdateTime)
	}
	m.CreateTime, m.UpdateTime = m.CreateTime.UTC(), m.UpdateTime.UTC()
	if got != m {
		t.Errorf("round trip = %+v, want %+v", got, m)
	}
}

func TestTransitionsRoundTrip(t *testing.T) {
	t.Parallel()
	trail := []record.Transition[caseStatus]{
		{From: caseOpen, To: caseFiled, Actor: "clerk", Time: t0, Reason: "filed", RequestID: "r1"},
		{From: caseFiled, To: caseOpen, Actor: "judge", Time: t0.Add(time.Hour)},
	}
	docs := docstore.FromTransitions(trail)
	if docs[0].From != "OPEN" || docs[0].To != "FILED" || docs[1].Reason != "" {
		t.Errorf("stored %+v", docs)
	}
	if got := docstore.ToTransitions[caseStatus](docs); !reflect.DeepEqual(got, trail) {
		t.Errorf("round trip = %+v, want %+v", got, trail)
	}
	if got := docstore.ToTransitions[caseStatus](nil); got != nil {
		t.Errorf("no stored trail = %#v, want nil", got)
	}
	if got := docstore.FromTransitions[caseStatus](nil); got == nil || len(got) != 0 {
		t.Errorf("no trail is stored as %#v, want an empty slice", got)
	}
}

func TestOptionalTime(t *testing.T) {
	t.Parallel()
	if docstore.OptionalTime(time.Time{}) != nil {
		t.Error("the zero time is stored")
	}
	if got := docstore.FromOptionalTime(nil); !got.IsZero() {
		t.Errorf("nil = %v, want the zero time", got)
	}
	local := t0.In(time.FixedZone("X", 3600))
	if got := docstore.FromOptionalTime(docstore.OptionalTime(local)); !got.Equal(t0) || got.Location() != time.UTC {
		t.Errorf("round trip = %v, want %v in UTC", got, t0)
	}
}

func TestOptionalDate(t *testing.T) {
	t.Parallel()
	for _, d := range []record.Date{{Year: 2024, Month: 2, Day: 29}, {Year: 1, Month: 1, Day: 1}, {Year: 9999, Month: 12, Day: 31}} {
		s := docstore.OptionalDate(d)
		got, err := docstore.FromOptionalDate(s)
		if err != nil || got != d {
			t.Errorf("%v stored as %q reads back %v, %v", d, s, got, err)
		}
	}
	if s := docstore.OptionalDate(record.Date{}); s != "" {
		t.Errorf("the zero date is stored as %q", s)
	}
	if d, err := docstore.FromOptionalDate(""); err != nil || !d.IsZero() {
		t.Errorf(`"" = %v, %v; want the zero date`, d, err)
	}
	for _, bad := range []string{"2023-02-29", "14/03/2025", "2025-3-1"} {
		_, err := docstore.FromOptionalDate(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), bad) {
			t.Errorf("the error quotes the stored date: %v", err)
		}
	}
}

// The stored form of dates sorts and range-filters as the dates do, in
// the database itself.
func TestStoredDatesSortAndFilterAsDates(t *testing.T) {
	t.Parallel()
	coll := storetest.NewDatabase(t).Collection("dates")
	ctx := context.Background()
	dates := []record.Date{
		{Year: 2025, Month: 10, Day: 2}, {Year: 2025, Month: 9, Day: 30}, {Year: 999, Month: 1, Day: 1},
		{Year: 2024, Month: 12, Day: 31}, {Year: 2025, Month: 1, Day: 10}, {Year: 2025, Month: 1, Day: 9},
	}
	for i, d := range dates {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}, {Key: "date", Value: docstore.OptionalDate(d)}}); err != nil {
			t.Fatal(err)
		}
	}
	read := func(filter bson.D) []record.Date {
		t.Helper()
		cur, err := coll.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "date", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		var rows []struct {
			Date string `bson:"date"`
		}
		if err := cur.All(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		out := make([]record.Date, len(rows))
		for i, r := range rows {
			if out[i], err = docstore.FromOptionalDate(r.Date); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	want := slices.Clone(dates)
	slices.SortFunc(want, record.Date.Compare)
	if got := read(bson.D{}); !slices.Equal(got, want) {
		t.Errorf("sorted = %v, want %v", got, want)
	}
	from, to := record.Date{Year: 2025, Month: 1, Day: 9}, record.Date{Year: 2025, Month: 10, Day: 1}
	got := read(bson.D{{Key: "date", Value: bson.D{
		{Key: "$gte", Value: docstore.OptionalDate(from)}, {Key: "$lt", Value: docstore.OptionalDate(to)},
	}}})
	if want := []record.Date{{Year: 2025, Month: 1, Day: 9}, {Year: 2025, Month: 1, Day: 10}, {Year: 2025, Month: 9, Day: 30}}; !slices.Equal(got, want) {
		t.Errorf("[%v, %v) = %v, want %v", from, to, got, want)
	}
}

func TestIndexIsNamedAndAscending(t *testing.T) {
	t.Parallel()
	coll := storetest.NewDatabase(t).Collection("indexed")
	ctx := context.Background()
	model := docstore.Index("office_court", "office", "court", "_id")
	if !reflect.DeepEqual(model.Keys, bson.D{{Key: "office", Value: 1}, {Key: "court", Value: 1}, {Key: "_id", Value: 1}}) {
		t.Errorf("keys = %v", model.Keys)
	}
	if err := mongostore.EnsureIndexes(ctx, coll, []mongo.IndexModel{model}); err != nil {
		t.Fatal(err)
	}
	specs, err := coll.Indexes().ListSpecifications(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(specs, func(s mongo.IndexSpecification) bool { return s.Name == "office_court" }) {
		t.Errorf("indexes %v lack office_court", specs)
	}
}

func TestEnumValues(t *testing.T) {
	t.Parallel()
	if got := docstore.EnumValues(caseStatuses); !slices.Equal(got, []string{"OPEN", "FILED"}) {
		t.Errorf("EnumValues = %v", got)
	}
}
