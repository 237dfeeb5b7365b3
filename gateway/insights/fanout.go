package insights

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/gateway/internal/forward"
	insightsv1 "github.com/justiceops/justice/proto/gen/go/justice/insights/v1"
	metricsv1 "github.com/justiceops/justice/proto/gen/go/justice/metrics/v1"
	"github.com/justiceops/justice/services/platform/logging"
)

// maxSourceMessage bounds the part of a source's error message repeated in
// its status.
const maxSourceMessage = 300

// answer is how one source's call ended.
type answer struct {
	source   Source
	resp     *metricsv1.QueryMetricsResponse // nil unless state is OK
	state    insightsv1.SourceState
	message  string
	provided []string // sorted, valid names; OK only
}

func (a answer) ok() bool { return a.state == insightsv1.SourceState_SOURCE_STATE_OK }

// fanOut asks every source for req concurrently, each call bounded by
// Config.SourceTimeout and carrying token, and returns the answers in the
// order the sources were registered.
func (s *Server) fanOut(ctx context.Context, token string, req *metricsv1.QueryMetricsRequest) []answer {
	out := make([]answer, len(s.sources))
	ctx = forward.Outgoing(ctx, token)
	var wg sync.WaitGroup
	for i, src := range s.sources {
		wg.Go(func() { out[i] = s.ask(ctx, src, req) })
	}
	wg.Wait()
	return out
}

// ask calls one source and classifies the result.
func (s *Server) ask(ctx context.Context, src Source, req *metricsv1.QueryMetricsRequest) answer {
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.SourceTimeout)
	defer cancel()
	resp, err := src.Client.QueryMetrics(callCtx, req)
	if err == nil {
		provided := validNames(resp.GetProvidedMetrics())
		s.learn(src.Name, provided)
		return answer{source: src, resp: resp, state: insightsv1.SourceState_SOURCE_STATE_OK, provided: provided}
	}
	a := answer{source: src}
	st := status.Convert(err)
	switch {
	case st.Code() == codes.DeadlineExceeded || errors.Is(callCtx.Err(), context.DeadlineExceeded):
		a.state = insightsv1.SourceState_SOURCE_STATE_DEADLINE_EXCEEDED
		a.message = fmt.Sprintf("the %s service did not answer within %s", src.Name, s.cfg.SourceTimeout)
	case st.Code() == codes.Unavailable:
		a.state = insightsv1.SourceState_SOURCE_STATE_UNAVAILABLE
		// The transport's message names addresses; callers get a plain one.
		a.message = fmt.Sprintf("the %s service is unavailable", src.Name)
	default:
		a.state = insightsv1.SourceState_SOURCE_STATE_ERROR
		a.message = fmt.Sprintf("the %s service answered %s: %s", src.Name, st.Code(), truncate(st.Message(), maxSourceMessage))
	}
	logging.FromContext(ctx).WarnContext(ctx, "insights source failed",
		"source", src.Name, "state", a.state.String(), "code", st.Code().String(), "error", st.Message())
	return a
}

