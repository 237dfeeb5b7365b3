package pagination_test

import (
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/justiceops/justice/services/platform/errs"
)

// FuzzDecode checks that Decode never panics, rejects anything it did not
// issue with INVALID_PAGE_TOKEN, and accepts a token only in its canonical
// form: re-encoding the decoded cursor for the same query gives the same token.
// Seeds are in testdata/fuzz/FuzzDecode (valid tokens for testKey among them).
func FuzzDecode(f *testing.F) {
	c := newCodec(f, testKey)
	valid, err := c.Encode("offices/mumbai|create_time desc", mustMarshal(f, bson.D{{Key: "k", Value: bson.A{"x", int64(1)}}}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, "offices/mumbai|create_time desc")
	f.Add(valid, "offices/kolkata|create_time desc")
	f.Add("", "")

	f.Fuzz(func(t *testing.T, token, query string) {
		cursor, err := c.Decode(token, query)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalidArgument || e.Reason != "INVALID_PAGE_TOKEN" {
				t.Fatalf("Decode(%q) error = %v, want INVALID_PAGE_TOKEN", token, err)
			}
			return
		}
		if err := cursor.Validate(); err != nil {
			t.Fatalf("Decode(%q) returned an invalid document: %v", token, err)
		}
		again, err := c.Encode(query, cursor)
		if err != nil {
			t.Fatalf("Encode(decoded cursor) = %v", err)
		}
		if again != token {
			t.Fatalf("Decode accepted the non-canonical token %q (canonical %q)", token, again)
		}
	})
}
