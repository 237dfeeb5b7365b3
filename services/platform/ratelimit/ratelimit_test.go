package ratelimit_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sethvargo/go-envconfig"

	"github.com/justiceops/justice/services/platform/config"
	"github.com/justiceops/justice/services/platform/ratelimit"
)

// clock is a settable time source.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newLimiter(cfg ratelimit.Config) (*ratelimit.Limiter, *clock) {
	c := &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	l := ratelimit.New(cfg)
	ratelimit.SetClock(l, c.Now)
	return l, c
}

func TestAllowPermitsTheBurstThenRefusesWithRetryAfter(t *testing.T) {
	t.Parallel()
	l, c := newLimiter(ratelimit.Config{RPS: 2, Burst: 3})
	for i := range 3 {
		if ok, retry := l.Allow("priya"); !ok || retry != 0 {
			t.Fatalf("request %d of the burst: Allow() = %v, %s; want true, 0", i+1, ok, retry)
		}
	}
	ok, retry := l.Allow("priya")
	if ok {
		t.Fatal("request 4: Allow() = true, want refused after the burst")
	}
	// At 2 per second the next token arrives within 500ms.
	if retry <= 0 || retry > 500*time.Millisecond {
		t.Fatalf("retryAfter = %s, want in (0, 500ms]", retry)
	}
	c.Advance(retry - time.Millisecond)
	if ok, _ := l.Allow("priya"); ok {
		t.Fatal("Allow() just before retryAfter = true, want refused")
	}
	c.Advance(time.Millisecond)
	if ok, _ := l.Allow("priya"); !ok {
		t.Fatal("Allow() at retryAfter = false, want allowed")
	}
}

func TestRefusedRequestsDoNotUseUpCapacity(t *testing.T) {
	t.Parallel()
	l, c := newLimiter(ratelimit.Config{RPS: 1, Burst: 1})
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("first Allow() = false")
	}
	for range 100 {
		if ok, _ := l.Allow("k"); ok {
			t.Fatal("Allow() while empty = true")
		}
	}
	c.Advance(time.Second)
	if ok, retry := l.Allow("k"); !ok {
		t.Fatalf("Allow() a second later = false (retry %s); refusals must not push the caller back", retry)
	}
}

func TestSustainedRateMatchesRPS(t *testing.T) {
	t.Parallel()
	l, c := newLimiter(ratelimit.Config{RPS: 10, Burst: 5})
	allowed := 0
	// 10 seconds of one attempt per millisecond.
	for range 10000 {
		if ok, _ := l.Allow("k"); ok {
			allowed++
		}
		c.Advance(time.Millisecond)
	}
	// The burst plus 10 per second, give or take one.
	if allowed < 104 || allowed > 106 {
		t.Fatalf("allowed %d requests in 10s at 10 RPS with burst 5, want about 105", allowed)
	}
}

func TestKeysAreIndependent(t *testing.T) {
	t.Parallel()
	l, _ := newLimiter(ratelimit.Config{RPS: 1, Burst: 2})
	for range 2 {
		l.Allow("priya")
	}
	if ok, _ := l.Allow("priya"); ok {
		t.Fatal("priya: third Allow() = true, want refused")
	}
	for i := range 2 {
		if ok, _ := l.Allow("ravi"); !ok {
			t.Fatalf("ravi: Allow() %d = false; another caller's exhaustion must not limit ravi", i+1)
		}
	}
}

func TestIdleKeysAreEvicted(t *testing.T) {
	t.Parallel()
	// Refill takes 2s, so keys are kept for the one-minute minimum.
	l, c := newLimiter(ratelimit.Config{RPS: 10, Burst: 20})
	l.Allow("a")
	c.Advance(30 * time.Second)
	l.Allow("b")
	if got := l.Len(); got != 2 {
		t.Fatalf("Len() = %d, want 2", got)
	}
	c.Advance(31 * time.Second) // a idle 61s, b idle 31s
	l.Allow("c")
	if got := l.Len(); got != 2 {
		t.Fatalf("Len() after a went idle = %d, want 2 (b and c)", got)
	}
	c.Advance(2 * time.Minute)
	l.Allow("d")
	if got := l.Len(); got != 1 {
		t.Fatalf("Len() after everyone else went idle = %d, want 1", got)
	}
}

