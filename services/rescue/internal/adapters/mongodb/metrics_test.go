package mongodb_test

import (
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

var ist = time.FixedZone("IST", 5*3600+1800)

// newReposInIST is newReposWith with every office in Indian time.
func newReposInIST(t *testing.T, cipher mongodb.Cipher) (*mongodb.Repositories, *mongo.Database) {
	t.Helper()
	db := storetest.NewDatabase(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	codec, err := pagination.NewCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	repos, err := mongodb.New(context.Background(), db, codec, cipher, mongodb.Options{
		Zones: func(string) *time.Location { return ist },
	})
	if err != nil {
		t.Fatalf("mongodb.New: %v", err)
	}
	return repos, db
}

// assertCounters checks that the counters equal want and a recount from the records.
func assertCounters(t *testing.T, repos *mongodb.Repositories, want map[counters.Key]int64) {
	t.Helper()
	ctx := context.Background()
	got, err := repos.Metrics.Counters().Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recount, err := repos.Metrics.Counters().Recount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, recount) {
		t.Errorf("counters %v != recount %v", got, recount)
	}
	if !maps.Equal(got, want) {
		t.Errorf("counters %v, want %v", got, want)
	}
}

func key(office, metric, month string) counters.Key {
	return counters.Key{Office: office, Metric: metric, Month: month}
}

// failingDecrypt refuses to decrypt anything: what is computed with it
// cannot have read protected identity.
type failingDecrypt struct{ mongodb.Cipher }

func (failingDecrypt) Decrypt(string, []byte, []byte) ([]byte, error) {
	return nil, errors.New("decryption is not allowed here")
}

func TestCountersFollowWritesInTheOfficesMonth(t *testing.T) {
	t.Parallel()
	keys, _ := newKeyring(t)
	repos, _ := newReposInIST(t, keys)
	ctx := context.Background()

	// 00:30 IST on 1 April: April for the office, March in UTC.
	conducted := time.Date(2025, 3, 31, 19, 0, 0, 0, time.UTC)
	o := newOperation(t, "mumbai", "op1", "loc1")
	if err := repos.Operations.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	assertCounters(t, repos, map[counters.Key]int64{})
	if _, err := repos.Operations.Update(ctx, all, "mumbai", "op1", func(o *domain.Operation) (*domain.Operation, error) {
		return o, o.Conduct(domain.Conduct{Time: conducted}, domain.Change{Actor: "d", Time: conducted.Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	s := survivorWithIdentity(t, "mumbai", "s1", secretName, domain.Date{Year: 1990, Month: 1, Day: 5})
	s.AgeAtRescue, s.RescueTime = 16, conducted
	s.LegalBasis.Basis = domain.BasisChildProtectionUnderLaw
	if err := repos.Survivors.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	assertCounters(t, repos, map[counters.Key]int64{
		key("mumbai", domain.MetricOperationsConducted, "2025-04"): 1,
		key("mumbai", domain.MetricSurvivorsRescued, "2025-04"):    1,
		key("mumbai", domain.MetricMinorsRescued, "2025-04"):       1,
	})

	// Age corrected to 19 and rescue moved back a month: the minor leaves,
	// the survivor moves.
	if _, err := repos.Survivors.Update(ctx, all, "mumbai", "s1", func(s *domain.Survivor) (*domain.Survivor, error) {
		s.AgeAtRescue, s.RescueTime, s.DateOfBirth = 19, conducted.AddDate(0, -1, 0), nil
		s.LegalBasis.Basis = domain.BasisConsent
		return s, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Erasure changes no count.
	if _, err := repos.Survivors.Update(ctx, all, "mumbai", "s1", func(s *domain.Survivor) (*domain.Survivor, error) {
		return s, s.EraseIdentity(domain.Change{Actor: "d", Time: t0, Reason: "purpose served"})
	}); err != nil {
		t.Fatal(err)
	}
	assertCounters(t, repos, map[counters.Key]int64{
		key("mumbai", domain.MetricOperationsConducted, "2025-04"): 1,
		key("mumbai", domain.MetricSurvivorsRescued, "2025-03"):    1,
	})

	values, err := repos.Metrics.Query(ctx, domain.MetricsQuery{Offices: []string{"mumbai"},
		Metrics: []string{domain.MetricSurvivorsRescued, domain.MetricMinorsRescued}, FromMonth: "2025-03", ToMonth: "2025-03"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (domain.MetricValue{Office: "mumbai", Metric: domain.MetricSurvivorsRescued, Month: "2025-03", Value: 1}); len(values) != 1 || values[0] != want {
		t.Errorf("Query = %v, want [%v]", values, want)
	}
	for _, q := range []domain.MetricsQuery{
		{Metrics: domain.ProvidedMetrics()},
		{Offices: []string{"mumbai"}},
		{Offices: []string{"kolkata"}, Metrics: domain.ProvidedMetrics()},
	} {
		if values, err := repos.Metrics.Query(ctx, q); err != nil || len(values) != 0 {
			t.Errorf("Query(%+v) = %v, %v; want nothing (no office or no metric selects nothing)", q, values, err)
		}
	}
}

func TestCountingNeverDecryptsIdentity(t *testing.T) {
	t.Parallel()
	keys, _ := newKeyring(t)
	repos, _ := newReposInIST(t, failingDecrypt{keys})
	ctx := context.Background()
	if err := repos.Survivors.Create(ctx, survivorWithIdentity(t, "kolkata", "s1", secretName, domain.Date{Year: 1990, Month: 2, Day: 3})); err != nil {
		t.Fatal(err)
	}
	want := map[counters.Key]int64{key("kolkata", domain.MetricSurvivorsRescued, metricsource.Month(t0, ist)): 1}
	assertCounters(t, repos, want)
	if _, err := repos.Metrics.Counters().Rebuild(ctx); err != nil {
		t.Fatalf("Rebuild: %v", err)
	}
	assertCounters(t, repos, want)
}

func TestADeletedOperationIsAbsentUntilItsDeleteIsApplied(t *testing.T) {
	t.Parallel()
	keys, _ := newKeyring(t)
	repos, db := newReposInIST(t, keys)
	ctx := context.Background()
	for _, id := range []string{"op1", "op2"} {
		if err := repos.Operations.Create(ctx, newOperation(t, "mumbai", id, "loc1")); err != nil {
			t.Fatal(err)
		}
	}
	// A crash right after the delete is written.
	repos.Metrics.SimulateCrashes(1)
	if err := repos.Operations.Delete(ctx, all, "mumbai", "op1", 1); err != nil {
		t.Fatal(err)
	}
	coll := db.Collection(mongodb.OperationsCollection)
	if n, _ := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: "op1"}}); n != 1 {
		t.Fatalf("the deleted operation's document is gone before its delete was applied (%d)", n)
	}
	if !repos.Metrics.NeedsRepair() {
		t.Error("a skipped Apply does not ask for a repair")
	}
	_, err := repos.Operations.Get(ctx, all, "mumbai", "op1")
	wantKind(t, err, errs.KindNotFound, "OPERATION_NOT_FOUND")
	_, err = repos.Operations.Update(ctx, all, "mumbai", "op1", func(o *domain.Operation) (*domain.Operation, error) { return o, nil })
	wantKind(t, err, errs.KindNotFound, "OPERATION_NOT_FOUND")
	wantKind(t, repos.Operations.Delete(ctx, all, "mumbai", "op1", 1), errs.KindNotFound, "OPERATION_NOT_FOUND")
	page, err := repos.Operations.List(ctx, domain.ListQuery{Scope: all, QueryKey: "offices/-"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != "op2" {
		t.Errorf("List = %v, %v; want op2 only", page.Items, err)
	}
	if n, err := repos.Operations.CountByLocation(ctx, all, "mumbai", domain.Name("mumbai", domain.CollectionLocations, "loc1")); err != nil || n != 1 {
		t.Errorf("CountByLocation = %d, %v; want 1", n, err)
	}

	// A delete at a stale version is refused and leaves the record as it is.
	wantKind(t, repos.Operations.Delete(ctx, all, "mumbai", "op2", 7), errs.KindAborted, "ETAG_MISMATCH")

	n, err := repos.Metrics.Repair(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("Repair = %d, %v; want 1 record settled", n, err)
	}
	if n, _ := coll.CountDocuments(ctx, bson.D{{Key: "_id", Value: "op1"}}); n != 0 {
		t.Error("the repair did not carry out the delete")
	}
	if repos.Metrics.NeedsRepair() {
		t.Error("still asks for a repair after a successful one")
	}
	if err := repos.Operations.Delete(ctx, all, "mumbai", "op2", 1); err != nil {
		t.Fatal(err)
	}
	if n, _ := coll.CountDocuments(ctx, bson.D{}); n != 0 {
		t.Errorf("%d operations left, want none", n)
	}
}
