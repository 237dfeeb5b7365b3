package docstore_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

func TestRoundTripKeepsEveryField(t *testing.T) {
	t.Parallel()
	cases, db := newCases(t)
	ctx := context.Background()
	c := newCase("mumbai", "c1", t0)
	c.Hearing = record.Date{Year: 2025, Month: 2, Day: 28}
	if _, err := file(t0.Add(time.Hour))(c); err != nil {
		t.Fatal(err)
	}
	create(t, cases, c)
	got, err := cases.Get(ctx, all, "mumbai", "c1")
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("read back: err %v\n%+v\nwant\n%+v", err, got, c)
	}
	err = cases.Create(ctx, newCase("mumbai", "c1", t0))
	e := wantKind(t, err, errs.KindAlreadyExists, "CASE_ALREADY_EXISTS")
	if e.Message != `case "offices/mumbai/cases/c1" already exists` {
		t.Errorf("message %q", e.Message)
	}

	// The stored form: API field names, the date as YYYY-MM-DD, unset
	// optional fields absent.
	var raw bson.M
	if err := db.Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: "c1"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if raw["hearing"] != "2025-02-28" || raw["office"] != "mumbai" || raw["version"] != int64(1) || raw["created_by"] != "priya" {
		t.Errorf("stored %v", raw)
	}
	create(t, cases, newCase("mumbai", "c2", t0))
	raw = nil
	if err := db.Collection("cases").FindOne(ctx, bson.D{{Key: "_id", Value: "c2"}}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{"hearing", "filed_time"} {
		if _, ok := raw[field]; ok {
			t.Errorf("unset %s is stored: %v", field, raw[field])
		}
	}
	if trail, ok := raw["transitions"].(bson.A); !ok || len(trail) != 0 {
		t.Errorf("an empty trail is stored as %#v, want an empty array", raw["transitions"])
	}
}

