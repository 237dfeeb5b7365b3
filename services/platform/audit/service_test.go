package audit_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/audit"
	"github.com/justiceops/justice/services/platform/auth"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/filtering"
	"github.com/justiceops/justice/services/platform/identity"
	"github.com/justiceops/justice/services/platform/office"
	"github.com/justiceops/justice/services/platform/pagination"
	"github.com/justiceops/justice/services/platform/resname"
)

// Auditors of the service tests.
var (
	mumbaiAuditor = identity.Principal{Subject: "a-mumbai", Roles: []string{"auditor"}, Offices: []string{"mumbai"}}
	bothAuditor   = identity.Principal{Subject: "a-both", Roles: []string{"auditor"}, Offices: []string{"mumbai", "kolkata"}}
	allAuditor    = identity.Principal{Subject: "a-all", Roles: []string{"auditor"}, AllOffices: true}
	// chennaiAuditor holds only an office that is not configured.
	chennaiAuditor = identity.Principal{Subject: "a-chennai", Roles: []string{"auditor"}, Offices: []string{"chennai"}}
)

// registry is the default offices: kolkata and mumbai.
func registry(t *testing.T) *office.Registry {
	t.Helper()
	r, err := office.NewRegistry(office.Defaults())
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	if got := r.Codes(); !slices.Equal(got, []string{"kolkata", "mumbai"}) {
		t.Fatalf("default offices %q, want kolkata and mumbai", got)
	}
	return r
}

// as returns a test context carrying the caller.
func as(t *testing.T, p identity.Principal) context.Context {
	t.Helper()
	return identity.WithPrincipal(tctx(t), p)
}

