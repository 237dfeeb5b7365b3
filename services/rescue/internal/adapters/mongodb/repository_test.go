package mongodb_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/fieldcrypt"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/rescue/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/rescue/internal/domain"
)

func TestMain(m *testing.M) { storetest.Main(m) }

var t0 = time.Date(2025, 3, 14, 10, 30, 0, 0, time.UTC)

// The scopes of a caller of both offices and of a Mumbai caller.
var (
	all    = domain.NewScope("kolkata", "mumbai")
	mumbai = domain.NewScope("mumbai")
)

// newKeyring creates fresh keys for both offices in a temporary directory.
func newKeyring(t *testing.T) (*fieldcrypt.Keyring, fieldcrypt.Config) {
	t.Helper()
	cfg := fieldcrypt.Config{KeysDir: t.TempDir()}
	k, err := fieldcrypt.Open(cfg, []string{"kolkata", "mumbai"}, true)
	if err != nil {
		t.Fatal(err)
	}
	return k, cfg
}

func newRepos(t *testing.T) (*mongodb.Repositories, *mongo.Database) {
	t.Helper()
	keys, _ := newKeyring(t)
	return newReposWith(t, keys)
}

func newReposWith(t *testing.T, cipher mongodb.Cipher) (*mongodb.Repositories, *mongo.Database) {
	t.Helper()
	db := storetest.NewDatabase(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	codec, err := pagination.NewCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	repos, err := mongodb.New(context.Background(), db, codec, cipher, mongodb.Options{})
	if err != nil {
		t.Fatalf("mongodb.New: %v", err)
	}
	return repos, db
}

func newLocation(t *testing.T, office, id string, at time.Time) *domain.Location {
	t.Helper()
	l, err := domain.NewLocation(id, office, domain.LocationFields{
		DisplayName: "Lodge " + id, Type: domain.LocationTypeHotelOrLodge, Area: "Kamathipura", District: "Mumbai City",
	}, "priya", at)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func newOperation(t *testing.T, office, id, location string) *domain.Operation {
	t.Helper()
	o, err := domain.NewOperation(id, office, domain.OperationFields{
		Location: domain.Name(office, domain.CollectionLocations, location), PlannedTime: t0.Add(time.Hour),
		PoliceUnit: "AHTU", FIRNumber: "12/2025", LegalBasis: domain.OperationBasisITPAS16Rescue, Notes: "n",
	}, "priya", t0)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func newSurvivor(t *testing.T, office, id, operation string, age int, rescue time.Time) *domain.Survivor {
	t.Helper()
	basis := domain.BasisConsent
	if age < 18 {
		basis = domain.BasisChildProtectionUnderLaw
	}
	s, err := domain.NewSurvivor(id, office, domain.Name(office, domain.CollectionOperations, operation), domain.SurvivorFields{
		Pseudonym: "P-" + id, AgeAtRescue: age, Gender: domain.GenderFemale, Citizenship: "IN", RescueTime: rescue,
		LegalBasis: domain.LegalBasis{Basis: basis, Reference: "ref"},
	}, "priya", rescue.Add(time.Minute), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantKind(t *testing.T, err error, kind errs.Kind, reason string) *errs.Error {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind || e.Reason != reason {
		t.Fatalf("err = %v, want %s %s", err, kind, reason)
	}
	return e
}

func TestLocationRoundTrip(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	l := newLocation(t, "mumbai", "loc1", t0)
	if err := l.Transition(domain.LocationUnderInvestigation, domain.Change{Actor: "arjun", Time: t0.Add(time.Hour), Reason: "tip", RequestID: "r1"}); err != nil {
		t.Fatal(err)
	}
	if err := repos.Locations.Create(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err := repos.Locations.Get(ctx, all, "mumbai", "loc1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, l)
	}
	err = repos.Locations.Create(ctx, newLocation(t, "mumbai", "loc1", t0))
	wantKind(t, err, errs.KindAlreadyExists, "LOCATION_ALREADY_EXISTS")
}

func TestOperationRoundTrip(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	o := newOperation(t, "mumbai", "op1", "loc1")
	if err := repos.Operations.Create(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, err := repos.Operations.Get(ctx, all, "mumbai", "op1")
	if err != nil || !reflect.DeepEqual(got, o) {
		t.Fatalf("planned: err %v\n%+v\nwant\n%+v", err, got, o)
	}
	got, err = repos.Operations.Update(ctx, all, "mumbai", "op1", func(o *domain.Operation) (*domain.Operation, error) {
		return o, o.Conduct(domain.Conduct{Time: t0, SuspectsApprehended: 4}, domain.Change{Actor: "a", Time: t0.Add(time.Minute)})
	})
	if err != nil {
		t.Fatal(err)
	}
	again, err := repos.Operations.Get(ctx, all, "mumbai", "op1")
	if err != nil || !reflect.DeepEqual(again, got) || again.Version != 2 || !again.ConductTime.Equal(t0) || again.SuspectsApprehended != 4 {
		t.Errorf("conducted: err %v\n%+v\nwant\n%+v", err, again, got)
	}
}

func TestSurvivorRoundTripKeepsEveryField(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	s, err := domain.NewSurvivor("s1", "mumbai", "offices/mumbai/operations/op1", domain.SurvivorFields{
		Pseudonym: "Asha", LegalName: "Legal Name", DateOfBirth: &domain.Date{Year: 2009, Month: 2, Day: 28},
		FamilyContact: "contact", Address: "address", AgeAtRescue: 16, Gender: domain.GenderFemale, Citizenship: "NP",
		OriginRegion: "Sindhupalchok", Languages: []string{"ne", "hi"}, RescueTime: t0,
		MeansOfControl:    []domain.MeansOfControl{domain.ControlDebtBondage, domain.ControlThreats},
		RecruiterRelation: domain.RecruiterFamily,
		LegalBasis:        domain.LegalBasis{Basis: domain.BasisProsecutionOfOffence, Reference: "FIR 9/2025"},
		CWCProductionTime: t0.Add(3 * time.Hour),
	}, "priya", t0.Add(4*time.Hour), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if err := repos.Survivors.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := repos.Survivors.Get(ctx, all, "mumbai", "s1")
	if err != nil || !reflect.DeepEqual(got, s) {
		t.Errorf("err %v\n%+v\nwant\n%+v", err, got, s)
	}
}

func TestRecordsOutsideTheScopeAreNotFound(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	if err := repos.Locations.Create(ctx, newLocation(t, "kolkata", "loc1", t0)); err != nil {
		t.Fatal(err)
	}
	_, errOther := repos.Locations.Get(ctx, mumbai, "kolkata", "loc1")
	_, errMissing := repos.Locations.Get(ctx, mumbai, "kolkata", "loc2")
	_, errWrongOffice := repos.Locations.Get(ctx, all, "mumbai", "loc1")
	a := wantKind(t, errOther, errs.KindNotFound, "LOCATION_NOT_FOUND")
	b := wantKind(t, errMissing, errs.KindNotFound, "LOCATION_NOT_FOUND")
	wantKind(t, errWrongOffice, errs.KindNotFound, "LOCATION_NOT_FOUND")
	if a.Message != `location "offices/kolkata/locations/loc1" does not exist` || b.Message != `location "offices/kolkata/locations/loc2" does not exist` {
		t.Errorf("messages differ beyond the name: %q, %q", a.Message, b.Message)
	}
	_, err := repos.Locations.Update(ctx, mumbai, "kolkata", "loc1", func(l *domain.Location) (*domain.Location, error) {
		t.Error("update function ran on a record outside the scope")
		return l, nil
	})
	wantKind(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	err = repos.Locations.Delete(ctx, mumbai, "kolkata", "loc1", 1)
	wantKind(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	_, err = repos.Locations.Get(ctx, domain.Scope{}, "kolkata", "loc1")
	wantKind(t, err, errs.KindNotFound, "LOCATION_NOT_FOUND")
	for _, tc := range []struct {
		scope domain.Scope
		want  int
	}{{mumbai, 0}, {all, 1}, {domain.Scope{}, 0}} {
		page, err := repos.Locations.List(ctx, domain.ListQuery{Scope: tc.scope, QueryKey: "offices/-", Now: t0})
		if err != nil || len(page.Items) != tc.want {
			t.Errorf("list in %v: err %v, %d items, want %d", tc.scope.Offices(), err, len(page.Items), tc.want)
		}
	}
	// A filter cannot reach past the scope.
	page, err := repos.Locations.List(ctx, domain.ListQuery{Scope: mumbai, QueryKey: "offices/-", Now: t0, Filter: `office = "kolkata"`})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("filter on another office: err %v, %d items", err, len(page.Items))
	}
	if _, err := repos.Locations.Get(ctx, all, "kolkata", "loc1"); err != nil {
		t.Errorf("kolkata's own record: %v", err)
	}
	if err := repos.Operations.Create(ctx, newOperation(t, "kolkata", "op1", "loc1")); err != nil {
		t.Fatal(err)
	}
	if n, err := repos.Operations.CountByLocation(ctx, mumbai, "kolkata", "offices/kolkata/locations/loc1"); err != nil || n != 0 {
		t.Errorf("mumbai-scoped count of kolkata's operations = %d, %v", n, err)
	}
	if n, err := repos.Operations.CountByLocation(ctx, all, "kolkata", "offices/kolkata/locations/loc1"); err != nil || n != 1 {
		t.Errorf("count of kolkata's operations = %d, %v", n, err)
	}
	if err := repos.Survivors.Create(ctx, newSurvivor(t, "kolkata", "s1", "op1", 30, t0)); err != nil {
		t.Fatal(err)
	}
	_, err = repos.Survivors.Get(ctx, mumbai, "kolkata", "s1")
	wantKind(t, err, errs.KindNotFound, "SURVIVOR_NOT_FOUND")
	_, err = repos.Survivors.FindDuplicates(ctx, mumbai, "kolkata", "s1", 10)
	wantKind(t, err, errs.KindNotFound, "SURVIVOR_NOT_FOUND")
	counts, err := repos.Survivors.CountByOperation(ctx, mumbai, []string{"offices/kolkata/operations/op1"})
	if err != nil || len(counts) != 0 {
		t.Errorf("mumbai-scoped count of kolkata's survivors = %v, %v", counts, err)
	}
}

// The location list's spec: its filterable fields and orders (paging
// itself is docstore's, tested there).
func TestLocationListFiltersAndOrders(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	for i := range 7 {
		l := newLocation(t, "mumbai", fmt.Sprintf("loc%d", i), t0.Add(time.Duration(i)*time.Minute))
		if i%2 == 0 {
			l.Status = domain.LocationConfirmed
		}
		if err := repos.Locations.Create(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		filter, orderBy string
		want            []string
	}{
		{"", "", []string{"loc6", "loc5", "loc4", "loc3", "loc2", "loc1", "loc0"}}, // create_time desc
		{`status = CONFIRMED`, "create_time", []string{"loc0", "loc2", "loc4", "loc6"}},
		{`status = LOCATION_STATUS_CONFIRMED AND district = "Mumbai City"`, "display_name desc", []string{"loc6", "loc4", "loc2", "loc0"}},
	} {
		page, err := repos.Locations.List(ctx, domain.ListQuery{Scope: mumbai, QueryKey: "offices/mumbai", Now: t0, Filter: tc.filter, OrderBy: tc.orderBy})
		if err != nil {
			t.Fatalf("%q: %v", tc.filter, err)
		}
		var ids []string
		for _, l := range page.Items {
			ids = append(ids, l.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("%q ordered by %q = %v, want %v", tc.filter, tc.orderBy, ids, tc.want)
		}
	}
	_, err := repos.Locations.List(ctx, domain.ListQuery{Scope: mumbai, QueryKey: "offices/mumbai", Now: t0, Filter: `legal_name = "x"`})
	wantKind(t, err, errs.KindInvalidArgument, "INVALID_FILTER")
}

func TestSurvivorCountsByOperationInOneAggregation(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	for i, op := range []string{"op1", "op1", "op2"} {
		if err := repos.Survivors.Create(ctx, newSurvivor(t, "mumbai", fmt.Sprintf("s%d", i), op, 30, t0)); err != nil {
			t.Fatal(err)
		}
	}
	if err := repos.Survivors.Create(ctx, newSurvivor(t, "kolkata", "s9", "op1", 30, t0)); err != nil {
		t.Fatal(err)
	}
	counts, err := repos.Survivors.CountByOperation(ctx, mumbai,
		[]string{"offices/mumbai/operations/op1", "offices/mumbai/operations/op2", "offices/mumbai/operations/op3"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"offices/mumbai/operations/op1": 2, "offices/mumbai/operations/op2": 1}
	if !reflect.DeepEqual(counts, want) {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	counts, err = repos.Survivors.CountByOperation(ctx, mumbai, []string{"offices/kolkata/operations/op1"})
	if err != nil || len(counts) != 0 {
		t.Errorf("mumbai count of kolkata's operation = %v, %v", counts, err)
	}
}

func TestSurvivorCWCStatusFilter(t *testing.T) {
	t.Parallel()
	repos, _ := newRepos(t)
	ctx := context.Background()
	now := t0
	records := map[string]*domain.Survivor{
		"adult":    newSurvivor(t, "mumbai", "adult", "op1", 30, now.Add(-48*time.Hour)),
		"pending":  newSurvivor(t, "mumbai", "pending", "op1", 15, now.Add(-23*time.Hour)),
		"overdue":  newSurvivor(t, "mumbai", "overdue", "op1", 15, now.Add(-25*time.Hour)),
		"produced": newSurvivor(t, "mumbai", "produced", "op1", 15, now.Add(-48*time.Hour)),
		"late":     newSurvivor(t, "mumbai", "late", "op1", 15, now.Add(-72*time.Hour)),
		"kolkata":  newSurvivor(t, "kolkata", "kolkata", "op1", 15, now.Add(-25*time.Hour)),
	}
	records["produced"].CWCProductionTime = records["produced"].RescueTime.Add(2 * time.Hour)
	records["late"].CWCProductionTime = records["late"].RescueTime.Add(30 * time.Hour)
	for name, s := range records {
		if err := repos.Survivors.Create(ctx, s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	tests := []struct {
		filter string
		want   []string
	}{
		{`cwc_production_status = OVERDUE`, []string{"overdue"}},
		{`cwc_production_status = CWC_PRODUCTION_STATUS_OVERDUE`, []string{"overdue"}},
		{`cwc_production_status = PENDING`, []string{"pending"}},
		{`cwc_production_status = PRODUCED`, []string{"produced"}},
		{`cwc_production_status = PRODUCED_LATE`, []string{"late"}},
		{`cwc_production_status = NOT_REQUIRED`, []string{"adult"}},
		{`cwc_production_status != NOT_REQUIRED AND cwc_production_status != OVERDUE`, []string{"late", "pending", "produced"}},
		{`minor = true`, []string{"late", "overdue", "pending", "produced"}},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			page, err := repos.Survivors.List(ctx, domain.ListQuery{
				Scope: mumbai, QueryKey: "offices/mumbai", Now: now, Filter: tc.filter, OrderBy: "pseudonym",
			})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range page.Items {
				got = append(got, s.ID)
				if st := s.CWCStatus(now); tc.filter == `cwc_production_status = OVERDUE` && st != domain.CWCOverdue {
					t.Errorf("%s listed as overdue has status %s", s.ID, st)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
