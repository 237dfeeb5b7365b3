package docstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/listing"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/storetest"
)

var t0 = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

// The scopes of a caller of both offices and of a Mumbai caller.
var (
	all    = record.NewScope("kolkata", "mumbai")
	mumbai = record.NewScope("mumbai")
)

// caseStatus is the fake service's lifecycle: a case is opened, then filed.
type caseStatus string

const (
	caseOpen  caseStatus = "OPEN"
	caseFiled caseStatus = "FILED"
)

var caseStatuses = record.Enumeration[caseStatus]{caseOpen, caseFiled}

// legalCase is the fake service's record: a court case with a hearing date
// and a filing time, counted as "cases_filed" in the month it was filed.
type legalCase struct {
	record.Meta
	Title       string
	Court       string
	Status      caseStatus
	Hearing     record.Date
	FiledTime   time.Time
	Transitions []record.Transition[caseStatus]
}

// caseDoc is a legalCase as stored.
type caseDoc struct {
	Meta        docstore.MetaFields      `bson:",inline"`
	Title       string                   `bson:"title"`
	Court       string                   `bson:"court"`
	Status      string                   `bson:"status"`
	Hearing     string                   `bson:"hearing,omitempty"`
	FiledTime   *time.Time               `bson:"filed_time,omitempty"`
	Transitions []docstore.TransitionDoc `bson:"transitions"`
	Counters    counters.State           `bson:"counters"`
}

// corruptTitle is a title FromDoc refuses, to test conversion failures.
const corruptTitle = "corrupt"

func toCaseDoc(c *legalCase) *caseDoc {
	return &caseDoc{
		Meta: docstore.FromMeta(c.Meta), Title: c.Title, Court: c.Court, Status: string(c.Status),
		Hearing: docstore.OptionalDate(c.Hearing), FiledTime: docstore.OptionalTime(c.FiledTime),
		Transitions: docstore.FromTransitions(c.Transitions),
	}
}

func fromCaseDoc(d *caseDoc) (*legalCase, error) {
	if d.Title == corruptTitle {
		return nil, errors.New("cannot read this case")
	}
	hearing, err := docstore.FromOptionalDate(d.Hearing)
	if err != nil {
		return nil, err
	}
	return &legalCase{
		Meta: d.Meta.ToMeta(), Title: d.Title, Court: d.Court, Status: caseStatus(d.Status), Hearing: hearing,
		FiledTime: docstore.FromOptionalTime(d.FiledTime), Transitions: docstore.ToTransitions[caseStatus](d.Transitions),
	}, nil
}

func caseSpec(record.ListQuery) listing.Spec {
	return listing.Spec{
		Filter: filtering.Schema{Fields: []filtering.Field{
			{Name: "office", Path: "office", Type: filtering.String},
			{Name: "status", Path: "status", Type: filtering.Enum, Enum: docstore.EnumValues(caseStatuses), EnumPrefix: "CASE_STATUS_"},
			{Name: "court", Path: "court", Type: filtering.String, Translate: func(op string, value any) (bson.D, error) {
				if op != "=" {
					return nil, docstore.InvalidFilter("court supports only =; got " + op)
				}
				return bson.D{{Key: "court", Value: value}}, nil
			}},
			{Name: "hearing", Path: "hearing", Type: filtering.String},
		}},
		OrderBy:      map[string]string{"create_time": "create_time", "hearing": "hearing", "title": "title"},
		DefaultOrder: "create_time desc",
	}
}

var caseMapping = docstore.Mapping[legalCase, caseDoc]{
	Kind: "case", Collection: "cases", ToDoc: docstore.Infallible(toCaseDoc), FromDoc: fromCaseDoc,
	Meta: func(c *legalCase) *record.Meta { return &c.Meta }, List: caseSpec, Repository: "test.CaseRepository",
}

