package mongostore

import (
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"
)

func TestClientOptionsEnforceMajorityRetriesAndTimeouts(t *testing.T) {
	t.Parallel()
	cfg := Config{
		// A URI that asks for weaker settings must not weaken them.
		URI:              "mongodb://127.0.0.1:27017/?w=1&retryWrites=false&retryReads=false",
		Database:         "rescue",
		ConnectTimeout:   3 * time.Second,
		OperationTimeout: 2 * time.Second,
	}
	opts := clientOptions(cfg)

	if opts.WriteConcern == nil || opts.WriteConcern.W != writeconcern.Majority().W {
		t.Errorf("write concern = %+v, want majority", opts.WriteConcern)
	}
	if opts.RetryWrites == nil || !*opts.RetryWrites {
		t.Errorf("retry writes = %v, want true", opts.RetryWrites)
	}
	if opts.RetryReads == nil || !*opts.RetryReads {
		t.Errorf("retry reads = %v, want true", opts.RetryReads)
	}
	if opts.ConnectTimeout == nil || *opts.ConnectTimeout != cfg.ConnectTimeout {
		t.Errorf("connect timeout = %v, want %v", opts.ConnectTimeout, cfg.ConnectTimeout)
	}
	if opts.ServerSelectionTimeout == nil || *opts.ServerSelectionTimeout != cfg.ConnectTimeout {
		t.Errorf("server selection timeout = %v, want %v", opts.ServerSelectionTimeout, cfg.ConnectTimeout)
	}
	if opts.Timeout == nil || *opts.Timeout != cfg.OperationTimeout {
		t.Errorf("operation timeout = %v, want %v", opts.Timeout, cfg.OperationTimeout)
	}
	if opts.Monitor == nil {
		t.Error("command monitor not installed")
	}
}

func TestWriteLocksSerialiseOneKeyAndReleaseEntries(t *testing.T) {
	t.Parallel()
	var l WriteLocks
	var inside, maxInside int32
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			unlock := l.Lock("survivors/s1")
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		})
	}
	wg.Wait()
	if maxInside != 1 {
		t.Errorf("holders at once = %d, want 1", maxInside)
	}
	if n := l.held(); n != 0 {
		t.Errorf("entries after release = %d, want 0", n)
	}
}

func TestWriteLocksOfDifferentKeysDoNotBlockEachOther(t *testing.T) {
	t.Parallel()
	var l WriteLocks
	unlockA := l.Lock("a")
	done := make(chan struct{})
	go func() {
		l.Lock("b")()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("lock of b waited for a")
	}
	unlockA()
}