func TestEvictionNeverResetsABucketBeforeItRefills(t *testing.T) {
	t.Parallel()
	// Refill takes 200s, longer than the one-minute minimum.
	l, c := newLimiter(ratelimit.Config{RPS: 0.01, Burst: 2})
	l.Allow("k")
	l.Allow("k")
	c.Advance(90 * time.Second)
	l.Allow("other") // triggers a sweep
	ok, retry := l.Allow("k")
	if ok {
		t.Fatal("Allow() after 90s = true; the bucket was evicted and reset before refilling")
	}
	if retry <= 0 || retry > 10*time.Second {
		t.Fatalf("retryAfter = %s, want the remaining ~10s of one token", retry)
	}
}

func TestManyKeysDoNotAccumulate(t *testing.T) {
	t.Parallel()
	l, c := newLimiter(ratelimit.Config{RPS: 20, Burst: 40})
	for i := range 1000 {
		l.Allow(fmt.Sprintf("ip-%d", i))
		c.Advance(time.Second)
	}
	// Keys live about one to two minutes after their last request.
	if got := l.Len(); got > 121 {
		t.Fatalf("Len() = %d after 1000 one-off callers over 1000s, want at most ~120", got)
	}
}

func TestAllowIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	l := ratelimit.New(ratelimit.Config{RPS: 0.001, Burst: 50})
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if ok, _ := l.Allow("shared"); ok {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != 50 {
		t.Fatalf("allowed %d of 800 concurrent requests, want exactly the burst of 50", got)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  ratelimit.Config
		want []string // nil means valid
	}{
		{name: "defaults", cfg: ratelimit.Config{RPS: 20, Burst: 40}},
		{name: "fractional rate", cfg: ratelimit.Config{RPS: 0.5, Burst: 1}},
		{name: "zero rate", cfg: ratelimit.Config{RPS: 0, Burst: 40}, want: []string{"RATE_LIMIT_RPS", "between 0.001 and 100000"}},
		{name: "negative rate", cfg: ratelimit.Config{RPS: -1, Burst: 40}, want: []string{"RATE_LIMIT_RPS"}},
		{name: "NaN rate", cfg: ratelimit.Config{RPS: math.NaN(), Burst: 40}, want: []string{"RATE_LIMIT_RPS"}},
		{name: "huge rate", cfg: ratelimit.Config{RPS: 1e9, Burst: 40}, want: []string{"RATE_LIMIT_RPS"}},
		{name: "zero burst", cfg: ratelimit.Config{RPS: 20}, want: []string{"RATE_LIMIT_BURST", "between 1 and 100000"}},
		{name: "both wrong", cfg: ratelimit.Config{RPS: 0, Burst: -1}, want: []string{"RATE_LIMIT_RPS", "RATE_LIMIT_BURST"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.Validate()
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate() error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want an error naming %v", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigLoadsDefaults(t *testing.T) {
	t.Parallel()
	var cfg ratelimit.Config
	if err := config.Load(context.Background(), &cfg, envconfig.MapLookuper(nil)); err != nil {
		t.Fatalf("config.Load() error = %v", err)
	}
	if cfg.RPS != 20 || cfg.Burst != 40 {
		t.Fatalf("defaults = %+v, want RPS 20, Burst 40", cfg)
	}
	var bad ratelimit.Config
	err := config.Load(context.Background(), &bad, envconfig.MapLookuper(map[string]string{"RATE_LIMIT_BURST": "0"}))
	if err == nil || !strings.Contains(err.Error(), "RATE_LIMIT_BURST") {
		t.Fatalf("config.Load(RATE_LIMIT_BURST=0) error = %v, want one naming the variable", err)
	}
}

func TestNewClampsValuesOutsideTheBounds(t *testing.T) {
	t.Parallel()
	l, _ := newLimiter(ratelimit.Config{RPS: 0, Burst: 0})
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("first Allow() of a clamped limiter = false, want a burst of 1")
	}
	if ok, retry := l.Allow("k"); ok || retry <= 0 {
		t.Fatalf("second Allow() = %v, %s; want refused with a positive retryAfter", ok, retry)
	}
}
