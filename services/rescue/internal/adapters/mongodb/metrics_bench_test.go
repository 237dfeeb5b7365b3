package mongodb

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/counters"
	"github.com/justiceops/justice/services/platform/docstore"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

// benchSizesEnv selects the record counts BenchmarkMetricsQuery seeds, as a
// comma-separated list (e.g. "10000,100000" for a quick run).
const benchSizesEnv = "BENCH_METRICS_SIZES"

// defaultBenchSizes are the record counts of the metrics issue's goal.
var defaultBenchSizes = []int{10_000, 100_000, 1_000_000}

// seedBatch is how many documents one InsertMany carries while seeding.
const seedBatch = 5000

// benchOffices are the offices the synthetic records are spread over.
var benchOffices = []string{"kolkata", "mumbai"}

// BenchmarkMetricsQuery measures the metrics query the rescue service
// answers for justice.metrics.v1.MetricsSourceService.QueryMetrics: every
// office, every metric, all time, over counters built by the adapter's own
// Rebuild from N generated records (records=10k, 100k, 1M; select with
// BENCH_METRICS_SIZES). Each iteration is timed alone; p50-ms and p99-ms
// are reported, plus the seeding and rebuild times of the size (seed-s,
// rebuild-s), which are not part of the measured loop.
func BenchmarkMetricsQuery(b *testing.B) {
	sizes, err := benchSizes(os.Getenv(benchSizesEnv))
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range sizes {
		db := storetest.NewDatabase(b)
		var seeded *seededMetrics
		b.Run("records="+sizeLabel(n), func(b *testing.B) {
			if seeded == nil {
				if seeded, err = seedMetrics(b, db, n); err != nil {
					b.Fatal(err)
				}
			}
			ctx := context.Background()
			q := domain.MetricsQuery{Offices: benchOffices, Metrics: domain.ProvidedMetrics()}
			latencies := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				values, err := seeded.repos.Metrics.Query(ctx, q)
				latencies = append(latencies, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if len(values) != seeded.values {
					b.Fatalf("query returned %d values, want %d", len(values), seeded.values)
				}
			}
			b.StopTimer()
			slices.Sort(latencies)
			b.ReportMetric(millis(percentile(latencies, 50)), "p50-ms")
			b.ReportMetric(millis(percentile(latencies, 99)), "p99-ms")
			b.ReportMetric(seeded.seed.Seconds(), "seed-s")
			b.ReportMetric(seeded.rebuild.Seconds(), "rebuild-s")
		})
		// The next size gets a database of its own; free this one's space now.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		if err := db.Drop(ctx); err != nil {
			b.Errorf("drop the database of records=%s: %v", sizeLabel(n), err)
		}
		cancel()
	}
}

// seededMetrics is one size's store, ready to query.
type seededMetrics struct {
	repos *Repositories
	// values is how many non-zero counters the query of everything returns.
	values int
	// seed and rebuild are how long inserting the records and building the
	// counters from them took.
	seed, rebuild time.Duration
}

// seedMetrics inserts n synthetic records (nine survivors to one conducted
// operation) into db in the adapter's document format, then builds the
// counters from them with the adapter's Rebuild.
func seedMetrics(b *testing.B, db *mongo.Database, n int) (*seededMetrics, error) {
	ctx := context.Background()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	codec, err := pagination.NewCodec(key)
	if err != nil {
		return nil, err
	}
	keyring, err := fieldcrypt.Open(fieldcrypt.Config{KeysDir: b.TempDir()}, benchOffices, true)
	if err != nil {
		return nil, err
	}
	repos, err := New(ctx, db, codec, keyring, Options{})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := insertRecords(ctx, db, contributions{zone: repos.Metrics.Zone}, n); err != nil {
		return nil, err
	}
	seeded := &seededMetrics{repos: repos, seed: time.Since(start)}
	start = time.Now()
	res, err := repos.Metrics.Rebuild(ctx, domain.RebuildRequest{Actor: "bench", Time: time.Now(), Reason: "benchmark seed"})
	if err != nil {
		return nil, err
	}
	seeded.rebuild = time.Since(start)
	if res.Records != int64(n) {
		return nil, fmt.Errorf("rebuild counted %d records, want %d", res.Records, n)
	}
	seeded.values = int(res.Counters)
	b.Logf("records=%s: seeded in %s, rebuilt in %s (%d counters, %d corrected)",
		sizeLabel(n), seeded.seed.Round(time.Millisecond), seeded.rebuild.Round(time.Millisecond), res.Counters, res.Corrected)
	return seeded, nil
}