// validNames returns the well-formed names among names, sorted and unique.
func validNames(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if metricNamePattern.MatchString(n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// merged is the combined view of the sources' answers.
type merged struct {
	answers []answer
	// owner maps each metric to the index of the first answering source
	// (in registration order) that provides it; only its values count, so a
	// metric provided by two sources is never counted twice.
	owner map[string]int
	// expected holds, for each failed source, the metrics it is believed to provide.
	expected map[int][]string
}

// merge combines answers.
func (s *Server) merge(answers []answer) merged {
	m := merged{answers: answers, owner: make(map[string]int), expected: make(map[int][]string)}
	for i, a := range answers {
		if !a.ok() {
			m.expected[i] = s.expectedMetrics(a.source)
			continue
		}
		for _, name := range a.provided {
			if _, taken := m.owner[name]; !taken {
				m.owner[name] = i
			}
		}
	}
	return m
}

// allFailed reports whether no source answered.
func (m merged) allFailed() bool {
	return !slices.ContainsFunc(m.answers, answer.ok)
}

// available reports whether metric can be answered: an answering source
// provides it, or (derived) its every input.
func (m merged) available(metric string) bool {
	if inputs, ok := derivedInputs[metric]; ok {
		for _, in := range inputs {
			if _, ok := m.owner[in]; !ok {
				return false
			}
		}
		return true
	}
	_, ok := m.owner[metric]
	return ok
}

// known returns, sorted, every metric name a request may ask for: those the
// answering sources provide, those the failed sources are believed to
// provide, the derived metrics whose inputs are among them and, when no
// source answered, every metric the domain defines.
func (m merged) known() []string {
	set := make(map[string]bool)
	for name := range m.owner {
		set[name] = true
	}
	for _, names := range m.expected {
		for _, name := range names {
			set[name] = true
		}
	}
	for derived, inputs := range derivedInputs {
		if !slices.ContainsFunc(inputs, func(in string) bool { return !set[in] }) {
			set[derived] = true
		}
	}
	if m.allFailed() {
		for _, name := range staticMetrics() {
			set[name] = true
		}
	}
	out := make([]string, 0, len(set))
	for name := range set {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// statuses reports each source's answer. An answering source lists the
// metrics it provides; a failed one, the metrics of wanted (every metric
// when wanted is nil) missing because of it: those it was expected to
// provide that no answering source provides, and the derived metrics that
// need one of those.
func (m merged) statuses(wanted []string) []*insightsv1.SourceStatus {
	out := make([]*insightsv1.SourceStatus, 0, len(m.answers))
	for i, a := range m.answers {
		st := &insightsv1.SourceStatus{Source: a.source.Name, State: a.state, Message: a.message}
		if a.ok() {
			st.Metrics = slices.Clone(a.provided)
			out = append(out, st)
			continue
		}
		var lost, missing []string // lost: every metric gone with this source
		for _, name := range m.expected[i] {
			if _, ok := m.owner[name]; !ok {
				lost = append(lost, name)
			}
		}
		for _, name := range lost {
			if wanted == nil || slices.Contains(wanted, name) {
				missing = append(missing, name)
			}
		}
		for derived, inputs := range derivedInputs {
			if (wanted == nil || slices.Contains(wanted, derived)) &&
				slices.ContainsFunc(inputs, func(in string) bool { return slices.Contains(lost, in) }) {
				missing = append(missing, derived)
			}
		}
		slices.Sort(missing)
		st.Metrics = slices.Compact(missing)
		out = append(out, st)
	}
	return out
}

// table holds merged monthly values: office -> metric -> month -> value.
type table map[string]map[string]map[month]int64

// collect gathers the values of the owning sources for the offices in
// scope and the metrics wanted (nil: every metric), up to month last.
// Values a source sends for anything else are dropped.
func (m merged) collect(scope []string, wanted []string, last month) table {
	t := make(table, len(scope))
	for _, o := range scope {
		t[o] = make(map[string]map[month]int64)
	}
	for i, a := range m.answers {
		if !a.ok() {
			continue
		}
		for _, v := range a.resp.GetValues() {
			byMetric, inScope := t[v.GetOffice()]
			if !inScope || (wanted != nil && !slices.Contains(wanted, v.GetMetric())) {
				continue
			}
			if owner, ok := m.owner[v.GetMetric()]; !ok || owner != i {
				continue
			}
			mo, ok := parseMonth(v.GetMonth())
			if !ok || mo > last {
				continue
			}
			if byMetric[v.GetMetric()] == nil {
				byMetric[v.GetMetric()] = make(map[month]int64)
			}
			byMetric[v.GetMetric()][mo] += v.GetValue()
		}
	}
	return t
}

// earliest returns the first month with a value in t, if any.
func (t table) earliest() (month, bool) {
	var first month
	found := false
	for _, byMetric := range t {
		for _, byMonth := range byMetric {
			for mo := range byMonth {
				if !found || mo < first {
					first, found = mo, true
				}
			}
		}
	}
	return first, found
}

// series is one office's monthly values of one metric, sorted by month,
// with running totals for range sums.
type series struct {
	months []month
	cum    []int64 // cum[i] = sum of the values of months[0..i]
}

// newSeries builds the series of byMonth (which may be nil).
func newSeries(byMonth map[month]int64) series {
	var s series
	for mo := range byMonth {
		s.months = append(s.months, mo)
	}
	slices.Sort(s.months)
	s.cum = make([]int64, len(s.months))
	var total int64
	for i, mo := range s.months {
		total += byMonth[mo]
		s.cum[i] = total
	}
	return s
}

// upTo returns the sum of the values of the months up to and including mo.
func (s series) upTo(mo month) int64 {
	i, found := slices.BinarySearch(s.months, mo)
	if found {
		return s.cum[i]
	}
	if i == 0 {
		return 0
	}
	return s.cum[i-1]
}

// between returns the sum of the values of the months in [from, to].
func (s series) between(from, to month) int64 {
	return s.upTo(to) - s.upTo(from-1)
}
