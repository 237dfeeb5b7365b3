package auditmerge_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/justiceops/justice/gateway/auditmerge"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
)

// twoSources serves a rescue and a prosecution audit log whose entries
// interleave, with ties of time within a source and across both.
func twoSources(t *testing.T) (rescue, prosecution *running) {
	t.Helper()
	rescue = serve(t, "rescue", newFake(
		entry("rescue", "r1", 10), entry("rescue", "r2", 8), entry("rescue", "r3", 8),
		entry("rescue", "r4", 5), entry("rescue", "r5", 3), entry("rescue", "r6", 1),
	))
	prosecution = serve(t, "prosecution", newFake(
		entry("prosecution", "p1", 9), entry("prosecution", "p2", 8), entry("prosecution", "p3", 6),
		entry("prosecution", "p4", 5), entry("prosecution", "p5", 2), entry("prosecution", "p6", 0), entry("prosecution", "p7", 0),
	))
	return rescue, prosecution
}

// merged is the whole merged log of twoSources: newest first, then by id.
var merged = []string{"r1", "p1", "p2", "r2", "r3", "p3", "p4", "r4", "r5", "p5", "r6", "p6", "p7"}

func TestListMergesNewestFirstThenByID(t *testing.T) {
	t.Parallel()
	r, p := twoSources(t)
	srv := auditmerge.New(r.source, p.source)

	resp, err := srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{
		Parent: "offices/mumbai", PageSize: 100, Filter: `subject = "priya"`,
	})
	if err != nil {
		t.Fatalf("ListAuditEntries: %v", err)
	}
	if got := names(resp.GetAuditEntries()); !slices.Equal(got, merged) {
		t.Errorf("entries = %v\nwant      %v", got, merged)
	}
	if resp.GetNextPageToken() != "" {
		t.Errorf("next_page_token = %q on the only page, want none", resp.GetNextPageToken())
	}
	// Each source got the caller's parent, filter and page size, with the
	// caller's token and no other.
	for _, src := range []*running{r, p} {
		reqs, tokens := src.fake.seen()
		if len(reqs) != 1 || reqs[0].GetParent() != "offices/mumbai" || reqs[0].GetFilter() != `subject = "priya"` ||
			reqs[0].GetPageSize() != 100 || reqs[0].GetPageToken() != "" {
			t.Errorf("%s got %v", src.source.Name, reqs)
		}
		if !slices.Equal(tokens, []string{"Bearer " + testToken}) {
			t.Errorf("%s got authorization %q, want exactly the caller's token", src.source.Name, tokens)
		}
	}
}

// listAll pages through the merged log with the page sizes given in turn
// (the last one repeated), and returns every entry's id and the pages' sizes.
func listAll(t *testing.T, srv *auditmerge.Server, sizes []int32, between func(page int)) ([]string, []int) {
	t.Helper()
	var all []string
	var pages []int
	token := ""
	for page := 0; ; page++ {
		if page > 50 {
			t.Fatal("the listing does not end")
		}
		size := sizes[min(page, len(sizes)-1)]
		resp, err := srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{
			Parent: "offices/mumbai", PageSize: size, PageToken: token,
		})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		got := names(resp.GetAuditEntries())
		if resp.GetNextPageToken() != "" && len(got) != int(size) {
			t.Errorf("page %d holds %d entries, want page_size %d (it is not the last)", page, len(got), size)
		}
		all = append(all, got...)
		pages = append(pages, len(got))
		token = resp.GetNextPageToken()
		if token == "" {
			return all, pages
		}
		if between != nil {
			between(page)
		}
	}
}

func TestPagingAcrossBothSourcesUntilExhausted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		sizes []int32
	}{
		{"one at a time", []int32{1}},
		{"pages of 2", []int32{2}},
		{"pages of 3", []int32{3}},
		{"pages of 5", []int32{5}},
		{"exactly everything", []int32{13}},
		{"page sizes changing between calls", []int32{5, 2, 7, 1, 3}},
		{"a small page after a large one", []int32{6, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, p := twoSources(t)
			srv := auditmerge.New(r.source, p.source)
			got, pages := listAll(t, srv, tc.sizes, nil)
			if !slices.Equal(got, merged) {
				t.Errorf("entries over pages %v = %v\nwant %v (no duplicate, none missing, in order)", pages, got, merged)
			}
		})
	}
}

