package telemetry

import "testing"

func TestWantsExport_OnlyWhenTheEnvironmentAsks(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name        string
		env         map[string]string
		wantTraces  bool
		wantMetrics bool
	}{
		{name: "nothing set exports nothing", env: map[string]string{}},
		{name: "empty values export nothing", env: map[string]string{"OTEL_TRACES_EXPORTER": "", "OTEL_EXPORTER_OTLP_ENDPOINT": " "}},
		{name: "traces exporter", env: map[string]string{"OTEL_TRACES_EXPORTER": "console"}, wantTraces: true},
		{name: "metrics exporter", env: map[string]string{"OTEL_METRICS_EXPORTER": "otlp"}, wantMetrics: true},
		{name: "none exports nothing", env: map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "NONE"}},
		{name: "otlp endpoint exports both", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, wantTraces: true, wantMetrics: true},
		{name: "traces endpoint exports traces", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, wantTraces: true},
		{name: "metrics endpoint exports metrics", env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector:4318/v1/metrics"}, wantMetrics: true},
		{
			name:       "exporter none wins over an endpoint",
			env:        map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_METRICS_EXPORTER": "none"},
			wantTraces: true,
		},
		{
			name: "sdk disabled exports nothing",
			env:  map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
		},
		{
			name:        "sdk disabled false changes nothing",
			env:         map[string]string{"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"},
			wantTraces:  true,
			wantMetrics: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()

			getenv := func(k string) string { return tc.env[k] }
			if got := wantsExport(getenv, tracesVars); got != tc.wantTraces {
				t.Errorf("traces exported = %v, want %v", got, tc.wantTraces)
			}
			if got := wantsExport(getenv, metricsVars); got != tc.wantMetrics {
				t.Errorf("metrics exported = %v, want %v", got, tc.wantMetrics)
			}
		})
	}
}
