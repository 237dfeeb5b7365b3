package pagination_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
	"github.com/justiceops/justice/services/platform/pagination"
)

// testKey is a fixed key so that tokens in testdata stay valid.
var testKey = []byte("0123456789abcdef0123456789abcdef")

func newCodec(t testing.TB, key []byte) *pagination.Codec {
	t.Helper()
	c, err := pagination.NewCodec(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustMarshal(t testing.TB, v any) bson.Raw {
	t.Helper()
	b, err := bson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPageSizeDefaultsZeroAndAcceptsOneToMax(t *testing.T) {
	t.Parallel()
	for requested, want := range map[int32]int{0: 50, 1: 1, 50: 50, 499: 499, 500: 500} {
		got, err := pagination.PageSize(requested)
		if err != nil || got != want {
			t.Errorf("PageSize(%d) = %d, %v; want %d, nil", requested, got, err, want)
		}
	}
}

func TestPageSizeRejectsNegativeAndAboveMax(t *testing.T) {
	t.Parallel()
	tests := []struct {
		requested int32
		wantDesc  string
	}{
		{-1, "must be between 0 and 500 (0 means 50); got -1"},
		{501, "must be between 0 and 500 (0 means 50); got 501"},
		{1000000, "must be between 0 and 500 (0 means 50); got 1000000"},
		{-2147483648, "must be between 0 and 500 (0 means 50); got -2147483648"},
	}
	for _, tt := range tests {
		_, err := pagination.PageSize(tt.requested)
		e, ok := errs.As(err)
		if !ok {
			t.Fatalf("PageSize(%d) error = %v, want *errs.Error", tt.requested, err)
		}
		if e.Kind != errs.KindInvalidArgument || e.Reason != "INVALID_PAGE_SIZE" {
			t.Errorf("PageSize(%d) = %v %s, want INVALID_ARGUMENT INVALID_PAGE_SIZE", tt.requested, e.Kind, e.Reason)
		}
		if len(e.Violations) != 1 || e.Violations[0].Field != "page_size" || e.Violations[0].Description != tt.wantDesc {
			t.Errorf("PageSize(%d) violations = %+v, want page_size: %q", tt.requested, e.Violations, tt.wantDesc)
		}
	}
}

func TestNewCodecRequiresAKeyOfAtLeast32Bytes(t *testing.T) {
	t.Parallel()
	if _, err := pagination.NewCodec(make([]byte, 31)); err == nil {
		t.Error("NewCodec(31 bytes) = nil error")
	}
	if _, err := pagination.NewCodec(nil); err == nil {
		t.Error("NewCodec(nil) = nil error")
	}
	if _, err := pagination.NewCodec(make([]byte, 32)); err != nil {
		t.Errorf("NewCodec(32 bytes) = %v", err)
	}
}

func TestEncodeDecodeRoundTripsTheCursor(t *testing.T) {
	t.Parallel()
	c := newCodec(t, testKey)
	cursor := mustMarshal(t, bson.D{
		{Key: "k", Value: bson.A{time.Date(2024, 7, 1, 10, 0, 0, 0, time.UTC), "CONFIRMED", int64(42), "b3q6x"}},
	})
	token, err := c.Encode("offices/mumbai|status = CONFIRMED|create_time desc", cursor)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(token, "+/=") {
		t.Errorf("token %q is not unpadded base64url", token)
	}
	got, err := c.Decode(token, "offices/mumbai|status = CONFIRMED|create_time desc")
	if err != nil {
		t.Fatalf("Decode() = %v", err)
	}
	if !bytes.Equal(got, cursor) {
		t.Errorf("Decode() = %v, want %v", got, cursor)
	}
}

func TestEncodeRejectsACursorThatIsNotADocument(t *testing.T) {
	t.Parallel()
	c := newCodec(t, testKey)
	if _, err := c.Encode("q", bson.Raw{1, 2, 3}); err == nil {
		t.Error("Encode(garbage) = nil error")
	}
}

func TestEncodeRejectsACursorTooLargeForAToken(t *testing.T) {
	t.Parallel()
	c := newCodec(t, testKey)
	big := mustMarshal(t, bson.M{"k": strings.Repeat("x", pagination.MaxTokenLength)})
	if _, err := c.Encode("q", big); err == nil {
		t.Error("Encode(huge cursor) = nil error")
	}
}

func assertInvalidToken(t *testing.T, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error = %v, want *errs.Error", err)
	}
	if e.Kind != errs.KindInvalidArgument || e.Reason != "INVALID_PAGE_TOKEN" {
		t.Errorf("error = %v %s, want INVALID_ARGUMENT INVALID_PAGE_TOKEN", e.Kind, e.Reason)
	}
	if len(e.Violations) != 1 || e.Violations[0].Field != "page_token" {
		t.Fatalf("violations = %+v, want one on page_token", e.Violations)
	}
	for _, want := range []string{"does not belong to this query", "without page_token"} {
		if !strings.Contains(e.Violations[0].Description, want) {
			t.Errorf("violation %q does not say %q", e.Violations[0].Description, want)
		}
	}
}

func TestDecodeRejectsATokenForAnotherQuery(t *testing.T) {
	t.Parallel()
	c := newCodec(t, testKey)
	token, err := c.Encode("offices/mumbai|status = CONFIRMED", mustMarshal(t, bson.M{"k": bson.A{"x"}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{
		"offices/kolkata|status = CONFIRMED",
		"offices/mumbai|status = RAIDED",
		"offices/mumbai|status = CONFIRMED ",
		"",
	} {
		_, err := c.Decode(token, other)
		assertInvalidToken(t, err)
	}
}

func TestDecodeRejectsATokenSignedWithAnotherKey(t *testing.T) {
	t.Parallel()
	other := newCodec(t, bytes.Repeat([]byte{7}, 32))
	token, err := other.Encode("q", mustMarshal(t, bson.M{"k": bson.A{"x"}}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = newCodec(t, testKey).Decode(token, "q")
	assertInvalidToken(t, err)
}

func TestDecodeRejectsEveryAlteredByte(t *testing.T) {
	t.Parallel()
	c := newCodec(t, testKey)
	token, err := c.Encode("q", mustMarshal(t, bson.M{"k": bson.A{"x", int32(5)}}))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		altered := bytes.Clone(raw)
		altered[i] ^= 0x01
		_, err := c.Decode(base64.RawURLEncoding.EncodeToString(altered), "q")
		assertInvalidToken(t, err)
	}
	// Truncated and extended tokens too.
	for _, bad := range [][]byte{raw[:len(raw)-1], append(bytes.Clone(raw), 0)} {
		_, err := c.Decode(base64.RawURLEncoding.EncodeToString(bad), "q")
		assertInvalidToken(t, err)
	}
}

func TestDecodeRejectsMalformedTokens(t *testing.T) {
	t.Parallel()
	c := newCodec(t, testKey)
	for name, token := range map[string]string{
		"empty":           "",
		"not base64":      "!!!!",
		"padded":          "AQ==",
		"standard base64": "ab+/",
		"too short":       "AQID",
		"too long":        strings.Repeat("A", pagination.MaxTokenLength+1),
		"offset-like":     "50",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Decode(token, "q")
			assertInvalidToken(t, err)
		})
	}
}

func TestConfigValidateChecksEncodingAndLengthWithoutPrintingTheKey(t *testing.T) {
	t.Parallel()
	good := base64.StdEncoding.EncodeToString(testKey)
	short := base64.StdEncoding.EncodeToString([]byte("only-sixteen-byt"))
	tests := []struct {
		name, key string
		wantErr   string
	}{
		{"empty means random", "", ""},
		{"standard base64", good, ""},
		{"url-safe base64 without padding", base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 33)), ""},
		{"not base64", "this is not base64!", "PAGE_TOKEN_KEY: must be base64"},
		{"too short", short, "PAGE_TOKEN_KEY: must decode to at least 32 bytes"},
	}
	for _, tt := range tests {
		err := pagination.Config{Key: tt.key}.Validate()
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("%s: Validate() = %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.wantErr)
			continue
		}
		if tt.key != "" && strings.Contains(err.Error(), tt.key) {
			t.Errorf("%s: Validate() = %q prints the key", tt.name, err)
		}
	}
}

func TestNewCodecFromConfigUsesTheConfiguredKey(t *testing.T) {
	t.Parallel()
	cfg := pagination.Config{Key: base64.StdEncoding.EncodeToString(testKey)}
	a, err := pagination.NewCodecFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, err := a.Encode("q", mustMarshal(t, bson.M{"k": bson.A{1}}))
	if err != nil {
		t.Fatal(err)
	}
	// A replica with the same key accepts the token.
	if _, err := newCodec(t, testKey).Decode(token, "q"); err != nil {
		t.Errorf("Decode with the same key = %v", err)
	}
	if _, err := pagination.NewCodecFromConfig(pagination.Config{Key: "short"}); err == nil {
		t.Error("NewCodecFromConfig(bad key) = nil error")
	}
}

func TestNewCodecFromConfigWithoutKeyIsRandomPerCodec(t *testing.T) {
	t.Parallel()
	a, err := pagination.NewCodecFromConfig(pagination.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := pagination.NewCodecFromConfig(pagination.Config{})
	if err != nil {
		t.Fatal(err)
	}
	token, err := a.Encode("q", mustMarshal(t, bson.M{"k": bson.A{1}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Decode(token, "q"); err != nil {
		t.Errorf("own token rejected: %v", err)
	}
	_, err = b.Decode(token, "q")
	assertInvalidToken(t, err)
}