// listAllAPI pages through ListAuditEntries and returns every entry.
func listAllAPI(t *testing.T, svc auditv1.AuditServiceServer, ctx context.Context, req *auditv1.ListAuditEntriesRequest) []*auditv1.AuditEntry {
	t.Helper()
	req = proto.CloneOf(req)
	var all []*auditv1.AuditEntry
	for range 100 {
		resp, err := svc.ListAuditEntries(ctx, req)
		if err != nil {
			t.Fatalf("ListAuditEntries(%v): %v", req, err)
		}
		all = append(all, resp.GetAuditEntries()...)
		if resp.GetNextPageToken() == "" {
			return all
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatal("listing did not end after 100 pages")
	return nil
}

// apiRequestIDs returns the request ids of entries, checking each name
// against the stored entry.
func (s seeded) apiRequestIDs(t *testing.T, entries []*auditv1.AuditEntry) []string {
	t.Helper()
	byID := map[string]audit.Entry{}
	for _, e := range s.entries {
		byID[e.ID] = e
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.GetRequestId()
		parts := strings.Split(e.GetName(), "/")
		if len(parts) != 4 || parts[0] != "offices" || parts[2] != audit.Collection {
			t.Errorf("entry name %q is not offices/{office}/auditEntries/{id}", e.GetName())
			continue
		}
		stored, ok := byID[parts[3]]
		if !ok || stored.RequestID != e.GetRequestId() {
			t.Errorf("entry name %q does not name the stored entry of request %s", e.GetName(), e.GetRequestId())
		}
	}
	return out
}

func TestListAuditEntriesCoversOnlyTheCallersOffices(t *testing.T) {
	t.Parallel()
	f := seed(t)
	svc := audit.NewAuditService(f.rescue, registry(t), "rescue")
	cases := []struct {
		name   string
		caller identity.Principal
		parent string
		want   []string
	}{
		{"own office", mumbaiAuditor, "offices/mumbai", []string{"r01", "r02", "r05", "r08"}},
		{"all of one office", mumbaiAuditor, "offices/-", []string{"r01", "r02", "r05", "r08"}},
		{"all of two offices", bothAuditor, "offices/-", []string{"r01", "r02", "r03", "r05", "r07", "r08"}},
		{"one of two offices", bothAuditor, "offices/kolkata", []string{"r03", "r07"}},
		{"all offices: every entry, with or without an office", allAuditor, "offices/-",
			[]string{"r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09"}},
		{"all offices: one office", allAuditor, "offices/kolkata", []string{"r03", "r07"}},
		{"an unconfigured office held", chennaiAuditor, "offices/-", nil},
		{"no principal", identity.Anonymous, "offices/-", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := listAllAPI(t, svc, as(t, tc.caller), &auditv1.ListAuditEntriesRequest{Parent: tc.parent, PageSize: 3})
			if ids, want := f.apiRequestIDs(t, got), f.newestFirst(tc.want...); !slices.Equal(ids, want) {
				t.Errorf("%s listing %s: got %q, want %q", tc.caller.Subject, tc.parent, ids, want)
			}
		})
	}
	t.Run("a context without a principal", func(t *testing.T) {
		resp, err := svc.ListAuditEntries(tctx(t), &auditv1.ListAuditEntriesRequest{Parent: "offices/-"})
		if err != nil || len(resp.GetAuditEntries()) != 0 {
			t.Errorf("got %d entries, error %v; want none", len(resp.GetAuditEntries()), err)
		}
	})
}

func TestListAuditEntriesHidesOfficesOutsideTheCallersScope(t *testing.T) {
	t.Parallel()
	f := seed(t)
	svc := audit.NewAuditService(f.rescue, registry(t), "rescue")
	cases := []struct {
		caller identity.Principal
		office string
	}{
		{mumbaiAuditor, "kolkata"}, // exists, not held
		{mumbaiAuditor, "chennai"}, // has entries, not configured
		{mumbaiAuditor, "delhi"},   // nothing at all
		{allAuditor, "chennai"},    // not configured: only offices/- shows its entries
		{chennaiAuditor, "chennai"},
		{identity.Anonymous, "mumbai"},
	}
	for _, tc := range cases {
		t.Run(tc.caller.Subject+" "+tc.office, func(t *testing.T) {
			_, err := svc.ListAuditEntries(as(t, tc.caller), &auditv1.ListAuditEntriesRequest{Parent: "offices/" + tc.office})
			e := wantErr(t, err, errs.KindNotFound, office.ReasonOfficeNotFound)
			if want := `office "` + tc.office + `" not found`; e.Message != want {
				t.Errorf("message %q, want %q: the same whether the office exists or not", e.Message, want)
			}
		})
	}
}

func TestListAuditEntriesConvertsEntries(t *testing.T) {
	t.Parallel()
	f := seed(t)
	svc := audit.NewAuditService(f.rescue, registry(t), "rescue")
	got := listAllAPI(t, svc, as(t, allAuditor), &auditv1.ListAuditEntriesRequest{Parent: "offices/-"})
	byRequest := map[string]*auditv1.AuditEntry{}
	for _, e := range got {
		byRequest[e.GetRequestId()] = e
	}
	entry := func(id string) audit.Entry { return f.entries[id] }
	want := map[string]*auditv1.AuditEntry{
		"r05": {
			Name: "offices/mumbai/auditEntries/" + entry("r05").ID, Time: timestamppb.New(entry("r05").Time),
			Subject: "meera", Roles: []string{"trainer"}, Offices: []string{"mumbai"}, Action: getSurvivor,
			Resource: "offices/mumbai/survivors/s1", RequestId: "r05", Outcome: auditv1.Outcome_OUTCOME_DENIED,
			Code: "PERMISSION_DENIED", Service: "rescue",
		},
		"r04": {
			Name: "offices/-/auditEntries/" + entry("r04").ID, Time: timestamppb.New(entry("r04").Time),
			Roles: []string{}, Offices: []string{}, Action: getSurvivor, RequestId: "r04",
			Outcome: auditv1.Outcome_OUTCOME_DENIED, Code: "UNAUTHENTICATED", Service: "rescue",
		},
		"r06": {
			Name: "offices/-/auditEntries/" + entry("r06").ID, Time: timestamppb.New(entry("r06").Time),
			Subject: "priya", Roles: []string{"investigator"}, Offices: []string{"mumbai", "kolkata"}, Action: listSurvivors,
			Resource: "offices/-", RequestId: "r06", Outcome: auditv1.Outcome_OUTCOME_ALLOWED, Code: "OK", Service: "rescue",
		},
		"r07": {
			Name: "offices/kolkata/auditEntries/" + entry("r07").ID, Time: timestamppb.New(entry("r07").Time),
			Subject: "ravi", Roles: []string{"social_worker"}, Offices: []string{"kolkata"}, Action: updateSurvivor,
			Resource: "offices/kolkata/survivors/k1", RequestId: "r07", Outcome: auditv1.Outcome_OUTCOME_UNSPECIFIED,
			Service: "rescue",
		},
		"r09": {
			Name: "offices/chennai/auditEntries/" + entry("r09").ID, Time: timestamppb.New(entry("r09").Time),
			Subject: "asha-admin", Roles: []string{"admin"}, Offices: []string{"*"}, Action: getSurvivor,
			Resource: "offices/chennai/survivors/c1", RequestId: "r09", Outcome: auditv1.Outcome_OUTCOME_FAILED,
			Code: "NOT_FOUND", Service: "rescue",
		},
	}
	for id, w := range want {
		if !proto.Equal(byRequest[id], w) {
			t.Errorf("entry %s:\n got  %v\n want %v", id, byRequest[id], w)
		}
	}
	if _, _, err := resname.Parse(byRequest["r05"].GetName(), audit.Collection, "name"); err != nil {
		t.Errorf("entry name does not parse as a resource name: %v", err)
	}
}

func TestNameUsesDashForEntriesWithoutAnOffice(t *testing.T) {
	t.Parallel()
	for officeValue, want := range map[string]string{
		"mumbai":             "offices/mumbai/auditEntries/x1",
		"":                   "offices/-/auditEntries/x1",
		"-":                  "offices/-/auditEntries/x1",
		"Not An Office":      "offices/-/auditEntries/x1",
		"mumbai/survivors/y": "offices/-/auditEntries/x1",
	} {
		if got := audit.Name(audit.Entry{ID: "x1", Office: officeValue}); got != want {
			t.Errorf("Name with office %q = %q, want %q", officeValue, got, want)
		}
	}
}

func TestListAuditEntriesRejectsBadRequests(t *testing.T) {
	t.Parallel()
	f := seed(t)
	svc := audit.NewAuditService(f.rescue, registry(t), "rescue")
	cases := []struct {
		name   string
		req    *auditv1.ListAuditEntriesRequest
		reason string
		field  string
	}{
		{"empty parent", &auditv1.ListAuditEntriesRequest{}, resname.ReasonInvalidResourceName, "parent"},
		{"no office", &auditv1.ListAuditEntriesRequest{Parent: "offices"}, resname.ReasonInvalidResourceName, "parent"},
		{"bad office", &auditv1.ListAuditEntriesRequest{Parent: "offices/Mumbai City"}, resname.ReasonInvalidResourceName, "parent"},
		{"a record, not a parent", &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai/survivors/s1"}, resname.ReasonInvalidResourceName, "parent"},
		{"unknown filter field", &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", Filter: `legal_name = "Zarina"`}, filtering.ReasonInvalidFilter, "filter"},
		{"page size", &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 1000}, pagination.ReasonInvalidPageSize, "page_size"},
		{"page token", &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: "abc"}, pagination.ReasonInvalidPageToken, "page_token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.ListAuditEntries(as(t, allAuditor), tc.req)
			e := wantErr(t, err, errs.KindInvalidArgument, tc.reason)
			if len(e.Violations) != 1 || e.Violations[0].Field != tc.field {
				t.Errorf("violations %+v, want one on %s", e.Violations, tc.field)
			}
		})
	}
}