func TestRecordsOutsideTheScopeAreNotFound(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	create(t, cases, newCase("kolkata", "c1", t0))
	_, errOther := cases.Get(ctx, mumbai, "kolkata", "c1")
	_, errMissing := cases.Get(ctx, mumbai, "kolkata", "c2")
	_, errWrongOffice := cases.Get(ctx, all, "mumbai", "c1")
	a := wantKind(t, errOther, errs.KindNotFound, "CASE_NOT_FOUND")
	b := wantKind(t, errMissing, errs.KindNotFound, "CASE_NOT_FOUND")
	wantKind(t, errWrongOffice, errs.KindNotFound, "CASE_NOT_FOUND")
	if a.Message != `case "offices/kolkata/cases/c1" does not exist` || b.Message != `case "offices/kolkata/cases/c2" does not exist` {
		t.Errorf("messages differ beyond the name: %q, %q", a.Message, b.Message)
	}
	_, err := cases.Update(ctx, mumbai, "kolkata", "c1", func(c *legalCase) (*legalCase, error) {
		t.Error("update function ran on a record outside the scope")
		return c, nil
	})
	wantKind(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	wantKind(t, cases.Delete(ctx, mumbai, "kolkata", "c1", 1), errs.KindNotFound, "CASE_NOT_FOUND")
	_, err = cases.Get(ctx, record.Scope{}, "kolkata", "c1")
	wantKind(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	var doc caseDoc
	wantKind(t, cases.FindOne(ctx, mumbai, "kolkata", "c1", nil, &doc), errs.KindNotFound, "CASE_NOT_FOUND")

	for _, tc := range []struct {
		scope record.Scope
		want  int
	}{{mumbai, 0}, {all, 1}, {record.Scope{}, 0}} {
		page, err := cases.List(ctx, record.ListQuery{Scope: tc.scope, QueryKey: "offices/-"})
		if err != nil || len(page.Items) != tc.want {
			t.Errorf("list in %v: err %v, %d items, want %d", tc.scope.Offices(), err, len(page.Items), tc.want)
		}
		if n, err := cases.Count(ctx, tc.scope, bson.D{{Key: "court", Value: "sessions"}}); err != nil || n != tc.want {
			t.Errorf("count in %v = %d, %v; want %d", tc.scope.Offices(), n, err, tc.want)
		}
		counts, err := cases.CountBy(ctx, tc.scope, "court", []string{"sessions"})
		if err != nil || counts["sessions"] != tc.want {
			t.Errorf("count by court in %v = %v, %v; want %d", tc.scope.Offices(), counts, err, tc.want)
		}
		var docs []caseDoc
		if err := cases.Find(ctx, tc.scope, nil, &docs); err != nil || len(docs) != tc.want {
			t.Errorf("find in %v: %d documents, %v; want %d", tc.scope.Offices(), len(docs), err, tc.want)
		}
	}
	// A filter cannot reach past the scope.
	page, err := cases.List(ctx, record.ListQuery{Scope: mumbai, QueryKey: "offices/-", Filter: `office = "kolkata"`})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("filter on another office: err %v, %d items", err, len(page.Items))
	}
	// Counting one office's records within a scope: narrow the scope.
	if n, err := cases.Count(ctx, mumbai.Narrow([]string{"kolkata"}), nil); err != nil || n != 0 {
		t.Errorf("mumbai-scoped count of kolkata's cases = %d, %v", n, err)
	}
	if n, err := cases.Count(ctx, all.Narrow([]string{"kolkata"}), nil); err != nil || n != 1 {
		t.Errorf("count of kolkata's cases = %d, %v", n, err)
	}
}

func TestConcurrentUpdatesWithTheSameEtagExactlyOneWins(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	c := newCase("mumbai", "c1", t0)
	create(t, cases, c)
	etag := c.Etag()
	results := concurrently(8, func(i int) error {
		_, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) {
			if err := record.CheckEtag("case", cases.Name(c.Office, c.ID), c.Meta, etag); err != nil {
				return nil, err
			}
			c.Title = fmt.Sprintf("writer %d", i)
			return c, nil
		})
		return err
	})
	wins := 0
	for _, err := range results {
		if err == nil {
			wins++
			continue
		}
		wantKind(t, err, errs.KindAborted, "ETAG_MISMATCH")
	}
	if wins != 1 {
		t.Fatalf("%d writers won, want exactly 1: %v", wins, results)
	}
	got, _ := cases.Get(ctx, all, "mumbai", "c1")
	if got.Version != 2 {
		t.Errorf("version = %d, want 2", got.Version)
	}
}

func TestConcurrentUpdatesWithoutEtagAllApply(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0))
	const writers = 8
	results := concurrently(writers, func(i int) error {
		_, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) {
			c.Court += fmt.Sprintf("[%d]", i)
			return c, nil
		})
		return err
	})
	if err := errors.Join(results...); err != nil {
		t.Fatalf("an update without etag lost its race for good: %v", err)
	}
	got, _ := cases.Get(ctx, all, "mumbai", "c1")
	if got.Version != 1+writers || len(got.Court) != len("sessions")+writers*len("[0]") {
		t.Errorf("version %d court %q: each change must apply to the others' results", got.Version, got.Court)
	}
}

func TestDeleteRacingAnUpdateNeverLosesTheUpdate(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0))
	results := concurrently(2, func(i int) error {
		if i == 0 {
			_, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) { return c, nil })
			return err
		}
		return cases.Delete(ctx, all, "mumbai", "c1", 1)
	})
	updateErr, deleteErr := results[0], results[1]
	_, getErr := cases.Get(ctx, all, "mumbai", "c1")
	switch {
	case deleteErr == nil:
		// The delete went first: the update must have found nothing.
		wantKind(t, updateErr, errs.KindNotFound, "CASE_NOT_FOUND")
		wantKind(t, getErr, errs.KindNotFound, "CASE_NOT_FOUND")
	case updateErr == nil:
		// The update went first: the delete at version 1 must have been refused.
		wantKind(t, deleteErr, errs.KindAborted, "ETAG_MISMATCH")
		if getErr != nil {
			t.Errorf("the updated record is gone: %v", getErr)
		}
	default:
		t.Errorf("both failed: update %v, delete %v", updateErr, deleteErr)
	}
}