// insertRecords inserts n records in batches of seedBatch: every tenth an
// operation conducted in that month, the others survivors rescued by the
// preceding operation, about a quarter of them minors. Rescue and conduct
// times spread evenly over 2000 to 2026 and both offices. Each record is
// settled, its stored contribution the one the adapter computes, as the
// record repositories leave it after a write and its Apply.
func insertRecords(ctx context.Context, db *mongo.Database, contrib contributions, n int) error {
	operations, survivors := db.Collection(OperationsCollection), db.Collection(SurvivorsCollection)
	first := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC).Sub(first)
	var ops, svs []any
	flush := func() error {
		if len(ops) > 0 {
			if _, err := operations.InsertMany(ctx, ops); err != nil {
				return fmt.Errorf("insert operations: %w", err)
			}
		}
		if len(svs) > 0 {
			if _, err := survivors.InsertMany(ctx, svs); err != nil {
				return fmt.Errorf("insert survivors: %w", err)
			}
		}
		ops, svs = ops[:0], svs[:0]
		return nil
	}
	var operation string
	for i := range n {
		office := benchOffices[i%len(benchOffices)]
		at := first.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		meta := docstore.MetaFields{ID: fmt.Sprintf("r%09d", i), Office: office, CreateTime: at, UpdateTime: at,
			CreatedBy: "bench", UpdatedBy: "bench", Version: 1}
		if i%10 == 0 {
			conducted := at
			d := &operationDoc{Meta: meta, Location: "benchlocation", PlannedTime: at, ConductTime: &conducted,
				PoliceUnit: "bench unit", FIRNumber: fmt.Sprintf("FIR-%d", i), LegalBasis: string(domain.OperationBasisITPAS16Rescue),
				Status: string(domain.OperationConducted)}
			contribution, err := contrib.operation(d)
			if err != nil {
				return err
			}
			d.Counters = counters.State{Counted: counters.Normalize(contribution)}
			ops = append(ops, d)
			operation = domain.Name(office, domain.CollectionOperations, meta.ID)
		} else {
			age := 18 + i%40
			if i%4 == 1 {
				age = 12 + i%6
			}
			d := &survivorDoc{Meta: meta, Operation: operation, Pseudonym: "S-" + strconv.Itoa(i),
				AgeAtRescue: age, Minor: age < domain.AdultAge, Gender: string(domain.GenderUnknown),
				Citizenship: "IN", OriginRegion: "bench", Languages: []string{"hi"}, RescueTime: at,
				MeansOfControl: []string{}, RecruiterRelation: string(domain.RecruiterUnknown),
				LegalBasis: legalBasisDoc{Basis: string(domain.BasisChildProtectionUnderLaw)}, CWCState: string(domain.CWCNotRequired)}
			if d.Minor {
				d.CWCState = cwcAwaiting
				deadline := at.Add(24 * time.Hour)
				d.CWCProductionDeadline = &deadline
			}
			contribution, err := contrib.survivor(d)
			if err != nil {
				return err
			}
			d.Counters = counters.State{Counted: counters.Normalize(contribution)}
			svs = append(svs, d)
		}
		if len(ops)+len(svs) >= seedBatch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// benchSizes parses BENCH_METRICS_SIZES; empty selects defaultBenchSizes.
func benchSizes(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return defaultBenchSizes, nil
	}
	var sizes []int
	for part := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 10 {
			return nil, fmt.Errorf("%s=%q: want comma-separated record counts of at least 10, e.g. 10000,100000", benchSizesEnv, s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// sizeLabel writes a record count the short way: 10k, 1M.
func sizeLabel(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return strconv.Itoa(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	default:
		return strconv.Itoa(n)
	}
}

// percentile returns the p-th percentile (nearest rank) of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i, 1)-1]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
