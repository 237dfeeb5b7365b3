package usecase_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/record"
	"github.com/justiceops/justice/services/platform/usecase"
)

var configured = []string{"mumbai", "kolkata"}

func as(p identity.Principal) context.Context {
	return identity.WithPrincipal(context.Background(), p)
}

func TestScopeIsTheConfiguredOfficesTheCallerHolds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		ctx      context.Context
		want     []string
		everyOne bool
	}{
		{"one office", as(identity.Principal{Subject: "a", Offices: []string{"mumbai"}}), []string{"mumbai"}, false},
		{"both offices, named", as(identity.Principal{Subject: "a", Offices: []string{"kolkata", "mumbai"}}), []string{"kolkata", "mumbai"}, true},
		{"all offices", as(identity.Principal{Subject: "a", AllOffices: true}), []string{"kolkata", "mumbai"}, true},
		{"unknown offices are dropped", as(identity.Principal{Subject: "a", Offices: []string{"chennai", "kolkata"}}), []string{"kolkata"}, false},
		{"no identity", context.Background(), []string{}, false},
	}
	for _, tc := range tests {
		if got := usecase.Scope(tc.ctx, configured).Offices(); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Scope = %v, want %v", tc.name, got, tc.want)
		}
		if got := usecase.HoldsEveryOffice(tc.ctx, configured); got != tc.everyOne {
			t.Errorf("%s: HoldsEveryOffice = %v, want %v", tc.name, got, tc.everyOne)
		}
	}
	if usecase.HoldsEveryOffice(as(identity.Principal{AllOffices: true}), nil) {
		t.Error("with no office configured, nobody holds every office")
	}
}

func TestActorIsTheCallersSubject(t *testing.T) {
	t.Parallel()
	if got := usecase.Actor(as(identity.Principal{Subject: "priya"})); got != "priya" {
		t.Errorf("Actor = %q, want priya", got)
	}
	if got := usecase.Actor(context.Background()); got != identity.Anonymous.Subject {
		t.Errorf("Actor without identity = %q, want %q", got, identity.Anonymous.Subject)
	}
}

func TestClockFunc(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
	if got := usecase.ClockFunc(func() time.Time { return at }).Now(); !got.Equal(at) {
		t.Errorf("Now = %v, want %v", got, at)
	}
	if d := time.Since(usecase.SystemClock.Now()); d < 0 || d > time.Minute {
		t.Errorf("SystemClock is %v off", d)
	}
}

// store is one record slot for CreateOnce.
type store struct {
	rec     *string
	inserts int
	builds  int
	// insertErr, when set, is what insert returns.
	insertErr error
}

func (s *store) get(context.Context) (*string, error) {
	if s.rec == nil {
		return nil, errs.NotFound("THING_NOT_FOUND", "thing does not exist")
	}
	return s.rec, nil
}

func (s *store) build() (*string, error) {
	s.builds++
	v := "new"
	return &v, nil
}

func (s *store) insert(_ context.Context, v *string) error {
	if s.insertErr != nil {
		return s.insertErr
	}
	s.inserts++
	s.rec = v
	return nil
}

func TestCreateOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	scope := record.NewScope("mumbai")

	t.Run("outside the scope is an unknown office, nothing built", func(t *testing.T) {
		s := &store{}
		_, err := usecase.CreateOnce(ctx, scope, "kolkata", false, s.get, s.build, s.insert)
		if e, ok := errs.As(err); !ok || e.Kind != errs.KindNotFound || e.Reason != "OFFICE_NOT_FOUND" || e.Message != `office "kolkata" not found` {
			t.Fatalf("err = %v, want NOT_FOUND OFFICE_NOT_FOUND", err)
		}
		if s.builds != 0 || s.inserts != 0 {
			t.Errorf("built %d, inserted %d; want nothing", s.builds, s.inserts)
		}
	})
	t.Run("a first attempt builds and inserts", func(t *testing.T) {
		s := &store{}
		got, err := usecase.CreateOnce(ctx, scope, "mumbai", false, s.get, s.build, s.insert)
		if err != nil || *got != "new" || s.inserts != 1 {
			t.Fatalf("got %v, %v after %d inserts", got, err, s.inserts)
		}
	})
	t.Run("a retry after an applied attempt returns its record", func(t *testing.T) {
		old := "old"
		s := &store{rec: &old}
		got, err := usecase.CreateOnce(ctx, scope, "mumbai", true, s.get, s.build, s.insert)
		if err != nil || *got != "old" || s.builds != 0 || s.inserts != 0 {
			t.Fatalf("got %v, %v; built %d, inserted %d", got, err, s.builds, s.inserts)
		}
	})
	t.Run("a retry of an attempt that never applied creates", func(t *testing.T) {
		s := &store{}
		got, err := usecase.CreateOnce(ctx, scope, "mumbai", true, s.get, s.build, s.insert)
		if err != nil || *got != "new" || s.inserts != 1 {
			t.Fatalf("got %v, %v after %d inserts", got, err, s.inserts)
		}
	})
	t.Run("a retry racing an earlier attempt returns the winner's record", func(t *testing.T) {
		winner := "winner"
		s := &store{}
		s.insertErr = errs.AlreadyExists("THING_ALREADY_EXISTS", "taken")
		// The earlier attempt's insert lands between the retry's read and its insert.
		calls := 0
		get := func(ctx context.Context) (*string, error) {
			calls++
			if calls == 2 {
				s.rec = &winner
			}
			return s.get(ctx)
		}
		got, err := usecase.CreateOnce(ctx, scope, "mumbai", true, get, s.build, s.insert)
		if err != nil || *got != "winner" {
			t.Fatalf("got %v, %v; want the winner's record", got, err)
		}
	})
	t.Run("a taken id without a retry is the insert's error", func(t *testing.T) {
		s := &store{insertErr: errs.AlreadyExists("THING_ALREADY_EXISTS", "taken")}
		if _, err := usecase.CreateOnce(ctx, scope, "mumbai", false, s.get, s.build, s.insert); !errs.Is(err, errs.KindAlreadyExists) {
			t.Fatalf("err = %v, want ALREADY_EXISTS", err)
		}
	})
	t.Run("a build failure writes nothing", func(t *testing.T) {
		s := &store{}
		boom := errors.New("boom")
		_, err := usecase.CreateOnce(ctx, scope, "mumbai", false, s.get, func() (*string, error) { return nil, boom }, s.insert)
		if !errors.Is(err, boom) || s.inserts != 0 {
			t.Fatalf("err = %v after %d inserts, want boom and nothing written", err, s.inserts)
		}
	})
	t.Run("a retry whose read fails otherwise stops", func(t *testing.T) {
		s := &store{}
		boom := errs.Internal(errors.New("store down"))
		_, err := usecase.CreateOnce(ctx, scope, "mumbai", true, func(context.Context) (*string, error) { return nil, boom }, s.build, s.insert)
		if !errs.Is(err, errs.KindInternal) || s.builds != 0 {
			t.Fatalf("err = %v after %d builds, want the read's error and nothing built", err, s.builds)
		}
	})
}

func TestListQueryIsNarrowedToTheCaller(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
	q := usecase.ListQuery{Offices: []string{"kolkata", "mumbai"}, QueryKey: "offices/-", Filter: `stage = "X"`, OrderBy: "title",
		PageToken: "tok", PageSize: 7}
	got := q.Record(as(identity.Principal{Subject: "a", Offices: []string{"mumbai", "pune"}}), configured, at)
	if !slices.Equal(got.Scope.Offices(), []string{"mumbai"}) || got.Filter != q.Filter || got.OrderBy != q.OrderBy ||
		got.PageToken != q.PageToken || got.PageSize != 7 || got.QueryKey != "offices/-" || !got.Now.Equal(at) {
		t.Errorf("Record = %+v", got)
	}
	if got := q.Record(context.Background(), configured, at); !got.Scope.Empty() {
		t.Errorf("without identity the scope is %v, want empty", got.Scope.Offices())
	}
}

func TestApplyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	type rec struct{ requests []string }
	current := &rec{requests: []string{"r1"}}
	reads, updates := 0, 0
	get := func(context.Context) (*rec, error) { reads++; return current, nil }
	update := func(context.Context) (*rec, error) {
		updates++
		return &rec{requests: append(slices.Clone(current.requests), "r2")}, nil
	}
	appliedR1 := func(r *rec) bool { return slices.Contains(r.requests, "r1") }
	appliedR2 := func(r *rec) bool { return slices.Contains(r.requests, "r2") }

	if got, err := usecase.ApplyOnce(ctx, false, get, appliedR1, update); err != nil || len(got.requests) != 2 || reads != 0 || updates != 1 {
		t.Fatalf("first attempt: %v, %v after %d reads and %d updates; want one update and no read", got, err, reads, updates)
	}
	if got, err := usecase.ApplyOnce(ctx, true, get, appliedR1, update); err != nil || got != current || updates != 1 {
		t.Fatalf("retry of an applied request: %v, %v after %d updates; want the record as it is", got, err, updates)
	}
	if got, err := usecase.ApplyOnce(ctx, true, get, appliedR2, update); err != nil || len(got.requests) != 2 || updates != 2 {
		t.Fatalf("retry of a request not applied: %v, %v after %d updates; want it applied", got, err, updates)
	}
	missing := errs.NotFound("THING_NOT_FOUND", "gone")
	_, err := usecase.ApplyOnce(ctx, true, func(context.Context) (*rec, error) { return nil, missing }, appliedR1, update)
	if !errors.Is(err, missing) || updates != 2 {
		t.Fatalf("retry of a record that is gone: %v after %d updates; want NOT_FOUND and no update", err, updates)
	}
}
