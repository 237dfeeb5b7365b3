package auth

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Key set refresh timing.
const (
	// MinKeyRefreshInterval is the shortest time between two fetches of the
	// issuer's keys: tokens naming unknown kids cannot make this service
	// hammer the issuer.
	MinKeyRefreshInterval = 30 * time.Second
	// MaxKeyAge is how long fetched keys are used before they are fetched
	// again (so removed keys stop being trusted); if that fetch fails the
	// previous keys stay in use.
	MaxKeyAge = time.Hour
)

// errUnknownKey is returned by keySet.lookup when no key has the kid.
var errUnknownKey = errors.New("auth: unknown signing key")

// keysUnavailableError is returned by keySet.lookup when the kid was unknown
// and fetching the issuer's keys failed.
type keysUnavailableError struct{ err error }

func (e *keysUnavailableError) Error() string { return "auth: fetch signing keys: " + e.err.Error() }
func (e *keysUnavailableError) Unwrap() error { return e.err }

// keySet caches an issuer's public keys by kid. A kid not in the cache, or
// a cache older than MaxKeyAge, triggers a fetch, at most one every
// MinKeyRefreshInterval. A keySet without fetch never changes.
type keySet struct {
	fetch func(ctx context.Context) (map[string]publicKey, error)
	now   func() time.Time

	fetchMu sync.Mutex // serialises fetches

	mu          sync.RWMutex
	keys        map[string]publicKey
	fetchedAt   time.Time
	lastAttempt time.Time
}

// newStaticKeySet returns a key set that is never refreshed.
func newStaticKeySet(keys map[string]publicKey) *keySet {
	return &keySet{keys: keys, now: time.Now}
}

// newFetchingKeySet fetches the keys once now (an error here is a
// configuration error) and refreshes them later as needed.
func newFetchingKeySet(ctx context.Context, fetch func(context.Context) (map[string]publicKey, error)) (*keySet, error) {
	keys, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &keySet{fetch: fetch, now: time.Now, keys: keys, fetchedAt: now, lastAttempt: now}, nil
}

// lookup returns the key with kid, fetching the keys again when kid is
// unknown or the keys are stale and the last attempt is old enough.
func (s *keySet) lookup(ctx context.Context, kid string) (publicKey, error) {
	key, ok, fresh := s.cached(kid)
	if ok && fresh {
		return key, nil
	}
	if s.fetch == nil {
		if ok {
			return key, nil
		}
		return publicKey{}, errUnknownKey
	}

	s.fetchMu.Lock()
	defer s.fetchMu.Unlock()
	// Another call may have fetched while this one waited.
	key, ok, fresh = s.cached(kid)
	if ok && fresh {
		return key, nil
	}
	now := s.now()
	s.mu.RLock()
	tooSoon := now.Sub(s.lastAttempt) < MinKeyRefreshInterval
	s.mu.RUnlock()
	if tooSoon {
		if ok {
			return key, nil
		}
		return publicKey{}, errUnknownKey
	}

	keys, err := s.fetch(ctx)
	s.mu.Lock()
	s.lastAttempt = now
	if err == nil {
		s.keys, s.fetchedAt = keys, now
	}
	s.mu.Unlock()
	switch {
	case err != nil && ok:
		// Stale but still the last known good key set.
		return key, nil
	case err != nil:
		return publicKey{}, &keysUnavailableError{err: err}
	}
	if key, ok := keys[kid]; ok {
		return key, nil
	}
	return publicKey{}, errUnknownKey
}

// cached returns the cached key with kid and whether the cache is fresh.
func (s *keySet) cached(kid string) (key publicKey, ok, fresh bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	key, ok = s.keys[kid]
	fresh = s.fetch == nil || s.now().Sub(s.fetchedAt) < MaxKeyAge
	return key, ok, fresh
}
