package embedstore_test

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// TestMain runs the tests, then collects garbage so that FerretDB's leak
// detector, which panics from a finalizer when a backend was never closed,
// fails this package instead of passing silently.
func TestMain(m *testing.M) {
	code := m.Run()
	runtime.GC()
	runtime.GC()
	time.Sleep(200 * time.Millisecond) // finalizers run on their own goroutine
	os.Exit(code)
}