// Entries recorded while an auditor pages through (the audit log grows at
// its head) are not listed twice, nor do they push older ones out.
func TestPagingWhileEntriesArrive(t *testing.T) {
	t.Parallel()
	r, p := twoSources(t)
	srv := auditmerge.New(r.source, p.source)
	got, _ := listAll(t, srv, []int32{3}, func(page int) {
		r.fake.add(entry("rescue", "rnew"+string(rune('a'+page)), 20+page))
		p.fake.add(entry("prosecution", "pnew"+string(rune('a'+page)), 20+page))
	})
	if !slices.Equal(got, merged) {
		t.Errorf("entries = %v\nwant %v: the ones that existed when the listing began, once each", got, merged)
	}
}

func TestOneSourceExhaustedFirst(t *testing.T) {
	t.Parallel()
	r := serve(t, "rescue", newFake(entry("rescue", "r1", 1)))
	p := serve(t, "prosecution", newFake())
	srv := auditmerge.New(r.source, p.source)
	got, pages := listAll(t, srv, []int32{1}, nil)
	if !slices.Equal(got, []string{"r1"}) || len(pages) != 1 {
		t.Errorf("entries = %v over pages %v, want [r1] on one page", got, pages)
	}
	got, _ = listAll(t, auditmerge.New(p.source, r.source), []int32{1}, nil)
	if !slices.Equal(got, []string{"r1"}) {
		t.Errorf("with the empty source first: entries = %v, want [r1]", got)
	}
}

func TestMalformedPageTokenIsInvalidArgument(t *testing.T) {
	t.Parallel()
	r, p := twoSources(t)
	srv := auditmerge.New(r.source, p.source)
	first, err := srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 2})
	if err != nil || first.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, token %q", err, first.GetNextPageToken())
	}
	good := first.GetNextPageToken()
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatalf("the token is not base64url: %v", err)
	}
	reencode := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	rescueOnly := auditmerge.New(r.source)
	swapped := auditmerge.New(p.source, r.source)
	rBefore, _ := r.fake.seen()
	pBefore, _ := p.fake.seen()

	for _, tc := range []struct {
		name   string
		srv    *auditmerge.Server
		req    *auditv1.ListAuditEntriesRequest
		reason string
	}{
		{"not base64", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: "not a token!"}, "INVALID_PAGE_TOKEN"},
		{"base64 of no JSON", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: reencode("garbage")}, "INVALID_PAGE_TOKEN"},
		{"JSON of something else", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: reencode(`{"v":1}`)}, "INVALID_PAGE_TOKEN"},
		{"a negative count", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai",
			PageToken: reencode(strings.Replace(string(raw), `"n":`, `"n":-`, 1))}, "INVALID_PAGE_TOKEN"},
		{"truncated", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: good[:len(good)/2]}, "INVALID_PAGE_TOKEN"},
		{"too long", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: strings.Repeat("A", 20000)}, "INVALID_PAGE_TOKEN"},
		{"another filter", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", Filter: `subject = "x"`, PageToken: good}, "INVALID_PAGE_TOKEN"},
		{"another parent", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/-", PageToken: good}, "INVALID_PAGE_TOKEN"},
		{"other sources", rescueOnly, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: good}, "INVALID_PAGE_TOKEN"},
		{"sources in another order", swapped, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageToken: good}, "INVALID_PAGE_TOKEN"},
		{"page size over 500", srv, &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 501}, "INVALID_PAGE_SIZE"},
		{"a malformed parent", srv, &auditv1.ListAuditEntriesRequest{Parent: "mumbai"}, "INVALID_RESOURCE_NAME"},
	} {
		_, err := tc.srv.ListAuditEntries(callerCtx(), tc.req)
		st := status.Convert(err)
		if st.Code() != codes.InvalidArgument || errorInfo(err).GetReason() != tc.reason {
			t.Errorf("%s: err = %v, want INVALID_ARGUMENT %s", tc.name, err, tc.reason)
			continue
		}
		var fields []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, v := range br.GetFieldViolations() {
					fields = append(fields, v.GetField())
				}
			}
		}
		if len(fields) == 0 {
			t.Errorf("%s: no field violation in %v", tc.name, err)
		}
	}
	rAfter, _ := r.fake.seen()
	pAfter, _ := p.fake.seen()
	if len(rAfter) != len(rBefore) || len(pAfter) != len(pBefore) {
		t.Errorf("refused requests reached the sources: rescue %d, prosecution %d calls", len(rAfter)-len(rBefore), len(pAfter)-len(pBefore))
	}

	// The token still works where it belongs.
	if _, err := srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 2, PageToken: good}); err != nil {
		t.Errorf("the good token: %v", err)
	}
}

