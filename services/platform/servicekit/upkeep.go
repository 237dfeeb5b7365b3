package servicekit

import (
	"context"
	"log/slog"
	"time"

	"github.com/justiceops/justice/services/platform/idempotency"
)

// SweepInterval is how often Maintain, run by Run, removes expired
// idempotency keys and makes a full repair pass over the metric counters.
const SweepInterval = 10 * time.Minute

// RepairInterval is how often, at most, Maintain looks whether a counter
// update failed in this process since the last repair and, if so, repairs
// the counters at once.
const RepairInterval = time.Minute

// RepairMinAge is how old a pending counter change must be for Maintain's
// full repair pass to apply it: longer than any request, so that the pass
// never applies a change whose write is still in flight.
const RepairMinAge = time.Minute

// Repairer is a service's metric counters, as its upkeep repairs them.
type Repairer interface {
	// Repair applies the counter changes pending for at least minAge (0:
	// every pending change) and returns how many records it settled.
	Repair(ctx context.Context, minAge time.Duration) (int, error)
	// NeedsRepair reports whether a counter update failed in this process
	// since the last repair.
	NeedsRepair() bool
}

// Upkeep is a service's periodic upkeep.
type Upkeep struct {
	// Idempotency is the store whose expired keys are swept.
	Idempotency *idempotency.Store
	// Counters are the metric counters to repair; nil for a service without.
	Counters Repairer
	// Logger receives what was done and what failed.
	Logger *slog.Logger
}

// Maintain does the upkeep until ctx is done:
//
//   - at once and then every interval it deletes expired idempotency keys
//     (MongoDB's TTL index does so too; FerretDB v1 has none, so without
//     this the keys would pile up);
//   - every interval it makes a full repair pass over the metric counters,
//     applying every change pending for at least RepairMinAge (which scans
//     the service's counted records);
//   - every RepairInterval (or interval, if shorter) it repairs the
//     counters at once if a counter update failed in this process since
//     the last repair.
func (u Upkeep) Maintain(ctx context.Context, interval time.Duration) {
	sweep := time.NewTicker(interval)
	defer sweep.Stop()
	check := time.NewTicker(min(interval, RepairInterval))
	defer check.Stop()
	u.sweep(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			u.sweep(ctx)
			u.repair(ctx, RepairMinAge, "")
		case <-check.C:
			if u.Counters != nil && u.Counters.NeedsRepair() {
				u.repair(ctx, 0, "")
			}
		}
	}
}

// RepairAtStart applies every pending counter change before the service
// serves: a record written just before a stop or crash may not be counted
// yet. A record that cannot be settled now stays pending (and is logged);
// Maintain tries again.
func (u Upkeep) RepairAtStart(ctx context.Context) {
	u.repair(ctx, 0, " at start-up")
}

// sweep deletes expired idempotency keys.
func (u Upkeep) sweep(ctx context.Context) {
	if n, err := u.Idempotency.Sweep(ctx); err != nil && ctx.Err() == nil {
		u.Logger.WarnContext(ctx, "sweeping expired idempotency keys failed", "error", err)
	} else if n > 0 {
		u.Logger.InfoContext(ctx, "swept expired idempotency keys", "count", n)
	}
}

// repair applies the metric counter changes pending for at least minAge;
// when says when in the log lines (e.g. " at start-up").
func (u Upkeep) repair(ctx context.Context, minAge time.Duration, when string) {
	if u.Counters == nil {
		return
	}
	if n, err := u.Counters.Repair(ctx, minAge); err != nil && ctx.Err() == nil {
		u.Logger.WarnContext(ctx, "repairing the metric counters"+when+" failed for some records; upkeep will retry", "error", err)
	} else if n > 0 {
		u.Logger.InfoContext(ctx, "repaired the metric counters"+when, "records", n)
	}
}
