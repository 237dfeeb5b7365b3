// Package pagination implements AIP-158 list pagination: page size limits and
// opaque, tamper-evident page tokens.
//
// A page token carries a keyset cursor (the sort values of the last item
// returned, never an offset) and an HMAC-SHA256 that binds it to the query
// it was issued for. A token that was altered, issued for another query
// (another parent, filter or order_by), or issued under another key is
// rejected with INVALID_ARGUMENT reason INVALID_PAGE_TOKEN.
//
// Tokens are signed, not encrypted: the cursor holds the sort values of an
// item the caller has already received, which is why only fields the caller
// may see belong in order_by.
package pagination

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
)

// Page size limits.
const (
	// DefaultPageSize is used when a request leaves page_size at 0.
	DefaultPageSize = 50
	// MaxPageSize is the largest page_size accepted.
	MaxPageSize = 500
)

// Limits of page tokens.
const (
	// MinKeyBytes is the smallest accepted HMAC key.
	MinKeyBytes = 32
	// MaxTokenLength bounds the length of a page token, in characters, so a
	// caller cannot make the service decode arbitrarily large input.
	MaxTokenLength = 4096
)

// Reasons of the errors this package returns.
const (
	ReasonInvalidPageSize  = "INVALID_PAGE_SIZE"
	ReasonInvalidPageToken = "INVALID_PAGE_TOKEN"
)

// tokenVersion is the first byte of every token, so the format can change
// without old tokens being misread.
const tokenVersion byte = 1

// macContext separates these MACs from any other use of the same key.
const macContext = "justice/pagination/page-token/v1"

// PageSize returns the page size to use for a requested page_size: 0 means
// DefaultPageSize, 1 to MaxPageSize are used as is, and anything else is
// INVALID_ARGUMENT reason INVALID_PAGE_SIZE with a violation on "page_size".
func PageSize(requested int32) (int, error) {
	switch {
	case requested == 0:
		return DefaultPageSize, nil
	case requested > 0 && requested <= MaxPageSize:
		return int(requested), nil
	default:
		desc := fmt.Sprintf("must be between 0 and %d (0 means %d); got %d", MaxPageSize, DefaultPageSize, requested)
		return 0, errs.InvalidArgument(ReasonInvalidPageSize, "invalid page_size: "+desc,
			errs.FieldViolation{Field: "page_size", Description: desc})
	}
}

// Codec encodes and decodes page tokens under one HMAC-SHA256 key. Every
// replica of a service must use the same key for tokens to survive a call
// landing on another replica or a restart. It is safe for concurrent use.
type Codec struct {
	key []byte
}

// NewCodec returns a Codec for key, which must be at least MinKeyBytes long
// and should be random.
func NewCodec(key []byte) (*Codec, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("pagination.NewCodec: key is %d bytes; at least %d are required", len(key), MinKeyBytes)
	}
	return &Codec{key: append([]byte(nil), key...)}, nil
}

// Config configures the page token key.
type Config struct {
	// Key is the base64 encoding of at least 32 random bytes (for example
	// from `openssl rand -base64 32`). Empty means a random key per process:
	// fine for a single process, but tokens then die with the process and
	// do not work across replicas.
	Key string `env:"PAGE_TOKEN_KEY"`
}

// Validate checks the key's encoding and length. The key is never printed.
func (c Config) Validate() error {
	if c.Key == "" {
		return nil
	}
	key, err := decodeKey(c.Key)
	if err != nil {
		return errors.New("PAGE_TOKEN_KEY: must be base64 (value not shown because it is a secret)")
	}
	if len(key) < MinKeyBytes {
		return fmt.Errorf("PAGE_TOKEN_KEY: must decode to at least %d bytes, e.g. from `openssl rand -base64 32`; got %d bytes",
			MinKeyBytes, len(key))
	}
	return nil
}

// NewCodecFromConfig returns a Codec for cfg.Key, or for a random key when
// cfg.Key is empty.
func NewCodecFromConfig(cfg Config) (*Codec, error) {
	if cfg.Key == "" {
		key := make([]byte, MinKeyBytes)
		_, _ = rand.Read(key) // crypto/rand.Read never returns an error
		return NewCodec(key)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("pagination.NewCodecFromConfig: %w", err)
	}
	key, _ := decodeKey(cfg.Key)
	return NewCodec(key)
}

// decodeKey accepts standard or URL-safe base64, padded or not.
func decodeKey(s string) ([]byte, error) {
	var firstErr error
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// Encode returns a page token for cursor, bound to query: the caller's
// canonical description of what is being listed (parent, filter, order_by).
// The token is unpadded base64url.
func (c *Codec) Encode(query string, cursor bson.Raw) (string, error) {
	if err := cursor.Validate(); err != nil {
		return "", fmt.Errorf("pagination.Encode: cursor is not a BSON document: %w", err)
	}
	body := make([]byte, 0, 1+len(cursor)+sha256.Size)
	body = append(body, tokenVersion)
	body = append(body, cursor...)
	body = append(body, c.mac(nil, query, body)...)
	token := base64.RawURLEncoding.EncodeToString(body)
	if len(token) > MaxTokenLength {
		return "", fmt.Errorf("pagination.Encode: token would be %d characters; at most %d are allowed", len(token), MaxTokenLength)
	}
	return token, nil
}

// Decode returns the cursor of token if the token was issued by Encode under
// this codec's key for the same query. Otherwise it returns INVALID_ARGUMENT
// reason INVALID_PAGE_TOKEN with a violation on "page_token".
func (c *Codec) Decode(token, query string) (bson.Raw, error) {
	if len(token) > MaxTokenLength {
		return nil, invalidToken()
	}
	// Strict decoding makes the encoding canonical: one token per cursor.
	body, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return nil, invalidToken()
	}
	// version, a BSON document of at least 5 bytes, the MAC
	if len(body) < 1+5+sha256.Size || body[0] != tokenVersion {
		return nil, invalidToken()
	}
	signed, tag := body[:len(body)-sha256.Size], body[len(body)-sha256.Size:]
	if !hmac.Equal(tag, c.mac(nil, query, signed)) {
		return nil, invalidToken()
	}
	cursor := bson.Raw(signed[1:])
	// A valid MAC means this codec made the token, so the cursor is a valid
	// document; checking again costs little and guards against a leaked key.
	if err := cursor.Validate(); err != nil {
		return nil, invalidToken()
	}
	return cursor, nil
}

// mac appends to dst the HMAC of the query and the signed bytes. The query
// is length-prefixed so that no two (query, body) pairs share an input.
func (c *Codec) mac(dst []byte, query string, signed []byte) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte(macContext))
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(query)))])
	h.Write([]byte(query))
	h.Write(signed)
	return h.Sum(dst)
}

// InvalidToken returns the INVALID_PAGE_TOKEN error Decode returns, for
// callers that find a decoded cursor unusable (e.g. listing, when a cursor
// does not fit the sort it was bound to).
func InvalidToken() error { return invalidToken() }

// invalidToken is the one error for every bad token: callers learn nothing
// about why a forged token failed.
func invalidToken() error {
	const desc = "does not belong to this query: it was altered, issued for a different parent, " +
		"filter or order_by, or issued by another deployment; restart the listing without page_token"
	return errs.InvalidArgument(ReasonInvalidPageToken, "invalid page_token: the token "+desc,
		errs.FieldViolation{Field: "page_token", Description: "the token " + desc})
}