func TestAFailingSourceFailsTheWholeCall(t *testing.T) {
	t.Parallel()
	r, p := twoSources(t)
	srv := auditmerge.New(r.source, p.source)

	// The service's own error: its code, details and message, naming it.
	denied, _ := status.New(codes.PermissionDenied, "method ListAuditEntries may be called only by roles: auditor").
		WithDetails(&errdetails.ErrorInfo{Reason: "ROLE_NOT_ALLOWED", Domain: "prosecution.justice.example"})
	p.fake.setFail(denied.Err())
	resp, err := srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	if resp != nil {
		t.Errorf("a partial answer: %v", names(resp.GetAuditEntries()))
	}
	st := status.Convert(err)
	info := errorInfo(err)
	if st.Code() != codes.PermissionDenied || !strings.Contains(st.Message(), "prosecution") ||
		!strings.Contains(st.Message(), "may be called only by roles: auditor") ||
		info.GetReason() != "ROLE_NOT_ALLOWED" || info.GetDomain() != "prosecution.justice.example" || info.GetMetadata()["source"] != "prosecution" {
		t.Errorf("err = %v (ErrorInfo %v), want prosecution's PERMISSION_DENIED naming it", err, info)
	}

	// A source that is down: UNAVAILABLE naming it, never its address.
	p.fake.setFail(nil)
	p.server.Stop()
	_, err = srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	st = status.Convert(err)
	info = errorInfo(err)
	if st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "prosecution") || strings.Contains(st.Message(), "127.0.0.1") ||
		info.GetReason() != auditmerge.ReasonSourceFailed || info.GetMetadata()["source"] != "prosecution" {
		t.Errorf("err = %v (ErrorInfo %v), want UNAVAILABLE %s naming prosecution", err, info, auditmerge.ReasonSourceFailed)
	}

	// A failure on a later page fails that page too.
	r2, p2 := twoSources(t)
	srv = auditmerge.New(r2.source, p2.source)
	first, err := srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 2})
	if err != nil {
		t.Fatalf("first page: %v", err)
	}
	r2.fake.setFail(status.Error(codes.Internal, "boom"))
	_, err = srv.ListAuditEntries(callerCtx(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai", PageSize: 2, PageToken: first.GetNextPageToken()})
	if st := status.Convert(err); st.Code() != codes.Internal || !strings.Contains(st.Message(), "rescue") || strings.Contains(st.Message(), "boom") {
		t.Errorf("err = %v, want INTERNAL naming rescue", err)
	}
}

func TestCallerWithoutATokenIsUnauthenticated(t *testing.T) {
	t.Parallel()
	r, p := twoSources(t)
	srv := auditmerge.New(r.source, p.source)
	_, err := srv.ListAuditEntries(t.Context(), &auditv1.ListAuditEntriesRequest{Parent: "offices/mumbai"})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("err = %v, want UNAUTHENTICATED", err)
	}
	if reqs, _ := r.fake.seen(); len(reqs) != 0 {
		t.Errorf("rescue was called %d times without a token", len(reqs))
	}
}

func TestPolicyCoversTheService(t *testing.T) {
	t.Parallel()
	if missing := auditmerge.Policy().Missing(auditv1.AuditService_ServiceDesc); len(missing) > 0 {
		t.Errorf("methods without a policy entry: %v", missing)
	}
	if roles := auditmerge.Policy()[auditv1.AuditService_ListAuditEntries_FullMethodName].Roles; !slices.Equal(roles, []string{"auditor"}) {
		t.Errorf("ListAuditEntries roles = %v, want [auditor]", roles)
	}
}

func TestNewRefusesProgrammingErrors(t *testing.T) {
	t.Parallel()
	r, _ := twoSources(t)
	for name, build := range map[string]func(){
		"no source":       func() { auditmerge.New() },
		"duplicate name":  func() { auditmerge.New(r.source, r.source) },
		"nameless source": func() { auditmerge.New(auditmerge.Source{Client: r.source.Client}) },
		"nil client":      func() { auditmerge.New(auditmerge.Source{Name: "x"}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with %s did not panic", name)
				}
			}()
			build()
		}()
	}
}
