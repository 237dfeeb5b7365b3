package mongodb_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/storetest"
	"github.com/justiceops/justice/services/prosecution/internal/adapters/mongodb"
	"github.com/justiceops/justice/services/prosecution/internal/domain"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// now is 15:30 in Mumbai on 30 June 2025: the offices' today is 2025-06-30.
var now = time.Date(2025, 6, 30, 10, 0, 0, 0, time.UTC)

var ist = time.FixedZone("IST", 5*3600+1800)

// The scopes of a caller of both offices and of a Mumbai caller.
var (
	all    = domain.NewScope("kolkata", "mumbai")
	mumbai = domain.NewScope("mumbai")
)

func day(y, m, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

func change(requestID string) domain.Change {
	return domain.Change{Actor: "meera", Time: now, RequestID: requestID}
}

// newRepos returns the repositories on a fresh database, every office in
// Indian time.
func newRepos(t *testing.T) (*mongodb.Repositories, *mongo.Database) {
	t.Helper()
	db := storetest.NewDatabase(t)
	codec, err := pagination.NewCodecFromConfig(pagination.Config{}) // a random key
	if err != nil {
		t.Fatal(err)
	}
	repos, err := mongodb.New(context.Background(), db, codec, mongodb.Options{
		Zones: func(string) *time.Location { return ist },
	})
	if err != nil {
		t.Fatalf("mongodb.New: %v", err)
	}
	return repos, db
}

// caseFields are valid fields of a case registered on fir, with one
// ITPA charge (either regime) for an offence that day.
func caseFields(fir domain.Date) domain.CaseFields {
	return domain.CaseFields{
		Title: "State v. Accused 1 and others", FIRNumber: "112/2024", PoliceStation: "Kamathipura", FIRDate: fir,
		Charges: []domain.Charge{{Statute: domain.StatuteITPA, Section: "5", OffenceDate: fir}},
	}
}

func newCase(t *testing.T, office, id string, fir domain.Date) *domain.Case {
	t.Helper()
	c, err := domain.NewCase(id, office, caseFields(fir), nil, nil, "meera", now, ist)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// advance moves a case forward, failing the test if the domain refuses.
func advance(t *testing.T, c *domain.Case, to domain.CaseStage, on domain.Date) {
	t.Helper()
	if err := c.Advance(to, on, "", change(""), ist); err != nil {
		t.Fatal(err)
	}
}

func newAccused(t *testing.T, office, caseID, id, name string) *domain.Accused {
	t.Helper()
	a, err := domain.NewAccused(id, office, caseID, domain.AccusedFields{DisplayName: name, Role: domain.RolePimp}, "meera", now)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newHearing(t *testing.T, office, caseID, id string, on domain.Date, purpose domain.HearingPurpose) *domain.Hearing {
	t.Helper()
	h, err := domain.NewHearing(id, office, caseID, domain.HearingFields{Date: on, Purpose: purpose, CourtRoom: "Court Room 14"}, "meera", now)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func survivor(office, id string) string {
	return domain.Name(office, domain.RescueCollectionSurvivors, id)
}

func newWitness(t *testing.T, office, caseID, id, survivorID string, minor bool) *domain.Witness {
	t.Helper()
	w, err := domain.NewWitness(id, office, caseID, survivor(office, survivorID), minor, domain.WitnessFields{}, "asha", now, ist)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newCompensation(t *testing.T, office, caseID, id, survivorID string, applied domain.Date) *domain.Compensation {
	t.Helper()
	c, err := domain.NewCompensation(id, office, caseID, survivor(office, survivorID),
		domain.CompensationFields{AppliedDate: applied, Authority: "DLSA Mumbai", ClaimedINR: 300000}, "meera", now, ist)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// creator is what every repository's Create is.
type creator[T any] interface {
	Create(ctx context.Context, rec *T) error
}

// create stores new records, failing the test on an error.
func create[T any](t *testing.T, repo creator[T], recs ...*T) {
	t.Helper()
	for _, r := range recs {
		if err := repo.Create(context.Background(), r); err != nil {
			t.Fatalf("Create: %v", err)
		}
	}
}

// ids returns the ids of records, in order.
func ids[T any](items []*T, meta func(*T) *domain.Meta) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, meta(it).ID)
	}
	return out
}

// pages lists every page of a list, page size 2, and returns the ids in order.
func pages[T any](t *testing.T, q domain.ListQuery, list func(domain.ListQuery) (domain.Page[*T], error), meta func(*T) *domain.Meta) []string {
	t.Helper()
	q.PageSize = 2
	out := []string{}
	for range 100 {
		page, err := list(q)
		if err != nil {
			t.Fatalf("list %q by %q: %v", q.Filter, q.OrderBy, err)
		}
		out = append(out, ids(page.Items, meta)...)
		if page.NextPageToken == "" {
			return out
		}
		q.PageToken = page.NextPageToken
	}
	t.Fatal("more than 100 pages")
	return nil
}

func caseMeta(c *domain.Case) *domain.Meta                 { return &c.Meta }
func accusedMeta(a *domain.Accused) *domain.Meta           { return &a.Meta }
func hearingMeta(h *domain.Hearing) *domain.Meta           { return &h.Meta }
func witnessMeta(w *domain.Witness) *domain.Meta           { return &w.Meta }
func compensationMeta(c *domain.Compensation) *domain.Meta { return &c.Meta }
