package auditmerge_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/justiceops/justice/gateway/auditmerge"
	"github.com/justiceops/justice/gateway/internal/grpctest"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/identity"
)

// testToken is the bearer token the tests' callers present.
const testToken = "auditor-token"

// t0 is the time of the tests' entries: entry e's time is t0 plus its minute.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// fakeAudit is one service's AuditService over a fixed list of entries,
// paged as audit.Store pages: newest first, then by id, with keyset page
// tokens (the position after the last entry returned), so entries added at
// the head do not shift later pages.
type fakeAudit struct {
	auditv1.UnimplementedAuditServiceServer

	mu      sync.Mutex
	entries []*auditv1.AuditEntry
	// fail, when set, is the error of every call.
	fail error
	// requests and tokens are what the calls carried.
	requests []*auditv1.ListAuditEntriesRequest
	tokens   []string
}

// entry is an audit entry of office mumbai with id id, minute minutes after t0.
func entry(service, id string, minute int) *auditv1.AuditEntry {
	return &auditv1.AuditEntry{
		Name:    "offices/mumbai/auditEntries/" + id,
		Time:    timestamppb.New(t0.Add(time.Duration(minute) * time.Minute)),
		Subject: "priya", Action: "/justice." + service + ".v1.Service/Get", Service: service,
		Outcome: auditv1.Outcome_OUTCOME_ALLOWED, Code: "OK",
	}
}

func newFake(entries ...*auditv1.AuditEntry) *fakeAudit {
	f := &fakeAudit{}
	f.add(entries...)
	return f
}

// add records more entries.
func (f *fakeAudit) add(entries ...*auditv1.AuditEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = append(f.entries, entries...)
	slices.SortFunc(f.entries, func(a, b *auditv1.AuditEntry) int {
		return cmp.Or(b.GetTime().AsTime().Compare(a.GetTime().AsTime()), cmp.Compare(a.GetName(), b.GetName()))
	})
}

func (f *fakeAudit) setFail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = err
}

func invalid(reason, msg string) error {
	st, _ := status.New(codes.InvalidArgument, msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: "fake.justice.example"})
	return st.Err()
}

// ListAuditEntries implements auditv1.AuditServiceServer.
func (f *fakeAudit) ListAuditEntries(ctx context.Context, req *auditv1.ListAuditEntriesRequest) (*auditv1.ListAuditEntriesResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	f.tokens = append(f.tokens, metadata.ValueFromIncomingContext(ctx, "authorization")...)
	if f.fail != nil {
		return nil, f.fail
	}
	size := int(req.GetPageSize())
	switch {
	case size == 0:
		size = 50
	case size < 0 || size > 500:
		return nil, invalid("INVALID_PAGE_SIZE", "invalid page_size")
	}
	start := 0
	if tok := req.GetPageToken(); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		nanos, id, ok := strings.Cut(string(raw), "|")
		n, perr := strconv.ParseInt(nanos, 10, 64)
		if err != nil || !ok || perr != nil {
			return nil, invalid("INVALID_PAGE_TOKEN", "invalid page_token")
		}
		start = len(f.entries)
		for i, e := range f.entries {
			if et := e.GetTime().AsTime().UnixNano(); et < n || (et == n && e.GetName() > "offices/mumbai/auditEntries/"+id) {
				start = i
				break
			}
		}
	}
	end := min(start+size, len(f.entries))
	resp := &auditv1.ListAuditEntriesResponse{AuditEntries: slices.Clone(f.entries[start:end])}
	if end < len(f.entries) {
		last := f.entries[end-1]
		id := last.GetName()[strings.LastIndexByte(last.GetName(), '/')+1:]
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d|%s", last.GetTime().AsTime().UnixNano(), id))
	}
	return resp, nil
}

// seen returns the requests and authorization values the fake received.
func (f *fakeAudit) seen() ([]*auditv1.ListAuditEntriesRequest, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), slices.Clone(f.tokens)
}

// running is a fake served on a real 127.0.0.1 listener.
type running struct {
	fake   *fakeAudit
	server *grpc.Server
	source auditmerge.Source
}

// serve starts fake on 127.0.0.1:0 and returns it with a Source dialled
// through the platform's grpcclient; both stop when the test ends.
func serve(t *testing.T, name string, fake *fakeAudit) *running {
	t.Helper()
	srv, conn := grpctest.Serve(t, func(s *grpc.Server) { auditv1.RegisterAuditServiceServer(s, fake) })
	return &running{fake: fake, server: srv, source: auditmerge.Source{Name: name, Client: auditv1.NewAuditServiceClient(conn)}}
}

// callerCtx is the context of an in-process call presenting testToken, as
// the REST path and the gRPC auth interceptor leave it.
func callerCtx() context.Context {
	ctx := identity.WithPrincipal(context.Background(), identity.Principal{Subject: "asha", Roles: []string{"auditor"}, Offices: []string{"mumbai"}})
	return metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", "Bearer "+testToken))
}

// names returns the entries' names.
func names(entries []*auditv1.AuditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.GetName()[strings.LastIndexByte(e.GetName(), '/')+1:]
	}
	return out
}

// errorInfo returns the ErrorInfo of err's status, or nil.
func errorInfo(err error) *errdetails.ErrorInfo {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			return info
		}
	}
	return nil
}
