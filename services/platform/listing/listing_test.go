package listing_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type rescue struct {
	Date time.Time `bson:"date"`
}

type doc struct {
	ID          string    `bson:"_id"`
	Office      string    `bson:"office"`
	Status      string    `bson:"status"`
	DisplayName string    `bson:"display_name"`
	Age         int32     `bson:"age"`
	CreateTime  time.Time `bson:"create_time"`
	Rescue      rescue    `bson:"rescue"`
}

var spec = listing.Spec{
	Filter: filtering.Schema{Fields: []filtering.Field{
		{Name: "office", Path: "office", Type: filtering.String},
		{Name: "status", Path: "status", Type: filtering.Enum, Enum: []string{"CONFIRMED", "RAIDED", "CLOSED"}},
		{Name: "age", Path: "age", Type: filtering.Int},
	}},
	OrderBy: map[string]string{
		"create_time":  "create_time",
		"display_name": "display_name",
		"age":          "age",
		"rescue_date":  "rescue.date",
		"name":         "_id",
	},
	DefaultOrder: "create_time desc",
}

var base = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)

// fixture returns 23 documents with many ties in every order field, so that
// only the _id tie-breaker makes the order total.
func fixture() []doc {
	names := []string{"Asha", "Bina", "Chaya", "Asha", "Bina"}
	statuses := []string{"CONFIRMED", "RAIDED", "CLOSED"}
	docs := make([]doc, 23)
	for i := range docs {
		docs[i] = doc{
			ID:          fmt.Sprintf("id%02d", (i*7)%23), // ids not in insertion order
			Office:      []string{"mumbai", "kolkata"}[i%2],
			Status:      statuses[i%3],
			DisplayName: names[i%len(names)],
			Age:         int32(14 + i%4),
			CreateTime:  base.Add(time.Duration(i/3) * time.Hour), // triples share a time
			Rescue:      rescue{Date: base.AddDate(0, 0, -(i % 5))},
		}
	}
	return docs
}

