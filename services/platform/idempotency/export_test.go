package idempotency

import "time"

// SetClock replaces the store's clock, so tests can expire leases and keys
// without sleeping.
func SetClock(s *Store, now func() time.Time) { s.now = now }
