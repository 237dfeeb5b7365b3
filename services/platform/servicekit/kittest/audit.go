package kittest

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
)

// AuditEntries returns every entry of a service's audit log that req
// (its parent and filter) lists to the caller of ctx, newest first,
// following next_page_token from page to page (the largest page when req
// sets no page_size). A failed call stops the test.
func AuditEntries(t testing.TB, ctx context.Context, client auditv1.AuditServiceClient, req *auditv1.ListAuditEntriesRequest) []*auditv1.AuditEntry {
	t.Helper()
	req = proto.CloneOf(req)
	if req.GetPageSize() == 0 {
		req.PageSize = 500
	}
	var out []*auditv1.AuditEntry
	for {
		resp, err := client.ListAuditEntries(ctx, req)
		if err != nil {
			t.Fatalf("kittest.AuditEntries(%s, %q): %v", req.GetParent(), req.GetFilter(), err)
		}
		out = append(out, resp.GetAuditEntries()...)
		if resp.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = resp.GetNextPageToken()
	}
}
