package auditmerge

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/justiceops/justice/gateway/internal/forward"
	auditv1 "github.com/justiceops/justice/proto/gen/go/justice/audit/v1"
	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/resname"
)

// list merges one page of every source's entries.
func (s *Server) list(ctx context.Context, req *auditv1.ListAuditEntriesRequest) (*auditv1.ListAuditEntriesResponse, error) {
	if _, err := resname.ParseParent(req.GetParent(), "parent"); err != nil {
		return nil, fmt.Errorf("auditmerge.ListAuditEntries: %w", err)
	}
	size, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, fmt.Errorf("auditmerge.ListAuditEntries: %w", err)
	}
	binding := bindingOf(req.GetParent(), req.GetFilter())
	cursors, err := s.decodeToken(req.GetPageToken(), binding)
	if err != nil {
		return nil, fmt.Errorf("auditmerge.ListAuditEntries: %w", err)
	}
	token, err := forward.CallerToken(ctx)
	if err != nil {
		return nil, fmt.Errorf("auditmerge.ListAuditEntries: %w", err)
	}
	ctx = forward.Outgoing(ctx, token)

	streams := make([]*stream, len(s.sources))
	for i, src := range s.sources {
		streams[i] = &stream{src: src, cur: cursors[i], req: req}
	}
	resp := &auditv1.ListAuditEntriesResponse{}
	for len(resp.AuditEntries) < size {
		if err := loadAll(ctx, streams); err != nil {
			return nil, fmt.Errorf("auditmerge.ListAuditEntries: %w", err)
		}
		var best *stream
		for _, st := range streams {
			if len(st.page) > 0 && (best == nil || before(st.page[0], best.page[0])) {
				best = st
			}
		}
		if best == nil {
			break // every source is exhausted
		}
		resp.AuditEntries = append(resp.AuditEntries, best.pop())
	}
	done := true
	for i, st := range streams {
		cursors[i] = st.cur
		done = done && st.cur.Done
	}
	if !done {
		if resp.NextPageToken, err = s.encodeToken(binding, cursors); err != nil {
			return nil, fmt.Errorf("auditmerge.ListAuditEntries: %w", err)
		}
	}
	return resp, nil
}

// stream is one source's entries as the merge reads them.
type stream struct {
	src Source
	req *auditv1.ListAuditEntriesRequest
	// cur is the position after the last entry returned.
	cur cursor
	// page holds the entries of the page at cur.Token not yet returned;
	// loaded says whether it was read since cur.Token last changed.
	page   []*auditv1.AuditEntry
	next   string // the next_page_token of that page
	loaded bool
	// fetches counts the calls made to the source.
	fetches int
}

// loadAll loads, concurrently, the page of every stream that needs one and
// returns the error of the first failed source (in registration order).
func loadAll(ctx context.Context, streams []*stream) error {
	failures := make([]error, len(streams))
	var wg sync.WaitGroup
	for i, st := range streams {
		if st.cur.Done || st.loaded {
			continue
		}
		wg.Go(func() { failures[i] = st.load(ctx) })
	}
	wg.Wait()
	for _, err := range failures {
		if err != nil {
			return err
		}
	}
	return nil
}

// load reads the page at cur.Token and passes over what was returned
// already: the first cur.Returned entries, and any entry not after the last
// one returned. A page left empty moves the cursor to the next page, which
// is read in turn; the last page left empty marks the source exhausted.
func (st *stream) load(ctx context.Context) error {
	for {
		if st.fetches >= maxFetchesPerSource {
			return errs.Internal(fmt.Errorf("the %s service's audit log answered %d pages without an entry to return", st.src.Name, st.fetches))
		}
		st.fetches++
		resp, err := st.src.Client.ListAuditEntries(ctx, &auditv1.ListAuditEntriesRequest{
			Parent:    st.req.GetParent(),
			PageSize:  st.req.GetPageSize(),
			PageToken: st.cur.Token,
			Filter:    st.req.GetFilter(),
		})
		if err != nil {
			return sourceError(st.src.Name, err)
		}
		entries := resp.GetAuditEntries()
		skip := st.cur.Returned
		passed := min(skip, len(entries))
		entries, skip = entries[passed:], skip-passed
		for len(entries) > 0 && !st.cur.after(entries[0]) {
			entries = entries[1:]
			passed++
		}
		if len(entries) > 0 {
			st.page, st.next, st.loaded = entries, resp.GetNextPageToken(), true
			st.cur.Returned = passed
			return nil
		}
		next := resp.GetNextPageToken()
		if next == "" {
			st.cur = cursor{Done: true}
			st.page, st.loaded = nil, true
			return nil
		}
		if next == st.cur.Token {
			return errs.Internal(fmt.Errorf("the %s service's audit log answered its own page token as the next one", st.src.Name))
		}
		// What remains to skip (the page size changed between calls) is
		// in the next page.
		st.cur.Token, st.cur.Returned = next, skip
	}
}

// pop returns the stream's next entry and moves the cursor past it.
func (st *stream) pop() *auditv1.AuditEntry {
	e := st.page[0]
	st.page = st.page[1:]
	st.cur.Returned++
	st.cur.LastTime, st.cur.LastID = key(e)
	if len(st.page) == 0 {
		if st.next == "" {
			st.cur = cursor{Done: true}
		} else {
			st.cur.Token, st.cur.Returned = st.next, 0
			st.loaded = false
		}
	}
	return e
}

// key is an entry's position in the merge: its time (Unix nanoseconds) and id.
func key(e *auditv1.AuditEntry) (int64, string) {
	id := e.GetName()
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return e.GetTime().AsTime().UnixNano(), id
}

// after reports whether e comes after the last entry returned (always true
// before the first).
func (c cursor) after(e *auditv1.AuditEntry) bool {
	if c.LastID == "" {
		return true
	}
	t, id := key(e)
	return t < c.LastTime || (t == c.LastTime && id > c.LastID)
}

// before reports whether a comes before b: newer first, then by id.
func before(a, b *auditv1.AuditEntry) bool {
	at, aid := key(a)
	bt, bid := key(b)
	return cmp.Or(cmp.Compare(bt, at), cmp.Compare(aid, bid)) < 0
}
