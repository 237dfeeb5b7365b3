package mongostore

import "sync"

// WriteLocks serialises, within this process, the conditional writes to one
// document (read, check the version, replace).
//
// Why: MongoDB applies a single-document update or replace atomically, so a
// filter such as {_id: x, version: 3} lets exactly one of several
// concurrent writers win. FerretDB v1 applies an update as a read followed
// by a write, so several concurrent updates with the same filter can all
// match and the last one silently overwrites the others. Holding the
// document's lock around the conditional write restores "exactly one wins"
// for writers in this process (the embedded store's case: one process owns
// its database); it costs one uncontended mutex on MongoDB. Unique inserts
// need no lock: they are atomic on both stores.
//
// The zero value is ready to use. An entry is removed when its last holder
// unlocks, so memory stays proportional to the documents being written.
type WriteLocks struct {
	mu    sync.Mutex
	locks map[string]*writeLock
}

type writeLock struct {
	sync.Mutex
	waiters int // holders and waiters; guarded by WriteLocks.mu
}

// Lock blocks until the caller holds the lock of key (e.g. collection name
// and _id) and returns the function that releases it.
func (l *WriteLocks) Lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*writeLock{}
	}
	wl := l.locks[key]
	if wl == nil {
		wl = &writeLock{}
		l.locks[key] = wl
	}
	wl.waiters++
	l.mu.Unlock()

	wl.Lock()
	return func() {
		wl.Unlock()
		l.mu.Lock()
		wl.waiters--
		if wl.waiters == 0 {
			delete(l.locks, key)
		}
		l.mu.Unlock()
	}
}

// held reports how many keys have holders or waiters (for tests).
func (l *WriteLocks) held() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.locks)
}
