package audit_test

import (
	"cmp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/grpc/codes"

	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/pagination"
)

// How a fixture entry was recorded.
const (
	finished   = "finished"
	unfinished = "unfinished"
	denied     = "denied"
)

// fixtureEntry is one recorded access of the listing fixture.
type fixtureEntry struct {
	at      time.Duration // after base
	ev      auth.AccessEvent
	how     string
	code    codes.Code
	service string // "" means "rescue"
}

var (
	ravi  = identity.Principal{Subject: "ravi", Roles: []string{"social_worker"}, Offices: []string{"kolkata"}}
	meera = identity.Principal{Subject: "meera", Roles: []string{"trainer"}, Offices: []string{"mumbai"}}
	admin = identity.Principal{Subject: "asha-admin", Roles: []string{"admin"}, AllOffices: true}
)

func ev(p identity.Principal, method, resource, office, requestID string) auth.AccessEvent {
	return auth.AccessEvent{Principal: p, Method: method, Resource: resource, Office: office, RequestID: requestID}
}

// fixture covers every office case (own, other, none "", all "-", an office
// not configured), every outcome, a time tie and another service.
var fixture = []fixtureEntry{
	{0, ev(priya, getSurvivor, "offices/mumbai/survivors/s1", "mumbai", "r01"), finished, codes.OK, ""},
	{1 * time.Minute, ev(priya, getSurvivor, "offices/mumbai/survivors/s2", "mumbai", "r02"), finished, codes.NotFound, ""},
	{2 * time.Minute, ev(ravi, getSurvivor, "offices/kolkata/survivors/k1", "kolkata", "r03"), finished, codes.OK, ""},
	{3 * time.Minute, ev(identity.Principal{}, getSurvivor, "", "", "r04"), denied, codes.Unauthenticated, ""},
	{4 * time.Minute, ev(meera, getSurvivor, "offices/mumbai/survivors/s1", "mumbai", "r05"), denied, codes.PermissionDenied, ""},
	{5 * time.Minute, ev(priya, listSurvivors, "offices/-", "-", "r06"), finished, codes.OK, ""},
	{6 * time.Minute, ev(ravi, updateSurvivor, "offices/kolkata/survivors/k1", "kolkata", "r07"), unfinished, codes.OK, ""},
	{6 * time.Minute, ev(priya, updateSurvivor, "offices/mumbai/survivors/s1", "mumbai", "r08"), finished, codes.OK, ""},
	{7 * time.Minute, ev(admin, getSurvivor, "offices/chennai/survivors/c1", "chennai", "r09"), finished, codes.NotFound, ""},
	{8 * time.Minute, ev(priya, getSurvivor, "offices/mumbai/survivors/s1", "mumbai", "r10"), finished, codes.OK, "prosecution"},
}

// seeded is the fixture as stored.
type seeded struct {
	db      *mongo.Database
	rescue  *audit.Store
	other   *audit.Store
	entries map[string]audit.Entry // by request id
}

// seed records the fixture on a fresh database.
func seed(t *testing.T) seeded {
	t.Helper()
	s, db, c := newStore(t)
	other, err := audit.NewStore(tctx(t), db, "prosecution")
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	other = other.WithClock(c.Now)
	for _, f := range fixture {
		store := s
		if f.service == "prosecution" {
			store = other
		}
		c.Set(base.Add(f.at))
		switch f.how {
		case denied:
			if err := store.Denied(tctx(t), f.ev, f.code); err != nil {
				t.Fatalf("Denied: %v", err)
			}
		default:
			finish, err := store.Begin(tctx(t), f.ev)
			if err != nil {
				t.Fatalf("Begin: %v", err)
			}
			if f.how == finished {
				finish(tctx(t), f.code)
			}
		}
	}
	out := seeded{db: db, rescue: s, other: other, entries: map[string]audit.Entry{}}
	for _, e := range storedEntries(t, db) {
		out.entries[e.RequestID] = e
	}
	if len(out.entries) != len(fixture) {
		t.Fatalf("stored %d entries, want %d", len(out.entries), len(fixture))
	}
	return out
}