func TestListAuditEntriesPageTokensBelongToTheParentAndCaller(t *testing.T) {
	t.Parallel()
	f := seed(t)
	svc := audit.NewAuditService(f.rescue, registry(t), "rescue")
	first := &auditv1.ListAuditEntriesRequest{Parent: "offices/-", PageSize: 2}
	resp, err := svc.ListAuditEntries(as(t, bothAuditor), first)
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	if resp.GetNextPageToken() == "" {
		t.Fatal("no next page token")
	}
	cases := []struct {
		name   string
		caller identity.Principal
		req    *auditv1.ListAuditEntriesRequest
	}{
		{"another parent", bothAuditor, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 2}},
		{"another filter", bothAuditor, &auditv1.ListAuditEntriesRequest{Parent: "offices/-", PageSize: 2, Filter: `outcome = ALLOWED`}},
		{"a caller with other offices", mumbaiAuditor, &auditv1.ListAuditEntriesRequest{Parent: "offices/-", PageSize: 2}},
		{"a caller with all offices", allAuditor, &auditv1.ListAuditEntriesRequest{Parent: "offices/-", PageSize: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.PageToken = resp.GetNextPageToken()
			_, err := svc.ListAuditEntries(as(t, tc.caller), tc.req)
			wantErr(t, err, errs.KindInvalidArgument, pagination.ReasonInvalidPageToken)
		})
	}
}

