package kittest

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Counts returns the number of documents in each of the collections of db:
// what a test compares before and after a refused request, to check that
// nothing was written.
func Counts(t testing.TB, db *mongo.Database, collections ...string) map[string]int64 {
	t.Helper()
	out := make(map[string]int64, len(collections))
	for _, c := range collections {
		n, err := db.Collection(c).CountDocuments(context.Background(), bson.D{})
		if err != nil {
			t.Fatalf("kittest.Counts: %s: %v", c, err)
		}
		out[c] = n
	}
	return out
}
