package servicekit_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/idempotency"
	"github.com/justiceops/justice/services/platform/servicekit"
	"github.com/justiceops/justice/services/platform/servicekit/kittest"
	"github.com/justiceops/justice/services/platform/storetest"
)

// counters is a Repairer that records the repairs asked of it. It needs
// a repair from when dirty is set on.
type counters struct {
	mu     sync.Mutex
	ages   []time.Duration // the minAge of every Repair
	dirty  atomic.Bool
	settle int
	fail   error
}

func (c *counters) Repair(_ context.Context, minAge time.Duration) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ages = append(c.ages, minAge)
	return c.settle, c.fail
}

func (c *counters) NeedsRepair() bool { return c.dirty.Load() }

func (c *counters) repairs() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.ages...)
}

func newUpkeep(t *testing.T, c servicekit.Repairer) (servicekit.Upkeep, *kittest.Logs) {
	t.Helper()
	store, err := idempotency.NewStore(context.Background(), storetest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	logs := &kittest.Logs{}
	return servicekit.Upkeep{Idempotency: store, Counters: c, Logger: slog.New(slog.NewTextHandler(logs, nil))}, logs
}

// within waits up to 10 seconds for cond.
func within(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestUpkeep_RepairsAtOnceWhenAnUpdateFailedAndFullyEveryInterval(t *testing.T) {
	t.Parallel()
	c := &counters{settle: 2}
	u, logs := newUpkeep(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.Maintain(ctx, 30*time.Millisecond)
	}()
	within(t, "a full repair pass", func() bool {
		return len(c.repairs()) > 0
	})
	if got := c.repairs()[0]; got != servicekit.RepairMinAge {
		t.Errorf("the interval's pass repaired changes older than %v, want %v", got, servicekit.RepairMinAge)
	}
	c.dirty.Store(true)
	within(t, "an immediate repair after a failed update", func() bool {
		for _, age := range c.repairs() {
			if age == 0 {
				return true
			}
		}
		return false
	})
	within(t, "the repair's log line", func() bool { return strings.Contains(logs.String(), "repaired the metric counters") })
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Maintain did not return after its context was cancelled")
	}
}

func TestUpkeep_RepairAtStartAppliesEveryPendingChangeAndLogsAFailure(t *testing.T) {
	t.Parallel()
	c := &counters{settle: 3}
	u, logs := newUpkeep(t, c)
	u.RepairAtStart(context.Background())
	if got := c.repairs(); len(got) != 1 || got[0] != 0 {
		t.Errorf("repairs = %v, want one of every pending change (0)", got)
	}
	if !strings.Contains(logs.String(), "repaired the metric counters at start-up") || !strings.Contains(logs.String(), "records=3") {
		t.Errorf("logs:\n%s", logs)
	}
	c.fail = errors.New("store unreachable")
	u.RepairAtStart(context.Background())
	if !strings.Contains(logs.String(), "repairing the metric counters at start-up failed for some records; upkeep will retry") {
		t.Errorf("a failed repair is not logged:\n%s", logs)
	}
}

func TestUpkeep_WithoutCountersOnlySweeps(t *testing.T) {
	t.Parallel()
	u, logs := newUpkeep(t, nil)
	u.RepairAtStart(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	u.Maintain(ctx, 10*time.Millisecond)
	if strings.Contains(logs.String(), "counters") {
		t.Errorf("a service without counters logged about them:\n%s", logs)
	}
}