func TestUpdateFunctionErrorStoresNothing(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0))
	boom := errors.New("refused")
	_, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) {
		c.Title = "changed"
		return nil, boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the function's error", err)
	}
	got, _ := cases.Get(ctx, all, "mumbai", "c1")
	if got.Title != "State v. c1" || got.Version != 1 {
		t.Errorf("stored despite the error: %+v", got)
	}
}

func TestUpdateKeepsTheIdentityAndBumpsTheVersion(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0))
	got, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) {
		c.ID, c.Office, c.Version = "other", "kolkata", 99
		return c, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "c1" || got.Office != "mumbai" || got.Version != 2 {
		t.Errorf("update returned %s/%s v%d, want mumbai/c1 v2", got.Office, got.ID, got.Version)
	}
	if again, err := cases.Get(ctx, all, "mumbai", "c1"); err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("stored %+v, %v; want %+v", again, err, got)
	}
}

func TestDeleteOnlyAtTheLoadedVersion(t *testing.T) {
	t.Parallel()
	cases, db := newCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0))
	if _, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) { return c, nil }); err != nil {
		t.Fatal(err)
	}
	wantKind(t, cases.Delete(ctx, all, "mumbai", "c1", 1), errs.KindAborted, "ETAG_MISMATCH")
	if err := cases.Delete(ctx, all, "mumbai", "c1", 2); err != nil {
		t.Fatalf("delete at the current version: %v", err)
	}
	if n, _ := db.Collection("cases").CountDocuments(ctx, bson.D{}); n != 0 {
		t.Errorf("%d documents left", n)
	}
	wantKind(t, cases.Delete(ctx, all, "mumbai", "c1", 2), errs.KindNotFound, "CASE_NOT_FOUND")
}