// newestFirst returns the request ids in the listing's order: time
// descending, then id ascending.
func (s seeded) newestFirst(requestIDs ...string) []string {
	es := make([]audit.Entry, len(requestIDs))
	for i, id := range requestIDs {
		es[i] = s.entries[id]
	}
	slices.SortFunc(es, func(a, b audit.Entry) int {
		if c := b.Time.Compare(a.Time); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.RequestID
	}
	return out
}

func requestIDs(entries []audit.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.RequestID
	}
	return out
}

// listAll pages through q with the page size and returns every entry.
func listAll(t *testing.T, s *audit.Store, q audit.Query) []audit.Entry {
	t.Helper()
	var all []audit.Entry
	for range 100 {
		page, err := s.List(tctx(t), q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		all = append(all, page.Items...)
		if page.NextPageToken == "" {
			return all
		}
		q.PageToken = page.NextPageToken
	}
	t.Fatal("listing did not end after 100 pages")
	return nil
}

func ts(d time.Duration) string { return base.Add(d).Format(time.RFC3339) }

func TestListFilters(t *testing.T) {
	t.Parallel()
	f := seed(t)
	cases := []struct {
		filter string
		want   []string
	}{
		{``, []string{"r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09"}},
		{`subject = "priya"`, []string{"r01", "r02", "r06", "r08"}},
		{`subject != "priya"`, []string{"r03", "r04", "r05", "r07", "r09"}},
		{`subject = ""`, []string{"r04"}},
		{`resource = "offices/mumbai/survivors/s1"`, []string{"r01", "r05", "r08"}},
		{`office = "kolkata"`, []string{"r03", "r07"}},
		{`office = "-"`, []string{"r06"}},
		{`office = ""`, []string{"r04"}},
		{`action = "` + updateSurvivor + `"`, []string{"r07", "r08"}},
		{`outcome = ALLOWED`, []string{"r01", "r03", "r06", "r08"}},
		{`outcome = OUTCOME_FAILED`, []string{"r02", "r09"}},
		{`outcome = "DENIED"`, []string{"r04", "r05"}},
		{`outcome = UNSPECIFIED`, []string{"r07"}},
		{`outcome = OUTCOME_UNSPECIFIED`, []string{"r07"}},
		{`outcome != ALLOWED`, []string{"r02", "r04", "r05", "r07", "r09"}},
		{`time >= "` + ts(2*time.Minute) + `" AND time < "` + ts(6*time.Minute) + `"`, []string{"r03", "r04", "r05", "r06"}},
		{`time > "` + ts(6*time.Minute) + `"`, []string{"r09"}},
		{`time <= "` + ts(0) + `"`, []string{"r01"}},
		{`subject = "priya" AND outcome = ALLOWED AND time >= "` + ts(time.Minute) + `"`, []string{"r06", "r08"}},
		{`office = "kolkata" OR outcome = DENIED`, []string{"r03", "r04", "r05", "r07"}},
		{`NOT office = "mumbai"`, []string{"r03", "r04", "r06", "r07", "r09"}},
		{`subject = "Zarina Begum"`, nil},
	}
	for _, tc := range cases {
		t.Run(cmp.Or(tc.filter, "no filter"), func(t *testing.T) {
			page, err := f.rescue.List(tctx(t), audit.Query{AllOffices: true, Service: "rescue", Filter: tc.filter, QueryKey: "offices/-"})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if got, want := requestIDs(page.Items), f.newestFirst(tc.want...); !slices.Equal(got, want) {
				t.Errorf("filter %s: got %q, want %q", tc.filter, got, want)
			}
			if page.NextPageToken != "" {
				t.Errorf("a single page has a next page token")
			}
		})
	}
}

func TestListIsNewestFirstWithIDsBreakingTies(t *testing.T) {
	t.Parallel()
	f := seed(t)
	page, err := f.rescue.List(tctx(t), audit.Query{AllOffices: true, QueryKey: "offices/-"})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	items := page.Items
	if len(items) != len(fixture) {
		t.Fatalf("listed %d entries, want %d", len(items), len(fixture))
	}
	for i := 1; i < len(items); i++ {
		a, b := items[i-1], items[i]
		if a.Time.Before(b.Time) || (a.Time.Equal(b.Time) && a.ID > b.ID) {
			t.Errorf("entry %d (%s %v) listed before %d (%s %v): want time descending, then id ascending",
				i-1, a.RequestID, a.Time, i, b.RequestID, b.Time)
		}
	}
	if items[0].RequestID != "r10" || items[len(items)-1].RequestID != "r01" {
		t.Errorf("first %s last %s, want r10 (newest) and r01 (oldest)", items[0].RequestID, items[len(items)-1].RequestID)
	}
	// Entries come back as stored.
	for _, e := range items {
		assertEntry(t, e, f.entries[e.RequestID])
	}
}

func TestListScope(t *testing.T) {
	t.Parallel()
	f := seed(t)
	all := []string{"r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09"}
	cases := []struct {
		name string
		q    audit.Query
		want []string
	}{
		{"one office", audit.Query{Offices: []string{"mumbai"}}, []string{"r01", "r02", "r05", "r08"}},
		{"two offices", audit.Query{Offices: []string{"mumbai", "kolkata"}}, []string{"r01", "r02", "r03", "r05", "r07", "r08"}},
		{"no offices lists nothing", audit.Query{Offices: []string{}}, nil},
		{"nil offices lists nothing", audit.Query{}, nil},
		{"an unconfigured office by name", audit.Query{Offices: []string{"chennai"}}, []string{"r09"}},
		{"all offices includes entries without an office", audit.Query{AllOffices: true}, all},
		{"all offices ignores Offices", audit.Query{AllOffices: true, Offices: []string{"kolkata"}}, all},
		{"a filter cannot leave the scope", audit.Query{Offices: []string{"mumbai"}, Filter: `office = "kolkata"`}, nil},
		{"an OR filter cannot leave the scope", audit.Query{Offices: []string{"mumbai"}, Filter: `office = "kolkata" OR office = "mumbai"`}, []string{"r01", "r02", "r05", "r08"}},
		{"another service", audit.Query{AllOffices: true, Service: "prosecution"}, []string{"r10"}},
		{"every service", audit.Query{AllOffices: true, Service: ""}, append(slices.Clone(all), "r10")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			if q.Service == "" && tc.name != "every service" {
				q.Service = "rescue"
			}
			got := requestIDs(listAll(t, f.rescue, q))
			if want := f.newestFirst(tc.want...); !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

func TestListPagesWithoutGapsOrRepeats(t *testing.T) {
	t.Parallel()
	f := seed(t)
	want := f.newestFirst("r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09")
	for _, size := range []int32{1, 2, 4, 8, 9, 10} {
		q := audit.Query{AllOffices: true, Service: "rescue", QueryKey: "offices/-", PageSize: size}
		pages := 0
		var got []string
		for {
			page, err := f.rescue.List(tctx(t), q)
			if err != nil {
				t.Fatalf("page size %d: %v", size, err)
			}
			pages++
			if len(page.Items) > int(size) {
				t.Fatalf("page size %d: a page of %d", size, len(page.Items))
			}
			got = append(got, requestIDs(page.Items)...)
			if page.NextPageToken == "" {
				break
			}
			q.PageToken = page.NextPageToken
		}
		if !slices.Equal(got, want) {
			t.Errorf("page size %d: got %q, want %q", size, got, want)
		}
		if wantPages := (len(want) + int(size) - 1) / int(size); pages != wantPages {
			t.Errorf("page size %d: %d pages for %d entries", size, pages, len(want))
		}
	}
}

func TestListPageTokensAreBoundToTheQuery(t *testing.T) {
	t.Parallel()
	f := seed(t)
	first := audit.Query{Offices: []string{"mumbai", "kolkata"}, Service: "rescue", QueryKey: "offices/-", PageSize: 2}
	page, err := f.rescue.List(tctx(t), first)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if page.NextPageToken == "" {
		t.Fatal("no next page token")
	}
	codec, err := pagination.NewCodec([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatalf("NewCodec: %v", err)
	}
	cases := []struct {
		name  string
		store *audit.Store
		edit  func(q *audit.Query)
	}{
		{"another filter", f.rescue, func(q *audit.Query) { q.Filter = `subject = "priya"` }},
		{"another parent", f.rescue, func(q *audit.Query) { q.QueryKey = "offices/mumbai" }},
		{"other offices", f.rescue, func(q *audit.Query) { q.Offices = []string{"mumbai"} }},
		{"all offices", f.rescue, func(q *audit.Query) { q.AllOffices = true }},
		{"another service", f.rescue, func(q *audit.Query) { q.Service = "prosecution" }},
		{"a tampered token", f.rescue, func(q *audit.Query) { q.PageToken = "x" + q.PageToken[1:] }},
		{"another key", f.rescue.WithPageCodec(codec), func(q *audit.Query) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := first
			q.PageToken = page.NextPageToken
			tc.edit(&q)
			_, err := tc.store.List(tctx(t), q)
			wantErr(t, err, errs.KindInvalidArgument, pagination.ReasonInvalidPageToken)
		})
	}
	// The token still works for its own query, with another page size.
	q := first
	q.PageToken, q.PageSize = page.NextPageToken, 500
	next, err := f.rescue.List(tctx(t), q)
	if err != nil {
		t.Fatalf("continue: %v", err)
	}
	got := append(requestIDs(page.Items), requestIDs(next.Items)...)
	if want := f.newestFirst("r01", "r02", "r03", "r05", "r07", "r08"); !slices.Equal(got, want) {
		t.Errorf("two pages %q, want %q", got, want)
	}
}

func TestListRejectsBadRequests(t *testing.T) {
	t.Parallel()
	f := seed(t)
	cases := []struct {
		name    string
		q       audit.Query
		reason  string
		mention string
	}{
		{"unknown field", audit.Query{Filter: `legal_name = "Zarina"`}, filtering.ReasonInvalidFilter,
			"filterable fields: action, office, outcome, resource, subject, time"},
		{"mongo operator", audit.Query{Filter: `$where = "1"`}, filtering.ReasonInvalidFilter, "filterable fields"},
		{"unknown outcome", audit.Query{Filter: `outcome = MAYBE`}, filtering.ReasonInvalidFilter, "ALLOWED, DENIED, FAILED, UNSPECIFIED"},
		{"ordering outcomes", audit.Query{Filter: `outcome > ALLOWED`}, filtering.ReasonInvalidFilter, "outcome"},
		{"time not a timestamp", audit.Query{Filter: `time > "yesterday"`}, filtering.ReasonInvalidFilter, "RFC 3339"},
		{"syntax", audit.Query{Filter: `subject =`}, filtering.ReasonInvalidFilter, ""},
		{"negative page size", audit.Query{PageSize: -1}, pagination.ReasonInvalidPageSize, "between 0 and 500"},
		{"page size too big", audit.Query{PageSize: 501}, pagination.ReasonInvalidPageSize, "between 0 and 500"},
		{"foreign page token", audit.Query{PageToken: "bm90LW91cnM"}, pagination.ReasonInvalidPageToken, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Offices, q.QueryKey = []string{"mumbai"}, "offices/mumbai"
			_, err := f.rescue.List(tctx(t), q)
			e := wantErr(t, err, errs.KindInvalidArgument, tc.reason)
			if !strings.Contains(e.Message, tc.mention) {
				t.Errorf("message %q does not mention %q", e.Message, tc.mention)
			}
			if strings.Contains(e.Message, "Zarina") {
				t.Errorf("message %q echoes a value from the filter", e.Message)
			}
		})
	}
}