func TestListAuditEntriesListsOnlyItsServicesEntries(t *testing.T) {
	t.Parallel()
	f := seed(t)
	reg := registry(t)
	rescueIDs := []string{"r01", "r02", "r03", "r04", "r05", "r06", "r07", "r08", "r09"}
	for _, tc := range []struct {
		service string
		want    []string
	}{
		{"rescue", rescueIDs},
		{"prosecution", []string{"r10"}},
		{"", append(slices.Clone(rescueIDs), "r10")},
	} {
		svc := audit.NewAuditService(f.rescue, reg, tc.service)
		got := listAllAPI(t, svc, as(t, allAuditor), &auditv1.ListAuditEntriesRequest{Parent: "offices/-"})
		if ids, want := f.apiRequestIDs(t, got), f.newestFirst(tc.want...); !slices.Equal(ids, want) {
			t.Errorf("service %q: got %q, want %q", tc.service, ids, want)
		}
	}
}

// TestAuditedCallsStoreNoRequestBody serves AuditService over gRPC behind an
// interceptor that audits every call the way the access interceptor does,
// sends a request whose body carries a survivor-like name, and checks that
// the name appears nowhere in the stored entries: entries hold the method,
// the resource name and ids only.
func TestAuditedCallsStoreNoRequestBody(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	s = s.WithClock(time.Now)
	const secret = "Zarina Distinctive-Begum"
	auditing := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx = identity.WithPrincipal(ctx, allAuditor)
		parent := req.(*auditv1.ListAuditEntriesRequest).GetParent()
		officeCode, err := resname.ParseParent(parent, "parent")
		if err != nil {
			officeCode = ""
		}
		finish, err := s.Begin(ctx, auth.AccessEvent{
			Principal: identity.FromContext(ctx), Method: info.FullMethod, Resource: parent, Office: officeCode, RequestID: "req-grpc",
		})
		if err != nil {
			return nil, status.Error(codes.Unavailable, "audit unavailable")
		}
		resp, err := handler(ctx, req)
		finish(ctx, status.Code(err))
		return resp, err
	}
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(auditing))
	auditv1.RegisterAuditServiceServer(srv, audit.NewAuditService(s, registry(t), "rescue"))
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	client := auditv1.NewAuditServiceClient(conn)

	if _, err := client.ListAuditEntries(tctx(t), &auditv1.ListAuditEntriesRequest{
		Parent: "offices/mumbai", Filter: `subject = "` + secret + `"`,
	}); err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	resp, err := client.ListAuditEntries(tctx(t), &auditv1.ListAuditEntriesRequest{Parent: "offices/-"})
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	// The second call also sees its own entry, not finished yet.
	if n := len(resp.GetAuditEntries()); n != 2 {
		t.Fatalf("listed %d entries, want 2 (both calls)", n)
	}
	i := slices.IndexFunc(resp.GetAuditEntries(), func(e *auditv1.AuditEntry) bool { return e.GetResource() == "offices/mumbai" })
	if i < 0 {
		t.Fatalf("no entry for the first call: %v", resp.GetAuditEntries())
	}
	e := resp.GetAuditEntries()[i]
	if e.GetResource() != "offices/mumbai" || e.GetAction() != auditv1.AuditService_ListAuditEntries_FullMethodName ||
		e.GetOutcome() != auditv1.Outcome_OUTCOME_ALLOWED || e.GetSubject() != allAuditor.Subject {
		t.Errorf("entry of the first call: %v", e)
	}
	for _, raw := range rawEntries(t, db) {
		for _, part := range strings.Fields(strings.ReplaceAll(secret, "-", " ")) {
			if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(part)) {
				t.Errorf("a stored entry contains %q from the request body: %s", part, raw)
			}
		}
	}
}
