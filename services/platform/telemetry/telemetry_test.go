package telemetry_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/justiceops/justice/services/platform/telemetry"
)

// The tests run Setup in a child process (this test binary, re-executed):
// Setup changes process-wide state and reads the environment, and the
// console exporter writes to the process's stdout.
const childEnv = "TELEMETRY_TEST_CHILD"

// TestMain runs the child's work when re-executed by runChild.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

// child calls Setup, makes a span and a counter, shuts down and reports on
// stderr; its stdout holds only what exporters wrote.
func child() int {
	ctx := context.Background()
	shutdown, err := telemetry.Setup(ctx, "telemetry-test")
	if err != nil {
		fmt.Fprintf(os.Stderr, "SETUP ERROR: %v\n", err)
		return 0
	}
	ctx, span := otel.Tracer("telemetry_test").Start(ctx, "telemetry-test-span")
	sc := span.SpanContext()
	span.End()
	counter, err := otel.Meter("telemetry_test").Int64Counter("telemetry_test_calls")
	if err != nil {
		fmt.Fprintf(os.Stderr, "METER ERROR: %v\n", err)
		return 1
	}
	counter.Add(ctx, 1)

	carrier := map[string]string{}
	otel.GetTextMapPropagator().Inject(trace.ContextWithSpanContext(ctx, sc), mapCarrier(carrier))

	sdctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(sdctx); err != nil {
		fmt.Fprintf(os.Stderr, "SHUTDOWN ERROR: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "SPAN VALID: %v\nTRACEPARENT: %s\nPROPAGATOR FIELDS: %v\n",
		sc.IsValid(), carrier["traceparent"], otel.GetTextMapPropagator().Fields())
	return 0
}

type mapCarrier map[string]string

func (c mapCarrier) Get(k string) string { return c[k] }
func (c mapCarrier) Set(k, v string)     { c[k] = v }
func (c mapCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// runChild runs child() with only the given OTEL_* variables set.
func runChild(t *testing.T, env map[string]string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTEL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, childEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("child failed: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

func TestSetup_WithoutOTELVariablesExportsNothingButStillTraces(t *testing.T) {
	t.Parallel()

	stdout, stderr := runChild(t, nil)
	if strings.Contains(stderr, "ERROR") {
		t.Fatalf("child reported an error:\n%s", stderr)
	}
	if stdout != "" {
		t.Errorf("something was exported to stdout:\n%s", stdout)
	}
	if !strings.Contains(stderr, "SPAN VALID: true") {
		t.Errorf("spans have no valid ids without an exporter (log correlation needs them):\n%s", stderr)
	}
	if !strings.Contains(stderr, "TRACEPARENT: 00-") {
		t.Errorf("W3C traceparent not injected:\n%s", stderr)
	}
	if !strings.Contains(stderr, "PROPAGATOR FIELDS: [traceparent tracestate]") {
		t.Errorf("propagator is not trace context only:\n%s", stderr)
	}
}

func TestSetup_ExportsWhatTheEnvironmentAsksFor(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name       string
		env        map[string]string
		wantOut    []string
		notWantOut []string
	}{
		{
			name:       "console traces",
			env:        map[string]string{"OTEL_TRACES_EXPORTER": "console"},
			wantOut:    []string{`"Name":"telemetry-test-span"`, `"Value":"telemetry-test"`},
			notWantOut: []string{"telemetry_test_calls"},
		},
		{
			name:       "console metrics",
			env:        map[string]string{"OTEL_METRICS_EXPORTER": "console"},
			wantOut:    []string{"telemetry_test_calls"},
			notWantOut: []string{"telemetry-test-span"},
		},
		{
			name:    "service name from OTEL_SERVICE_NAME",
			env:     map[string]string{"OTEL_TRACES_EXPORTER": "console", "OTEL_SERVICE_NAME": "rescue-canary"},
			wantOut: []string{`"Value":"rescue-canary"`},
		},
		{
			name:       "none exports nothing",
			env:        map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none"},
			notWantOut: []string{"telemetry-test-span", "telemetry_test_calls"},
		},
		{
			name:       "sdk disabled exports nothing",
			env:        map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console", "OTEL_METRICS_EXPORTER": "console"},
			notWantOut: []string{"telemetry-test-span", "telemetry_test_calls"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			stdout, stderr := runChild(t, tc.env)
			if strings.Contains(stderr, "ERROR") {
				t.Fatalf("child reported an error:\n%s", stderr)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %s:\n%s", w, stdout)
				}
			}
			for _, w := range tc.notWantOut {
				if strings.Contains(stdout, w) {
					t.Errorf("stdout has %s, want it absent:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestSetup_UnknownExporterIsAnError(t *testing.T) {
	t.Parallel()

	for _, v := range []string{"OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER"} {
		t.Run(v, func(t *testing.T) {
			t.Parallel()

			_, stderr := runChild(t, map[string]string{v: "zipkin-nope"})
			if !strings.Contains(stderr, "SETUP ERROR: telemetry.Setup: "+v+`="zipkin-nope" (want otlp, console`) {
				t.Errorf("child stderr = %q, want a telemetry.Setup error naming %s and the value", stderr, v)
			}
		})
	}
}