// caseCells is the fake service's contribution: a filed case counts once
// in cases_filed in the UTC month it was filed.
func caseCells(d *caseDoc) ([]counters.Cell, error) {
	if d.Status != string(caseFiled) || d.FiledTime == nil {
		return nil, nil
	}
	return []counters.Cell{{Office: d.Meta.Office, Metric: "cases_filed", Month: d.FiledTime.UTC().Format("2006-01"), Delta: 1}}, nil
}

// fakeCounters implements docstore.Counters over a real counters.Store; it
// can skip applies, as a crash right after a write would.
type fakeCounters struct {
	store *counters.Store
	skip  atomic.Int64
	// applied counts the applies carried out.
	applied atomic.Int64
}

func (f *fakeCounters) Track(src counters.Source) (*counters.Tracker, error) {
	return f.store.Track(src)
}

func (f *fakeCounters) ApplyPending(ctx context.Context, t *counters.Tracker, _, id string) {
	if n := f.skip.Load(); n > 0 && f.skip.CompareAndSwap(n, n-1) {
		return
	}
	if err := t.Apply(ctx, id); err == nil {
		f.applied.Add(1)
	}
}

// newCases returns an untracked collection of cases in a fresh database.
func newCases(t *testing.T) (*docstore.Collection[legalCase, caseDoc], *mongo.Database) {
	t.Helper()
	db := storetest.NewDatabase(t)
	return docstore.New(db.Collection("cases"), newCodec(t), caseMapping), db
}

// newTrackedCases returns a collection of cases that feeds counters.
func newTrackedCases(t *testing.T) (*docstore.Collection[legalCase, caseDoc], *fakeCounters, *mongo.Database) {
	t.Helper()
	cases, db := newCases(t)
	store, err := counters.NewStore(context.Background(), db, "counters")
	if err != nil {
		t.Fatal(err)
	}
	fc := &fakeCounters{store: store}
	err = cases.Track(docstore.Tracking[caseDoc]{Counters: fc, Cells: caseCells,
		State: func(d *caseDoc) *counters.State { return &d.Counters }})
	if err != nil {
		t.Fatalf("Track: %v", err)
	}
	return cases, fc, db
}

func newCodec(t *testing.T) *pagination.Codec {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	codec, err := pagination.NewCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

func newCase(office, id string, at time.Time) *legalCase {
	return &legalCase{Meta: record.NewMeta(id, office, "priya", at), Title: "State v. " + id, Court: "sessions", Status: caseOpen}
}

// create stores new cases, failing the test on an error.
func create(t *testing.T, cases *docstore.Collection[legalCase, caseDoc], recs ...*legalCase) {
	t.Helper()
	for _, c := range recs {
		if err := cases.Create(context.Background(), c); err != nil {
			t.Fatalf("Create %s: %v", c.ID, err)
		}
	}
}

// file moves a case to FILED at time at.
func file(at time.Time) record.UpdateFunc[legalCase] {
	return func(c *legalCase) (*legalCase, error) {
		c.FiledTime = at
		return c, record.Apply(record.Lifecycle[caseStatus]{Kind: "case",
			Allowed: map[caseStatus][]caseStatus{caseOpen: {caseFiled}}}, c.ID, &c.Status, &c.Transitions, caseFiled,
			record.Change{Actor: "clerk", Time: at, Reason: "filed", RequestID: "r-" + c.ID})
	}
}

func wantKind(t *testing.T, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Reason != reason {
		t.Fatalf("err = %v, want %s %s", err, kind, reason)
	}
	return e
}

// assertCounters checks that the counters, and a recount from the records,
// equal want.
func assertCounters(t *testing.T, store *counters.Store, want map[counters.Key]int64) {
	t.Helper()
	for name, read := range map[string]func(context.Context) (map[counters.Key]int64, error){
		"counters": store.Counts, "recount": store.Recount,
	} {
		if got, err := read(context.Background()); err != nil || !maps.Equal(got, want) {
			t.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
	}
}

// concurrently runs fn(0) to fn(n-1) in goroutines released at the same
// moment and returns their errors by i.
func concurrently(n int, fn func(i int) error) []error {
	results := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return results
}
