package metricsource_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/metricsource"
	"github.com/justiceops/justice/services/platform/requestid"
	"github.com/justiceops/justice/services/platform/usecase"
)

// fakeRepository records what the use cases ask of the counters.
type fakeRepository struct {
	queries  []metricsource.MetricsQuery
	rebuilds []metricsource.RebuildRequest
	err      error
}

func (f *fakeRepository) Query(_ context.Context, q metricsource.MetricsQuery) ([]metricsource.MetricValue, error) {
	f.queries = append(f.queries, q)
	if f.err != nil {
		return nil, f.err
	}
	return []metricsource.MetricValue{{Office: q.Offices[0], Metric: q.Metrics[0], Month: "2025-03", Value: 2}}, nil
}

func (f *fakeRepository) Rebuild(_ context.Context, r metricsource.RebuildRequest) (metricsource.MetricsRebuild, error) {
	f.rebuilds = append(f.rebuilds, r)
	if f.err != nil {
		return metricsource.MetricsRebuild{}, f.err
	}
	return metricsource.MetricsRebuild{Generation: 2, Records: 5, Counters: 3}, nil
}

var provided = []string{"cases_filed", "convictions"}

func as(p identity.Principal) context.Context { return identity.WithPrincipal(context.Background(), p) }

var useCaseNow = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)

func newMetrics() (*metricsource.Metrics, *fakeRepository) {
	repo := &fakeRepository{}
	return metricsource.NewMetrics(provided, repo, []string{"kolkata", "mumbai"}, usecase.ClockFunc(func() time.Time { return useCaseNow })), repo
}

func TestMetricsQueryNarrowsToTheCallerAndTheProvidedMetrics(t *testing.T) {
	t.Parallel()
	mumbai := as(identity.Principal{Subject: "priya", Offices: []string{"mumbai"}})
	all := as(identity.Principal{Subject: "rd", AllOffices: true})
	for _, tc := range []struct {
		name    string
		ctx     context.Context
		q       metricsource.MetricsQuery
		want    *metricsource.MetricsQuery // nil: nothing read
		wantNil bool
	}{
		{"every provided metric of the caller's office", mumbai, metricsource.MetricsQuery{Offices: []string{"mumbai", "kolkata"}},
			&metricsource.MetricsQuery{Offices: []string{"mumbai"}, Metrics: provided}, false},
		{"an all-offices caller, one metric, months kept", all,
			metricsource.MetricsQuery{Offices: []string{"mumbai", "kolkata"}, Metrics: []string{"people_trained", "convictions"}, FromMonth: "2025-01", ToMonth: "2025-02"},
			&metricsource.MetricsQuery{Offices: []string{"kolkata", "mumbai"}, Metrics: []string{"convictions"}, FromMonth: "2025-01", ToMonth: "2025-02"}, false},
		{"no office of the caller", mumbai, metricsource.MetricsQuery{Offices: []string{"kolkata"}}, nil, true},
		{"only other sources' metrics", all, metricsource.MetricsQuery{Offices: []string{"mumbai"}, Metrics: []string{"people_trained"}}, nil, true},
		{"no identity", context.Background(), metricsource.MetricsQuery{Offices: []string{"mumbai"}}, nil, true},
	} {
		m, repo := newMetrics()
		got, err := m.Query(tc.ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if tc.want == nil {
			if len(repo.queries) != 0 || got != nil {
				t.Errorf("%s: read %v and answered %v; want nothing read", tc.name, repo.queries, got)
			}
			continue
		}
		if len(repo.queries) != 1 {
			t.Fatalf("%s: %d reads, want 1", tc.name, len(repo.queries))
		}
		q := repo.queries[0]
		if !slices.Equal(q.Offices, tc.want.Offices) || !slices.Equal(q.Metrics, tc.want.Metrics) || q.FromMonth != tc.want.FromMonth || q.ToMonth != tc.want.ToMonth {
			t.Errorf("%s: read %+v, want %+v", tc.name, q, *tc.want)
		}
		if len(got) != 1 {
			t.Errorf("%s: answered %v, want the repository's values", tc.name, got)
		}
	}
}

func TestMetricsQueryRefusesBadInputWithoutReading(t *testing.T) {
	t.Parallel()
	m, repo := newMetrics()
	_, err := m.Query(as(identity.Principal{AllOffices: true}), metricsource.MetricsQuery{Offices: []string{"Mumbai"}, FromMonth: "2025-13"})
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != metricsource.ReasonInvalidMetricsQuery || len(e.Violations) != 2 {
		t.Fatalf("err = %v, want INVALID_ARGUMENT on offices[0] and from_month", err)
	}
	if len(repo.queries) != 0 {
		t.Error("a bad query was read")
	}
	repo.err = errors.New("store down")
	if _, err := m.Query(as(identity.Principal{AllOffices: true}), metricsource.MetricsQuery{Offices: []string{"mumbai"}}); !errors.Is(err, repo.err) {
		t.Errorf("err = %v, want the repository's", err)
	}
}

func TestMetricsRebuildNeedsAReasonAndEveryOffice(t *testing.T) {
	t.Parallel()
	m, repo := newMetrics()
	admin := requestid.WithRequestID(as(identity.Principal{Subject: "admin-1", AllOffices: true}), "req-7")
	if _, err := m.Rebuild(admin, "  "); !errs.Is(err, errs.KindInvalidArgument) {
		t.Errorf("blank reason: %v, want INVALID_ARGUMENT", err)
	}
	_, err := m.Rebuild(as(identity.Principal{Subject: "a", Offices: []string{"mumbai"}}), "drift")
	if e, ok := errs.As(err); !ok || e.Kind != errs.KindPermissionDenied || e.Reason != metricsource.ReasonAllOfficesRequired {
		t.Errorf("one office: %v, want PERMISSION_DENIED %s", err, metricsource.ReasonAllOfficesRequired)
	}
	if len(repo.rebuilds) != 0 {
		t.Fatalf("refused rebuilds reached the repository: %v", repo.rebuilds)
	}
	// Naming every configured office is holding every office.
	named := as(identity.Principal{Subject: "b", Offices: []string{"mumbai", "kolkata", "pune"}})
	if _, err := m.Rebuild(named, "drift"); err != nil {
		t.Fatalf("every office named: %v", err)
	}
	res, err := m.Rebuild(admin, "counters drifted after a restore")
	if err != nil || res.Generation != 2 {
		t.Fatalf("Rebuild = %+v, %v", res, err)
	}
	want := metricsource.RebuildRequest{Actor: "admin-1", Time: useCaseNow, Reason: "counters drifted after a restore", RequestID: "req-7"}
	if got := repo.rebuilds[1]; got != want {
		t.Errorf("rebuild request = %+v, want %+v", got, want)
	}
	if !slices.Equal(m.Provided(), provided) {
		t.Errorf("Provided = %v, want %v", m.Provided(), provided)
	}
}