func seed(t *testing.T, docs []doc) *mongo.Collection {
	t.Helper()
	coll := storetest.NewDatabase(t).Collection("survivors")
	items := make([]any, len(docs))
	for i := range docs {
		items[i] = docs[i]
	}
	if _, err := coll.InsertMany(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	return coll
}

func newCodec(t *testing.T) *pagination.Codec {
	t.Helper()
	c, err := pagination.NewCodecFromConfig(pagination.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// listAll pages to the end and returns the ids in order and the number of pages.
func listAll(t *testing.T, coll *mongo.Collection, codec *pagination.Codec, req listing.Request) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	for {
		page, err := listing.Find[doc](t.Context(), coll, codec, spec, req)
		if err != nil {
			t.Fatalf("Find(page %d, %+v) = %v", pages+1, req, err)
		}
		pages++
		if len(page.Items) > int(max(req.PageSize, 0)) && req.PageSize > 0 {
			t.Fatalf("page %d has %d items, more than page_size %d", pages, len(page.Items), req.PageSize)
		}
		for _, d := range page.Items {
			ids = append(ids, d.ID)
		}
		if page.NextPageToken == "" {
			return ids, pages
		}
		if pages > 100 {
			t.Fatal("listing does not end")
		}
		req.PageToken = page.NextPageToken
	}
}

func byID(a, b doc) int { return cmp.Compare(a.ID, b.ID) }

func expectedIDs(docs []doc, keep func(doc) bool, order func(a, b doc) int) []string {
	var sel []doc
	for _, d := range docs {
		if keep == nil || keep(d) {
			sel = append(sel, d)
		}
	}
	slices.SortFunc(sel, func(a, b doc) int { return cmp.Or(order(a, b), byID(a, b)) })
	ids := make([]string, len(sel))
	for i, d := range sel {
		ids[i] = d.ID
	}
	return ids
}

func TestFindPagesToTheEndWithoutDuplicatesOrGapsForEveryOrder(t *testing.T) {
	t.Parallel()
	docs := fixture()
	coll := seed(t, docs)
	codec := newCodec(t)

	orders := []struct {
		orderBy string
		order   func(a, b doc) int
	}{
		{"", func(a, b doc) int { return b.CreateTime.Compare(a.CreateTime) }}, // default: create_time desc
		{"create_time", func(a, b doc) int { return a.CreateTime.Compare(b.CreateTime) }},
		{"create_time desc", func(a, b doc) int { return b.CreateTime.Compare(a.CreateTime) }},
		{"display_name", func(a, b doc) int { return cmp.Compare(a.DisplayName, b.DisplayName) }},
		{"display_name desc", func(a, b doc) int { return cmp.Compare(b.DisplayName, a.DisplayName) }},
		{"display_name desc, create_time", func(a, b doc) int {
			return cmp.Or(cmp.Compare(b.DisplayName, a.DisplayName), a.CreateTime.Compare(b.CreateTime))
		}},
		{" age DESC ,display_name asc ", func(a, b doc) int {
			return cmp.Or(cmp.Compare(b.Age, a.Age), cmp.Compare(a.DisplayName, b.DisplayName))
		}},
		{"rescue_date, age desc", func(a, b doc) int {
			return cmp.Or(a.Rescue.Date.Compare(b.Rescue.Date), cmp.Compare(b.Age, a.Age))
		}},
		{"name desc", func(a, b doc) int { return cmp.Compare(b.ID, a.ID) }},
		{"age, name desc, display_name", func(a, b doc) int { // nothing after _id matters
			return cmp.Or(cmp.Compare(a.Age, b.Age), cmp.Compare(b.ID, a.ID))
		}},
	}
	for _, o := range orders {
		for _, size := range []int32{1, 4, 7, 23, 0} {
			t.Run(fmt.Sprintf("order_by=%q/page_size=%d", o.orderBy, size), func(t *testing.T) {
				t.Parallel()
				got, pages := listAll(t, coll, codec, listing.Request{OrderBy: o.orderBy, PageSize: size, QueryKey: "offices/-"})
				want := expectedIDs(docs, nil, o.order)
				if !slices.Equal(got, want) {
					t.Errorf("ids\n got %v\nwant %v", got, want)
				}
				effective := int(size)
				if size == 0 {
					effective = pagination.DefaultPageSize
				}
				if wantPages := max(1, (len(want)+effective-1)/effective); pages != wantPages {
					t.Errorf("pages = %d, want %d (no empty last page)", pages, wantPages)
				}
			})
		}
	}
}

func TestFindAndsTheScopeWithTheFilter(t *testing.T) {
	t.Parallel()
	docs := fixture()
	coll := seed(t, docs)
	req := listing.Request{
		Scope:    bson.D{{Key: "office", Value: bson.D{{Key: "$in", Value: bson.A{"mumbai"}}}}},
		Filter:   "status = CONFIRMED OR age >= 17",
		OrderBy:  "create_time",
		PageSize: 2,
		QueryKey: "offices/-",
	}
	got, _ := listAll(t, coll, newCodec(t), req)
	want := expectedIDs(docs,
		func(d doc) bool { return d.Office == "mumbai" && (d.Status == "CONFIRMED" || d.Age >= 17) },
		func(a, b doc) int { return a.CreateTime.Compare(b.CreateTime) })
	if len(want) == 0 {
		t.Fatal("fixture selects nothing; the test would prove nothing")
	}
	if !slices.Equal(got, want) {
		t.Errorf("ids\n got %v\nwant %v", got, want)
	}

	// A filter cannot widen the scope: office = kolkata inside a mumbai scope finds nothing.
	req.Filter, req.PageToken = "office = kolkata", ""
	page, err := listing.Find[doc](t.Context(), coll, newCodec(t), spec, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Errorf("filter escaped the scope: %d items", len(page.Items))
	}
}

func TestFindOnAnEmptyCollectionReturnsNoItemsAndNoToken(t *testing.T) {
	t.Parallel()
	coll := storetest.NewDatabase(t).Collection("empty")
	page, err := listing.Find[doc](t.Context(), coll, newCodec(t), spec, listing.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Items == nil || len(page.Items) != 0 || page.NextPageToken != "" {
		t.Errorf("page = %+v, want an empty non-nil item list and no token", page)
	}
}

func TestPageSizeMayChangeBetweenPages(t *testing.T) {
	t.Parallel()
	docs := fixture()
	coll := seed(t, docs)
	codec := newCodec(t)
	req := listing.Request{OrderBy: "display_name", PageSize: 5, QueryKey: "offices/mumbai"}
	var got []string
	for _, size := range []int32{5, 2, 9, 500} {
		req.PageSize = size
		page, err := listing.Find[doc](t.Context(), coll, codec, spec, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Items {
			got = append(got, d.ID)
		}
		req.PageToken = page.NextPageToken
		if req.PageToken == "" {
			break
		}
	}
	want := expectedIDs(docs, nil, func(a, b doc) int { return cmp.Compare(a.DisplayName, b.DisplayName) })
	if !slices.Equal(got, want) {
		t.Errorf("ids\n got %v\nwant %v", got, want)
	}
}

func TestKeysetPagingNeitherSkipsNorRepeatsWhenSeenItemsAreDeleted(t *testing.T) {
	t.Parallel()
	docs := fixture()
	coll := seed(t, docs)
	codec := newCodec(t)
	req := listing.Request{OrderBy: "create_time", PageSize: 5, QueryKey: "offices/-"}
	first, err := listing.Find[doc](t.Context(), coll, codec, spec, req)
	if err != nil {
		t.Fatal(err)
	}
	// Deleting items already returned would make an offset skip items.
	for _, d := range first.Items[:3] {
		if _, err := coll.DeleteOne(t.Context(), bson.M{"_id": d.ID}); err != nil {
			t.Fatal(err)
		}
	}
	req.PageToken = first.NextPageToken
	rest, _ := listAll(t, coll, codec, req)
	got := append(idsOf(first.Items), rest...)
	want := expectedIDs(docs, nil, func(a, b doc) int { return a.CreateTime.Compare(b.CreateTime) })
	if !slices.Equal(got, want) {
		t.Errorf("ids\n got %v\nwant %v", got, want)
	}
}

func idsOf(items []doc) []string {
	ids := make([]string, len(items))
	for i, d := range items {
		ids[i] = d.ID
	}
	return ids
}

func assertInvalid(t *testing.T, err error, reason, field string, wantInDesc ...string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error = %v, want *errs.Error %s", err, reason)
	}
	if e.Kind != errs.KindInvalidArgument || e.Reason != reason {
		t.Fatalf("error = %v %s (%v), want INVALID_ARGUMENT %s", e.Kind, e.Reason, e, reason)
	}
	if len(e.Violations) != 1 || e.Violations[0].Field != field {
		t.Fatalf("violations = %+v, want one on %s", e.Violations, field)
	}
	for _, want := range wantInDesc {
		if !strings.Contains(e.Violations[0].Description, want) {
			t.Errorf("violation %q does not contain %q", e.Violations[0].Description, want)
		}
	}
}

func TestPageTokenOnlyWorksForTheQueryItWasIssuedFor(t *testing.T) {
	t.Parallel()
	coll := seed(t, fixture())
	other := coll.Database().Collection("operations")
	codec := newCodec(t)
	req := listing.Request{
		Scope:    bson.D{{Key: "office", Value: bson.D{{Key: "$in", Value: bson.A{"mumbai", "kolkata"}}}}},
		Filter:   "status = CONFIRMED",
		OrderBy:  "create_time desc",
		PageSize: 2,
		QueryKey: "offices/-",
	}
	page, err := listing.Find[doc](t.Context(), coll, codec, spec, req)
	if err != nil {
		t.Fatal(err)
	}
	if page.NextPageToken == "" {
		t.Fatal("first page has no next token")
	}
	req.PageToken = page.NextPageToken
	if _, err := listing.Find[doc](t.Context(), coll, codec, spec, req); err != nil {
		t.Fatalf("the token with its own query = %v", err)
	}

	changes := map[string]func(r *listing.Request) *mongo.Collection{
		"another filter":   func(r *listing.Request) *mongo.Collection { r.Filter = "status = RAIDED"; return coll },
		"filter removed":   func(r *listing.Request) *mongo.Collection { r.Filter = ""; return coll },
		"another order_by": func(r *listing.Request) *mongo.Collection { r.OrderBy = "create_time"; return coll },
		"another parent":   func(r *listing.Request) *mongo.Collection { r.QueryKey = "offices/mumbai"; return coll },
		"another scope": func(r *listing.Request) *mongo.Collection {
			r.Scope = bson.D{{Key: "office", Value: "mumbai"}}
			return coll
		},
		"another collection":        func(r *listing.Request) *mongo.Collection { return other },
		"order_by default spelled":  func(r *listing.Request) *mongo.Collection { r.OrderBy = ""; return coll },
		"tampered token":            func(r *listing.Request) *mongo.Collection { r.PageToken = tamper(r.PageToken); return coll },
		"token from another codec":  func(r *listing.Request) *mongo.Collection { r.PageToken = foreignToken(t); return coll },
		"offset instead of a token": func(r *listing.Request) *mongo.Collection { r.PageToken = "2"; return coll },
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := req
			c := change(&r)
			_, err := listing.Find[doc](t.Context(), c, codec, spec, r)
			if name == "order_by default spelled" {
				// "" means the default "create_time desc": the same query.
				if err != nil {
					t.Fatalf("the default order spelled out differently = %v", err)
				}
				return
			}
			assertInvalid(t, err, "INVALID_PAGE_TOKEN", "page_token", "does not belong to this query")
		})
	}
}

// tamper flips one character in the middle of a token.
func tamper(token string) string {
	b := []byte(token)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func foreignToken(t *testing.T) string {
	t.Helper()
	raw, _ := bson.Marshal(bson.D{{Key: "v", Value: bson.A{base, "id00"}}})
	token, err := newCodec(t).Encode("whatever", raw)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestFindRejectsBadRequests(t *testing.T) {
	t.Parallel()
	coll := storetest.NewDatabase(t).Collection("survivors")
	codec := newCodec(t)
	const orderFields = "order_by fields: age, create_time, display_name, name, rescue_date"
	tests := []struct {
		name          string
		req           listing.Request
		reason, field string
		want          []string
	}{
		{"page size of a million", listing.Request{PageSize: 1000000}, "INVALID_PAGE_SIZE", "page_size",
			[]string{"must be between 0 and 500 (0 means 50); got 1000000"}},
		{"negative page size", listing.Request{PageSize: -1}, "INVALID_PAGE_SIZE", "page_size", []string{"got -1"}},
		{"unknown order_by field", listing.Request{OrderBy: "legal_name"}, "INVALID_ORDER_BY", "order_by",
			[]string{`unknown field "legal_name"; ` + orderFields}},
		{"order_by by document path", listing.Request{OrderBy: "rescue.date"}, "INVALID_ORDER_BY", "order_by",
			[]string{`unknown field "rescue.date"`}},
		{"order_by operator", listing.Request{OrderBy: "$natural"}, "INVALID_ORDER_BY", "order_by",
			[]string{"item 1 names an unknown field", orderFields}},
		{"order_by bad direction", listing.Request{OrderBy: "create_time sideways"}, "INVALID_ORDER_BY", "order_by",
			[]string{`field "create_time" may only be followed by asc or desc`, orderFields}},
		{"order_by missing comma", listing.Request{OrderBy: "create_time desc age"}, "INVALID_ORDER_BY", "order_by",
			[]string{`field "create_time" may only be followed by asc or desc, then a comma`}},
		{"order_by repeated field", listing.Request{OrderBy: "age, age desc"}, "INVALID_ORDER_BY", "order_by",
			[]string{`field "age" appears more than once`}},
		{"order_by empty item", listing.Request{OrderBy: "age,,create_time"}, "INVALID_ORDER_BY", "order_by",
			[]string{"item 2 is empty", `e.g. "age desc, create_time"`}},
		{"order_by trailing comma", listing.Request{OrderBy: "age,"}, "INVALID_ORDER_BY", "order_by",
			[]string{"item 2 is empty"}},
		{"order_by value not echoed", listing.Request{OrderBy: "Priya Sharma"}, "INVALID_ORDER_BY", "order_by",
			[]string{"item 1 names an unknown field"}},
		{"bad filter", listing.Request{Filter: "legal_name = x"}, "INVALID_FILTER", "filter",
			[]string{`unknown field "legal_name"; filterable fields: age, office, status`}},
		{"garbage page token", listing.Request{PageToken: "not a token"}, "INVALID_PAGE_TOKEN", "page_token", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := listing.Find[doc](t.Context(), coll, codec, spec, tt.req)
			assertInvalid(t, err, tt.reason, tt.field, tt.want...)
			if e, ok := errs.As(err); ok && strings.Contains(e.Error(), "Priya") {
				t.Errorf("error echoes the caller's text: %v", e)
			}
		})
	}
}

func TestFindReportsMisconfigurationAsInternal(t *testing.T) {
	t.Parallel()
	coll := storetest.NewDatabase(t).Collection("survivors")
	badDefault := spec
	badDefault.DefaultOrder = "legal_name"
	if _, err := listing.Find[doc](t.Context(), coll, newCodec(t), badDefault, listing.Request{}); !errs.Is(err, errs.KindInternal) {
		t.Errorf("invalid DefaultOrder: Find() = %v, want internal", err)
	}
	if _, err := listing.Find[doc](t.Context(), coll, nil, spec, listing.Request{}); !errs.Is(err, errs.KindInternal) {
		t.Errorf("nil codec: Find() = %v, want internal", err)
	}
}

func TestDocumentsWithANullOrderFieldFailInsteadOfBeingSkipped(t *testing.T) {
	t.Parallel()
	coll := storetest.NewDatabase(t).Collection("survivors")
	if _, err := coll.InsertMany(t.Context(), []any{
		bson.M{"_id": "a", "display_name": "Asha"},
		bson.M{"_id": "b", "display_name": nil},
		bson.M{"_id": "c"},
	}); err != nil {
		t.Fatal(err)
	}
	_, err := listing.Find[doc](t.Context(), coll, newCodec(t), spec, listing.Request{OrderBy: "display_name"})
	if !errs.Is(err, errs.KindInternal) {
		t.Fatalf("Find() = %v, want an internal error", err)
	}
	if !strings.Contains(err.Error(), `order field "display_name"`) || strings.Contains(err.Error(), "Asha") {
		t.Errorf("error %q must name the field and no document value", err)
	}
}

func TestFindHonoursTheContext(t *testing.T) {
	t.Parallel()
	coll := seed(t, fixture())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := listing.Find[doc](ctx, coll, newCodec(t), spec, listing.Request{}); err == nil {
		t.Error("Find() with a canceled context = nil error")
	}
}
