// Package telemetry sets up OpenTelemetry for a binary: a tracer provider
// and a meter provider installed globally (where otelgrpc and the MongoDB
// command monitor find them), and the W3C trace context propagator.
//
// Nothing is exported unless the standard OTEL_* environment variables ask
// for it:
//
//   - OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER: otlp, console, none (and
//     prometheus for metrics), as implemented by
//     go.opentelemetry.io/contrib/exporters/autoexport;
//   - otherwise OTEL_EXPORTER_OTLP_ENDPOINT (or the per-signal
//     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_METRICS_ENDPOINT)
//     selects OTLP for that signal, configured by the other OTEL_EXPORTER_OTLP_*
//     variables;
//   - OTEL_SDK_DISABLED=true exports nothing whatever else is set.
//
// Without an exporter spans are still created, so log lines keep their
// trace_id and span_id and traces still propagate to the services called.
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the resource.
//
// Spans and metrics carry ids and codes, never survivor identity.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/justiceops/justice/services/platform/logging"
)

// The environment variables that ask for an exporter, per signal.
var (
	tracesVars  = signalVars{exporter: "OTEL_TRACES_EXPORTER", endpoints: []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}}
	metricsVars = signalVars{exporter: "OTEL_METRICS_EXPORTER", endpoints: []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"}}
)

type signalVars struct {
	exporter  string
	endpoints []string
}

// wantsExport reports whether the environment asks for a signal to be
// exported. autoexport alone would default to OTLP (to localhost) when
// nothing is set; here nothing set means nothing sent.
func wantsExport(getenv func(string) string, v signalVars) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	if e := strings.TrimSpace(getenv(v.exporter)); e != "" {
		return !strings.EqualFold(e, "none")
	}
	for _, ep := range v.endpoints {
		if strings.TrimSpace(getenv(ep)) != "" {
			return true
		}
	}
	return false
}

// Setup installs the global tracer provider, meter provider and propagator
// for serviceName (e.g. "rescue"). The returned shutdown flushes and stops
// the exporters; call it before the process exits, with a deadline. Errors
// of the exporters at run time are logged with the logger in ctx (package
// logging).
func Setup(ctx context.Context, serviceName string) (shutdown func(context.Context) error, err error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // last: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry.Setup: resource: %w", err)
	}

	traceOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	var spanExporter sdktrace.SpanExporter
	if wantsExport(os.Getenv, tracesVars) {
		spanExporter, err = autoexport.NewSpanExporter(ctx)
		if err != nil {
			return nil, fmt.Errorf("telemetry.Setup: %s=%q (want otlp, console or none): %w",
				tracesVars.exporter, os.Getenv(tracesVars.exporter), err)
		}
		traceOpts = append(traceOpts, sdktrace.WithBatcher(spanExporter))
	}

	metricOpts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	if wantsExport(os.Getenv, metricsVars) {
		reader, err := autoexport.NewMetricReader(ctx)
		if err != nil {
			if spanExporter != nil {
				err = errors.Join(err, spanExporter.Shutdown(ctx))
			}
			return nil, fmt.Errorf("telemetry.Setup: %s=%q (want otlp, console, prometheus or none): %w",
				metricsVars.exporter, os.Getenv(metricsVars.exporter), err)
		}
		metricOpts = append(metricOpts, sdkmetric.WithReader(reader))
	}

	tp := sdktrace.NewTracerProvider(traceOpts...)
	mp := sdkmetric.NewMeterProvider(metricOpts...)

	logger := logging.FromContext(ctx)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.WarnContext(context.Background(), "opentelemetry error", "error", err.Error())
	}))
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	// Trace context only: baggage would let callers put arbitrary data into
	// every downstream call's context and, through instrumentation, logs.
	otel.SetTextMapPropagator(propagation.TraceContext{})

	return func(ctx context.Context) error {
		if err := errors.Join(tp.Shutdown(ctx), mp.Shutdown(ctx)); err != nil {
			return fmt.Errorf("telemetry.shutdown: %w", err)
		}
		return nil
	}, nil
}
