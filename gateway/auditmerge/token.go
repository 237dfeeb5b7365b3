package auditmerge

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/justiceops/justice/services/platform/errs"
)

// The services' paging rules (package pagination's, which the gateway does
// not import: it would bring the database driver's bson along).
const (
	// DefaultPageSize is the page size of a request whose page_size is 0.
	DefaultPageSize = 50
	// MaxPageSize is the largest page_size accepted.
	MaxPageSize = 500
	// ReasonInvalidPageSize is the ErrorInfo reason of a page_size out of range.
	ReasonInvalidPageSize = "INVALID_PAGE_SIZE"
	// ReasonInvalidPageToken is the ErrorInfo reason of a page token that is
	// not one the Server issued for the request's parent and filter.
	ReasonInvalidPageToken = "INVALID_PAGE_TOKEN"
)

// pageSize returns the page size of a request: 0 means DefaultPageSize, 1
// to MaxPageSize as is, anything else is INVALID_ARGUMENT.
func pageSize(requested int32) (int, error) {
	if requested == 0 {
		return DefaultPageSize, nil
	}
	if requested < 0 || requested > MaxPageSize {
		desc := fmt.Sprintf("must be between 0 and %d (0 means %d); got %d", MaxPageSize, DefaultPageSize, requested)
		return 0, errs.InvalidArgument(ReasonInvalidPageSize, "invalid page_size: "+desc,
			errs.FieldViolation{Field: "page_size", Description: desc})
	}
	return int(requested), nil
}

// invalidToken is the one error of every bad page token: callers learn
// nothing about why a token failed.
func invalidToken() error {
	const desc = "is not one this listing issued: it was altered, or issued for a different parent or filter, " +
		"or before the gateway's services changed; restart the listing without page_token"
	return errs.InvalidArgument(ReasonInvalidPageToken, "invalid page_token: the token "+desc,
		errs.FieldViolation{Field: "page_token", Description: "the token " + desc})
}

// tokenVersion is the version of the page token's format.
const tokenVersion = 1

// Limits of a page token read back.
const (
	maxTokenBytes       = 16 << 10 // the whole token, encoded
	maxSourceTokenBytes = 4 << 10  // one source's page token
	maxIDBytes          = 128      // an entry id
)

// cursor is one source's position in a merged listing.
type cursor struct {
	// Token is the source's page token of the page being read; "" for its
	// first page.
	Token string `json:"t,omitempty"`
	// Returned is how many entries of that page were returned already (or
	// passed over as returned before).
	Returned int `json:"n,omitempty"`
	// LastTime (Unix nanoseconds) and LastID are the last entry the source
	// returned; LastID is "" before the first.
	LastTime int64  `json:"lt,omitempty"`
	LastID   string `json:"li,omitempty"`
	// Done says that the source has nothing more to list.
	Done bool `json:"d,omitempty"`
}

// pageToken is the composite page token, before encoding.
type pageToken struct {
	// Version is tokenVersion.
	Version int `json:"v"`
	// Query binds the token to the parent and filter (bindingOf).
	Query string `json:"q"`
	// Sources are the cursors, one per source in registration order.
	Sources []namedCursor `json:"s"`
}

// namedCursor is a source's cursor with the source's name.
type namedCursor struct {
	Name string `json:"name"`
	cursor
}

// bindingOf is what a page token is bound to: a digest of the parent and
// the filter.
func bindingOf(parent, filter string) string {
	sum := sha256.Sum256([]byte(parent + "\x00" + filter))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// encodeToken returns the page token of cursors.
func (s *Server) encodeToken(binding string, cursors []cursor) (string, error) {
	t := pageToken{Version: tokenVersion, Query: binding, Sources: make([]namedCursor, len(cursors))}
	for i, c := range cursors {
		t.Sources[i] = namedCursor{Name: s.sources[i].Name, cursor: c}
	}
	raw, err := json.Marshal(t)
	if err != nil {
		return "", errs.Internal(fmt.Errorf("auditmerge: encode page token: %w", err))
	}
	return base64.RawURLEncoding.EncodeToString(raw), nil
}

// decodeToken returns the cursors of a page token issued for binding, one
// per source; a fresh start for "". Anything else is INVALID_ARGUMENT
// INVALID_PAGE_TOKEN.
func (s *Server) decodeToken(token, binding string) ([]cursor, error) {
	cursors := make([]cursor, len(s.sources))
	if token == "" {
		return cursors, nil
	}
	if len(token) > maxTokenBytes {
		return nil, invalidToken()
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, invalidToken()
	}
	var t pageToken
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, invalidToken()
	}
	if t.Version != tokenVersion || t.Query != binding || len(t.Sources) != len(s.sources) {
		return nil, invalidToken()
	}
	for i, nc := range t.Sources {
		c := nc.cursor
		switch {
		case nc.Name != s.sources[i].Name,
			len(c.Token) > maxSourceTokenBytes,
			c.Returned < 0 || c.Returned > MaxPageSize,
			c.LastTime < 0 || len(c.LastID) > maxIDBytes,
			c.Done && (c.Token != "" || c.Returned != 0 || c.LastID != ""):
			return nil, invalidToken()
		}
		cursors[i] = c
	}
	return cursors, nil
}
