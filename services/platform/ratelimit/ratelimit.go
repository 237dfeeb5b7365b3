// Package ratelimit limits the request rate of each caller with a token
// bucket per key (golang.org/x/time/rate): a caller may burst up to Burst
// requests, then RPS per second. Buckets of keys idle long enough to have
// refilled are evicted, so memory follows the number of active callers.
package ratelimit

import (
	"errors"
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/justiceops/justice/services/platform/config"
)

// Bounds of the Config fields.
const (
	MinRPS   = 0.001
	MaxRPS   = 100000
	MaxBurst = 100000
)

// minIdle is the shortest time a key is kept after its last request, so
// that steady callers are not evicted and recreated over and over.
const minIdle = time.Minute

// Config configures a Limiter. Load it with package config.
type Config struct {
	// RPS is the sustained requests per second allowed per key.
	RPS float64 `env:"RATE_LIMIT_RPS, default=20"`
	// Burst is how many requests a key may make at once.
	Burst int `env:"RATE_LIMIT_BURST, default=40"`
}

// Validate reports every field that is not usable, naming its variable.
func (c Config) Validate() error {
	var problems []error
	if math.IsNaN(c.RPS) || c.RPS < MinRPS || c.RPS > MaxRPS {
		problems = append(problems, config.Invalid("RATE_LIMIT_RPS", strconv.FormatFloat(c.RPS, 'g', -1, 64),
			"must be a number of requests per second between 0.001 and "+strconv.Itoa(MaxRPS)+", e.g. 20"))
	}
	if c.Burst < 1 || c.Burst > MaxBurst {
		problems = append(problems, config.Invalid("RATE_LIMIT_BURST", strconv.Itoa(c.Burst),
			"must be between 1 and "+strconv.Itoa(MaxBurst)+", e.g. 40"))
	}
	return errors.Join(problems...)
}

// Limiter holds one token bucket per key. It is safe for concurrent use.
type Limiter struct {
	limit rate.Limit
	burst int
	// idle is how long a key is kept after its last request: at least the
	// time its bucket takes to refill, so evicting it (and starting a new,
	// full bucket later) never grants more than the bucket would have.
	idle time.Duration
	now  func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	limiter  *rate.Limiter
	lastSeen time.Time
}

// New returns a limiter for cfg. cfg should have passed Validate; values
// outside the bounds are clamped to them.
func New(cfg Config) *Limiter {
	if math.IsNaN(cfg.RPS) || cfg.RPS < MinRPS {
		cfg.RPS = MinRPS
	}
	cfg.RPS = min(cfg.RPS, MaxRPS)
	cfg.Burst = min(max(cfg.Burst, 1), MaxBurst)
	// At most MaxBurst/MinRPS seconds (about three years): no overflow.
	refill := time.Duration(float64(cfg.Burst) / cfg.RPS * float64(time.Second))
	return &Limiter{
		limit:   rate.Limit(cfg.RPS),
		burst:   cfg.Burst,
		idle:    max(refill, minIdle),
		now:     time.Now,
		buckets: make(map[string]*bucket),
	}
}

// Allow takes one request from key's bucket. When the bucket is empty it
// returns false and how long until a request would be allowed (positive).
func (l *Limiter) Allow(key string) (ok bool, retryAfter time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, found := l.buckets[key]
	if !found {
		b = &bucket{limiter: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[key] = b
	}
	b.lastSeen = now
	r := b.limiter.ReserveN(now, 1)
	if !r.OK() {
		return false, l.idle
	}
	if delay := r.DelayFrom(now); delay > 0 {
		// Give the token back: a refused request must not use up capacity.
		r.CancelAt(now)
		return false, delay
	}
	return true, 0
}

// Len returns how many keys currently have a bucket.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// sweep evicts idle keys, at most once per idle period. l.mu is held.
func (l *Limiter) sweep(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	for key, b := range l.buckets {
		if now.Sub(b.lastSeen) >= l.idle {
			delete(l.buckets, key)
		}
	}
	l.nextSweep = now.Add(l.idle)
}
