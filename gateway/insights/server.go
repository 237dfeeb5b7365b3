package insights

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/justiceops/justice/gateway/internal/forward"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/office"
)

// Source is one service answering for its part of the metrics.
type Source struct {
	// Name identifies the source in statuses, e.g. "rescue"; unique.
	Name string
	// Client calls the service's MetricsSourceService. Its connection
	// must not add per-RPC credentials: the caller's token is forwarded.
	Client metricsv1.MetricsSourceServiceClient
	// Metrics optionally lists what the source is expected to provide, to
	// name the missing metrics when it fails before it has ever answered.
	// Empty means the domain's list for the standard names (rescue,
	// prosecution, aftercare, training). Once the source answers, the
	// provided_metrics it reports are used instead.
	Metrics []string
}

// Server implements insightsv1.InsightsServiceServer. It is safe for
// concurrent use.
type Server struct {
	insightsv1.UnimplementedInsightsServiceServer

	cfg       Config
	registry  *office.Registry
	locations map[string]*time.Location
	sources   []Source
	now       func() time.Time

	mu      sync.Mutex
	learned map[string][]string // source name -> provided_metrics of its last answer
}

var _ insightsv1.InsightsServiceServer = (*Server)(nil)

// New returns the insights server for the offices of registry, asking each
// of sources in turn for its metrics. Adding a service's metrics is passing
// one more Source.
//
// cfg should come from config.Load (or DefaultConfig). New panics on
// programming errors: a cfg that does not Validate, a nil registry, or a
// source with an empty or duplicate name or a nil Client.
func New(cfg Config, registry *office.Registry, sources ...Source) *Server {
	if err := cfg.Validate(); err != nil {
		panic(fmt.Sprintf("insights.New: invalid config: %v", err))
	}
	if registry == nil {
		panic("insights.New: nil office registry")
	}
	locations := make(map[string]*time.Location)
	for _, o := range registry.All() {
		loc, err := time.LoadLocation(o.TimeZone)
		if err != nil {
			// The registry validated every time zone; this cannot happen.
			panic(fmt.Sprintf("insights.New: office %q: %v", o.Code, err))
		}
		locations[o.Code] = loc
	}
	forward.CheckSources("insights.New", sources,
		func(s Source) string { return s.Name }, func(s Source) any { return s.Client })
	return &Server{
		cfg:       cfg,
		registry:  registry,
		locations: locations,
		sources:   slices.Clone(sources),
		now:       time.Now,
		learned:   make(map[string][]string),
	}
}

// expectedMetrics returns what src is believed to provide: its last
// answer's provided_metrics, else Source.Metrics, else the domain's list
// for its name.
func (s *Server) expectedMetrics(src Source) []string {
	s.mu.Lock()
	learned, ok := s.learned[src.Name]
	s.mu.Unlock()
	switch {
	case ok:
		return learned
	case len(src.Metrics) > 0:
		return src.Metrics
	default:
		return sourceCatalog[src.Name]
	}
}

// learn records the metrics a source reported providing.
func (s *Server) learn(name string, provided []string) {
	s.mu.Lock()
	s.learned[name] = provided
	s.mu.Unlock()
}