func TestUnexpectedErrorsNameTheRepositoryMethod(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	c := newCase("mumbai", "c1", t0)
	c.Title = corruptTitle
	create(t, cases, c)
	_, err := cases.Get(ctx, all, "mumbai", "c1")
	if err == nil || !strings.HasPrefix(err.Error(), "test.CaseRepository.Get: ") {
		t.Errorf("Get: %v, want the repository's method named", err)
	}
	_, err = cases.List(ctx, record.ListQuery{Scope: all, QueryKey: "offices/-"})
	if err == nil || !strings.HasPrefix(err.Error(), "test.CaseRepository.List: ") {
		t.Errorf("List: %v, want the repository's method named", err)
	}
	// A typed error stays typed under the prefix.
	_, err = cases.Get(ctx, all, "mumbai", "c2")
	if e := wantKind(t, err, errs.KindNotFound, "CASE_NOT_FOUND"); !strings.HasPrefix(err.Error(), "test.CaseRepository.Get: ") {
		t.Errorf("Get of an absent case: %v (%v)", err, e)
	}
	if docstore.Wrap("op", nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestListPagesFiltersAndOrders(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	for i := range 7 {
		c := newCase("mumbai", fmt.Sprintf("c%d", i), t0.Add(time.Duration(i)*time.Minute))
		c.Hearing = record.Date{Year: 2025, Month: 12 - i, Day: 1}
		if i%2 == 0 {
			c.Status = caseFiled
		}
		create(t, cases, c)
	}
	q := record.ListQuery{Scope: mumbai, QueryKey: "offices/mumbai", PageSize: 3}
	var ids []string
	for {
		page, err := cases.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if want := []string{"c6", "c5", "c4", "c3", "c2", "c1", "c0"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("default order (create_time desc) over pages = %v, want %v", ids, want)
	}
	for _, tc := range []struct {
		filter, orderBy string
		want            []string
	}{
		{`status = FILED`, "create_time", []string{"c0", "c2", "c4", "c6"}},
		{`status = CASE_STATUS_OPEN`, "hearing", []string{"c5", "c3", "c1"}},
		// Dates stored as YYYY-MM-DD compare as dates.
		{`hearing >= "2025-08-01" AND hearing < "2025-11-01"`, "hearing", []string{"c4", "c3", "c2"}},
		{`court = "sessions" AND hearing > "2025-10-15"`, "hearing desc", []string{"c0", "c1"}},
	} {
		page, err := cases.List(ctx, record.ListQuery{Scope: mumbai, QueryKey: "offices/mumbai", Filter: tc.filter, OrderBy: tc.orderBy})
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		ids = nil
		for _, c := range page.Items {
			ids = append(ids, c.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("%s order by %s = %v, want %v", tc.filter, tc.orderBy, ids, tc.want)
		}
	}
	_, err := cases.List(ctx, record.ListQuery{Scope: mumbai, QueryKey: "offices/mumbai", Filter: `title = "x"`})
	wantKind(t, err, errs.KindInvalidArgument, "INVALID_FILTER")
	_, err = cases.List(ctx, record.ListQuery{Scope: mumbai, QueryKey: "offices/mumbai", Filter: `court != "sessions"`})
	e := wantKind(t, err, errs.KindInvalidArgument, "INVALID_FILTER")
	if len(e.Violations) != 1 || e.Violations[0].Field != "filter" || e.Violations[0].Description != "court supports only =; got !=" {
		t.Errorf("InvalidFilter violations = %v", e.Violations)
	}
}

func TestHelpersForExtraQueries(t *testing.T) {
	t.Parallel()
	cases, _ := newCases(t)
	ctx := context.Background()
	for i, court := range []string{"sessions", "sessions", "high", "district"} {
		c := newCase("mumbai", fmt.Sprintf("c%d", i), t0)
		c.Court = court
		create(t, cases, c)
	}
	kolkata := newCase("kolkata", "k1", t0)
	create(t, cases, kolkata)

	counts, err := cases.CountBy(ctx, all, "court", []string{"sessions", "high", "supreme"})
	if want := map[string]int{"sessions": 3, "high": 1}; err != nil || !reflect.DeepEqual(counts, want) {
		t.Errorf("CountBy = %v, %v; want %v", counts, err, want)
	}
	if counts, err := cases.CountBy(ctx, all, "court", nil); err != nil || len(counts) != 0 {
		t.Errorf("CountBy of no values = %v, %v", counts, err)
	}
	if n, err := cases.Count(ctx, mumbai, bson.D{{Key: "court", Value: "sessions"}}); err != nil || n != 2 {
		t.Errorf("Count = %d, %v; want 2", n, err)
	}

	var self struct {
		Court string `bson:"court"`
		Title string `bson:"title"`
	}
	if err := cases.FindOne(ctx, all, "mumbai", "c2", bson.D{{Key: "court", Value: 1}}, &self); err != nil || self.Court != "high" || self.Title != "" {
		t.Errorf("FindOne with a projection = %+v, %v; want the court only", self, err)
	}
	var rows []struct {
		ID     string `bson:"_id"`
		Office string `bson:"office"`
	}
	err = cases.Find(ctx, all, bson.D{{Key: "court", Value: "sessions"}}, &rows,
		options.Find().SetSort(bson.D{{Key: "office", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(2))
	if err != nil || len(rows) != 2 || rows[0].ID != "k1" || rows[1].ID != "c0" {
		t.Errorf("Find = %+v, %v; want k1, c0", rows, err)
	}
	if got := cases.Name("mumbai", "c1"); got != "offices/mumbai/cases/c1" {
		t.Errorf("Name = %s", got)
	}
}
