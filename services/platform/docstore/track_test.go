package docstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/record"
)

func key(office, month string) counters.Key {
	return counters.Key{Office: office, Metric: "cases_filed", Month: month}
}

func TestCountersFollowEveryWrite(t *testing.T) {
	t.Parallel()
	cases, fc, _ := newTrackedCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0), newCase("kolkata", "k1", t0))
	assertCounters(t, fc.store, map[counters.Key]int64{})
	if fc.applied.Load() != 0 {
		t.Errorf("a create that counts for nothing was applied %d times", fc.applied.Load())
	}
	for _, c := range []struct{ office, id string }{{"mumbai", "c1"}, {"kolkata", "k1"}} {
		if _, err := cases.Update(ctx, all, c.office, c.id, file(t0)); err != nil {
			t.Fatal(err)
		}
	}
	assertCounters(t, fc.store, map[counters.Key]int64{key("mumbai", "2025-03"): 1, key("kolkata", "2025-03"): 1})

	// A change that does not alter the contribution writes no pending change.
	applied := fc.applied.Load()
	if _, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) {
		c.Title = "renamed"
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	if fc.applied.Load() != applied {
		t.Error("a change that counts the same was applied")
	}
	// A corrected filing time moves the count.
	if _, err := cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) {
		c.FiledTime = t0.AddDate(0, 1, 0)
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	assertCounters(t, fc.store, map[counters.Key]int64{key("mumbai", "2025-04"): 1, key("kolkata", "2025-03"): 1})

	// Deleting subtracts the contribution and removes the document.
	got, _ := cases.Get(ctx, all, "mumbai", "c1")
	if err := cases.Delete(ctx, all, "mumbai", "c1", got.Version); err != nil {
		t.Fatal(err)
	}
	assertCounters(t, fc.store, map[counters.Key]int64{key("kolkata", "2025-03"): 1})
	if n, _ := cases.Mongo().CountDocuments(ctx, bson.D{{Key: "_id", Value: "c1"}}); n != 0 {
		t.Errorf("the deleted case's document is still stored")
	}
}

func TestADeletedRecordIsAbsentUntilItsDeleteIsApplied(t *testing.T) {
	t.Parallel()
	cases, fc, _ := newTrackedCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0), newCase("mumbai", "c2", t0))
	for _, id := range []string{"c1", "c2"} {
		if _, err := cases.Update(ctx, all, "mumbai", id, file(t0)); err != nil {
			t.Fatal(err)
		}
	}
	// A crash right after the delete is written.
	fc.skip.Store(1)
	if err := cases.Delete(ctx, all, "mumbai", "c1", 2); err != nil {
		t.Fatal(err)
	}
	if n, _ := cases.Mongo().CountDocuments(ctx, bson.D{{Key: "_id", Value: "c1"}}); n != 1 {
		t.Fatalf("the deleted case's document is gone before its delete was applied (%d)", n)
	}
	_, err := cases.Get(ctx, all, "mumbai", "c1")
	wantKind(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	_, err = cases.Update(ctx, all, "mumbai", "c1", func(c *legalCase) (*legalCase, error) { return c, nil })
	wantKind(t, err, errs.KindNotFound, "CASE_NOT_FOUND")
	wantKind(t, cases.Delete(ctx, all, "mumbai", "c1", 2), errs.KindNotFound, "CASE_NOT_FOUND")
	var doc caseDoc
	wantKind(t, cases.FindOne(ctx, all, "mumbai", "c1", nil, &doc), errs.KindNotFound, "CASE_NOT_FOUND")
	page, err := cases.List(ctx, record.ListQuery{Scope: all, QueryKey: "offices/-"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != "c2" {
		t.Errorf("List = %v, %v; want c2 only", page.Items, err)
	}
	if n, err := cases.Count(ctx, all, nil); err != nil || n != 1 {
		t.Errorf("Count = %d, %v; want 1", n, err)
	}
	if counts, err := cases.CountBy(ctx, all, "court", []string{"sessions"}); err != nil || counts["sessions"] != 1 {
		t.Errorf("CountBy = %v, %v; want 1", counts, err)
	}
	var docs []caseDoc
	if err := cases.Find(ctx, all, nil, &docs); err != nil || len(docs) != 1 {
		t.Errorf("Find: %d documents, %v; want 1", len(docs), err)
	}
	// Still counted until the delete is applied (a recount already skips it).
	if got, err := fc.store.Counts(ctx); err != nil || got[key("mumbai", "2025-03")] != 2 {
		t.Errorf("counters before the delete is applied = %v, %v; want 2", got, err)
	}

	// A delete at a stale version is refused and leaves the record as it is.
	wantKind(t, cases.Delete(ctx, all, "mumbai", "c2", 1), errs.KindAborted, "ETAG_MISMATCH")

	n, err := fc.store.Repair(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v; want 1 record settled", n, err)
	}
	if n, _ := cases.Mongo().CountDocuments(ctx, bson.D{{Key: "_id", Value: "c1"}}); n != 0 {
		t.Error("the repair did not carry out the delete")
	}
	assertCounters(t, fc.store, map[counters.Key]int64{key("mumbai", "2025-03"): 1})
}

func TestACrashAfterAWriteLeavesTheChangePendingWithTheRecord(t *testing.T) {
	t.Parallel()
	cases, fc, _ := newTrackedCases(t)
	ctx := context.Background()
	create(t, cases, newCase("mumbai", "c1", t0))
	fc.skip.Store(1)
	if _, err := cases.Update(ctx, all, "mumbai", "c1", file(time.Date(2025, 5, 2, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatalf("a skipped apply failed the write: %v", err)
	}
	var doc caseDoc
	if err := cases.FindOne(ctx, all, "mumbai", "c1", nil, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Counters.Settled() || doc.Status != string(caseFiled) {
		t.Fatalf("the record and its pending change are not stored together: %+v", doc)
	}
	if got, _ := fc.store.Counts(ctx); len(got) != 0 {
		t.Errorf("counted before the apply: %v", got)
	}
	if n, err := fc.store.Repair(ctx, 0); err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v", n, err)
	}
	assertCounters(t, fc.store, map[counters.Key]int64{key("mumbai", "2025-05"): 1})
}

func TestTrackChecksTheTracking(t *testing.T) {
	t.Parallel()
	cases, fc, db := newTrackedCases(t)
	err := cases.Track(docstore.Tracking[caseDoc]{Counters: fc, Cells: caseCells,
		State: func(d *caseDoc) *counters.State { return &d.Counters }})
	if err == nil || !strings.Contains(err.Error(), "already tracked") {
		t.Errorf("a second Track: %v", err)
	}
	if err := docstore.New(db.Collection("more"), newCodec(t), caseMapping).Track(docstore.Tracking[caseDoc]{Counters: fc}); err == nil {
		t.Error("a Tracking without State and Cells was accepted")
	}

	// The State must be stored where the counters look for it.
	type badDoc struct {
		ID    string         `bson:"_id"`
		State counters.State `bson:"bookkeeping"`
	}
	bad := docstore.New(db.Collection("bad"), newCodec(t), docstore.Mapping[badDoc, badDoc]{Kind: "bad", Collection: "bads"})
	err = bad.Track(docstore.Tracking[badDoc]{Counters: fc,
		Cells: func(*badDoc) ([]counters.Cell, error) { return nil, nil },
		State: func(d *badDoc) *counters.State { return &d.State }})
	if err == nil || !strings.Contains(err.Error(), `bson:"counters"`) {
		t.Errorf("a State under another field: %v, want the tag to use named", err)
	}
}
